"""Data jobs: recollect, patch, heal and import, run by job workers with progress.

Each builds its collector from the environment (the worker's TC2_DATA_DIR, TC2_PRICE_STORE,
TC2_REDIS_URL and provider keys), so a worker on another machine collects into the same store.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import redis

from tc2.analysis.feeder import ModelFeeder
from tc2.analysis.model_state import RedisModelStateStore
from tc2.data.bar_files import BarFileFormat, BarLabel, read_bar_file
from tc2.data.bars import Resolution
from tc2.data.collection import (
    DayCollector,
    DayOutcome,
    Outcome,
    RedisAttemptCounter,
    completed_sessions,
)
from tc2.data.price_stores import price_store_for
from tc2.data.synthetic import SyntheticMarket
from tc2.env import EnvType, ExecEnv
from tc2.env.config import RuntimeConfig
from tc2.env.trading_settings import SYMBOL_PATTERN
from tc2.errors import ValidationFailed
from tc2.logs import LogFeed, feed_logger
from tc2.program.data_collector import (
    COLLECTED_RESOLUTIONS,
    LEARNED_MODELS_DIR,
    catch_up_plan,
    collect_plan,
    data_source,
    feed_models,
)
from tc2.program.jobs import (
    Progress,
    date_param,
    reject_unknown_params,
    require_object,
    symbols_param,
)

_log = feed_logger(LogFeed.DATA, "collector")

HEAL_SESSIONS = 30
HEAL_MAX_ATTEMPTS = 3


def _collector() -> tuple[DayCollector, ExecEnv, RedisAttemptCounter | None]:
    config = RuntimeConfig.from_environ()
    env = ExecEnv.live(config.effective_redis_url)
    store = price_store_for(EnvType.LIVE, data_dir=config.data_dir, url=config.price_store)
    source, _ = data_source(config.synthetic_seed, env)
    attempts = _attempt_counter(env)
    return (
        DayCollector(store=store, source=source, calendar=env.calendar, attempts=attempts),
        env,
        attempts,
    )


def _attempt_counter(env: ExecEnv) -> RedisAttemptCounter | None:
    """Attempt counts live in Redis; a command run while TC2 is stopped (embedded Redis down)
    still collects, without counting, and says so."""
    try:
        env.redis.ping()
    except redis.RedisError:
        _log.warning("Redis unreachable: failed collection attempts are not counted this run")
        return None
    return RedisAttemptCounter(env)


def _summary(outcomes: Sequence[DayOutcome]) -> dict[str, Any]:
    return {
        "saved": sum(o.outcome is Outcome.SAVED for o in outcomes),
        "on_file": sum(o.outcome is Outcome.ON_FILE for o in outcomes),
        "invalid": sum(o.outcome is Outcome.INVALID for o in outcomes),
        "failed": sum(o.outcome is Outcome.FAILED for o in outcomes),
        "problems": [
            {
                "symbol": o.symbol,
                "day": o.day.isoformat(),
                "resolution": o.resolution.value,
                "outcome": o.outcome.value,
                "reasons": list(o.reasons),
            }
            for o in outcomes
            if o.outcome in (Outcome.INVALID, Outcome.FAILED)
        ][:500],
    }


def parse_range_params(raw: Mapping[str, Any]) -> dict[str, Any]:
    """``{symbols: [...], start_date: YYYY-MM-DD, end_date?: YYYY-MM-DD}``."""
    params = require_object(raw)
    errors = reject_unknown_params(params, ("symbols", "start_date", "end_date"))
    symbols = symbols_param(params.get("symbols"), errors)
    start = date_param(params.get("start_date"), "start_date", errors)
    end_date = params.get("end_date")
    end = None if end_date is None else date_param(end_date, "end_date", errors)
    if start and end and end < start:
        errors["end_date"] = [f"must not be before start_date {start}"]
    if errors:
        raise ValidationFailed("Invalid data job parameters.", errors)
    return {"symbols": symbols, "start_date": str(start), "end_date": str(end) if end else None}


def parse_heal_params(raw: Mapping[str, Any]) -> dict[str, Any]:
    """``{symbols: [...]}``: heal the last 30 sessions of each."""
    params = require_object(raw)
    errors = reject_unknown_params(params, ("symbols",))
    symbols = symbols_param(params.get("symbols"), errors)
    if errors:
        raise ValidationFailed("Invalid heal parameters.", errors)
    return {"symbols": symbols}


def _sessions(env: ExecEnv, params: Mapping[str, Any]) -> list[date]:
    last = completed_sessions(env.calendar, env.clock.now(), 1)[0]
    end = min(date.fromisoformat(params["end_date"]), last) if params.get("end_date") else last
    return env.calendar.sessions_in_range(date.fromisoformat(params["start_date"]), end)


def recollect(*, params: Mapping[str, Any], progress: Progress) -> dict[str, Any]:
    """Delete and collect again every session of the range (for the symbols given)."""
    collector, env, _ = _collector()
    days = _sessions(env, params)
    for symbol in params["symbols"]:
        for day in days:
            for resolution in COLLECTED_RESOLUTIONS:
                collector.store.delete_day(symbol, day, resolution)
    outcomes = collector.collect_range(
        params["symbols"], days, COLLECTED_RESOLUTIONS, force=True, progress=progress
    )
    return {"sessions": len(days), **_summary(outcomes)}


def patch(*, params: Mapping[str, Any], progress: Progress) -> dict[str, Any]:
    """Collect every missing or invalid session of the range; valid days are left alone."""
    collector, env, _ = _collector()
    days = _sessions(env, params)
    outcomes = collector.collect_range(
        params["symbols"], days, COLLECTED_RESOLUTIONS, progress=progress
    )
    return {"sessions": len(days), **_summary(outcomes)}


def heal(*, params: Mapping[str, Any], progress: Progress) -> dict[str, Any]:
    """Patch the recent 30 sessions, skipping days that already failed 3 times."""
    collector, env, attempts = _collector()
    days = completed_sessions(env.calendar, env.clock.now(), HEAL_SESSIONS)
    outcomes = collector.collect_range(
        params["symbols"],
        days,
        COLLECTED_RESOLUTIONS,
        progress=progress,
        skip=None
        if attempts is None
        else (lambda symbol, day: attempts.count(symbol, day) >= HEAL_MAX_ATTEMPTS),
    )
    return {"sessions": len(days), **_summary(outcomes)}


def catch_up(*, params: Mapping[str, Any], progress: Progress) -> dict[str, Any]:
    """Collect the history symbols new to the universe need (the window the collector's start-up
    catch-up fills), then feed the models their days, as the collector would have."""
    config = RuntimeConfig.from_environ()
    collector, env, _ = _collector()
    plan = catch_up_plan(
        env.calendar,
        env.clock.now(),
        synthetic=isinstance(collector.source, SyntheticMarket),
        seed_sessions=config.seed_sessions,
        seed_minute_sessions=config.seed_minute_sessions,
    )
    days = sorted({day for part in plan for day in part.days})
    outcomes = collect_plan(collector, params["symbols"], plan, progress)
    progress(99, "feeding the models")
    feeder = ModelFeeder(
        model_store=RedisModelStateStore(env),
        price_store=collector.store,
        calendar=env.calendar,
        learned_dir=config.data_dir / LEARNED_MODELS_DIR,
    )
    feed_models(feeder, outcomes)
    return {
        "symbols": list(params["symbols"]),
        "first_day": days[0].isoformat(),
        "last_day": days[-1].isoformat(),
        "sessions": len(days),
        **_summary(outcomes),
    }


def parse_import_params(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Params of an upload already checked by the API: path, format, symbol, timezone, label,
    resolution."""
    params = require_object(raw)
    errors = reject_unknown_params(
        params, ("path", "format", "symbol", "timezone", "label", "resolution")
    )
    for name, allowed in (
        ("format", [f.value for f in BarFileFormat]),
        ("label", [b.value for b in BarLabel]),
        ("resolution", [Resolution.SECOND.value, Resolution.MINUTE.value, Resolution.DAY.value]),
    ):
        if params.get(name) not in allowed:
            errors[name] = [f"must be one of {', '.join(allowed)}"]
    if not isinstance(params.get("symbol"), str) or not SYMBOL_PATTERN.fullmatch(params["symbol"]):
        errors["symbol"] = ["must be a ticker symbol"]
    if not isinstance(params.get("path"), str):
        errors["path"] = ["required"]
    if errors:
        raise ValidationFailed("Invalid import parameters.", errors)
    return {k: params[k] for k in ("path", "format", "symbol", "timezone", "label", "resolution")}


def import_bars(*, params: Mapping[str, Any], progress: Progress) -> dict[str, Any]:
    """Save the sessions of an uploaded bar file (all or nothing: the file was read whole)."""
    config = RuntimeConfig.from_environ()
    env = ExecEnv.live(config.effective_redis_url)
    path = Path(params["path"])
    progress(5, "reading")
    days = read_bar_file(
        path.read_text(),
        file_format=BarFileFormat(params["format"]),
        symbol=params["symbol"],
        calendar=env.calendar,
        resolution=Resolution(params["resolution"]),
        timezone=params["timezone"],
        label=BarLabel(params["label"]),
    )
    progress(50, f"saving {len(days)} sessions")
    store = price_store_for(EnvType.LIVE, data_dir=config.data_dir, url=config.price_store)
    store.save_days(days)
    path.unlink(missing_ok=True)
    return {
        "symbol": params["symbol"],
        "sessions": len(days),
        "bars": sum(len(d) for d in days),
        "first_day": days[0].day.isoformat(),
        "last_day": days[-1].day.isoformat(),
    }
