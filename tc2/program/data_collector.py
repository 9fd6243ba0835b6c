"""The data collector: a program component that keeps the price store complete.

At start it catches up: the last 30 completed sessions are verified and any missing or invalid
day is collected. When the source is the synthetic market (how ``make run`` seeds an empty
store) that is the last 60 sessions at 1 s and 1 m, and minute bars for the year before them
(``seed_plan``): the history the analysis models read, so strategies can trade from the first
start. Every session whose minute bars are saved also gets its daily bar, resampled from them, and
a session verified with minute bars but no daily bar gets one then (``DayCollector``), so runs on
1 d bars work on the collector's data. Then it signals ``data_loaded`` (components that trade wait
for it) and collects each session 15 minutes after its close (16:15 New York, 13:15 on early-close
days). After each collection the analysis models are fed the symbol-days that are on file and valid
(``ModelFeeder``, state in the env's Redis), in date order. A settings change (a symbol added or
removed) is applied within seconds, between two steps of its work (``SymbolUniverse``); the
history of an added symbol is collected by the ``data_catch_up`` job its change starts.
Source: a market-data provider when keys are configured, else the seeded synthetic market.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from tc2.analysis.feeder import ModelFeeder
from tc2.analysis.forgetful import Feeding
from tc2.analysis.model_state import RedisModelStateStore
from tc2.data.bars import Resolution, SymbolDay
from tc2.data.collection import (
    CATCH_UP_SESSIONS,
    SEED_MINUTE_SESSIONS,
    SEED_SESSIONS,
    DayCollector,
    DayOutcome,
    HistorySource,
    Outcome,
    ProgressCallback,
    RedisAttemptCounter,
    completed_sessions,
)
from tc2.data.price_stores import price_store_for
from tc2.data.providers import NoDataForDay, history_provider_from_environ
from tc2.data.stream_cache import StreamCache
from tc2.data.synthetic import SyntheticMarket
from tc2.env import NEW_YORK, EnvType, ExecEnv, MarketCalendar
from tc2.env.settings_channel import SettingsWatcher, SymbolUniverse
from tc2.logs import LogFeed, feed_logger

DATA_LOADED = "data_loaded"
COLLECT_AFTER_CLOSE = timedelta(minutes=15)
# What collection fetches and keeps complete; each session's 1d bar is kept with its 1m bars
# (resampled from them by ``DayCollector``), so runs on daily bars work on the collector's data.
COLLECTED_RESOLUTIONS = (Resolution.SECOND, Resolution.MINUTE)
WAIT_CHUNK_S = 2.0  # also how often a settings change is looked for
LEARNED_MODELS_DIR = "models"  # under the data dir: fitted learned models and their records

_log = feed_logger(LogFeed.DATA, "collector")


@dataclass(frozen=True, slots=True)
class CatchUpPart:
    """Sessions to make present and valid at the given resolutions."""

    days: tuple[date, ...]
    resolutions: tuple[Resolution, ...]


def seed_plan(
    calendar: MarketCalendar,
    now: datetime,
    *,
    sessions: int = SEED_SESSIONS,
    minute_sessions: int = SEED_MINUTE_SESSIONS,
) -> list[CatchUpPart]:
    """What seeding from the synthetic market fills: the last ``sessions`` completed sessions
    at every collected resolution and, before them, the rest of the last ``minute_sessions`` at
    1 m only. Minute bars for models are cheap (a few MB a year); 1-second bars are what a
    simulation replays, so only the recent sessions get them."""
    recent = completed_sessions(calendar, now, sessions)
    parts = []
    if minute_sessions > sessions:
        history = completed_sessions(calendar, now, minute_sessions)[: minute_sessions - sessions]
        parts.append(CatchUpPart(tuple(history), (Resolution.MINUTE,)))
    parts.append(CatchUpPart(tuple(recent), COLLECTED_RESOLUTIONS))
    return parts


def collect_plan(
    collector: DayCollector,
    symbols: Sequence[str],
    plan: Sequence[CatchUpPart],
    progress: ProgressCallback | None = None,
) -> list[DayOutcome]:
    """``collect_range`` for each part of ``plan``, with one progress for the whole."""
    total = sum(len(part.days) for part in plan) * max(1, len(symbols))
    outcomes: list[DayOutcome] = []
    done = 0
    for part in plan:
        share = len(part.days) * len(symbols)

        def report(percent: float, message: str, before: int = done, share: int = share) -> None:
            if progress is not None:
                progress(100 * (before + share * percent / 100) / total, message)

        outcomes.extend(
            collector.collect_range(symbols, part.days, part.resolutions, progress=report)
        )
        done += share
    return outcomes


def data_source(seed: int, env: ExecEnv) -> tuple[HistorySource, str]:
    """The configured provider, or the synthetic market when no provider keys are set."""
    provider = history_provider_from_environ(os.environ)
    if provider is not None:
        return provider, provider.name
    return SyntheticMarket(seed=seed, calendar=env.calendar), f"synthetic market (seed {seed})"


def catch_up_plan(
    calendar: MarketCalendar,
    now: datetime,
    *,
    synthetic: bool,
    seed_sessions: int = SEED_SESSIONS,
    seed_minute_sessions: int = SEED_MINUTE_SESSIONS,
) -> list[CatchUpPart]:
    """The history a symbol needs (what the start-up catch-up and the ``data_catch_up`` job
    fill): ``seed_plan`` from the synthetic market, else the last CATCH_UP_SESSIONS."""
    if synthetic:
        return seed_plan(
            calendar, now, sessions=seed_sessions, minute_sessions=seed_minute_sessions
        )
    return [
        CatchUpPart(
            tuple(completed_sessions(calendar, now, CATCH_UP_SESSIONS)), COLLECTED_RESOLUTIONS
        )
    ]


def run_data_collector(context: Any) -> None:
    """Component target. Options: data_dir, store_url, redis_url, symbols, seed, seed_sessions,
    seed_minute_sessions."""
    options = context.options
    env = ExecEnv.live(options["redis_url"])
    store = price_store_for(
        EnvType.LIVE, data_dir=Path(options["data_dir"]), url=options["store_url"]
    )
    source, source_name = data_source(int(options["seed"]), env)
    collector = DayCollector(
        store=store, source=source, calendar=env.calendar, attempts=RedisAttemptCounter(env)
    )
    feeder = ModelFeeder(
        model_store=RedisModelStateStore(env),
        price_store=store,
        calendar=env.calendar,
        learned_dir=Path(options["data_dir"]) / LEARNED_MODELS_DIR,
    )
    universe = SymbolUniverse(SettingsWatcher(env, context.name), options["symbols"], log=_log)
    # Restarted after a settings change, the options are older than the published settings.
    universe.refresh()
    symbols = universe.symbols
    plan = catch_up_plan(
        env.calendar,
        env.clock.now(),
        synthetic=isinstance(source, SyntheticMarket),
        seed_sessions=int(options.get("seed_sessions", SEED_SESSIONS)),
        seed_minute_sessions=int(options.get("seed_minute_sessions", SEED_MINUTE_SESSIONS)),
    )
    outcomes = catch_up(context, collector, symbols, plan, source_name, universe=universe)
    feed_models(feeder, outcomes)
    retrain_models(feeder, symbols, outcomes)
    context.signal(DATA_LOADED)
    while not context.should_stop():
        due = next_collection_time(env)
        if _wait_until(context, due, universe=universe):
            return
        symbols = universe.symbols
        day = completed_sessions(env.calendar, env.clock.now(), 1)[0]
        _log.info(f"Nightly collection of {day} from {source_name}")
        started = time.monotonic()
        outcomes = collector.collect_range(symbols, [day], COLLECTED_RESOLUTIONS, force=True)
        outcomes = [*outcomes, *_settle_streamed(env, collector, outcomes)]
        _summarise(outcomes, started=started)
        feed_models(feeder, outcomes)
        retrain_models(feeder, symbols, outcomes)


def catch_up(
    context: Any,
    collector: DayCollector,
    symbols: Sequence[str],
    plan: Sequence[CatchUpPart],
    source_name: str,
    *,
    universe: SymbolUniverse | None = None,
) -> list[DayOutcome]:
    described = ", ".join(
        f"{len(part.days)} sessions ({part.days[0]} to {part.days[-1]}) at "
        f"{'+'.join(resolution.value for resolution in part.resolutions)}"
        for part in plan
    )
    _log.info(f"Catch-up: verifying {described} of {', '.join(symbols)} from {source_name}")
    started = time.monotonic()
    reported = [0]

    def progress(percent: float, message: str) -> None:
        context.heartbeat()
        if universe is not None:
            universe.refresh()  # an added symbol's history is its job's; this one goes on
        if percent - reported[0] >= 25:
            reported[0] = int(percent)
            _log.info(f"Catch-up {percent:.0f}% ({message})")

    outcomes = collect_plan(collector, symbols, plan, progress)
    _summarise(outcomes, started=started)
    return outcomes


def retrain_models(
    feeder: ModelFeeder, symbols: Sequence[str], outcomes: Sequence[DayOutcome]
) -> None:
    """Refit the learned models a week old or more, for use from the next session on."""
    if not outcomes:
        return
    latest = max(outcome.day for outcome in outcomes)
    for line in feeder.retrain(symbols, today=feeder.calendar.next_session(latest)):
        _log.info(line)


def feed_models(feeder: ModelFeeder, outcomes: Sequence[DayOutcome]) -> None:
    """Train the models on every symbol-day whose minute bars are now on file and valid."""
    usable = {
        (o.symbol, o.day)
        for o in outcomes
        if o.resolution is Resolution.MINUTE and o.outcome in (Outcome.SAVED, Outcome.ON_FILE)
    }
    if not usable:
        return
    started = time.monotonic()
    fed = feeder.feed_days(usable)
    trained = sum(o.feeding is not Feeding.SKIPPED for o in fed)
    _log.info(
        f"Models fed: {trained} model-days trained from {len(usable)} symbol-days "
        f"in {time.monotonic() - started:.1f} s"
    )


def _settle_streamed(
    env: ExecEnv, collector: DayCollector, outcomes: Sequence[DayOutcome]
) -> list[DayOutcome]:
    """REST data replaces the day's streamed bars; where REST failed, fall back to them (TC2)."""
    cache = StreamCache(env)
    fallback = DayCollector(store=collector.store, source=StreamedDay(cache), calendar=env.calendar)
    recovered: list[DayOutcome] = []
    for outcome in outcomes:
        if outcome.outcome in (Outcome.SAVED, Outcome.ON_FILE):
            continue
        retry = fallback.collect_day(outcome.symbol, outcome.day, [outcome.resolution], force=True)
        recovered.extend(o for o in retry if o.outcome is Outcome.SAVED)
        if retry and retry[0].outcome is Outcome.SAVED:
            _log.info(
                f"{outcome.symbol} {outcome.day} {outcome.resolution.value}: streamed bars used"
            )
    for symbol in {o.symbol for o in outcomes}:
        cache.clear_day(symbol=symbol, day=outcomes[0].day)
    return recovered


class StreamedDay:
    """The stream cache as a history source: an empty day means no data, not an empty day."""

    def __init__(self, cache: StreamCache) -> None:
        self.cache = cache

    def day_bars(self, *, symbol: str, day: date, resolution: Resolution) -> SymbolDay:
        bars = self.cache.day_bars(symbol=symbol, day=day, resolution=resolution)
        if len(bars) == 0:
            raise NoDataForDay(f"no streamed {resolution.value} bars of {symbol} on {day}")
        return bars


def _summarise(outcomes: Sequence[Any], *, started: float) -> None:
    counts = {outcome: sum(o.outcome is outcome for o in outcomes) for outcome in Outcome}
    _log.info(
        f"{counts[Outcome.SAVED]} symbol-days saved, {counts[Outcome.ON_FILE]} already on file, "
        f"{counts[Outcome.INVALID]} invalid, {counts[Outcome.FAILED]} failed "
        f"in {time.monotonic() - started:.1f} s"
    )
    for outcome in outcomes:
        if outcome.outcome in (Outcome.INVALID, Outcome.FAILED):
            what = f"{outcome.symbol} {outcome.day} {outcome.resolution.value}"
            _log.warning(f"{what} {outcome.outcome.value}: " + "; ".join(outcome.reasons))


def next_collection_time(env: ExecEnv) -> float:
    """Epoch seconds of the next collection: 15 minutes after the next (or current) close."""
    now = env.clock.now()
    calendar = env.calendar
    day = now.astimezone(NEW_YORK).date()
    if not calendar.is_session(day) or calendar.session_close(day) + COLLECT_AFTER_CLOSE <= now:
        day = calendar.next_session(day)
    return (calendar.session_close(day) + COLLECT_AFTER_CLOSE).timestamp()


def _wait_until(context: Any, due: float, *, universe: SymbolUniverse | None = None) -> bool:
    """Heart-beat (and follow the settings) while waiting; True if asked to stop first."""
    while time.time() < due:
        context.heartbeat()
        if universe is not None:
            universe.refresh()
        if context.wait(min(WAIT_CHUNK_S, max(0.0, due - time.time()))):
            return True
    return False
