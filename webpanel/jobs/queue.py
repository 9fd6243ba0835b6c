"""The job queue (RQ on TC2's Redis) and worker liveness keys."""

from __future__ import annotations

import os
import socket

import redis
from django.conf import settings
from rq import Queue

from tc2.env import EnvType
from tc2.env.exec_env import DEFAULT_NAMESPACE, redis_key
from tc2.env.redis_client import redis_client

QUEUE_NAME = "tc2-jobs"
# A worker refreshes its liveness key every WORKER_BEAT_S; a key older than WORKER_TTL_S means the
# worker is gone (killed, machine down) and its running job is failed.
WORKER_TTL_S = 15
WORKER_BEAT_S = 2.0
# An idle worker waits for a job in one BLPOP of this many seconds, then loops (RQ heartbeat). A
# job pushed meanwhile is popped at once; the length only bounds how long a silently dropped TCP
# connection (compose, another machine) goes unnoticed.
DEQUEUE_TIMEOUT_S = 20


def redis_connection(*, blocking_s: float = 0.0) -> redis.Redis:
    """A client of the deployment's Redis; ``blocking_s`` as in ``tc2.env.redis_client``."""
    return redis_client(settings.TC2_CONFIG.effective_redis_url, blocking_s=blocking_s)


def worker_connection() -> redis.Redis:
    """The job worker's own client: its socket outwaits the worker's blocking dequeue."""
    return redis_connection(blocking_s=DEQUEUE_TIMEOUT_S)


def job_queue(connection: redis.Redis | None = None) -> Queue:
    return Queue(QUEUE_NAME, connection=connection or redis_connection())


def enqueue_job(job_id: str, connection: redis.Redis | None = None) -> None:
    """Put a job on the queue; the RQ job id is the Job row's id. Raises redis.RedisError."""
    job_queue(connection).enqueue_call(
        func="webpanel.jobs.tasks.run_job",
        args=(job_id,),
        job_id=job_id,
        timeout=-1,  # no RQ time limit: jobs stop through cancel or shutdown at progress points
        result_ttl=0,  # the Job row keeps the result
        failure_ttl=24 * 3600,
    )


def worker_name() -> str:
    """This process's worker name, unique across machines: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def worker_alive_key(worker: str) -> str:
    return redis_key(DEFAULT_NAMESPACE, EnvType.LIVE, "workers", worker)
