import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';
import { toObservable, toSignal } from '@angular/core/rxjs-interop';
import { RouterLink } from '@angular/router';
import { Observable, combineLatest, map, of, startWith, switchAll } from 'rxjs';

import { FINISHED_JOB_STATUSES, Job } from '../../core/api';
import { JobsService } from '../../core/jobs.service';
import { label } from '../../shared/format';
import { JobProgress } from '../../shared/job-progress';
import { SettingsStore } from './settings-store';

/**
 * Whether the running program uses the settings shown: a change reaches the data collector and
 * the bar streamer within seconds, without a restart; until then the page says it is on its way.
 * Below it, the jobs collecting the history of symbols just added.
 */
@Component({
  selector: 'tc2-settings-delivery',
  imports: [JobProgress, RouterLink],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (delivery(); as d) {
      <p class="delivery" [class]="'delivery delivery-' + d.state" aria-live="polite" data-testid="settings-delivery">
        <strong>{{ headline() }}</strong>
        {{ d.message }}
        @if (d.version !== null) {
          <span class="muted small">(version {{ d.version }})</span>
        }
      </p>
    }
    @for (job of historyJobs(); track job.id) {
      <div class="history-job">
        <span>Collecting the history of {{ symbolsOf(job) }}:</span>
        <tc2-job-progress [job]="job" />
        <a [routerLink]="['/jobs', job.id]">{{ jobLabel }} details</a>
      </div>
    }
  `,
  styles: `
    .delivery { border-left: 4px solid var(--line); padding: 0.4rem 0.75rem; margin: 0 0 1rem; }
    .delivery-applied { border-color: var(--good); }
    .delivery-pending { border-color: var(--warn); }
    .delivery-program_stopped, .delivery-unknown { border-color: var(--muted); }
    .history-job { margin: 0 0 1rem; }
  `,
})
export class SettingsDelivery {
  private readonly store = inject(SettingsStore);
  private readonly jobs = inject(JobsService);

  protected readonly jobLabel = label('data_catch_up');
  protected readonly delivery = computed(() => this.store.settings()?.delivery ?? null);
  protected readonly headline = computed(() => {
    switch (this.delivery()?.state) {
      case 'applied':
        return 'In use by the running program.';
      case 'pending':
        return 'On its way to the running program…';
      case 'program_stopped':
        return 'Saved.';
      default:
        return 'Saved; not known whether the program has it.';
    }
  });
  /** The history jobs, followed until they end. */
  protected readonly historyJobs = toSignal(
    toObservable(this.store.historyJobs).pipe(
      map((jobs) => jobs.map((job) => this.followed(job))),
      map((streams) => (streams.length ? combineLatest(streams) : of([] as Job[]))),
      switchAll(),
    ),
    { initialValue: [] as Job[] },
  );

  protected symbolsOf(job: Job): string {
    const symbols = (job.params as { symbols?: string[] }).symbols ?? [];
    return symbols.join(', ');
  }

  private followed(job: Job): Observable<Job> {
    return FINISHED_JOB_STATUSES.has(job.status) ? of(job) : this.jobs.follow(job.id).pipe(startWith(job));
  }
}
