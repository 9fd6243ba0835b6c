import { NgTemplateOutlet } from '@angular/common';
import {
  ChangeDetectionStrategy,
  Component,
  ElementRef,
  Injector,
  afterNextRender,
  inject,
  input,
  output,
  signal,
  viewChild,
} from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { FormControl, FormGroup, ReactiveFormsModule } from '@angular/forms';

import { ApiClient, ApiError, Job, Schemas, apiErrorFrom } from '../../core/api';
import { CurrentUser } from '../../core/current-user';
import { ErrorBox } from '../../shared/error-box';
import { StaffOnly } from '../../shared/staff-only';
import { JobRun } from '../../shared/job-run';
import { FieldErrors, isDay, parseTickers, tickerProblem } from '../../shared/form-rules';
import { DataJobStatus } from './data-job-status';

/** The API's limit on one collection job (tc2/program/jobs.py MAX_SYMBOLS_PER_JOB). */
export const MAX_SYMBOLS_PER_JOB = 100;

type ImportFormat = Schemas['FormatEnum'];

/** A local date as the API's YYYY-MM-DD, ``days`` before today. */
export function isoDaysAgo(days: number, today: Date = new Date()): string {
  const day = new Date(today.getFullYear(), today.getMonth(), today.getDate() - days);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}`;
}

/** Start and optional end of a date range: present, real, in order, not in the future. */
function checkRange(start: string, end: string, problems: FieldErrors): void {
  const today = isoDaysAgo(0);
  if (!isDay(start)) {
    problems['start'] = ['Choose the first day.'];
  } else if (start > today) {
    problems['start'] = ['The first day is in the future.'];
  }
  if (end !== '' && !isDay(end)) {
    problems['end'] = ['Enter the last day as a date, or leave it empty.'];
  } else if (end !== '' && isDay(start) && end < start) {
    problems['end'] = ['The last day is before the first day.'];
  }
}

function checkSymbols(text: string, problems: FieldErrors, { required }: { required: boolean }): string[] {
  const { symbols, problems: bad } = parseTickers(text);
  if (bad.length) {
    problems['symbols'] = bad;
  } else if (required && !symbols.length) {
    problems['symbols'] = ['Name at least one symbol, e.g. SPY.'];
  } else if (symbols.length > MAX_SYMBOLS_PER_JOB) {
    problems['symbols'] = [`At most ${MAX_SYMBOLS_PER_JOB} symbols per job; this names ${symbols.length}.`];
  }
  return symbols;
}

/** Form field → the API's names for it in a 422's details.fields. */
const SERVER_FIELDS: Record<string, string[]> = {
  symbols: ['symbols'],
  symbol: ['symbols', 'symbol'],
  start: ['start_date'],
  end: ['end_date'],
  file: ['file'],
  options: ['options', 'format', 'timezone', 'label', 'resolution', 'non_session'],
};

/**
 * The data work a trader starts by hand, each a job whose progress shows under its form: heal the
 * recent sessions, patch a range, recollect a range (deleting first, so it asks to confirm), import
 * a bar file; and forget failed collection attempts. Every form is checked before it is sent.
 */
@Component({
  selector: 'tc2-data-actions',
  imports: [NgTemplateOutlet, ReactiveFormsModule, ErrorBox, StaffOnly, DataJobStatus],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <!-- A form's date range: first and last day, with their messages. -->
    <ng-template #range let-name let-form="form">
      <div class="row">
        <div>
          <label [for]="name + '-start'">First day</label>
          <input [id]="name + '-start'" type="date" [formControl]="form.controls.start" [attr.aria-invalid]="has(name, 'start')"
                 [attr.aria-describedby]="name + '-range-errors'" />
        </div>
        <div>
          <label [for]="name + '-end'">Last day (empty: last session)</label>
          <input [id]="name + '-end'" type="date" [formControl]="form.controls.end" [attr.aria-invalid]="has(name, 'end')"
                 [attr.aria-describedby]="name + '-range-errors'" />
        </div>
      </div>
      <div [id]="name + '-range-errors'">
        @for (m of messages(name, 'start'); track $index) { <p class="field-error" role="alert">First day: {{ m }}</p> }
        @for (m of messages(name, 'end'); track $index) { <p class="field-error" role="alert">Last day: {{ m }}</p> }
      </div>
    </ng-template>
    <datalist id="universe-symbols">
      @for (symbol of universe(); track symbol) {
        <option [value]="symbol"></option>
      }
    </datalist>
    <tc2-staff-only action="heal, patch, recollect or import market data, or reset collection attempts" />
    <fieldset class="plain" [disabled]="!user.isStaff()">
    <div class="grid">
      <section class="card" aria-labelledby="heal-title">
        <h2 id="heal-title">Heal</h2>
        <p class="muted small">Collect the missing or invalid days among the last 30 sessions; days that failed 3 times are skipped.</p>
        <form [formGroup]="healForm" (ngSubmit)="heal()" novalidate>
          <label for="heal-symbols">Symbols (empty: the whole universe)</label>
          <input id="heal-symbols" formControlName="symbols" autocomplete="off" placeholder="e.g. SPY, QQQ"
                 [attr.aria-invalid]="has('heal', 'symbols')" aria-describedby="heal-symbols-errors" />
          <div id="heal-symbols-errors">
            @for (m of messages('heal', 'symbols'); track $index) { <p class="field-error" role="alert">{{ m }}</p> }
          </div>
          <button type="submit" [disabled]="healRun.busy()">Heal</button>
        </form>
        <tc2-data-job-status [run]="healRun" [shownFields]="serverFieldsShown('heal')" />
        <h3>Failed attempts</h3>
        <p class="muted small">Heal skips a day after 3 failed attempts. Forget them to try every day again.</p>
        <button type="button" class="secondary" [disabled]="resetting()" (click)="resetAttempts()">Reset collection attempts</button>
        @if (resetNote(); as note) { <p role="status">{{ note }}</p> }
        <tc2-error-box [error]="resetError()" />
      </section>

      <section class="card" aria-labelledby="patch-title">
        <h2 id="patch-title">Patch</h2>
        <p class="muted small">Collect every missing or invalid session of a range; valid days are left alone.</p>
        <form #patchFormElement [formGroup]="patchForm" (ngSubmit)="patch()" novalidate>
          <label for="patch-symbols">Symbols</label>
          <input id="patch-symbols" formControlName="symbols" autocomplete="off" list="universe-symbols" placeholder="e.g. SPY, QQQ"
                 [attr.aria-invalid]="has('patch', 'symbols')" aria-describedby="patch-symbols-errors" />
          <div id="patch-symbols-errors">
            @for (m of messages('patch', 'symbols'); track $index) { <p class="field-error" role="alert">{{ m }}</p> }
          </div>
          <ng-container *ngTemplateOutlet="range; context: { $implicit: 'patch', form: patchForm }" />
          <button type="submit" [disabled]="patchRun.busy()">Patch</button>
        </form>
        <tc2-data-job-status [run]="patchRun" [shownFields]="serverFieldsShown('patch')" />
      </section>

      <section class="card" aria-labelledby="recollect-title">
        <h2 id="recollect-title">Recollect</h2>
        <p class="muted small">Delete one symbol's bars in a range and collect them again from the source.</p>
        <form [formGroup]="recollectForm" (ngSubmit)="askRecollect()" novalidate>
          <label for="recollect-symbol">Symbol</label>
          <input id="recollect-symbol" formControlName="symbol" autocomplete="off" list="universe-symbols" placeholder="e.g. SPY"
                 [attr.aria-invalid]="has('recollect', 'symbol')" aria-describedby="recollect-symbol-errors" />
          <div id="recollect-symbol-errors">
            @for (m of messages('recollect', 'symbol'); track $index) { <p class="field-error" role="alert">{{ m }}</p> }
          </div>
          <ng-container *ngTemplateOutlet="range; context: { $implicit: 'recollect', form: recollectForm }" />
          @if (recollectQuestion(); as question) {
            <div class="confirm-box" role="group" aria-label="Confirm the recollection">
              <p><strong>{{ question }}</strong></p>
              <button #recollectConfirm type="button" class="danger" (click)="recollect()">Delete and recollect</button>
              <button type="button" class="secondary" (click)="recollectQuestion.set(null)">Cancel</button>
            </div>
          } @else {
            <button type="submit" class="danger" [disabled]="recollectRun.busy()">Recollect…</button>
          }
        </form>
        <tc2-data-job-status [run]="recollectRun" [shownFields]="serverFieldsShown('recollect')" />
      </section>

      <section class="card" aria-labelledby="import-title">
        <h2 id="import-title">Import a bar file</h2>
        <p class="muted small">Every row is checked first; a file with a bad row is refused whole, listing the rows.</p>
        <form [formGroup]="importForm" (ngSubmit)="importFile()" novalidate>
          <label for="import-file">Bar file</label>
          <input #fileInput id="import-file" type="file" accept=".txt,.csv,text/plain,text/csv" (change)="chooseFile($event)"
                 [attr.aria-invalid]="has('import', 'file')" aria-describedby="import-file-errors" />
          <div id="import-file-errors">
            @for (m of messages('import', 'file').slice(0, 20); track $index) { <p class="field-error" role="alert">{{ m }}</p> }
            @if (messages('import', 'file').length > 20) {
              <p class="field-error">… and {{ messages('import', 'file').length - 20 }} more problems.</p>
            }
          </div>
          <div class="row">
            <div>
              <label for="import-format">Format</label>
              <select id="import-format" formControlName="format">
                <option value="ninjatrader">NinjaTrader export (UTC, bar end)</option>
                <option value="csv">CSV with a header</option>
                <option value="yahoo">Yahoo daily CSV</option>
              </select>
            </div>
            <div>
              <label for="import-symbol">Symbol</label>
              <input id="import-symbol" formControlName="symbol" autocomplete="off" list="universe-symbols" placeholder="e.g. SPY"
                     [attr.aria-invalid]="has('import', 'symbol')" aria-describedby="import-symbol-errors" />
            </div>
            @if (format() !== 'yahoo') {
              <div>
                <label for="import-resolution">Bar size</label>
                <select id="import-resolution" formControlName="resolution">
                  <option value="1m">1 minute</option>
                  <option value="1s">1 second</option>
                </select>
              </div>
            }
            <div>
              <label for="import-non-session">Rows on days that are not sessions</label>
              <select id="import-non-session" formControlName="nonSession" aria-describedby="import-options-errors">
                <option value="refuse">refuse the file, naming their lines</option>
                <option value="skip">skip them, import the rest</option>
                @if (format() === 'yahoo') {
                  <option value="keep">keep them as sessions of the symbol</option>
                }
              </select>
            </div>
            @if (format() === 'csv') {
              <div>
                <label for="import-timezone">Time zone of the times</label>
                <input id="import-timezone" formControlName="timezone" autocomplete="off" placeholder="UTC or America/New_York"
                       [attr.aria-invalid]="has('import', 'timezone')" aria-describedby="import-options-errors" />
              </div>
              <div>
                <label for="import-label">Times mark the bar's</label>
                <select id="import-label" formControlName="label">
                  <option value="start">start</option>
                  <option value="end">end</option>
                </select>
              </div>
            }
          </div>
          <div id="import-symbol-errors">
            @for (m of messages('import', 'symbol'); track $index) { <p class="field-error" role="alert">{{ m }}</p> }
          </div>
          <div id="import-options-errors">
            @for (m of messages('import', 'timezone'); track $index) { <p class="field-error" role="alert">{{ m }}</p> }
            @for (m of messages('import', 'non_session'); track $index) { <p class="field-error" role="alert">{{ m }}</p> }
            @for (m of messages('import', 'options'); track $index) { <p class="field-error" role="alert">{{ m }}</p> }
          </div>
          <button type="submit" [disabled]="importRun.busy()">Import file</button>
        </form>
        <tc2-data-job-status [run]="importRun" [shownFields]="serverFieldsShown('import')" />
      </section>
    </div>
    </fieldset>
  `,
  styles: `
    .card form > button, .card form > .confirm-box { margin-top: 0.75rem; }
    .card input:not([type='checkbox']):not([type='file']) { width: 100%; }
    .card input[type='file'] { max-width: 100%; }
    .row > div { flex: 1 1 9rem; }
    .confirm-box { border: 1px solid var(--warn); border-radius: 4px; padding: 0.6rem 0.8rem; }
    .confirm-box p { margin: 0 0 0.5rem; }
    .confirm-box button { margin-right: 0.5rem; }
  `,
})
export class DataActions {
  private readonly api = inject(ApiClient);
  private readonly injector = inject(Injector);
  protected readonly user = inject(CurrentUser);

  /** The symbol universe, offered while typing. */
  readonly universe = input<readonly string[]>([]);
  /** A job that changed data on file finished successfully. */
  readonly dataChanged = output<Job>();

  protected readonly healForm = new FormGroup({ symbols: new FormControl('', { nonNullable: true }) });
  protected readonly patchForm = new FormGroup({
    symbols: new FormControl('', { nonNullable: true }),
    start: new FormControl(isoDaysAgo(30), { nonNullable: true }),
    end: new FormControl('', { nonNullable: true }),
  });
  protected readonly recollectForm = new FormGroup({
    symbol: new FormControl('', { nonNullable: true }),
    start: new FormControl('', { nonNullable: true }),
    end: new FormControl('', { nonNullable: true }),
  });
  protected readonly importForm = new FormGroup({
    format: new FormControl<ImportFormat>('ninjatrader', { nonNullable: true }),
    symbol: new FormControl('', { nonNullable: true }),
    resolution: new FormControl<'1m' | '1s'>('1m', { nonNullable: true }),
    timezone: new FormControl('UTC', { nonNullable: true }),
    label: new FormControl<'start' | 'end'>('start', { nonNullable: true }),
    nonSession: new FormControl<'refuse' | 'skip' | 'keep'>('refuse', { nonNullable: true }),
  });

  private readonly done = (job: Job) => {
    if (job.status === 'succeeded') {
      this.dataChanged.emit(job);
    }
  };
  protected readonly healRun = new JobRun({ finished: this.done });
  protected readonly patchRun = new JobRun({ finished: this.done });
  protected readonly recollectRun = new JobRun({ finished: this.done });
  protected readonly importRun = new JobRun({ finished: this.done });

  private readonly problems = signal<Record<string, FieldErrors>>({});
  protected readonly recollectQuestion = signal<string | null>(null);
  protected readonly format = signal<ImportFormat>('ninjatrader');
  private readonly file = signal<File | null>(null);
  protected readonly resetting = signal(false);
  protected readonly resetNote = signal<string | null>(null);
  protected readonly resetError = signal<ApiError | null>(null);

  private readonly runs: Record<string, JobRun> = {
    heal: this.healRun,
    patch: this.patchRun,
    recollect: this.recollectRun,
    import: this.importRun,
  };
  private readonly patchFormElement = viewChild.required<ElementRef<HTMLFormElement>>('patchFormElement');
  private readonly recollectConfirm = viewChild<ElementRef<HTMLButtonElement>>('recollectConfirm');

  /** Server field names each form shows next to its inputs (the error box lists the rest). */
  protected readonly serverFieldsShown = (form: string) =>
    Object.keys(this.runs[form].error()?.fields ?? {}).filter((name) =>
      Object.values(SERVER_FIELDS).some((names) => names.includes(name)),
    );

  constructor() {
    this.importForm.controls.format.valueChanges
      .pipe(takeUntilDestroyed())
      .subscribe((format) => this.format.set(format));
  }

  /** Fill the patch form (from the coverage table) and bring it into view. */
  preparePatch(symbol: string, start: string, end: string): void {
    this.patchForm.setValue({ symbols: symbol, start, end });
    this.setProblems('patch', {});
    const form = this.patchFormElement().nativeElement;
    form.scrollIntoView?.({ block: 'center' });
    form.querySelector<HTMLInputElement>('#patch-symbols')?.focus();
  }

  /** Local problems of a form's field, then the server's messages for it. */
  protected messages(form: string, field: string): string[] {
    const local = this.problems()[form]?.[field] ?? [];
    const error = this.runs[form]?.error();
    const server = (SERVER_FIELDS[field] ?? [field]).flatMap((name) => error?.field(name) ?? []);
    return [...local, ...server];
  }

  protected has(form: string, field: string): boolean {
    return this.messages(form, field).length > 0;
  }

  protected heal(): void {
    const problems: FieldErrors = {};
    const symbols = checkSymbols(this.healForm.controls.symbols.value, problems, { required: false });
    if (!this.setProblems('heal', problems)) {
      return;
    }
    this.healRun.submit(this.api.post('/api/data/heal', symbols.length ? { symbols } : {}));
  }

  protected patch(): void {
    const { symbols: text, start, end } = this.patchForm.getRawValue();
    const problems: FieldErrors = {};
    const symbols = checkSymbols(text, problems, { required: true });
    checkRange(start, end, problems);
    if (!this.setProblems('patch', problems)) {
      return;
    }
    this.patchRun.submit(
      this.api.post('/api/data/patch', { symbols, start_date: start, ...(end ? { end_date: end } : {}) }),
    );
  }

  protected askRecollect(): void {
    const { symbol: raw, start, end } = this.recollectForm.getRawValue();
    const symbol = raw.trim().toUpperCase();
    const problems: FieldErrors = {};
    const symbolProblem = symbol ? tickerProblem(raw) : 'Name the symbol, e.g. SPY.';
    if (symbolProblem) {
      problems['symbol'] = [symbolProblem];
    }
    checkRange(start, end, problems);
    if (!this.setProblems('recollect', problems)) {
      return;
    }
    this.recollectQuestion.set(
      `Delete ${symbol}'s bars from ${start} to ${end || 'the last session'} and collect them again?`,
    );
    afterNextRender(() => this.recollectConfirm()?.nativeElement.focus(), { injector: this.injector });
  }

  protected recollect(): void {
    const { symbol, start, end } = this.recollectForm.getRawValue();
    this.recollectQuestion.set(null);
    this.recollectRun.submit(
      this.api.post('/api/data/recollect', undefined, {
        query: { symbol: symbol.trim().toUpperCase(), start_date: start, ...(end ? { end_date: end } : {}) },
      }),
    );
  }

  protected chooseFile(event: Event): void {
    const files = (event.target as HTMLInputElement).files;
    this.file.set(files && files.length ? files[0] : null);
    this.setProblems('import', { ...this.problems()['import'], file: [] });
  }

  protected importFile(): void {
    const { format, symbol: raw, resolution, timezone, label, nonSession } =
      this.importForm.getRawValue();
    const symbol = raw.trim().toUpperCase();
    const file = this.file();
    const problems: FieldErrors = {};
    if (!file) {
      problems['file'] = ['Choose the bar file to import.'];
    } else if (file.size === 0) {
      problems['file'] = [`${file.name} is empty.`];
    }
    const symbolProblem = symbol ? tickerProblem(raw) : 'Name the symbol the bars are of.';
    if (symbolProblem) {
      problems['symbol'] = [symbolProblem];
    }
    if (format === 'csv' && timezone.trim() === '') {
      problems['timezone'] = ['Name the time zone of the times, e.g. UTC or America/New_York.'];
    }
    if (!this.setProblems('import', problems) || !file) {
      return;
    }
    const body = new FormData();
    body.append('file', file, file.name);
    body.append('format', format);
    body.append('symbol', symbol);
    body.append('non_session', nonSession);
    if (format !== 'yahoo') {
      body.append('resolution', resolution);
    }
    if (format === 'csv') {
      body.append('timezone', timezone.trim());
      body.append('label', label);
    }
    this.importRun.submit(this.api.post('/api/data/import', body));
  }

  protected resetAttempts(): void {
    this.resetting.set(true);
    this.resetNote.set(null);
    this.resetError.set(null);
    this.api.post('/api/data/reset_collection_attempts').subscribe({
      next: (answer) => {
        this.resetting.set(false);
        this.resetNote.set(
          answer.reset
            ? `Forgot ${answer.reset} failed ${answer.reset === 1 ? 'attempt count' : 'attempt counts'}; heal tries every day again.`
            : 'There were no failed attempts to forget.',
        );
      },
      error: (failure: unknown) => {
        this.resetting.set(false);
        this.resetError.set(apiErrorFrom(failure));
      },
    });
  }

  /** Record a form's local problems; true when there are none (the form may be sent). */
  private setProblems(form: string, problems: FieldErrors): boolean {
    this.problems.update((all) => ({ ...all, [form]: problems }));
    return Object.values(problems).every((messages) => messages.length === 0);
  }
}
