"""The job janitor: a program thread that keeps job records true to what workers are doing."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import redis
from django.db import close_old_connections
from rq.job import Job as RqJob

from tc2.logs import LogFeed, feed_logger
from webpanel.jobs.models import Job, JobStatus
from webpanel.jobs.queue import WORKER_TTL_S, enqueue_job, redis_connection, worker_alive_key
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
    """Component target: fail orphaned running jobs, queue again the queued jobs Redis lost,
    and run the registered clean-up tasks.

    Lost jobs are looked for at start and whenever Redis restarted (a new ``run_id``): a kill -9
    loses the writes of its last second. While Redis is away the janitor waits, keeping its
    heartbeat (a worker's liveness cannot be judged then).
    """
    connection = redis_connection()
    redis_run: str | None = None
    judge_workers_from = 0.0
    away = False
    try:
        while not context.should_stop():
            try:
                run_id = str(connection.info("server").get("run_id", ""))
                if run_id != redis_run:
                    requeue_lost_jobs(connection)
                    if redis_run is not None:
                        # Liveness keys may have expired during the outage: give every worker one
                        # full expiry to write its key again before judging it dead.
                        judge_workers_from = time.monotonic() + WORKER_TTL_S
                        _log.info("Redis restarted; lost queued jobs were looked for")
                    redis_run = run_id
                if time.monotonic() >= judge_workers_from:
                    jobs_fail_orphaned(
                        worker_alive=lambda w: bool(connection.exists(worker_alive_key(w)))
                    )
            except redis.RedisError as exc:
                if not away:
                    _log.warning(f"Redis unavailable ({exc}); job checks wait for it")
                away = True
            else:
                away = False
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
