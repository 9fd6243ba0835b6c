"""Read the running program's status from Redis."""

from __future__ import annotations

import functools
import json
import time
from typing import Any

import redis
from django.conf import settings

from tc2.env import EnvType, ExecEnv, LiveClock, MarketCalendar
from tc2.program.lock import LockOwner
from tc2.program.program import STATUS_TTL_S, lock_key, status_key
from webpanel.core.errors import ServiceUnavailable


def program_env() -> ExecEnv:
    """The process's LIVE env for the program's keys; do not close it.

    One per process (and Redis URL): every request and thread shares its client, a thread-safe
    connection pool. Connecting per request (socket, handshake) was most of the status route's
    time under load. The calendar is loaded once with it.
    """
    return _program_env(settings.TC2_CONFIG.effective_redis_url)


@functools.lru_cache(maxsize=4)
def _program_env(redis_url: str) -> ExecEnv:
    env = ExecEnv(
        env_type=EnvType.LIVE,
        clock=LiveClock(),
        calendar=MarketCalendar.xnys(),
        redis_url=redis_url,
    )
    _ = env.redis  # made now (it connects on first use), so threads never race to make it
    return env


def program_status_get() -> dict[str, Any]:
    """The program's last published status, or ``state: stopped`` when none is fresh."""
    env = program_env()
    try:
        raw, raw_owner = env.redis.mget([status_key(env), lock_key(env)])
    except redis.RedisError as exc:
        raise ServiceUnavailable(f"Redis is unavailable ({type(exc).__name__})") from exc
    owner = None if raw_owner is None else LockOwner.from_json(raw_owner)
    lock_owner = owner.describe() if owner else None
    if raw is None:
        return {"state": "stopped", "lock_owner": lock_owner, "components": []}
    status: dict[str, Any] = json.loads(raw)
    status["lock_owner"] = lock_owner
    status["age_s"] = round(max(0.0, time.time() - float(status.get("updated_at", 0))), 1)
    return status


def program_status_fresh(status: dict[str, Any]) -> bool:
    return status["state"] != "stopped" and status.get("age_s", STATUS_TTL_S) < STATUS_TTL_S
