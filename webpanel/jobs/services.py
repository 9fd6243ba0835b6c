"""Submit, run, cancel and clean up jobs. The Job row is written before any work is queued."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any

import redis
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from tc2.errors import ValidationFailed
from tc2.logs import LogFeed, feed_logger
from tc2.program.job_types import JOB_TYPES
from tc2.program.jobs import JobContext, JobPolicy, JobType, UnknownJobType
from webpanel.core.errors import Conflict, ServiceUnavailable, StaffOnly
from webpanel.core.permissions import is_staff
from webpanel.jobs.models import ACTIVE_STATUSES, Job, JobStatus
from webpanel.jobs.queue import enqueue_job
from webpanel.jobs.selectors import job_get

_log = feed_logger(LogFeed.PROGRAM, "jobs")


def job_submit(*, job_type: str, params: Any, user: AbstractBaseUser | None) -> Job:
    """Validate, record and queue a job.

    Called inside a transaction (a service recording rows of its own with the job), the job is
    queued when that transaction commits, so the worker sees the job and those rows; a rollback
    queues nothing.

    Raises
    ------
    StaffOnly
        A user who is not staff asked for a job that changes shared state (403); checked
        before the params, so nothing about them is told.
    ValidationFailed
        Unknown type or bad params (422); nothing is recorded.
    Conflict
        The type's policy refuses a second job while one is queued or running (409).
    ServiceUnavailable
        Redis refused the job; the row is kept as failed with the reason (503). Inside a
        transaction, raised when it commits.
    """
    kind = _job_type(job_type)
    if kind.shared_state and user is not None and not is_staff(user):
        raise StaffOnly(
            f"Only staff can start {kind.name} jobs: they change the market data every user shares."
        )
    parsed = kind.parse(params if params is not None else {}, context=job_context())
    dedupe_key = _dedupe_key(kind, parsed)
    try:
        with transaction.atomic():
            job = Job.objects.create(
                type=kind.name, params=parsed, dedupe_key=dedupe_key, requested_by=user
            )
    except IntegrityError:
        raise _conflict(kind, dedupe_key) from None

    def enqueue() -> None:
        try:
            enqueue_job(str(job.id))
        except redis.RedisError as exc:
            job_finish(job_id=str(job.id), status=JobStatus.FAILED, error=f"could not queue: {exc}")
            raise ServiceUnavailable(
                "The job queue (Redis) is unavailable; the job was not started."
            ) from exc
        _log.info(f"{kind.name} job {job.id} queued by {_username(user)}")

    transaction.on_commit(enqueue)  # outside a transaction: at once
    return job


_CONTEXT_SOURCES: list[Callable[[], JobContext]] = []


def register_job_context(source: Callable[[], JobContext]) -> None:
    """Use ``source`` for what requests are checked against (the app owning the settings
    registers it from its ``AppConfig.ready``, so this app imports no other)."""
    _CONTEXT_SOURCES[:] = [source]


def job_context() -> JobContext:
    """What a request is checked against now (the defaults when no app registered a source)."""
    return _CONTEXT_SOURCES[0]() if _CONTEXT_SOURCES else JobContext()


def job_cancel(*, job_id: str, user: AbstractBaseUser) -> Job:
    """Cancel a queued job at once; ask a running job to stop at its next progress point.

    Raises NotFound (404) for an unknown id, StaffOnly (403) for another user's job when the
    user is not staff, and Conflict (409) for a job that already ended.
    """
    job = job_get(job_id=job_id)
    if job.requested_by_id != user.pk and not is_staff(user):
        raise StaffOnly("Only staff can cancel another user's job (or a job the system started).")
    if job.status not in ACTIVE_STATUSES:
        raise Conflict(
            f"Job {job.id} already {job.status}; nothing to cancel.", {"status": job.status}
        )
    if job_finish(job_id=str(job.id), status=JobStatus.CANCELED, only_from=(JobStatus.QUEUED,)):
        _log.info(f"{job.type} job {job.id} canceled by {user.get_username()} before it started")
    else:
        Job.objects.filter(id=job.id, status=JobStatus.RUNNING).update(cancel_requested=True)
        _log.info(f"{job.type} job {job.id}: cancel requested by {user.get_username()}")
    return job_get(job_id=job_id)


def job_mark_running(*, job_id: str, worker: str) -> Job | None:
    """Claim a queued job for ``worker``; None if it is no longer queued (canceled meanwhile)."""
    claimed = Job.objects.filter(id=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=timezone.now(), worker=worker
    )
    return Job.objects.get(id=job_id) if claimed else None


def job_report_progress(*, job_id: str, percent: float, message: str) -> bool:
    """Store progress; return whether a cancel was requested (one round trip each)."""
    Job.objects.filter(id=job_id, status=JobStatus.RUNNING).update(
        progress=min(100.0, max(0.0, percent)), progress_message=message[:200]
    )
    return bool(Job.objects.filter(id=job_id).values_list("cancel_requested", flat=True).first())


def job_finish(
    *,
    job_id: str,
    status: JobStatus,
    result: Mapping[str, Any] | None = None,
    error: str = "",
    traceback: str = "",
    only_from: tuple[JobStatus, ...] = ACTIVE_STATUSES,
) -> bool:
    """Record how a job ended (once: only from ``only_from``); free its dedupe slot."""
    fields: dict[str, Any] = {
        "status": status,
        "finished_at": timezone.now(),
        "dedupe_key": None,
        "error": error[:10_000],
        "traceback": traceback[:50_000],
    }
    if status == JobStatus.SUCCEEDED:
        fields.update(result=dict(result or {}), progress=100.0)
    ended = Job.objects.filter(id=job_id, status__in=only_from).update(**fields)
    if ended:
        summary = f": {error.splitlines()[0]}" if error else ""
        _log.info(f"job {job_id} {status}{summary}")
    return bool(ended)


def jobs_fail_orphaned(*, worker_alive: Callable[[str], bool]) -> int:
    """Fail every running job whose worker stopped heart-beating; return how many."""
    failed = 0
    for job_id, worker in Job.objects.filter(status=JobStatus.RUNNING).values_list("id", "worker"):
        if worker and not worker_alive(worker):
            failed += job_finish(
                job_id=str(job_id),
                status=JobStatus.FAILED,
                error=f"worker {worker} stopped while running this job (killed or machine down)",
                only_from=(JobStatus.RUNNING,),
            )
    return failed


def _job_type(name: Any) -> JobType:
    try:
        return JOB_TYPES.get(str(name))
    except UnknownJobType as exc:
        raise ValidationFailed(str(exc), {"type": [str(exc)]}) from None


def _dedupe_key(kind: JobType, params: Mapping[str, Any]) -> str | None:
    if kind.policy is JobPolicy.UNLIMITED:
        return None
    if kind.policy is JobPolicy.ONE_PER_TYPE:
        return kind.name
    digest = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:40]
    return f"{kind.name}:{digest}"


def _conflict(kind: JobType, dedupe_key: str | None) -> Conflict:
    existing = Job.objects.filter(dedupe_key=dedupe_key).first()
    what = "an identical" if kind.policy is JobPolicy.ONE_PER_PARAMS else "a"
    details = {"job_id": str(existing.id), "status": existing.status} if existing else {}
    return Conflict(f"{what} {kind.name} job is already queued or running", details)


def _username(user: AbstractBaseUser | None) -> str:
    return user.get_username() if user is not None else "the system"
