"""What an RQ worker runs: one Job row, start to end, through the engine's job contract."""

from __future__ import annotations

import json
import threading
import traceback

from django.db import close_old_connections

from tc2.program.job_types import JOB_TYPES
from tc2.program.jobs import JobCanceled, JobInterrupted
from webpanel.jobs.models import JobStatus
from webpanel.jobs.queue import worker_name
from webpanel.jobs.services import job_finish, job_mark_running, job_report_progress

# Set by the worker when it is asked to stop; the running job stops at its next progress point.
WORKER_STOPPING = threading.Event()


class JobProgress:
    """The ``progress`` callback handed to engine code: stores progress, enforces cancel/stop."""

    def __init__(self, job_id: str) -> None:
        self.job_id = job_id

    def __call__(self, percent: float, message: str = "") -> None:
        if WORKER_STOPPING.is_set():
            raise JobInterrupted("the worker was stopping (program shutdown or restart)")
        if job_report_progress(job_id=self.job_id, percent=percent, message=message):
            raise JobCanceled("canceled by the user")


def run_job(job_id: str) -> None:
    """Run one job. Every outcome is recorded on the Job row; nothing propagates to RQ."""
    close_old_connections()
    try:
        job = job_mark_running(job_id=job_id, worker=worker_name())
        if job is None:
            return  # canceled (or already handled) before a worker got to it
        try:
            result = JOB_TYPES.get(job.type).execute(
                params=job.params, progress=JobProgress(job_id)
            )
            json.dumps(result)  # the row stores JSON; a result that is not must fail the job here
        except JobCanceled:
            job_finish(job_id=job_id, status=JobStatus.CANCELED)
        except JobInterrupted as exc:
            job_finish(job_id=job_id, status=JobStatus.FAILED, error=f"interrupted: {exc}")
        except Exception as exc:  # a failing job is recorded, never crashes the worker
            job_finish(
                job_id=job_id,
                status=JobStatus.FAILED,
                error=f"{type(exc).__name__}: {exc}",
                traceback=traceback.format_exc(),
            )
        else:
            job_finish(job_id=job_id, status=JobStatus.SUCCEEDED, result=result)
    finally:
        close_old_connections()
