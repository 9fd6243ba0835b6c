"""The job janitor: a program thread that keeps job records true to what workers are doing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import close_old_connections
from rq.job import Job as RqJob

from tc2.logs import LogFeed, feed_logger
from webpanel.jobs.models import Job, JobStatus
from webpanel.jobs.queue import enqueue_job, redis_connection, worker_alive_key
from webpanel.jobs.services import jobs_fail_orphaned

JANITOR_INTERVAL_S = 2.0

_log = feed_logger(LogFeed.PROGRAM, "job-janitor")


_TASKS: list[Callable[[], object]] = []


def register_janitor_task(task: Callable[[], object]) -> None:
    """Run ``task`` at the janitor's start and after each pass, once orphaned jobs are failed
    (an app cleaning up after its jobs registers it from ``AppConfig.ready``)."""
    if task not in _TASKS:
        _TASKS.append(task)


def run_job_janitor(context: Any) -> None:
    """Component target: requeue lost queued jobs once, then fail orphaned running jobs (and run
    the registered clean-up tasks) forever."""
    connection = redis_connection()
    try:
        requeue_lost_jobs(connection)
        while not context.should_stop():
            jobs_fail_orphaned(
                worker_alive=lambda worker: bool(connection.exists(worker_alive_key(worker)))
            )
            for task in _TASKS:
                try:
                    task()
                except Exception as error:  # one failing clean-up must not stop the janitor
                    _log.warning(f"janitor task {task.__name__} failed: {error}")
            context.heartbeat()
            close_old_connections()
            context.wait(JANITOR_INTERVAL_S)
    finally:
        close_old_connections()
        connection.close()


def requeue_lost_jobs(connection: Any) -> int:
    """Queue again every queued job Redis no longer knows (Redis lost its data, e.g. no AOF)."""
    lost = 0
    for job_id in Job.objects.filter(status=JobStatus.QUEUED).values_list("id", flat=True):
        if not RqJob.exists(str(job_id), connection=connection):
            enqueue_job(str(job_id), connection)
            lost += 1
    if lost:
        _log.warning(f"{lost} queued jobs were missing from Redis and were queued again")
    return lost


def forget_worker(pid: int | None, host: str) -> None:
    """Called when the supervisor sees a local worker process die: its jobs fail at once."""
    if pid is not None:
        connection = redis_connection()
        try:
            connection.delete(worker_alive_key(f"{host}:{pid}"))
        finally:
            connection.close()
