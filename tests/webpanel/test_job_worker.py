"""The job worker's Redis connection against its blocking dequeue (real private Redis).

An idle RQ worker waits for a job in one BLPOP of ``dequeue_timeout`` seconds. Each connection
it may use for that must wait longer for the answer, or the wait ends in "Timeout reading from
socket" and RQ backs off (1, 2, 4 ... 60 s) with jobs queued. RQ raises the timeout only in the
pool's settings, which a connection opened earlier (the liveness thread's, once) never saw.
"""

from __future__ import annotations

from typing import Any

import pytest
import redis

from webpanel.jobs.queue import DEQUEUE_TIMEOUT_S, job_queue, redis_connection, worker_connection
from webpanel.jobs.worker import Tc2Worker


def _open_connections(client: redis.Redis) -> list[Any]:
    pool = client.connection_pool
    return [*pool._available_connections, *pool._in_use_connections]


def test_every_connection_of_the_worker_outwaits_its_dequeue(private_redis: Any):
    connection = worker_connection()
    connection.ping()  # a connection opened before the worker exists
    worker = Tc2Worker([job_queue(connection)], connection=connection)
    connection.ping()

    assert worker.dequeue_timeout == DEQUEUE_TIMEOUT_S
    opened = _open_connections(connection)
    assert opened
    for opened_connection in opened:
        assert opened_connection.socket_timeout > worker.dequeue_timeout
    # RQ found nothing to raise: the timeouts are ours, stated once.
    assert connection.connection_pool.connection_kwargs["socket_timeout"] == (
        worker.connection_timeout
    )


def test_a_blocking_pop_outlives_the_plain_command_timeout(
    private_redis: Any, monkeypatch: pytest.MonkeyPatch
):
    # Scaled down: plain commands time out after 0.3 s; the worker's client blocks for 0.6 s.
    from tc2.env import redis_client

    monkeypatch.setattr(redis_client, "COMMAND_TIMEOUT_S", 0.3)
    plain = redis_connection()
    blocking = redis_connection(blocking_s=0.6)

    assert blocking.blpop(["tc2test:never-pushed"], timeout=0.6) is None
    with pytest.raises(redis.TimeoutError):
        plain.blpop(["tc2test:never-pushed"], timeout=0.6)
