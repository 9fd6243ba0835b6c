"""The job worker: an RQ worker running jobs in-process, as a supervised program component.

Runs in a spawned process (``ComponentSpec(kind=PROCESS, target="webpanel.jobs.worker:
run_job_worker")``) or in the foreground of ``manage.py runworker`` on any machine that reaches
the same Redis, database and price store.
"""

from __future__ import annotations

import os
import threading
from types import FrameType
from typing import Any

from rq import SimpleWorker

from tc2.env.redis_client import COMMAND_TIMEOUT_S
from tc2.logs import LogFeed, feed_logger

_log = feed_logger(LogFeed.PROGRAM, "job-worker")


class Tc2Worker(SimpleWorker):
    """SimpleWorker (no fork per job: the supervisor is our isolation) that also tells the running
    job to stop at its next progress point when asked to stop, so shutdown stays within budget.

    Its connection must come from ``worker_connection()``: RQ raises a too-short socket timeout
    only in the pool's settings, which connections opened before the worker existed never see,
    and a BLPOP on such a connection times out every few seconds, each time followed by a
    backoff of up to a minute with jobs waiting.
    """

    # While Redis is down (restarting) the dequeue loop retries after 1 s, then every 2 s: a job
    # queued once Redis is back starts within that. RQ's own cap is 60 s.
    max_connection_wait_time = 2.0

    @property
    def dequeue_timeout(self) -> int:
        from webpanel.jobs.queue import DEQUEUE_TIMEOUT_S

        return DEQUEUE_TIMEOUT_S

    @property
    def connection_timeout(self) -> int:
        # The socket timeout RQ requires of the connection; worker_connection() gives this much.
        return int(self.dequeue_timeout + COMMAND_TIMEOUT_S)

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        from webpanel.jobs.tasks import WORKER_STOPPING

        WORKER_STOPPING.set()
        super().request_stop(signum, frame)


def run_job_worker(context: Any) -> None:
    """Component target: set Django up, keep a liveness key fresh, work the queue until stopped."""
    _setup_django()
    from webpanel.jobs.queue import (
        DEQUEUE_TIMEOUT_S,
        job_queue,
        redis_connection,
        worker_connection,
        worker_name,
    )

    connection = worker_connection()
    name = worker_name()
    beating = threading.Thread(
        target=_keep_alive,
        # Its own client: a liveness write must fail fast when Redis is away, not wait out a
        # socket timeout sized for the dequeue.
        args=(context, redis_connection(), name),
        name="tc2-worker-liveness",
        daemon=True,
    )
    beating.start()
    _log.info(f"job worker {name} ready")
    try:
        Tc2Worker(
            [job_queue(connection)],
            name=name,
            connection=connection,
            # RQ's own relation of the worker key's expiry to the dequeue wait.
            worker_ttl=DEQUEUE_TIMEOUT_S + 15,
        ).work(with_scheduler=False, logging_level="WARNING")
    finally:
        context.stop_event.set()
        beating.join(timeout=3)
        _log.info(f"job worker {name} stopped")


def _keep_alive(context: Any, connection: Any, name: str) -> None:
    from webpanel.jobs.queue import WORKER_BEAT_S, WORKER_TTL_S, worker_alive_key

    key = worker_alive_key(name)
    while not context.should_stop():
        try:
            connection.set(key, "1", ex=WORKER_TTL_S)
        except Exception as exc:  # Redis briefly away: the supervisor sees missing heartbeats
            _log.warning(f"liveness key not refreshed: {exc}")
        else:
            context.heartbeat()
        context.wait(WORKER_BEAT_S)
    try:
        connection.delete(key)
    except Exception as exc:  # shutting down anyway; the key expires on its own
        _log.warning(f"liveness key not removed: {exc}")


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webpanel.settings")
    import django

    django.setup()
