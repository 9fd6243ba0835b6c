import { DestroyRef, computed, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { Observable, Subscription, catchError, switchMap, throwError } from 'rxjs';

import { ApiError, FINISHED_JOB_STATUSES, Job, apiErrorFrom } from '../core/api';
import { JobsService } from '../core/jobs.service';

/** What a page does when its job run ends, or when sending it fails. */
export interface JobRunHooks {
  /** Runs once with the job's last state, whatever its status. */
  finished?: (job: Job) => void;
  /** The request (or following the job) failed: ``error`` holds why. */
  failed?: (error: ApiError) => void;
}

/**
 * One page action that starts a job (a 202 answer): submit it, follow the job until it ends and
 * expose its state as signals for ``<tc2-job-progress>`` and ``<tc2-error-box>``.
 *
 * When the server refuses a second identical job (409 naming the job already queued or running),
 * that job is followed instead, with a note saying so. Build it in a field initializer (it injects).
 */
export class JobRun {
  private readonly jobs = inject(JobsService);
  private readonly destroyRef = inject(DestroyRef);
  private following: Subscription | null = null;

  readonly job = signal<Job | null>(null);
  readonly error = signal<ApiError | null>(null);
  readonly note = signal<string | null>(null);
  /** The request is on its way or its job has not finished: the action's button waits. */
  readonly busy = computed(() => {
    const job = this.job();
    return this.sending() || (job !== null && !FINISHED_JOB_STATUSES.has(job.status));
  });
  private readonly sending = signal(false);

  constructor(private readonly hooks: JobRunHooks = {}) {}

  /** Forget the last error and note (the job's progress stays). */
  clear(): void {
    this.error.set(null);
    this.note.set(null);
  }

  submit(request: Observable<Job>): void {
    this.following?.unsubscribe();
    this.job.set(null);
    this.error.set(null);
    this.note.set(null);
    this.sending.set(true);
    this.following = request
      .pipe(
        catchError((failure: unknown) => {
          const error = apiErrorFrom(failure);
          const running = error.details['job_id'];
          if (error.status === 409 && typeof running === 'string') {
            this.note.set(`${error.message}; showing that job.`);
            return this.jobs.get(running);
          }
          return throwError(() => error);
        }),
        switchMap((job) => {
          this.sending.set(false);
          this.job.set(job);
          return this.jobs.follow(job.id);
        }),
        takeUntilDestroyed(this.destroyRef),
      )
      .subscribe({
        next: (job) => this.job.set(job),
        error: (failure: unknown) => {
          const error = apiErrorFrom(failure);
          this.sending.set(false);
          this.error.set(error);
          this.hooks.failed?.(error);
        },
        complete: () => {
          const job = this.job();
          if (job && FINISHED_JOB_STATUSES.has(job.status)) {
            this.hooks.finished?.(job);
          }
        },
      });
  }
}
