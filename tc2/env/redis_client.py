"""TC2's Redis clients: one set of timeouts and retries for every process that talks to Redis.

redis-py's defaults (a 5 s socket timeout; ten retries with backoff) suit neither of TC2's two
uses. A command that blocks on the server (RQ's BLPOP waiting for a job) must have a socket that
waits longer than the block, or every idle wait ends in "Timeout reading from socket" and the
worker backs off while jobs queue up. And when Redis is down (killed, restarting) a caller must
learn it within a fraction of a second, so the API answers 503 and loops retry on their own
schedule, instead of each command sleeping through ten retries.
"""

from __future__ import annotations

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

COMMAND_TIMEOUT_S = 5.0
"""Longest wait for the answer to a non-blocking command; Redis answers in microseconds."""
CONNECT_TIMEOUT_S = 2.0
RETRIES = 2
"""Retries of a command whose connection broke (e.g. Redis restarted since the last command)."""
RETRY_BACKOFF_CAP_S = 0.1


def redis_client(url: str, *, blocking_s: float = 0.0) -> redis.Redis:
    """Return a client of the Redis at ``url`` with TC2's timeouts (bytes in, bytes out).

    Creating it does not connect; the first command does. A broken connection is replaced on the
    next command, so a client outlives a Redis restart.

    Parameters
    ----------
    url
        ``redis://``, ``rediss://`` or ``unix://`` URL.
    blocking_s
        Longest time a command on this client blocks on the server (e.g. a BLPOP timeout); the
        socket waits that much longer than ``COMMAND_TIMEOUT_S`` before giving up on an answer.
    """
    return redis.Redis.from_url(
        url,
        socket_timeout=blocking_s + COMMAND_TIMEOUT_S,
        socket_connect_timeout=CONNECT_TIMEOUT_S,
        retry=Retry(ExponentialBackoff(cap=RETRY_BACKOFF_CAP_S, base=0.02), RETRIES),
    )
