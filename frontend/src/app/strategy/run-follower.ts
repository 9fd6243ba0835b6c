/**
 * Opening a run: its stored state, then (while its job is queued or running) the job's progress
 * every second, then the run again once the job has ended, now with its result.
 */
import { Observable, concat, map, of, switchMap } from 'rxjs';

import { FINISHED_JOB_STATUSES, Job } from '../core/api';
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
