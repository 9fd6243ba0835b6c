import { DatePipe, JsonPipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, DestroyRef, effect, inject, input, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { RouterLink } from '@angular/router';
import { Subscription } from 'rxjs';

import { ApiClient, ApiError, Job, apiErrorFrom } from '../core/api';
import { CurrentUser } from '../core/current-user';
import { JobsService } from '../core/jobs.service';
import { ErrorBox } from '../shared/error-box';
import { JobProgress } from '../shared/job-progress';

/** The jobs indicator's page: active and recent jobs, and one job's details with cancel. */
@Component({
  selector: 'tc2-jobs-page',
  imports: [RouterLink, DatePipe, JsonPipe, ErrorBox, JobProgress],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1>Jobs</h1>
    <tc2-error-box [error]="error()" />
    @if (selected(); as job) {
      <section class="card" aria-label="Job details">
        <h2>{{ job.type }} <small class="muted">{{ job.id }}</small></h2>
        <tc2-job-progress [job]="job" />
        <dl class="facts">
          <dt>Created</dt><dd>{{ job.created_at | date: 'medium' }}</dd>
          <dt>Started</dt><dd>{{ job.started_at ? (job.started_at | date: 'medium') : '—' }}</dd>
          <dt>Finished</dt><dd>{{ job.finished_at ? (job.finished_at | date: 'medium') : '—' }}</dd>
          <dt>Worker</dt><dd>{{ job.worker || '—' }}</dd>
        </dl>
        <h3>Parameters</h3>
        <pre>{{ job.params | json }}</pre>
        @if (job.result) {
          <details>
            <summary>Result</summary>
            <pre>{{ job.result | json }}</pre>
          </details>
        }
        @if (job.status === 'queued' || job.status === 'running') {
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
      <table>
        <thead><tr><th scope="col">Type</th><th scope="col">Status</th><th scope="col">Progress</th><th scope="col">Created</th></tr></thead>
        <tbody>
          @for (job of recent(); track job.id) {
            <tr>
              <td><a [routerLink]="['/jobs', job.id]">{{ job.type }}</a></td>
              <td><span class="badge" [class]="'badge status-' + job.status">{{ job.status }}</span></td>
              <td>{{ job.progress }} % {{ job.progress_message }}</td>
              <td>{{ job.created_at | date: 'short' }}</td>
            </tr>
          } @empty {
            <tr><td colspan="4" class="muted">No jobs yet.</td></tr>
          }
        </tbody>
      </table>
    </section>
  `,
})
export class JobsPage {
  private readonly api = inject(ApiClient);
  private readonly jobs = inject(JobsService);
  private readonly user = inject(CurrentUser);
  private readonly destroyRef = inject(DestroyRef);
  readonly jobId = input<string | undefined>();
  protected readonly selected = signal<Job | null>(null);
  protected readonly recent = signal<Job[]>([]);
  protected readonly error = signal<ApiError | null>(null);
  private following: Subscription | null = null;

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
  }

  /** A user cancels their own jobs; staff cancel any (the server refuses the rest with 403). */
  protected mayCancel(job: Job): boolean {
    return this.user.isStaff() || (job.requested_by !== null && job.requested_by === this.user.me()?.username);
  }

  protected cancel(job: Job): void {
    this.jobs.cancel(job.id).subscribe({ next: () => this.load(), error: (e: unknown) => this.error.set(apiErrorFrom(e)) });
  }

  private load(): void {
    this.api.get('/api/jobs', { query: { limit: 50 } }).subscribe({
      next: (page) => this.recent.set(page.jobs),
      error: (e: unknown) => this.error.set(apiErrorFrom(e)),
    });
  }
}
