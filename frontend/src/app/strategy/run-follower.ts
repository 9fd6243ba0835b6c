/**
 * Opening a run: its stored state, then (while its job is queued or running) the job's progress
 * every second, then the run again once the job has ended, now with its result.
 */
import { Signal, WritableSignal } from '@angular/core';
import { takeUntilDestroyed, toObservable } from '@angular/core/rxjs-interop';
import { EMPTY, Observable, catchError, concat, map, of, switchMap } from 'rxjs';

import { ApiError, FINISHED_JOB_STATUSES, Job, apiErrorFrom } from '../core/api';
import { JobsService } from '../core/jobs.service';
import { StrategyApi, StrategyRunDetail } from './strategy-api';

export interface OpenedRun {
  run: StrategyRunDetail;
  /** The job while it is followed (null for a run that had ended when opened). */
  job: Job | null;
}

export function openRun(api: StrategyApi, jobs: JobsService, runId: string): Observable<OpenedRun> {
  return api
    .run(runId)
    .pipe(
      switchMap((run) =>
        FINISHED_JOB_STATUSES.has(run.status)
          ? of({ run, job: null })
          : concat(
              of({ run, job: null }),
              jobs
                .follow(run.job_id)
                .pipe(
                  switchMap((job) =>
                    FINISHED_JOB_STATUSES.has(job.status)
                      ? api.run(runId).pipe(map((finished) => ({ run: finished, job })))
                      : of({ run, job }),
                  ),
                ),
            ),
      ),
    );
}

/**
 * The run a URL parameter names, opened and followed (``openRun``) each time the parameter
 * changes: ``target`` and ``error`` are cleared at each change and ``error`` gets a failure to
 * open it. Emits every state for the caller to store. Call it in an injection context.
 */
export function followRun(
  api: StrategyApi,
  jobs: JobsService,
  runId: Signal<string | undefined>,
  target: WritableSignal<OpenedRun | null>,
  error: WritableSignal<ApiError | null>,
): Observable<OpenedRun> {
  return toObservable(runId).pipe(
    switchMap((id) => {
      target.set(null);
      error.set(null);
      return id
        ? openRun(api, jobs, id).pipe(
            catchError((e: unknown) => {
              error.set(apiErrorFrom(e));
              return EMPTY;
            }),
          )
        : EMPTY;
    }),
    takeUntilDestroyed(),
  );
}
