"""Read the running program's status from Redis."""

from __future__ import annotations

import json
import time
from typing import Any

import redis
from django.conf import settings

from tc2.env import EnvType, ExecEnv, LiveClock, MarketCalendar
from tc2.env.settings_channel import settings_applied, settings_published
from tc2.program.lock import ProgramLock
from tc2.program.program import LOCK_TTL_S, STATUS_TTL_S, lock_key, status_key
from webpanel.core.errors import ServiceUnavailable

DATA_COLLECTOR = "data-collector"
BAR_STREAMER = "bar-streamer"
# The components that follow the trading settings while they run (later: the traders).
SETTINGS_CONSUMERS = (DATA_COLLECTOR, BAR_STREAMER)


def program_env() -> ExecEnv:
    """A LIVE env for reading the program's keys (the calendar is loaded once per process)."""
    return ExecEnv(
        env_type=EnvType.LIVE,
        clock=LiveClock(),
        calendar=MarketCalendar.xnys(),
        redis_url=settings.TC2_CONFIG.effective_redis_url,
    )


def program_status_get() -> dict[str, Any]:
    """The program's last published status, or ``state: stopped`` when none is fresh."""
    env = program_env()
    try:
        raw = env.redis.get(status_key(env))
        owner = ProgramLock(env.redis, lock_key(env), ttl_s=LOCK_TTL_S).owner()
    except redis.RedisError as exc:
        raise ServiceUnavailable(f"Redis is unavailable: {exc}") from exc
    finally:
        env.close()
    lock_owner = owner.describe() if owner else None
    if raw is None:
        return {"state": "stopped", "lock_owner": lock_owner, "components": []}
    status: dict[str, Any] = json.loads(raw)
    status["lock_owner"] = lock_owner
    status["age_s"] = round(max(0.0, time.time() - float(status.get("updated_at", 0))), 1)
    return status


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
        env = program_env()
        try:
            published = settings_published(env)
            applied = settings_applied(env, SETTINGS_CONSUMERS)
        finally:
            env.close()
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
