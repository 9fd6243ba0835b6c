"""Read the running program's status from Redis."""

from __future__ import annotations

import functools
import json
import time
from typing import Any

import redis
from django.conf import settings

from tc2.env import EnvType, ExecEnv, LiveClock, MarketCalendar
from tc2.env.settings_channel import settings_applied, settings_published
from tc2.program.lock import LockOwner
from tc2.program.program import STATUS_TTL_S, lock_key, status_key
from webpanel.core.errors import ServiceUnavailable

DATA_COLLECTOR = "data-collector"
BAR_STREAMER = "bar-streamer"
# The components that follow the trading settings while they run (later: the traders).
SETTINGS_CONSUMERS = (DATA_COLLECTOR, BAR_STREAMER)
STATUS_READ_EVERY_S = 0.5

_status_reads: dict[str, tuple[float, Any, Any]] = {}


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
    raw, raw_owner = _status_read(program_env())
    owner = None if raw_owner is None else LockOwner.from_json(raw_owner)
    lock_owner = owner.describe() if owner else None
    if raw is None:
        return {"state": "stopped", "lock_owner": lock_owner, "components": []}
    status: dict[str, Any] = json.loads(raw)
    status["lock_owner"] = lock_owner
    status["age_s"] = round(max(0.0, time.time() - float(status.get("updated_at", 0))), 1)
    return status


def _status_read(env: ExecEnv) -> tuple[Any, Any]:
    # The program publishes every 2 s; reading at most every STATUS_READ_EVERY_S per process
    # keeps the panel's most polled route off Redis under load (the age is computed per answer).
    url = env.redis_url or ""
    now = _monotonic()
    kept = _status_reads.get(url)
    if kept is not None and now - kept[0] < STATUS_READ_EVERY_S:
        return kept[1], kept[2]
    try:
        raw, raw_owner = env.redis.mget([status_key(env), lock_key(env)])
    except redis.RedisError as exc:
        raise ServiceUnavailable(f"Redis is unavailable ({type(exc).__name__})") from exc
    _status_reads[url] = (now, raw, raw_owner)
    return raw, raw_owner


def _monotonic() -> float:
    return time.monotonic()


def forget_status_reads() -> None:
    """Read the status from Redis at the next request (tests: each starts with an empty Redis)."""
    _status_reads.clear()


def program_status_fresh(status: dict[str, Any]) -> bool:
    return status["state"] != "stopped" and status.get("age_s", STATUS_TTL_S) < STATUS_TTL_S


def settings_delivery_get() -> dict[str, Any]:
    """Whether the running program works with the published settings yet.

    ``state``: ``applied`` (every running consumer acknowledged the published version),
    ``pending`` (some have not yet; they look every few seconds), ``program_stopped`` (the
    program uses the stored settings when it starts) or ``unknown`` (Redis unreachable).
    """
    try:
        status = program_status_get()
        env = program_env()  # the process's shared env: not closed
        published = settings_published(env)
        applied = settings_applied(env, SETTINGS_CONSUMERS)
    except (ServiceUnavailable, redis.RedisError) as exc:
        return {"state": "unknown", "version": None, "components": {}, "message": str(exc)}
    version = published.version if published else None
    running = {component["name"] for component in status.get("components", [])}
    consumers = {name: applied[name] for name in SETTINGS_CONSUMERS if name in running}
    waiting = sorted(name for name, seen in consumers.items() if seen != version)
    if status["state"] == "stopped":
        state = "program_stopped"
        message = "TC2Program is not running; it uses these settings when it starts."
    elif version is None or waiting:
        state = "pending"
        message = f"Waiting for {', '.join(waiting) or 'the program'} to apply them."
    else:
        state, message = "applied", "The running program uses these settings."
    return {"state": state, "version": version, "components": consumers, "message": message}
