/**
 * Jobs: the global indicator's list of queued and running jobs, and following one job until it ends.
 * The server has no push channel, so both poll; polling stops when nobody is signed in.
 */
import { Injectable, computed, inject, signal } from '@angular/core';
import { Observable, forkJoin, map, of, switchMap, takeWhile, timer } from 'rxjs';

import { ApiClient, FINISHED_JOB_STATUSES, Job } from './api';
import { AuthService } from './auth.service';

export const JOB_POLL_MS = 1_000;
export const ACTIVE_JOBS_POLL_MS = 3_000;

@Injectable({ providedIn: 'root' })
export class JobsService {
  private readonly api = inject(ApiClient);
  private readonly auth = inject(AuthService);
  private polling = false;

  /** Queued and running jobs, newest first. */
  readonly active = signal<Job[]>([]);
  readonly running = computed(() => this.active().filter((job) => job.status === 'running').length);

  /** Start the indicator's polling (idempotent). */
  start(): void {
    if (this.polling) {
      return;
    }
    this.polling = true;
    timer(0, ACTIVE_JOBS_POLL_MS)
      .pipe(
        switchMap(() =>
          this.auth.signedIn()
            ? forkJoin([
                this.api.get('/api/jobs', { query: { status: 'running', limit: 50 } }),
                this.api.get('/api/jobs', { query: { status: 'queued', limit: 50 } }),
              ]).pipe(map(([running, queued]) => [...running.jobs, ...queued.jobs]))
            : of([] as Job[]),
        ),
      )
      .subscribe({ next: (jobs) => this.active.set(jobs), error: () => (this.polling = false) });
  }

  /** One job's states until it has finished (the last emission is the finished job). */
  follow(jobId: string): Observable<Job> {
    return timer(0, JOB_POLL_MS).pipe(
      switchMap(() => this.api.get('/api/jobs/{job_id}', { path: { job_id: jobId } })),
      takeWhile((job) => !FINISHED_JOB_STATUSES.has(job.status), true),
    );
  }

  get(jobId: string): Observable<Job> {
    return this.api.get('/api/jobs/{job_id}', { path: { job_id: jobId } });
  }

  cancel(jobId: string): Observable<unknown> {
    return this.api.post('/api/jobs/{job_id}/cancel', undefined, { path: { job_id: jobId } });
  }
}
