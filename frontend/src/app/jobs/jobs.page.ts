import { ChangeDetectionStrategy, Component, DestroyRef, computed, effect, inject, input, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { FormsModule } from '@angular/forms';
import { RouterLink } from '@angular/router';
import { Subscription } from 'rxjs';

import { ApiClient, ApiError, Job, JobStatus, Schemas, apiErrorFrom } from '../core/api';
import { CurrentUser } from '../core/current-user';
import { JobsService } from '../core/jobs.service';
import { ErrorBox } from '../shared/error-box';
import { JOB_TYPE_LABELS, MARKET_ZONE_LABEL, label, marketDateTime, whole } from '../shared/format';
import { JobProgress } from '../shared/job-progress';
import { jobSubject, parameterRows, resultRows } from './job-subject';

type JobType = Schemas['JobListInputTypeEnum'];

const STATUSES: JobStatus[] = ['queued', 'running', 'succeeded', 'failed', 'canceled'];
/** How often the list refreshes while it shows jobs that have not ended. */
export const JOBS_LIST_POLL_MS = 3_000;

/**
 * The jobs indicator's page: jobs newest first, each with what it is about (strategy, symbol,
 * day, visual or check type), filtered by kind and status, with cancel for those not ended; and
 * one job's details: its parameters and result as labelled rows, never JSON.
 */
@Component({
  selector: 'tc2-jobs-page',
  imports: [RouterLink, FormsModule, ErrorBox, JobProgress],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1>Jobs</h1>
    <tc2-error-box [error]="error()" />
    @if (selected(); as job) {
      <section class="card" aria-label="Job details">
        <h2>{{ kind(job.type) }} <span class="muted">{{ subject(job) }}</span></h2>
        <tc2-job-progress [job]="job" />
        <dl class="facts">
          <dt>Job</dt><dd class="mono small">{{ job.id }}</dd>
          <dt>Requested by</dt><dd>{{ job.requested_by ?? '—' }}</dd>
          <dt>Created ({{ zone }})</dt><dd>{{ time(job.created_at) }}</dd>
          <dt>Started ({{ zone }})</dt><dd>{{ time(job.started_at) }}</dd>
          <dt>Finished ({{ zone }})</dt><dd>{{ time(job.finished_at) }}</dd>
          <dt>Worker</dt><dd>{{ job.worker || '—' }}</dd>
        </dl>
        <h3>Parameters</h3>
        <dl class="facts" aria-label="Parameters">
          @for (row of rows(job.params); track row.name) {
            <dt>{{ row.name }}</dt><dd>{{ row.value }}</dd>
          } @empty {
            <dt class="muted">none</dt><dd></dd>
          }
        </dl>
        @if (job.result) {
          <h3>Result</h3>
          <dl class="facts" aria-label="Result">
            @for (row of results(job.result); track row.name) {
              <dt>{{ row.name }}</dt><dd>{{ row.value }}</dd>
            }
          </dl>
        }
        @if (active(job)) {
          @if (mayCancel(job)) {
            <button type="button" class="danger" (click)="cancel(job)">Cancel job</button>
          } @else {
            <p class="notice" role="note">Only staff can cancel another user's job (or one the system started).</p>
          }
        }
      </section>
    }
    <section class="card" aria-label="Recent jobs">
      <h2>Recent jobs</h2>
      <div class="row filters">
        <label for="job-type-filter">Kind</label>
        <select id="job-type-filter" [ngModel]="typeFilter()" (ngModelChange)="filter($event, statusFilter())">
          <option value="">every kind</option>
          @for (type of types; track type) {
            <option [value]="type">{{ kind(type) }}</option>
          }
        </select>
        <label for="job-status-filter">Status</label>
        <select id="job-status-filter" [ngModel]="statusFilter()" (ngModelChange)="filter(typeFilter(), $event)">
          <option value="">any status</option>
          @for (status of statuses; track status) {
            <option [value]="status">{{ status }}</option>
          }
        </select>
      </div>
      <table>
        <thead>
          <tr>
            <th scope="col">Kind</th><th scope="col">About</th><th scope="col">Status</th>
            <th scope="col">Progress</th><th scope="col">Created ({{ zone }})</th><th scope="col"><span class="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          @for (job of recent(); track job.id) {
            <tr>
              <td><a [routerLink]="['/jobs', job.id]">{{ kind(job.type) }}</a></td>
              <td>{{ subject(job) || '—' }}</td>
              <td><span class="badge" [class]="'badge status-' + job.status">{{ job.status }}</span></td>
              <td class="num">{{ percentDone(job.progress) }} <span class="muted small">{{ job.progress_message }}</span></td>
              <td>{{ time(job.created_at) }}</td>
              <td>
                @if (active(job) && mayCancel(job)) {
                  <button type="button" class="secondary" [attr.aria-label]="'Cancel ' + kind(job.type) + ' ' + subject(job)" (click)="cancel(job)">Cancel</button>
                }
              </td>
            </tr>
          } @empty {
            <tr><td colspan="6" class="muted">{{ typeFilter() || statusFilter() ? 'No jobs match the filters.' : 'No jobs yet.' }}</td></tr>
          }
        </tbody>
      </table>
    </section>
  `,
  styles: `
    .filters { gap: 0.5rem; align-items: center; margin-bottom: 0.75rem; }
    .filters label { margin: 0; }
    .sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  `,
})
export class JobsPage {
  private readonly api = inject(ApiClient);
  private readonly jobs = inject(JobsService);
  protected readonly user = inject(CurrentUser);
  private readonly destroyRef = inject(DestroyRef);
  readonly jobId = input<string | undefined>();
  protected readonly selected = signal<Job | null>(null);
  protected readonly recent = signal<Job[]>([]);
  protected readonly error = signal<ApiError | null>(null);
  protected readonly typeFilter = signal<JobType | ''>('');
  protected readonly statusFilter = signal<JobStatus | ''>('');
  protected readonly types = Object.keys(JOB_TYPE_LABELS) as JobType[];
  protected readonly statuses = STATUSES;
  protected readonly zone = MARKET_ZONE_LABEL;
  protected readonly time = marketDateTime;
  protected readonly subject = jobSubject;
  protected readonly rows = parameterRows;
  protected readonly results = resultRows;
  private readonly anyActive = computed(() => this.recent().some((job) => this.active(job)));
  private following: Subscription | null = null;
  private polling: ReturnType<typeof setInterval> | undefined;

  constructor() {
    this.load();
    effect(() => {
      const id = this.jobId();
      this.following?.unsubscribe();
      this.selected.set(null);
      if (id) {
        this.following = this.jobs
          .follow(id)
          .pipe(takeUntilDestroyed(this.destroyRef))
          .subscribe({ next: (job) => this.selected.set(job), error: (e: unknown) => this.error.set(apiErrorFrom(e)) });
      }
    });
    // Jobs that have not ended move on; the list follows them (and stops when they all ended).
    effect(() => {
      clearInterval(this.polling);
      if (this.anyActive()) {
        this.polling = setInterval(() => this.load(), JOBS_LIST_POLL_MS);
      }
    });
    this.destroyRef.onDestroy(() => clearInterval(this.polling));
  }

  protected kind(type: string): string {
    return label(type);
  }

  protected active(job: Job): boolean {
    return job.status === 'queued' || job.status === 'running';
  }

  protected percentDone(progress: number): string {
    return `${whole(progress)} %`;
  }

  protected filter(type: JobType | '', status: JobStatus | ''): void {
    this.typeFilter.set(type);
    this.statusFilter.set(status);
    this.load();
  }

  /** A user cancels their own jobs; staff cancel any (the server refuses the rest with 403). */
  protected mayCancel(job: Job): boolean {
    return this.user.isStaff() || (job.requested_by !== null && job.requested_by === this.user.me()?.username);
  }

  protected cancel(job: Job): void {
    this.error.set(null);
    this.jobs.cancel(job.id).subscribe({ next: () => this.load(), error: (e: unknown) => this.error.set(apiErrorFrom(e)) });
  }

  private load(): void {
    const query = { limit: 50, type: this.typeFilter() || undefined, status: this.statusFilter() || undefined };
    this.api.get('/api/jobs', { query }).subscribe({
      next: (page) => this.recent.set(page.jobs),
      error: (e: unknown) => this.error.set(apiErrorFrom(e)),
    });
  }
}
