import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import { RouterLink } from '@angular/router';

import { ErrorBox } from '../../shared/error-box';
import { JobProgress } from '../../shared/job-progress';
import { JobRun } from '../../shared/job-run';

interface CollectionProblem {
  symbol: string;
  day: string;
  resolution: string;
  outcome: string;
  reasons: string[];
}

/** What a data job did (tc2/program/data_jobs.py results), as far as this page shows it. */
interface DataJobResult {
  sessions?: number;
  saved?: number;
  on_file?: number;
  invalid?: number;
  failed?: number;
  problems?: CollectionProblem[];
  bars?: number;
  first_day?: string;
  last_day?: string;
  /** An import's rows on days that are not sessions, skipped (non_session=skip). */
  non_session_rows?: number;
  non_session_skipped?: { line: number; reason: string }[];
  /** Or kept as sessions of the symbol (non_session=keep, daily bars). */
  non_session_kept?: { line: number; reason: string }[];
}

/** A data action's job: its progress, then what it saved and which days it could not fix. */
@Component({
  selector: 'tc2-data-job-status',
  imports: [RouterLink, ErrorBox, JobProgress],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (run().note(); as note) {
      <p class="muted">{{ note }}</p>
    }
    <tc2-error-box [error]="run().error()" [shownFields]="shownFields()" />
    @if (run().job(); as job) {
      <tc2-job-progress [job]="job" />
      @if (summary(); as s) {
        <p role="status">{{ s }}</p>
      }
      @if (skippedRows().length) {
        <details>
          <summary>{{ skippedRows().length }} rows {{ keptRows() ? 'kept' : 'skipped' }}: not on a session</summary>
          <ul class="small">
            @for (row of skippedRows().slice(0, 50); track row.line) {
              <li>line {{ row.line }}: {{ row.reason }}</li>
            }
          </ul>
        </details>
      }
      @if (problems().length) {
        <details>
          <summary>{{ problems().length }} {{ problems().length === 1 ? 'day' : 'days' }} not fixed</summary>
          <ul class="small">
            @for (p of problems().slice(0, 50); track $index) {
              <li><span class="mono">{{ p.symbol }} {{ p.day }} {{ p.resolution }}</span> {{ p.outcome }}: {{ p.reasons.join('; ') }}</li>
            }
          </ul>
        </details>
      }
      <a class="small" [routerLink]="['/jobs', job.id]">Job details</a>
    }
  `,
})
export class DataJobStatus {
  readonly run = input.required<JobRun>();
  /** Fields the form shows next to its inputs. */
  readonly shownFields = input<readonly string[]>([]);

  private readonly result = computed(() => {
    const job = this.run().job();
    return job?.status === 'succeeded' ? ((job.result ?? {}) as DataJobResult) : null;
  });
  protected readonly problems = computed(() => this.result()?.problems ?? []);
  protected readonly keptRows = computed(() => Boolean(this.result()?.non_session_kept));
  protected readonly skippedRows = computed(
    () => this.result()?.non_session_skipped ?? this.result()?.non_session_kept ?? [],
  );
  protected readonly summary = computed(() => {
    const r = this.result();
    if (!r) {
      return null;
    }
    if (typeof r.bars === 'number') {
      const done = r.non_session_kept ? 'Kept' : 'Skipped';
      const skipped = r.non_session_rows
        ? ` ${done} ${r.non_session_rows} rows on days that are not sessions.`
        : '';
      return `Imported ${r.bars} bars in ${r.sessions ?? '?'} sessions (${r.first_day} to ${r.last_day}).${skipped}`;
    }
    if (typeof r.sessions !== 'number') {
      return 'Done.';
    }
    return (
      `Done: ${r.sessions} sessions per symbol; ${r.saved ?? 0} saved, ${r.on_file ?? 0} already on file, ` +
      `${r.invalid ?? 0} invalid, ${r.failed ?? 0} failed.`
    );
  });
}
