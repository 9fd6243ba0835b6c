import { DatePipe, DecimalPipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, ElementRef, inject, output, signal, viewChild } from '@angular/core';

import { ApiError, apiErrorFrom } from '../../core/api';
import { CurrentUser } from '../../core/current-user';
import { ConfirmStep } from '../../runtime/confirm-step';
import { ErrorBox } from '../../shared/error-box';
import { StaffOnly } from '../../shared/staff-only';
import { StrategyApi, StrategyFile } from '../strategy-api';

/** The server's limit on one strategy file (tc2/strategy/library.py MAX_FILE_BYTES). */
export const MAX_STRATEGY_FILE_BYTES = 256 * 1024;
/** The server's rule for file names (tc2/strategy/library.py FILE_NAME_PATTERN). */
const FILE_NAME = /^[a-z][a-z0-9_]{0,59}\.py$/;

/** What is wrong with a chosen file before it is sent, or '' when nothing is. */
export function strategyFileProblem(file: File | null): string {
  if (!file) {
    return 'Choose a Python file with your strategy class.';
  }
  if (!FILE_NAME.test(file.name)) {
    return `The file name must be lower-case letters, digits and _ ending in .py (e.g. my_strategy.py), was ${file.name}.`;
  }
  if (file.size > MAX_STRATEGY_FILE_BYTES) {
    return `The file is larger than ${MAX_STRATEGY_FILE_BYTES / 1024} KB.`;
  }
  return '';
}

/**
 * The strategy files staff added: each with the strategies it registers, its source on demand,
 * and (staff) a remove button that asks first; and (staff) an upload form. The server reads an
 * uploaded file without running it; its code runs only in simulations, in the job worker.
 */
@Component({
  selector: 'tc2-strategy-files',
  imports: [DatePipe, DecimalPipe, ErrorBox, StaffOnly, ConfirmStep],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="card" aria-labelledby="strategy-files-title">
      <h2 id="strategy-files-title">Strategy files</h2>
      <p class="muted">
        Your own strategies: a Python file with <code>Strategy</code> subclasses (see <code>tc2/strategy/base.py</code>),
        whose declarations (parameters, windows, symbols) are written as literals so TC2 can read them without running
        the file. Its code runs only when a simulation or evaluation asks for it.
      </p>
      <tc2-error-box [error]="error()" />
      @if (files(); as list) {
        @for (file of list; track file.name) {
          <article class="file" [attr.aria-label]="'Strategy file ' + file.name">
            <header class="file-head">
              <code class="name">{{ file.name }}</code>
              <span class="muted small">{{ file.size | number }} bytes, stored {{ file.modified | date: 'yyyy-MM-dd HH:mm' }}</span>
              @if (user.isStaff()) {
                <span class="remove">
                  <tc2-confirm-step
                    [label]="'Remove ' + file.name"
                    [question]="'Remove ' + file.name + '? Its strategies can no longer be run; past runs stay.'"
                    confirmLabel="Remove file"
                    [danger]="true"
                    [disabled]="removing() === file.name"
                    (confirmed)="remove(file)"
                  />
                </span>
              }
            </header>
            <p>
              Strategies:
              @for (name of file.strategies; track name) {
                <span class="badge">{{ name }}</span>
              } @empty {
                <span class="muted">none registered</span>
              }
            </p>
            @for (problem of file.problems; track $index) {
              <p class="field-error">{{ problem }}</p>
            }
            <details (toggle)="showSource(file, $event)">
              <summary>Source</summary>
              @if (sources()[file.name]; as source) {
                <pre class="source" [attr.aria-label]="'Source of ' + file.name">{{ source }}</pre>
              } @else {
                <p class="muted">Loading…</p>
              }
            </details>
          </article>
        } @empty {
          <p class="muted">No strategy files yet.</p>
        }
      } @else if (!error()) {
        <p class="muted" role="status">Loading strategy files…</p>
      }
      @if (note(); as text) {
        <p role="status">{{ text }}</p>
      }
      <h3>Add a strategy file</h3>
      <tc2-staff-only action="add or remove strategy files" />
      @if (user.isStaff()) {
        <form (submit)="$event.preventDefault(); upload()" novalidate>
          <label for="strategy-file">Python file (at most {{ maxKb }} KB)</label>
          <div class="row">
            <input #fileInput id="strategy-file" type="file" accept=".py,text/x-python"
                   [attr.aria-invalid]="uploadProblems().length > 0" aria-describedby="strategy-file-errors"
                   (change)="uploadProblems.set([])" />
            <button type="submit" [disabled]="uploading()">Upload</button>
          </div>
          <div id="strategy-file-errors">
            @for (problem of uploadProblems(); track $index) {
              <p class="field-error" role="alert">{{ problem }}</p>
            }
          </div>
        </form>
        <tc2-error-box [error]="uploadError()" [shownFields]="['file', 'name']" />
      }
    </section>
  `,
  styles: `
    .file { border-top: 1px solid var(--line); padding: 0.6rem 0; }
    .file-head { display: flex; flex-wrap: wrap; gap: 0.75rem; align-items: center; }
    .file-head .remove { margin-left: auto; }
    .badge { margin-right: 0.3rem; }
    .source { max-height: 28rem; overflow: auto; background: var(--bg); border: 1px solid var(--line);
      border-radius: 4px; padding: 0.5rem; font-size: 0.85rem; }
  `,
})
export class StrategyFiles {
  private readonly api = inject(StrategyApi);
  protected readonly user = inject(CurrentUser);
  /** A file was added or removed: the registered strategies changed. */
  readonly changed = output<void>();

  protected readonly maxKb = MAX_STRATEGY_FILE_BYTES / 1024;
  protected readonly files = signal<StrategyFile[] | null>(null);
  protected readonly sources = signal<Record<string, string>>({});
  protected readonly error = signal<ApiError | null>(null);
  protected readonly uploadError = signal<ApiError | null>(null);
  protected readonly uploadProblems = signal<string[]>([]);
  protected readonly uploading = signal(false);
  protected readonly removing = signal<string | null>(null);
  protected readonly note = signal<string | null>(null);
  private readonly fileInput = viewChild<ElementRef<HTMLInputElement>>('fileInput');

  constructor() {
    this.load();
  }

  protected load(): void {
    this.api.files().subscribe({
      next: (files) => {
        this.files.set(files);
        this.sources.set({});
      },
      error: (e: unknown) => this.error.set(apiErrorFrom(e)),
    });
  }

  protected showSource(file: StrategyFile, event: Event): void {
    if (!(event.target as HTMLDetailsElement).open || this.sources()[file.name] !== undefined) {
      return;
    }
    this.api.file(file.name).subscribe({
      next: (detail) => this.sources.update((all) => ({ ...all, [file.name]: detail.source })),
      error: (e: unknown) => this.error.set(apiErrorFrom(e)),
    });
  }

  protected upload(): void {
    const input = this.fileInput()?.nativeElement;
    const file = input?.files?.[0] ?? null;
    const problem = strategyFileProblem(file);
    this.uploadError.set(null);
    this.note.set(null);
    this.uploadProblems.set(problem ? [problem] : []);
    if (problem || !file) {
      return;
    }
    this.uploading.set(true);
    this.api.uploadFile(file).subscribe({
      next: (added) => {
        this.uploading.set(false);
        this.note.set(`Added ${added.name}: ${added.strategies.join(', ')}.`);
        if (input) {
          input.value = '';
        }
        this.load();
        this.changed.emit();
      },
      error: (e: unknown) => {
        const error = apiErrorFrom(e);
        this.uploading.set(false);
        this.uploadError.set(error);
        this.uploadProblems.set([...error.field('name'), ...error.field('file')]);
      },
    });
  }

  protected remove(file: StrategyFile): void {
    this.removing.set(file.name);
    this.note.set(null);
    this.api.removeFile(file.name).subscribe({
      next: () => {
        this.removing.set(null);
        this.note.set(`Removed ${file.name}.`);
        this.load();
        this.changed.emit();
      },
      error: (e: unknown) => {
        this.removing.set(null);
        this.error.set(apiErrorFrom(e));
      },
    });
  }
}
