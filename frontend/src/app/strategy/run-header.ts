import { ChangeDetectionStrategy, Component, input, output } from '@angular/core';

import { JobProgress } from '../shared/job-progress';
import { OpenedRun } from './run-follower';
import { adjustmentLabel } from './strategy-api';
import { fmt } from '../shared/format';

/**
 * The open run's heading and state: its job's progress while it runs (with a cancel button),
 * its status and error once it has ended, when and by whom it was asked for, and a button that
 * copies its request into the form.
 */
@Component({
  selector: 'tc2-run-header',
  imports: [JobProgress],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @let open = opened();
    <section class="card" [attr.aria-labelledby]="headingId()">
      <div class="run-head">
        <h2 [id]="headingId()">{{ title() }}</h2>
        <div class="row">
          @if (running()) {
            <button type="button" class="danger" (click)="cancel.emit(open.run.job_id)">
              Cancel run
            </button>
          }
          <button type="button" class="secondary" (click)="useSettings.emit()">
            Use these settings
          </button>
        </div>
      </div>
      @if (open.job) {
        <tc2-job-progress [job]="open.job" />
      } @else {
        <p role="status">
          <span class="badge" [class]="'badge status-' + open.run.status">{{
            open.run.status
          }}</span>
          @if (running()) {
            <span class="muted"> {{ open.run.progress }} % {{ open.run.progress_message }}</span>
          }
        </p>
        @if (open.run.status === 'failed' && open.run.error) {
          <div class="error-box" role="alert">{{ open.run.error }}</div>
        }
      }
      <dl class="facts">
        <dt>Requested</dt>
        <dd>
          {{ fmt.marketDateTime(open.run.created_at)
          }}{{ open.run.requested_by ? ' by ' + open.run.requested_by : '' }}
        </dd>
        <dt>Finished</dt>
        <dd>{{ fmt.marketDateTime(open.run.finished_at) }}</dd>
        <dt>Fill model</dt>
        <dd>{{ open.run.fill_model }}</dd>
        @if (prices(); as shown) {
          <dt>Prices</dt>
          <dd>{{ shown }}</dd>
        }
        @if (open.run.fingerprint) {
          <dt>Fingerprint</dt>
          <dd class="mono small fingerprint">{{ open.run.fingerprint }}</dd>
        }
        <dt>Run id</dt>
        <dd class="mono small">{{ open.run.id }}</dd>
      </dl>
    </section>
  `,
  styles: `
    .run-head {
      display: flex;
      flex-wrap: wrap;
      gap: 0.75rem;
      align-items: center;
      justify-content: space-between;
      margin-bottom: 0.5rem;
    }
    .run-head h2 {
      margin: 0;
    }
    .fingerprint {
      overflow-wrap: anywhere;
    }
  `,
})
export class RunHeader {
  protected readonly fmt = fmt;
  readonly opened = input.required<OpenedRun>();
  readonly title = input.required<string>();
  readonly headingId = input('run-heading');
  readonly cancel = output<string>();
  readonly useSettings = output<void>();

  /** How the finished run's prices were adjusted ('' until it has a result). */
  protected prices(): string {
    const result = this.opened().run.result as Record<string, unknown> | null | undefined;
    return result ? adjustmentLabel(result['adjustment']) : '';
  }

  protected running(): boolean {
    const status = this.opened().job?.status ?? this.opened().run.status;
    return status === 'queued' || status === 'running';
  }
}
