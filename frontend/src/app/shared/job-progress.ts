import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import { DecimalPipe } from '@angular/common';

import { Job } from '../core/api';

/** A job's state: status badge, progress bar with its message, and the error when it failed. */
@Component({
  selector: 'tc2-job-progress',
  imports: [DecimalPipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (job(); as j) {
      <div class="job-progress" role="status" [attr.aria-label]="'Job ' + j.type + ' ' + j.status">
        <span class="badge" [class]="'badge status-' + j.status">{{ j.status }}</span>
        <progress max="100" [value]="j.progress" [attr.aria-label]="j.type + ' progress'"></progress>
        <span class="muted">{{ j.progress | number: '1.0-0' }} % {{ j.progress_message }}</span>
        @if (j.status === 'failed' && j.error) {
          <div class="error-box" role="alert">{{ j.error }}</div>
        }
      </div>
    }
  `,
})
export class JobProgress {
  readonly job = input<Job | null>(null);
}
