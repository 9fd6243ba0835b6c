import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  ElementRef,
  Injector,
  computed,
  effect,
  inject,
  input,
  signal,
  untracked,
} from '@angular/core';
import { takeUntilDestroyed, toSignal } from '@angular/core/rxjs-interop';
import { FormControl, FormGroup, ReactiveFormsModule } from '@angular/forms';
import { ActivatedRoute, Router, RouterLink } from '@angular/router';
import { Subscription, map } from 'rxjs';

import { ApiError, Job, apiErrorFrom } from '../../core/api';
import { ErrorBox } from '../../shared/error-box';
import { JobProgress } from '../../shared/job-progress';
import { JobRun } from '../../shared/job-run';
import { FieldErrors, describedBy, focusFirstInvalid, messagesFor } from '../../shared/form-rules';
import { Visual } from './visual-json';
import {
  KEY_FIELDS,
  RUN_MODES,
  VISUAL_FIELDS,
  VISUAL_FORMS,
  VISUAL_TYPES,
  VisualField,
  VisualForm,
  isVisualType,
  visualKeyQuery,
  visualQueryParams,
  visualRequest,
} from './visual-request';
import { VisualView } from './visual-view';
import {
  StrategyRun,
  VisualGenerateQuery,
  VisualGetQuery,
  VisualList,
  VisualResult,
  VisualSummary,
  VisualTypeName,
  VisualsApi,
} from './visuals-api';
import { fmt } from '../../shared/format';

type ShownState = 'idle' | 'loading' | 'never' | 'shown';

const DEFAULT_TYPE: VisualTypeName = 'PRICE_GRAPH';

/**
 * System Checks → Visuals: choose a visual and its parameters, see the stored one (with when it
 * was generated), generate a fresh one as a job and watch it finish. The request lives in the
 * URL (?visual_type=&symbol=&day=&days=&time=&mode=&limit=&run_id=), so a reload shows it again.
 */
@Component({
  selector: 'tc2-visuals-page',
  imports: [ReactiveFormsModule, RouterLink, ErrorBox, JobProgress, VisualView],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1>Visuals</h1>
    <section class="card" aria-label="Visual request">
      <form [formGroup]="form" (ngSubmit)="generate()" novalidate>
        <div class="row">
          <div>
            <label for="visual-type">Visual</label>
            <select
              id="visual-type"
              formControlName="visual_type"
              aria-describedby="visual-type-description"
              (change)="typeChosen()"
            >
              @for (name of typeNames; track name) {
                <option [value]="name">{{ name }}</option>
              }
            </select>
          </div>
          @for (spec of fields(); track spec.field) {
            <div class="field">
              <label [for]="'visual-' + spec.field">{{ spec.label }}{{ spec.required ? '' : ' (optional)' }}</label>
              @switch (spec.field) {
                @case ('mode') {
                  <select
                    id="visual-mode"
                    formControlName="mode"
                    [attr.aria-invalid]="messages()['mode'].length > 0"
                    [attr.aria-describedby]="describedBy('mode')"
                  >
                    <option value="">Choose a mode…</option>
                    @for (mode of modes; track mode) {
                      <option [value]="mode">{{ mode }}</option>
                    }
                  </select>
                }
                @case ('run_id') {
                  <select
                    id="visual-run_id"
                    formControlName="run_id"
                    [attr.aria-invalid]="messages()['run_id'].length > 0"
                    [attr.aria-describedby]="describedBy('run_id')"
                  >
                    <option value="">{{ runOptions().length ? 'Choose a run…' : 'No succeeded run yet' }}</option>
                    @for (run of runOptions(); track run.id) {
                      <option [value]="run.id">{{ run.label }}</option>
                    }
                  </select>
                }
                @case ('day') {
                  <input
                    id="visual-day"
                    type="date"
                    formControlName="day"
                    [attr.aria-invalid]="messages()['day'].length > 0"
                    [attr.aria-describedby]="describedBy('day')"
                  />
                }
                @case ('time') {
                  <input
                    id="visual-time"
                    type="time"
                    formControlName="time"
                    [attr.aria-invalid]="messages()['time'].length > 0"
                    [attr.aria-describedby]="describedBy('time')"
                  />
                }
                @default {
                  <input
                    [id]="'visual-' + spec.field"
                    [formControlName]="spec.field"
                    [attr.inputmode]="spec.field === 'symbol' ? null : 'numeric'"
                    [size]="spec.field === 'symbol' ? 8 : 5"
                    autocomplete="off"
                    spellcheck="false"
                    [attr.aria-invalid]="messages()[spec.field].length > 0"
                    [attr.aria-describedby]="describedBy(spec.field)"
                  />
                }
              }
              <small class="muted hint" [id]="'visual-' + spec.field + '-hint'">{{ spec.hint }}</small>
              @if (messages()[spec.field].length) {
                <p class="field-error" [id]="'visual-' + spec.field + '-error'">{{ messages()[spec.field].join(' ') }}</p>
              }
            </div>
          }
        </div>
        <p class="muted small" id="visual-type-description">{{ description() }}</p>
        <div class="row">
          <button type="submit" [disabled]="generation.busy()">Generate {{ type() }}</button>
          <button type="button" class="secondary" (click)="showStored()">Show the stored one</button>
        </div>
      </form>
      @if (generation.note(); as note) {
        <p class="notice" role="status">{{ note }}</p>
      }
      <tc2-error-box [error]="error()" [shownFields]="shownFields()" />
      <tc2-job-progress [job]="generation.job()" />
    </section>

    <section class="card" aria-label="Shown visual" [attr.aria-busy]="state() === 'loading'">
      @switch (state()) {
        @case ('loading') {
          <p class="muted" role="status">Loading the stored visual…</p>
        }
        @case ('never') {
          <p class="muted" role="status">No {{ fmt.label(asked()?.visual_type ?? '') }} {{ askedLabel() }} has been generated yet: generate it.</p>
        }
        @case ('shown') {
          @if (shown(); as result) {
            <h2>
              {{ fmt.label(result.visual_type) }} <small class="muted">{{ result.key }}</small>
            </h2>
            <p class="muted generated">
              Generated at <time [attr.datetime]="result.last_updated">{{ fmt.marketDateTime(result.last_updated) }}</time>
              @if (generation.busy()) {
                · a new one is being generated
              }
            </p>
            @if (knownVisual()) {
              <tc2-visual-view [visual]="visualOf(result)" />
            } @else {
              <p class="muted">This panel cannot draw a {{ fmt.label(result.visual_type) }} visual yet; the API serves its data (GET /api/visuals/get).</p>
            }
          }
        }
        @default {
          <p class="muted">Choose a visual and its parameters, then generate it or show the stored one.</p>
        }
      }
    </section>

    <section class="card" aria-label="Stored visuals">
      <h2>Stored visuals</h2>
      <table>
        <thead>
          <tr><th scope="col">Visual</th><th scope="col">Shows</th><th scope="col">Generated (ET)</th></tr>
        </thead>
        <tbody>
          @for (stored of storedVisuals(); track stored.visual_type + stored.key) {
            <tr>
              <td>
                <a [routerLink]="[]" [queryParams]="storedParams(stored)">{{ fmt.label(stored.visual_type) }}</a>
              </td>
              <td class="mono">{{ stored.key }}</td>
              <td>{{ fmt.marketDateTime(stored.last_updated) }}</td>
            </tr>
          } @empty {
            <tr><td colspan="3" class="muted">No visual has been generated yet.</td></tr>
          }
        </tbody>
      </table>
    </section>
  `,
  styles: `
    .field { display: flex; flex-direction: column; }
    .hint { font-size: 0.8em; margin-top: 0.15rem; }
    .field .field-error { max-width: 18rem; }
    form .row { align-items: start; }
    form .row:last-child { align-items: center; }
    .generated { margin-top: -0.4rem; }
  `,
})
export class VisualsPage {
  protected readonly fmt = fmt;
  private readonly api = inject(VisualsApi);
  private readonly router = inject(Router);
  private readonly route = inject(ActivatedRoute);
  private readonly destroyRef = inject(DestroyRef);
  private readonly injector = inject(Injector);
  private readonly host = inject<ElementRef<HTMLElement>>(ElementRef);

  /** The URL's request (query parameters named as the API names them). */
  readonly visualType = input<string | undefined>(undefined, { alias: 'visual_type' });
  readonly symbol = input<string | undefined>();
  readonly day = input<string | undefined>();
  readonly days = input<string | undefined>();
  readonly time = input<string | undefined>();
  readonly mode = input<string | undefined>();
  readonly limit = input<string | undefined>();
  readonly runId = input<string | undefined>(undefined, { alias: 'run_id' });

  protected readonly typeNames = VISUAL_TYPES;
  protected readonly modes = RUN_MODES;
  protected readonly form = new FormGroup({
    visual_type: new FormControl<VisualTypeName>(DEFAULT_TYPE, { nonNullable: true }),
    symbol: new FormControl('', { nonNullable: true }),
    day: new FormControl('', { nonNullable: true }),
    days: new FormControl('', { nonNullable: true }),
    time: new FormControl('', { nonNullable: true }),
    mode: new FormControl('', { nonNullable: true }),
    limit: new FormControl('', { nonNullable: true }),
    run_id: new FormControl('', { nonNullable: true }),
  });
  private readonly formValue = toSignal(this.form.valueChanges.pipe(map(() => this.form.getRawValue())), {
    initialValue: this.form.getRawValue(),
  });

  protected readonly list = signal<VisualList | null>(null);
  protected readonly runs = signal<Partial<Record<'simulate' | 'evaluate', StrategyRun[]>>>({});
  protected readonly state = signal<ShownState>('idle');
  protected readonly shown = signal<VisualResult | null>(null);
  /** What the shown (or never generated) visual was asked with. */
  protected readonly asked = signal<VisualGetQuery | null>(null);
  /** Generating a visual: its job, then the new visual shown. */
  protected readonly generation = new JobRun({
    finished: (job: Job) => {
      if (job.status === 'succeeded' && this.generating) {
        this.load(this.generating, true);
        this.loadList();
      }
    },
    failed: () => this.focusFirstInvalid(),
  });
  /** Reading the stored visuals or the runs failed. */
  private readonly loadError = signal<ApiError | null>(null);
  protected readonly error = computed(() => this.generation.error() ?? this.loadError());
  protected readonly clientErrors = signal<FieldErrors>({});

  protected readonly type = computed(() => this.formValue().visual_type);
  protected readonly fields = computed(() => VISUAL_FORMS[this.type()] ?? []);
  protected readonly description = computed(
    () => this.list()?.visual_types.find((t) => t.visual_type === this.type())?.description ?? '',
  );
  protected readonly messages = computed(() => {
    const client = this.clientErrors();
    const error = this.error();
    return Object.fromEntries(VISUAL_FIELDS.map((field) => [field, messagesFor(field, client, error)])) as Record<
      VisualField,
      string[]
    >;
  });
  protected readonly shownFields = computed(() => this.fields().map((spec) => spec.field));
  protected readonly runOptions = computed(() => {
    const type = this.type();
    const kind = type === 'SINGLE_RUN' ? 'simulate' : type === 'EQUITY_CURVE' ? 'evaluate' : null;
    const runs = kind ? (this.runs()[kind] ?? []) : [];
    const options = runs.filter((run) => run.status === 'succeeded').map((run) => ({ id: run.id, label: runLabel(run) }));
    const chosen = this.formValue().run_id;
    if (chosen && !options.some((option) => option.id === chosen)) {
      options.unshift({ id: chosen, label: `run ${chosen}` });
    }
    return options;
  });
  protected readonly storedVisuals = computed(() =>
    [...(this.list()?.results ?? [])].sort((a, b) => b.last_updated.localeCompare(a.last_updated)),
  );
  protected readonly knownVisual = computed(() => isVisualType(this.shown()?.visual['visual_type']));
  protected readonly askedLabel = computed(() => {
    const asked = this.asked();
    if (!asked) {
      return '';
    }
    const parts = KEY_FIELDS[asked.visual_type].map((field) => asked[field as keyof VisualGetQuery]).filter(Boolean);
    return parts.length ? `for ${parts.join(' ')}` : '';
  });

  private loading: Subscription | null = null;
  /** The stored visual the job being generated replaces. */
  private generating: VisualGetQuery | null = null;
  private loadedKey = '';

  constructor() {
    this.loadList();
    // The URL is the request: fill the form from it and show the stored visual it names.
    effect(() => {
      const type = this.visualType();
      const values: VisualForm = {
        symbol: this.symbol() ?? '',
        day: this.day() ?? '',
        days: this.days() ?? '',
        time: this.time() ?? '',
        mode: this.mode() ?? '',
        limit: this.limit() ?? '',
        run_id: this.runId() ?? '',
      };
      untracked(() => this.applyUrl(type, values));
    });
    // A stored-run visual offers the runs it can show.
    effect(() => {
      const type = this.type();
      untracked(() => {
        if (type === 'SINGLE_RUN') {
          this.loadRuns('simulate');
        } else if (type === 'EQUITY_CURVE') {
          this.loadRuns('evaluate');
        }
      });
    });
  }

  /** Check the form, keep the request in the URL, generate, and show the new visual when done. */
  protected generate(): void {
    const type = this.type();
    const { query, errors } = visualRequest(type, this.formValues());
    this.clientErrors.set(errors);
    this.clearMessages();
    if (Object.keys(errors).length) {
      this.focusFirstInvalid();
      return;
    }
    this.keepInUrl(query);
    this.generating = visualKeyQuery(query, this.keyFields(type));
    this.generation.submit(this.api.generate(query));
  }

  /** Another type takes other fields: the last request's messages no longer apply. */
  protected typeChosen(): void {
    this.clientErrors.set({});
    this.clearMessages();
  }

  /** Show the stored visual the form's key fields name. */
  protected showStored(): void {
    const type = this.type();
    const { query, errors } = visualRequest(type, this.formValues());
    const keyFields = this.keyFields(type);
    const keyErrors = Object.fromEntries(Object.entries(errors).filter(([field]) => keyFields.includes(field)));
    this.clientErrors.set(keyErrors);
    this.clearMessages();
    if (Object.keys(keyErrors).length) {
      this.focusFirstInvalid();
      return;
    }
    this.keepInUrl(query);
    this.load(visualKeyQuery(query, keyFields), true);
  }

  protected describedBy(field: VisualField): string | null {
    return describedBy(`visual-${field}`, this.messages()[field]);
  }

  protected visualOf(result: VisualResult): Visual {
    return result.visual as unknown as Visual;
  }

  /** The URL of a stored visual: its type and the request it was generated with. */
  protected storedParams(stored: VisualSummary): Record<string, string | null> {
    const params: Record<string, string | null> = { visual_type: stored.visual_type };
    const takes = isVisualType(stored.visual_type) ? VISUAL_FORMS[stored.visual_type].map((s) => s.field) : [];
    for (const field of VISUAL_FIELDS) {
      const value = stored.params[field];
      params[field] = takes.includes(field) && value !== null && value !== undefined && value !== '' ? String(value) : null;
    }
    return params;
  }

  private applyUrl(type: string | undefined, values: VisualForm): void {
    const chosen = isVisualType(type) ? type : DEFAULT_TYPE;
    this.form.setValue({ visual_type: chosen, ...values });
    const keyFields = this.keyFields(chosen);
    const required = VISUAL_FORMS[chosen].filter((spec) => spec.required && keyFields.includes(spec.field));
    if (!type || required.some((spec) => !values[spec.field].trim())) {
      // No request, or not a complete one yet: nothing stored to look up.
      this.loading?.unsubscribe();
      this.loadedKey = '';
      this.shown.set(null);
      this.state.set('idle');
      return;
    }
    const { query, errors } = visualRequest(chosen, values);
    if (query.symbol) {
      this.form.controls.symbol.setValue(query.symbol); // as the server reads it: upper case
    }
    const keyErrors = Object.fromEntries(Object.entries(errors).filter(([field]) => keyFields.includes(field)));
    this.clientErrors.set(keyErrors);
    if (!Object.keys(keyErrors).length) {
      this.load(visualKeyQuery(query, keyFields), false);
    }
  }

  private load(key: VisualGetQuery, force: boolean): void {
    const id = JSON.stringify(key);
    if (!force && id === this.loadedKey && this.state() !== 'idle') {
      return;
    }
    this.loadedKey = id;
    this.loading?.unsubscribe();
    this.asked.set(key);
    this.state.set('loading');
    this.loading = this.api
      .latest(key)
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (result) => {
          this.shown.set(result);
          this.state.set(result ? 'shown' : 'never');
        },
        error: (caught: unknown) => {
          this.shown.set(null);
          this.state.set('idle');
          this.loadError.set(apiErrorFrom(caught));
        },
      });
  }

  /** The messages of the last request (the server's and the notice) no longer apply. */
  private clearMessages(): void {
    this.loadError.set(null);
    this.generation.clear();
  }

  private keepInUrl(query: VisualGenerateQuery): void {
    void this.router.navigate([], { relativeTo: this.route, queryParams: visualQueryParams(query) });
  }

  private keyFields(type: VisualTypeName): readonly string[] {
    return this.list()?.visual_types.find((t) => t.visual_type === type)?.key_fields ?? KEY_FIELDS[type];
  }

  private formValues(): VisualForm {
    const { visual_type: _, ...values } = this.form.getRawValue();
    return values;
  }

  private loadList(): void {
    this.api.list().subscribe({
      next: (list) => this.list.set(list),
      error: (caught: unknown) => this.loadError.set(apiErrorFrom(caught)),
    });
  }

  private loadRuns(kind: 'simulate' | 'evaluate'): void {
    if (this.runs()[kind]) {
      return;
    }
    this.runs.update((runs) => ({ ...runs, [kind]: [] }));
    this.api.runs(kind).subscribe({
      next: (page) => this.runs.update((runs) => ({ ...runs, [kind]: page.runs })),
      error: (caught: unknown) => this.loadError.set(apiErrorFrom(caught)),
    });
  }

  private focusFirstInvalid(): void {
    focusFirstInvalid(() => this.host.nativeElement, this.injector);
  }
}

/** A run as the run select lists it: strategy, day or period, profit, short id. */
export function runLabel(run: StrategyRun): string {
  const when = run.day ?? [run.start, run.end].filter(Boolean).join(' to ');
  const profit = run.profit === null ? '' : ` · profit ${run.profit.toFixed(2)}`;
  return `${run.strategy} · ${run.symbols.join(', ')} · ${when}${profit} · ${run.id.slice(0, 8)}`;
}
