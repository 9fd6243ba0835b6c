"""What an RQ worker runs: one Job row, start to end, through the engine's job contract.

Apps that keep a job's result in rows of their own register a *result sink* for its job type
(``register_result_sink``, from their ``AppConfig.ready``); the jobs app never imports them.
"""

from __future__ import annotations

import json
import threading
import traceback
from collections.abc import Mapping
from typing import Any, Protocol

from django.db import close_old_connections, transaction

from tc2.errors import ValidationFailed
from tc2.program.job_types import JOB_TYPES
from tc2.program.jobs import JobCanceled, JobInterrupted
from webpanel.jobs.models import JobStatus
from webpanel.jobs.queue import worker_name
from webpanel.jobs.services import job_finish, job_mark_running, job_report_progress

# Set by the worker when it is asked to stop; the running job stops at its next progress point.
WORKER_STOPPING = threading.Event()


class ResultSink(Protocol):
    """Store a succeeded job's result elsewhere; called as ``sink(job_id=..., result=...)``."""

    def __call__(self, *, job_id: str, result: Mapping[str, Any]) -> None: ...


_RESULT_SINKS: dict[str, list[tuple[ResultSink, bool]]] = {}


def register_result_sink(job_type: str, sink: ResultSink, *, whole: bool = False) -> None:
    """Call ``sink`` when a job of ``job_type`` succeeds (once per sink, however often asked).

    Sinks run in the transaction that marks the job succeeded: readers never see a succeeded
    job without its stored result, and a sink that fails fails the job with its error. A sink
    gets the result as it is stored (without the job type's ``sink_only`` keys); with ``whole``
    it gets those keys too (a sink that keeps them in rows of its own).
    """
    sinks = _RESULT_SINKS.setdefault(job_type, [])
    if all(known is not sink for known, _ in sinks):
        sinks.append((sink, whole))


def result_sinks(job_type: str) -> tuple[tuple[ResultSink, bool], ...]:
    """The sinks of ``job_type`` with whether each takes the whole result."""
    return tuple(_RESULT_SINKS.get(job_type, ()))


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
            # The row stores JSON; a result that is not (or holds NaN) must fail the job here.
            json.dumps(result, allow_nan=False)
            _succeed(job_id=job_id, job_type=job.type, result=result)
        except JobCanceled:
            job_finish(job_id=job_id, status=JobStatus.CANCELED)
        except JobInterrupted as exc:
            job_finish(job_id=job_id, status=JobStatus.FAILED, error=f"interrupted: {exc}")
        except Exception as exc:  # a failing job is recorded, never crashes the worker
            job_finish(
                job_id=job_id,
                status=JobStatus.FAILED,
                error=_error_text(exc),
                traceback=traceback.format_exc(),
            )
    finally:
        close_old_connections()


def _error_text(exc: Exception) -> str:
    text = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, ValidationFailed):
        # Checks only the worker can make (a strategy file's own rules) name their fields too.
        text += "".join(
            f"; {field}: {message}"
            for field, messages in exc.field_errors.items()
            for message in messages
        )
    return text


def _succeed(*, job_id: str, job_type: str, result: Mapping[str, Any]) -> None:
    """Store the result on the row and hand it to the type's sinks, all or nothing.

    The row keeps it without the type's ``sink_only`` keys; only sinks registered for the whole
    result see those.
    """
    sink_only = JOB_TYPES.get(job_type).sink_only
    stored = {key: value for key, value in result.items() if key not in sink_only}
    with transaction.atomic():
        for sink, whole in result_sinks(job_type):
            sink(job_id=job_id, result=result if whole else stored)
        if not job_finish(job_id=job_id, status=JobStatus.SUCCEEDED, result=stored):
            transaction.set_rollback(True)  # it ended meanwhile (failed as orphaned): keep that
