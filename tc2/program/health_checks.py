"""Health checks: small, named tests of a running deployment, each run as a job.

A check returns a ``HealthReport``: PASSED, FAILED or SKIPPED, the debug messages that explain
it (problems first) and the figures it measured. ``perform_health_check`` is the job function
(job type ``health_check``); the web panel keeps the latest report per (check type, symbol).
Checks read the LIVE price store and never write to it; the STORE check writes only to the
HEALTH_CHECKING namespace, its sandbox.

- STORE: save, load, range-load, remove-before/after, delete and drop of dummy days in the
  sandbox namespace of the configured price store (files or MongoDB), every load compared bar
  for bar with what was saved, a second symbol untouched; average ``load_day`` <= 250 ms.
- PROVIDER: the configured market-data provider's minute and second bars of SPY for the last
  completed session, fetched and validated, with timings (flagged over 7 minutes). SKIPPED when
  no provider is configured (the synthetic market needs no check).
- DATA: TC2's rule per symbol and stored resolution: of the 40 most recent days on file, at
  least 90 % pass validation with no gap over 45 s.
- DIP45: the DIP_45 model on the symbol's recent sessions: enough days, each with its 10:30 bar,
  every dip a plausible percentage, and a model that learns a value from them.
- MODEL_FEEDING: every forgetful model trained on days 1..n at once equals the same model trained
  night by night (with partial days fed and undone, and each day fed twice) and the fold a
  simulation warms it with; a snapshot reverts exactly.
- SIM_TIMINGS: CycleStrategy simulated on the symbol's 5 most recent 1-second days; PASSED when
  the average is <= 5 s per day (TC2's limit), the actual times reported.
- SIM_OUTPUT: CycleStrategy simulated on one day (default: the last on file) passes realism
  checks: each fill inside its bar's range, no order before the start or after the close, entries
  inside the active windows, cash never negative, flat at the close.
- ALPACA: the Alpaca trading account is reachable and active, and its open orders can be listed.
  SKIPPED without Alpaca keys.

Nightly, between 18:00 and 06:00 New York, the program's refresher submits every check once
(``nightly_window_start``, ``nightly_checks``).
"""

from __future__ import annotations

import math
import os
import re
import statistics
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as wall_time
from enum import StrEnum
from typing import Any

import numpy as np
import requests

from tc2.analysis.daily_models import DIP_START, Dip45Model
from tc2.analysis.feeder import FORGETFUL_MODELS, ModelFeeder
from tc2.analysis.forgetful import Feeding, ForgetfulModel
from tc2.analysis.model_state import GRADE, MemoryModelStateStore, ModelStateStore
from tc2.data.bars import Resolution, SymbolDay
from tc2.data.collection import completed_sessions
from tc2.data.providers import HistoryProvider, ProviderError, history_provider_from_environ
from tc2.data.resample import regular_hours
from tc2.data.store import PriceStore, price_store_for
from tc2.data.validation import (
    HEALTH_DAYS,
    HEALTH_MAX_GAP_S,
    HEALTH_VALID_SHARE,
    DayValidity,
    data_health,
    validate_day,
)
from tc2.env import NEW_YORK, CalendarRangeError, EnvType, EpochClock, ExecEnv, MarketCalendar
from tc2.env.clock import LiveClock
from tc2.env.config import RuntimeConfig
from tc2.env.market_calendar import new_york_epoch
from tc2.env.trading_settings import SYMBOL_PATTERN, AlpacaEndpoint
from tc2.errors import ConfigurationError, TC2Error, ValidationFailed
from tc2.logs import LogFeed, feed_logger
from tc2.program.jobs import (
    JobCanceled,
    JobInterrupted,
    Progress,
    live_store_from_environ,
    reject_unknown_params,
    require_object,
)
from tc2.simulation.records import RunRecord
from tc2.simulation.simulator import (
    DAY_NOT_ON_FILE_MESSAGE,
    NOT_A_SESSION_MESSAGE,
    DayRequest,
    SimulationSettings,
    StrategySimulator,
)
from tc2.strategy.base import StrategyKind
from tc2.strategy.builtin.cycle import CycleStrategy

_log = feed_logger(LogFeed.HEALTH, "checks")


class HealthCheckType(StrEnum):
    STORE = "STORE"
    PROVIDER = "PROVIDER"
    DATA = "DATA"
    DIP45 = "DIP45"
    MODEL_FEEDING = "MODEL_FEEDING"
    SIM_TIMINGS = "SIM_TIMINGS"
    SIM_OUTPUT = "SIM_OUTPUT"
    ALPACA = "ALPACA"

    @property
    def takes_symbol(self) -> bool:
        """Whether the check is about one symbol (and its result is kept per symbol)."""
        return self in _SYMBOL_CHECKS

    @classmethod
    def named(cls, value: Any) -> HealthCheckType | None:
        """The check a name means (the seed README's names too: MONGO, POLYGON, ...), or None."""
        if not isinstance(value, str):
            return None
        name = value.strip().upper()
        return _ALIASES.get(name) or cls.__members__.get(name)


_SYMBOL_CHECKS = frozenset(
    {
        HealthCheckType.DATA,
        HealthCheckType.DIP45,
        HealthCheckType.MODEL_FEEDING,
        HealthCheckType.SIM_TIMINGS,
        HealthCheckType.SIM_OUTPUT,
    }
)
# The original's names (its enum and its README disagreed); the seed README's paths keep working.
_ALIASES = {
    "MONGO": HealthCheckType.STORE,
    "POLYGON": HealthCheckType.PROVIDER,
    "SIMULATION_TIMINGS": HealthCheckType.SIM_TIMINGS,
    "SIMULATION_OUTPUT": HealthCheckType.SIM_OUTPUT,
    "SIMULATION OUTPUT": HealthCheckType.SIM_OUTPUT,
}

CHECK_DESCRIPTIONS = {
    HealthCheckType.STORE: "Save/load/remove/drop integrity of the price store; loads <= 250 ms.",
    HealthCheckType.PROVIDER: "The market-data provider delivers valid bars of the last session.",
    HealthCheckType.DATA: "At least 90 % of the symbol's last 40 days on file are valid.",
    HealthCheckType.DIP45: "The DIP_45 model's inputs and answer are sane on recent sessions.",
    HealthCheckType.MODEL_FEEDING: "Models trained at once equal models trained night by night.",
    HealthCheckType.SIM_TIMINGS: "CycleStrategy simulates a day in <= 5 s on average.",
    HealthCheckType.SIM_OUTPUT: "A CycleStrategy simulation of the day passes realism checks.",
    HealthCheckType.ALPACA: "The Alpaca trading account is reachable and active.",
}


class HealthStatus(StrEnum):
    PASSED = "PASSED"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"


Figure = float | int | str | bool | None


@dataclass(frozen=True, slots=True, kw_only=True)
class HealthReport:
    """What one check found: its status, the messages that explain it and what it measured.

    ``messages`` lists the problems first (a FAILED report's first message says why), then
    notes. ``figures`` are named measurements (times in seconds or milliseconds, counts).
    """

    check_type: HealthCheckType
    status: HealthStatus
    messages: tuple[str, ...] = ()
    figures: Mapping[str, Figure] = field(default_factory=dict)
    symbol: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "check_type": self.check_type.value,
            "symbol": self.symbol,
            "status": self.status.value,
            "debug_messages": list(self.messages),
            "figures": dict(self.figures),
        }


def _verdict(
    check: HealthCheckType,
    problems: Sequence[str],
    notes: Sequence[str] = (),
    figures: Mapping[str, Figure] | None = None,
    symbol: str | None = None,
) -> HealthReport:
    return HealthReport(
        check_type=check,
        status=HealthStatus.FAILED if problems else HealthStatus.PASSED,
        messages=(*problems, *notes),
        figures=dict(figures or {}),
        symbol=symbol,
    )


def _no_progress(percent: float, message: str = "") -> None:
    """The progress callback of a check run outside a job."""


# --- STORE ------------------------------------------------------------------------------------

STORE_SYMBOL = "DUMMY"
STORE_OTHER_SYMBOL = "DUMMZ"  # the original's DUMMY2, which is not a ticker
STORE_DAYS = tuple(date(2020, 1, d) for d in (6, 7, 8, 9, 10))  # five sessions of one week
STORE_BARS = 1140  # TC2's minimum for a valid 1-second day
STORE_LOADS_PER_DAY = 3
MAX_AVERAGE_LOAD_MS = 250.0

STORE_STEP_FAILED = "{step} failed: {error}"
STORE_DATES_WRONG = "{step}: days on file of {symbol} are {found}, expected {expected}"
STORE_COUNT_WRONG = "{step} reported {found} symbol-days removed, expected {expected}"
STORE_BARS_DIFFER = "{step} of {symbol} {day}: {columns} differ from what was saved"
STORE_RANGE_WRONG = (
    "load_range of {symbol}: {found} bars over {days}, expected {expected} over {want}"
)
STORE_OTHER_TOUCHED = "{symbol}'s day {day} is gone or changed after {symbol_done}'s removals"
STORE_SLOW = "average load_day {average:.1f} ms > {limit:.0f} ms"
STORE_DELETED_TWICE = "delete_day of an already deleted day returned True"


def check_store(
    *, store: PriceStore, max_average_load_ms: float = MAX_AVERAGE_LOAD_MS
) -> HealthReport:
    """STORE: a save/load/remove round trip on dummy days in ``store`` (a sandbox namespace).

    Both dummy symbols are dropped before and after, whatever happens in between.
    """
    check = HealthCheckType.STORE
    problems: list[str] = []
    figures: dict[str, Figure] = {"namespace": store.namespace, "bars_per_day": STORE_BARS}
    step = "dropping leftovers"
    try:
        _drop_dummies(store)
        saved = [_dummy_day(STORE_SYMBOL, day, seed) for seed, day in enumerate(STORE_DAYS)]
        other = _dummy_day(STORE_OTHER_SYMBOL, STORE_DAYS[0], seed=99)
        step = "save_days"
        started = time.perf_counter()
        store.save_days([*saved, other])
        figures["save_ms"] = _ms(time.perf_counter() - started)
        step = "dates_on_file"
        _expect_dates(store, step, list(STORE_DAYS), problems)
        step = "load_day"
        timings = []
        for bars in saved:
            for _ in range(STORE_LOADS_PER_DAY):
                started = time.perf_counter()
                loaded = store.load_day(STORE_SYMBOL, bars.day, Resolution.SECOND)
                timings.append(time.perf_counter() - started)
            _expect_same(step, bars, loaded, problems)
        average = 1000 * statistics.fmean(timings)
        figures["average_load_ms"] = round(average, 3)
        figures["max_load_ms"] = _ms(max(timings))
        if average > max_average_load_ms:
            problems.append(STORE_SLOW.format(average=average, limit=max_average_load_ms))
        step = "load_range"
        _expect_range(store, saved, problems)
        step = "remove_before"
        removed = store.remove_before(STORE_DAYS[1], symbol=STORE_SYMBOL)
        _expect_count(step, removed, 1, problems)
        _expect_dates(store, step, list(STORE_DAYS[1:]), problems)
        step = "remove_after"
        removed = store.remove_after(STORE_DAYS[3], symbol=STORE_SYMBOL)
        _expect_count(step, removed, 1, problems)
        _expect_dates(store, step, list(STORE_DAYS[1:4]), problems)
        step = "delete_day"
        if not store.delete_day(STORE_SYMBOL, STORE_DAYS[2], Resolution.SECOND):
            problems.append(f"delete_day of {STORE_SYMBOL} {STORE_DAYS[2]} returned False")
        if store.delete_day(STORE_SYMBOL, STORE_DAYS[2], Resolution.SECOND):
            problems.append(STORE_DELETED_TWICE)
        _expect_dates(store, step, [STORE_DAYS[1], STORE_DAYS[3]], problems)
        step = "drop_symbol"
        _expect_count(step, store.drop_symbol(STORE_SYMBOL), 2, problems)
        _expect_dates(store, step, [], problems)
        step = f"load_day of {STORE_OTHER_SYMBOL}"
        other_days = store.dates_on_file(STORE_OTHER_SYMBOL, resolution=Resolution.SECOND)
        if other_days != [other.day] or _differences(
            other, store.load_day(STORE_OTHER_SYMBOL, other.day, Resolution.SECOND)
        ):
            problems.append(_other_touched())
    except Exception as error:  # any failure of the store is the finding, named with its step
        problems.append(STORE_STEP_FAILED.format(step=step, error=_describe(error)))
    finally:
        try:
            _drop_dummies(store)
        except Exception as error:
            problems.append(STORE_STEP_FAILED.format(step="cleaning up", error=_describe(error)))
    notes = [
        f"saved {len(STORE_DAYS)} days of {STORE_SYMBOL} and 1 of {STORE_OTHER_SYMBOL} "
        f"({STORE_BARS} one-second bars each) in namespace {store.namespace!r}",
    ]
    if "average_load_ms" in figures:
        notes.append(
            f"load_day: average {figures['average_load_ms']} ms, max {figures['max_load_ms']} ms "
            f"over {len(STORE_DAYS) * STORE_LOADS_PER_DAY} loads (limit {max_average_load_ms:.0f})"
        )
    return _verdict(check, problems, notes, figures)


def _dummy_day(symbol: str, day: date, seed: int) -> SymbolDay:
    rng = np.random.default_rng(seed)
    open_t = new_york_epoch(day, wall_time(9, 30))
    t = open_t + 20 * np.arange(STORE_BARS, dtype=np.int64)
    close = 100 + np.cumsum(rng.normal(0, 0.05, STORE_BARS))
    open_ = np.concatenate(([100.0], close[:-1]))
    spread = rng.uniform(0, 0.05, STORE_BARS)
    return SymbolDay(
        symbol=symbol,
        day=day,
        resolution=Resolution.SECOND,
        t=t,
        o=open_,
        h=np.maximum(open_, close) + spread,
        l=np.minimum(open_, close) - spread,
        c=close,
        v=rng.integers(1, 1000, STORE_BARS).astype(np.float64),
    )


def _drop_dummies(store: PriceStore) -> None:
    for symbol in (STORE_SYMBOL, STORE_OTHER_SYMBOL):
        store.drop_symbol(symbol)


def _differences(expected: SymbolDay, found: SymbolDay) -> list[str]:
    return [
        name
        for name, column in expected.columns().items()
        if getattr(found, name) is None or not np.array_equal(column, getattr(found, name))
    ]


def _expect_same(step: str, expected: SymbolDay, found: SymbolDay, problems: list[str]) -> None:
    differing = _differences(expected, found)
    if differing:
        problems.append(
            STORE_BARS_DIFFER.format(
                step=step, symbol=expected.symbol, day=expected.day, columns=", ".join(differing)
            )
        )


def _expect_dates(store: PriceStore, step: str, expected: list[date], problems: list[str]) -> None:
    found = store.dates_on_file(STORE_SYMBOL, resolution=Resolution.SECOND)
    if found != expected:
        problems.append(
            STORE_DATES_WRONG.format(
                step=step, symbol=STORE_SYMBOL, found=_days(found), expected=_days(expected)
            )
        )


def _expect_count(step: str, found: int, expected: int, problems: list[str]) -> None:
    if found != expected:
        problems.append(STORE_COUNT_WRONG.format(step=step, found=found, expected=expected))


def _expect_range(store: PriceStore, saved: Sequence[SymbolDay], problems: list[str]) -> None:
    series = store.load_range(STORE_SYMBOL, STORE_DAYS[0], STORE_DAYS[-1], Resolution.SECOND)
    expected_t = np.concatenate([bars.t for bars in saved])
    if list(series.days) != list(STORE_DAYS) or not np.array_equal(series.t, expected_t):
        problems.append(
            STORE_RANGE_WRONG.format(
                symbol=STORE_SYMBOL,
                found=len(series),
                days=_days(series.days),
                expected=len(expected_t),
                want=_days(STORE_DAYS),
            )
        )
    elif not np.array_equal(series.c, np.concatenate([bars.c for bars in saved])):
        problems.append(
            STORE_BARS_DIFFER.format(
                step="load_range", symbol=STORE_SYMBOL, day="(all days)", columns="c"
            )
        )


def _other_touched() -> str:
    return STORE_OTHER_TOUCHED.format(
        symbol=STORE_OTHER_SYMBOL, day=STORE_DAYS[0], symbol_done=STORE_SYMBOL
    )


# --- PROVIDER ---------------------------------------------------------------------------------

PROVIDER_SYMBOL = "SPY"
PROVIDER_MAX_TOTAL_S = 420.0  # the original flagged collections over 7 minutes
PROVIDER_RESOLUTIONS = (Resolution.MINUTE, Resolution.SECOND)

NO_PROVIDER_MESSAGE = (
    "no market-data provider is configured (POLYGON_API_KEY, or TC2_DATA_PROVIDER=alpaca with "
    "ALPACA_API_KEY_ID and ALPACA_API_SECRET_KEY): bars come from the synthetic market"
)
PROVIDER_FETCH_FAILED = (
    "{provider}: {resolution} bars of {symbol} on {day} could not be fetched: {error}"
)
PROVIDER_INVALID = "{provider}: {resolution} bars of {symbol} on {day} are invalid: {reasons}"
PROVIDER_SLOW = "{provider}: fetching took {total:.1f} s in all, more than {limit:.0f} s"


def check_provider(
    *,
    provider: HistoryProvider | None,
    calendar: MarketCalendar,
    now: datetime,
    symbol: str = PROVIDER_SYMBOL,
    max_total_s: float = PROVIDER_MAX_TOTAL_S,
) -> HealthReport:
    """PROVIDER: fetch and validate ``symbol``'s last completed session at 1m and 1s."""
    check = HealthCheckType.PROVIDER
    if provider is None:
        return HealthReport(
            check_type=check, status=HealthStatus.SKIPPED, messages=(NO_PROVIDER_MESSAGE,)
        )
    day = completed_sessions(calendar, now, 1)[0]
    problems: list[str] = []
    notes: list[str] = []
    figures: dict[str, Figure] = {"provider": provider.name, "day": day.isoformat()}
    total = 0.0
    for resolution in PROVIDER_RESOLUTIONS:
        where = {
            "provider": provider.name,
            "resolution": resolution.value,
            "symbol": symbol,
            "day": day,
        }
        started = time.perf_counter()
        try:
            bars = provider.day_bars(symbol=symbol, day=day, resolution=resolution)
        except (ProviderError, ValueError) as error:
            problems.append(PROVIDER_FETCH_FAILED.format(**where, error=error))
            continue
        finally:
            elapsed = time.perf_counter() - started
            total += elapsed
            figures[f"fetch_{resolution.value}_s"] = round(elapsed, 3)
        validity = validate_day(bars, calendar)
        figures[f"bars_{resolution.value}"] = len(bars)
        if not validity.valid:
            problems.append(PROVIDER_INVALID.format(**where, reasons="; ".join(validity.reasons)))
        notes.append(
            f"{resolution.value}: {len(bars)} bars ({validity.bars} in regular hours) "
            f"in {elapsed:.2f} s, longest gap {validity.longest_gap_s} s"
        )
    figures["total_s"] = round(total, 3)
    if total > max_total_s:
        problems.append(
            PROVIDER_SLOW.format(provider=provider.name, total=total, limit=max_total_s)
        )
    return _verdict(check, problems, notes, figures)


# --- DATA -------------------------------------------------------------------------------------

DATA_RESOLUTIONS = (Resolution.SECOND, Resolution.MINUTE)
DATA_FAILED = (
    "{resolution}: {good} of the {checked} most recent days of {symbol} on file are good; "
    "at least {share:.0%} must pass validation with no gap over {gap} s"
)
DATA_NOTHING = "{resolution}: no days of {symbol} on file"
DATA_PASSED = "{resolution}: {good} of the {checked} most recent days of {symbol} on file are good"


def check_data(
    *,
    store: PriceStore,
    calendar: MarketCalendar,
    symbol: str,
    progress: Progress = _no_progress,
) -> HealthReport:
    """DATA: TC2's 90 %-of-40-days rule for each stored resolution a collector keeps (1s, 1m)."""
    check = HealthCheckType.DATA
    problems: list[str] = []
    notes: list[str] = []
    figures: dict[str, Figure] = {}
    for index, resolution in enumerate(DATA_RESOLUTIONS):
        progress(100 * index / len(DATA_RESOLUTIONS), f"{symbol} {resolution.value}")
        days = store.dates_on_file(symbol, resolution=resolution)[-HEALTH_DAYS:]
        health = data_health(
            symbol, [_validity(store, calendar, symbol, d, resolution) for d in days]
        )
        figures[f"days_checked_{resolution.value}"] = health.days_checked
        figures[f"days_good_{resolution.value}"] = health.days_good
        where = {"resolution": resolution.value, "symbol": symbol}
        if not days:
            problems.append(DATA_NOTHING.format(**where))
            continue
        bad_days = [f"{resolution.value} {message}" for message in health.messages]
        counts = {"good": health.days_good, "checked": health.days_checked}
        if health.passed:
            notes.append(DATA_PASSED.format(**where, **counts))
            notes.extend(bad_days)
        else:
            problems.append(
                DATA_FAILED.format(
                    **where, **counts, share=HEALTH_VALID_SHARE, gap=HEALTH_MAX_GAP_S
                )
            )
            problems.extend(bad_days)
    return _verdict(check, problems, notes, figures, symbol)


def _validity(
    store: PriceStore, calendar: MarketCalendar, symbol: str, day: date, resolution: Resolution
) -> DayValidity:
    try:
        return validate_day(store.load_day(symbol, day, resolution), calendar)
    except TC2Error as error:  # an unreadable day is a bad day, with the reason
        return DayValidity(
            symbol=symbol,
            day=day,
            resolution=resolution,
            reasons=(f"unreadable: {error}",),
            bars=0,
            longest_gap_s=0,
        )


# --- DIP45 ------------------------------------------------------------------------------------

DIP45_DAYS = 120  # the original's sample
DIP45_MIN_DAYS = 20
DIP45_MAX_MISSING_SHARE = 0.1
DIP45_MAX_PLAUSIBLE_PCT = 20.0
DIP45_REPORT_PCT = 1.4  # the original counted days with a dip over 1.4 %

DIP45_TOO_FEW = (
    "only {days} sessions of {symbol} have minute bars on file; DIP45 needs at least {minimum}"
)
DIP45_NO_START_BAR = "no 10:30 bar on {missing} of {days} days ({share:.0%} > {limit:.0%}): {which}"
DIP45_IMPLAUSIBLE = "{day}: a 45-minute dip of {dip:.2f} % is implausible (over {limit:.0f} %)"
DIP45_NO_VALUE = "no day of {symbol} gave a 45-minute dip: the model cannot grade it"
DIP45_OUTSIDE = (
    "the model learned {value:.4f} %, outside the day values' range {low:.4f}-{high:.4f} %"
)


def check_dip45(
    *,
    store: PriceStore,
    calendar: MarketCalendar,
    symbol: str,
    days: int = DIP45_DAYS,
    progress: Progress = _no_progress,
) -> HealthReport:
    """DIP45: the DIP_45 model on ``symbol``'s last ``days`` sessions of minute bars."""
    check = HealthCheckType.DIP45
    on_file = store.dates_on_file(symbol, resolution=Resolution.MINUTE)[-days:]
    if len(on_file) < DIP45_MIN_DAYS:
        message = DIP45_TOO_FEW.format(days=len(on_file), symbol=symbol, minimum=DIP45_MIN_DAYS)
        return _verdict(check, [message], (), {"days": len(on_file)}, symbol)
    model = Dip45Model(store=MemoryModelStateStore(), calendar=calendar)
    problems: list[str] = []
    missing: list[date] = []
    values: list[float] = []
    for index, day in enumerate(on_file):
        if index % 20 == 0:
            progress(100 * index / len(on_file), f"{symbol} {day}")
        session = regular_hours(store.load_day(symbol, day, Resolution.MINUTE), calendar)
        if not np.any(session.t == new_york_epoch(day, DIP_START)):
            missing.append(day)
        value = model.day_value(session) if len(session) else None
        model.feed(session)
        if value is None:
            continue
        if not math.isfinite(value) or not 0 < value <= DIP45_MAX_PLAUSIBLE_PCT:
            problems.append(
                DIP45_IMPLAUSIBLE.format(day=day, dip=value, limit=DIP45_MAX_PLAUSIBLE_PCT)
            )
        values.append(value)
    if len(missing) > DIP45_MAX_MISSING_SHARE * len(on_file):
        problems.insert(
            0,
            DIP45_NO_START_BAR.format(
                missing=len(missing),
                days=len(on_file),
                share=len(missing) / len(on_file),
                limit=DIP45_MAX_MISSING_SHARE,
                which=_days(missing[:5]) + (" ..." if len(missing) > 5 else ""),
            ),
        )
    state = model.state(symbol)
    grade = model.grade(symbol)
    if not values or state is None or state.value is None:
        problems.append(DIP45_NO_VALUE.format(symbol=symbol))
    elif not min(values) <= state.value <= max(values):
        problems.append(DIP45_OUTSIDE.format(value=state.value, low=min(values), high=max(values)))
    figures: dict[str, Figure] = {
        "days": len(on_file),
        "days_with_dip": len(values),
        "days_without_1030_bar": len(missing),
        "median_dip_pct": round(statistics.median(values), 4) if values else None,
        "p90_dip_pct": round(float(np.percentile(values, 90)), 4) if values else None,
        "max_dip_pct": round(max(values), 4) if values else None,
        "days_over_1_4_pct": sum(value > DIP45_REPORT_PCT for value in values),
        "model_value_pct": round(state.value, 4) if state and state.value is not None else None,
        "grade": grade.grade.value,
    }
    notes = [
        f"{len(on_file)} sessions from {on_file[0]} to {on_file[-1]}; {len(values)} gave a dip "
        f"(median {figures['median_dip_pct']} %, max {figures['max_dip_pct']} %)",
        f"the model's grade of {symbol}: {grade.grade.value} ({grade.reason})",
    ]
    return _verdict(check, problems, notes, figures, symbol)


# --- MODEL_FEEDING ----------------------------------------------------------------------------

FEEDING_DAYS = 30  # what a simulation warms its models from
FEEDING_PARTIAL_UNTIL = wall_time(12, 0)  # a "partial day" is the morning, as streamed

FEEDING_NO_DAYS = "no minute bars of {symbol} on file: nothing to feed the models"
FEEDING_DIFFERS = (
    "{model}: trained {how} gives {found}, trained on days 1..{n} at once gives {expected}"
)
FEEDING_REVERT_WRONG = (
    "{model} on {day}: revert_to_snapshot after a partial day gave {found}, the state before it "
    "was {expected}"
)
FEEDING_NOT_IDEMPOTENT = "{model} on {day}: feeding the complete day again changed the state"


def check_model_feeding(
    *,
    store: PriceStore,
    calendar: MarketCalendar,
    symbol: str,
    days: int = FEEDING_DAYS,
    models: Sequence[type[ForgetfulModel]] = FORGETFUL_MODELS,
    state_store: Callable[[], ModelStateStore] = MemoryModelStateStore,
    progress: Progress = _no_progress,
) -> HealthReport:
    """MODEL_FEEDING: batch training, nightly training and a simulation's fold agree exactly.

    Night by night, each day is first fed partly (its morning, ``stable=False``) and reverted to
    the snapshot, which must restore the state before it exactly; then fed partly again and
    completely (the partial day is undone by the model itself), then completely once more, which
    must change nothing. Each night gets new model objects, as a restarted program would.
    """
    check = HealthCheckType.MODEL_FEEDING
    on_file = store.dates_on_file(symbol, resolution=Resolution.MINUTE)[-days:]
    if not on_file:
        return _verdict(check, [FEEDING_NO_DAYS.format(symbol=symbol)], (), {"days": 0}, symbol)
    problems: list[str] = []
    at_once_store = state_store()
    ModelFeeder(
        model_store=at_once_store, price_store=store, calendar=calendar, models=models
    ).feed_days((symbol, day) for day in on_file)
    nightly_store = state_store()
    for index, day in enumerate(on_file):
        progress(100 * index / len(on_file), f"{symbol} {day}")
        feeder = ModelFeeder(
            model_store=nightly_store, price_store=store, calendar=calendar, models=models
        )
        session = regular_hours(store.load_day(symbol, day, Resolution.MINUTE), calendar)
        morning = session.select(session.t < new_york_epoch(day, FEEDING_PARTIAL_UNTIL))
        for model in feeder.models:
            before = model.state(symbol)
            model.feed(morning, stable=False)
            if model.revert_to_snapshot(symbol) != before or model.state(symbol) != before:
                problems.append(
                    FEEDING_REVERT_WRONG.format(
                        model=model.name, day=day, found=model.state(symbol), expected=before
                    )
                )
            model.feed(morning, stable=False)
        feeder.feed(symbol, day)
        for model in feeder.models:
            fed = model.state(symbol)
            outcome = model.feed(session)
            if outcome.feeding is not Feeding.SKIPPED or model.state(symbol) != fed:
                problems.append(FEEDING_NOT_IDEMPOTENT.format(model=model.name, day=day))
    figures: dict[str, Figure] = {"days": len(on_file), "models": len(models)}
    notes = [f"fed {len(on_file)} sessions of {symbol}, {on_file[0]} to {on_file[-1]}"]
    for model_class in models:
        at_once = model_class(store=at_once_store, calendar=calendar)
        nightly = model_class(store=nightly_store, calendar=calendar)
        expected = at_once.state(symbol)
        folded = at_once.fold(symbol, _day_values(at_once, store, calendar, symbol, on_file))
        for how, found in (("night by night", nightly.state(symbol)), ("by fold", folded)):
            if found != expected:
                problems.append(
                    FEEDING_DIFFERS.format(
                        model=at_once.name, how=how, found=found, expected=expected, n=len(on_file)
                    )
                )
        if nightly_store.get(GRADE, at_once.name, symbol) != at_once_store.get(
            GRADE, at_once.name, symbol
        ):
            problems.append(
                FEEDING_DIFFERS.format(
                    model=f"{at_once.name} grade",
                    how="night by night",
                    found=nightly_store.get(GRADE, at_once.name, symbol),
                    expected=at_once_store.get(GRADE, at_once.name, symbol),
                    n=len(on_file),
                )
            )
        value = expected.value if expected is not None else None
        figures[f"{at_once.name}_value"] = value
        notes.append(f"{at_once.name}: {value} from {expected.days if expected else 0} days")
    return _verdict(check, problems, notes, figures, symbol)


def _day_values(
    model: ForgetfulModel,
    store: PriceStore,
    calendar: MarketCalendar,
    symbol: str,
    days: Iterable[date],
) -> list[tuple[date, float | None]]:
    values = []
    for day in days:
        session = regular_hours(store.load_day(symbol, day, Resolution.MINUTE), calendar)
        values.append((day, model.day_value(session) if len(session) else None))
    return values


# --- SIM_TIMINGS and SIM_OUTPUT ---------------------------------------------------------------

SIM_TIMING_DAYS = 5
SIM_TIMING_LIMIT_S = 5.0  # TC2's limit per simulated day
# Model filters off: these two checks are about the simulator's speed and mechanics. With the
# filters on, a day the models reject is timed doing nothing and its output has nothing to check.
MECHANICS_SETTINGS = SimulationSettings(model_filters=False)
MODEL_FILTERS_OFF_NOTE = (
    "model filters off: this check is about the simulator, not whether the models would let "
    "CycleStrategy trade"
)

SIM_NO_DAYS = "no 1s bars of {symbol} on file: nothing to simulate"
SIM_FAILED = "{day}: the simulation failed: {error}"
SIM_TOO_SLOW = "average {average:.3f} s per simulated day > the {limit:g} s limit"
SIM_DAY_TIMING = "{day}: {seconds:.3f} s, {fills} fills, {events} events"

REALISM_NO_BAR = "fill of order {order} ({symbol}) at t={t}: no bar of the day starts then"
REALISM_FILL_OUTSIDE = (
    "fill of order {order} ({symbol} {side} {qty}) at {price} at {when}, outside its bar's range "
    "{low}-{high}"
)
REALISM_START_OUTSIDE = "the strategy started at {when}, outside its active windows ({windows})"
REALISM_ORDER_EARLY = "order {order} submitted at {when}, before the strategy started"
REALISM_ORDER_LATE = "order {order} submitted at {when}, after the close"
REALISM_ENTRY_OUTSIDE = (
    "order {order} ({side} {qty} {symbol}) opens a position at {when}, outside the active "
    "windows ({windows})"
)
REALISM_CASH_NEGATIVE = "cash fell to {cash:.2f} after the fill of order {order} at {when}"
REALISM_NOT_FLAT = "{qty} shares of {symbol} still held after the close"
REALISM_NO_FILLS = "no fills: the fill checks had nothing to check"
CASH_TOLERANCE = 0.005  # half a cent


def check_sim_timings(
    *,
    store: PriceStore,
    calendar: MarketCalendar,
    symbol: str,
    days: int = SIM_TIMING_DAYS,
    limit_s: float = SIM_TIMING_LIMIT_S,
    progress: Progress = _no_progress,
) -> HealthReport:
    """SIM_TIMINGS: CycleStrategy on ``symbol``'s ``days`` most recent 1-second days, timed."""
    check = HealthCheckType.SIM_TIMINGS
    recent = store.dates_on_file(symbol, resolution=Resolution.SECOND)[-days:]
    if not recent:
        return _verdict(check, [SIM_NO_DAYS.format(symbol=symbol)], (), {"days": 0}, symbol)
    problems: list[str] = []
    notes: list[str] = []
    seconds: list[float] = []
    for index, day in enumerate(recent):
        progress(100 * index / len(recent), f"simulating {symbol} {day}")
        started = time.perf_counter()
        try:
            record, _ = _simulate_cycle(store, calendar, symbol, day, MECHANICS_SETTINGS)
        except TC2Error as error:
            problems.append(SIM_FAILED.format(day=day, error=error))
            continue
        elapsed = time.perf_counter() - started
        seconds.append(elapsed)
        notes.append(
            SIM_DAY_TIMING.format(
                day=day, seconds=elapsed, fills=len(record.fill_log), events=record.events
            )
        )
    average = statistics.fmean(seconds) if seconds else None
    if average is not None and average > limit_s:
        problems.insert(0, SIM_TOO_SLOW.format(average=average, limit=limit_s))
    figures: dict[str, Figure] = {
        "days": len(seconds),
        "average_s": round(average, 4) if average is not None else None,
        "max_s": round(max(seconds), 4) if seconds else None,
        "limit_s": limit_s,
    }
    if average is not None:
        notes.insert(0, f"average {average:.3f} s per day over {len(seconds)} days")
    notes.append(MODEL_FILTERS_OFF_NOTE)
    return _verdict(check, problems, notes, figures, symbol)


def check_sim_output(
    *,
    store: PriceStore,
    calendar: MarketCalendar,
    symbol: str,
    day: date | None = None,
    settings: SimulationSettings = MECHANICS_SETTINGS,
) -> HealthReport:
    """SIM_OUTPUT: simulate CycleStrategy on ``day`` (default: the last 1s day on file) and
    check that its record is realistic (``realism_problems``)."""
    check = HealthCheckType.SIM_OUTPUT
    if day is None:
        on_file = store.dates_on_file(symbol, resolution=Resolution.SECOND)
        if not on_file:
            return _verdict(check, [SIM_NO_DAYS.format(symbol=symbol)], (), {}, symbol)
        day = on_file[-1]
    try:
        record, bars = _simulate_cycle(store, calendar, symbol, day, settings)
    except TC2Error as error:
        message = SIM_FAILED.format(day=day, error=error)
        return _verdict(check, [message], (), {"day": day.isoformat()}, symbol)
    windows = [
        (new_york_epoch(day, window.start), new_york_epoch(day, window.end))
        for window in CycleStrategy.active_windows
    ]
    close_t = int(calendar.session_close(day).timestamp())
    problems = realism_problems(record=record, bars=bars, windows=windows, close_t=close_t)
    notes = [
        f"CycleStrategy on {symbol} {day}: {len(record.order_log)} orders, "
        f"{len(record.fill_log)} fills, profit {record.profit:.2f}, stop: {record.stop_reason}",
        MODEL_FILTERS_OFF_NOTE,
    ]
    if not record.fill_log:
        notes.insert(1, REALISM_NO_FILLS)
    figures: dict[str, Figure] = {
        "day": day.isoformat(),
        "orders": len(record.order_log),
        "fills": len(record.fill_log),
        "profit": round(record.profit, 2),
        "min_cash": round(_cash_path(record)[0], 2),
        "fingerprint": record.fingerprint,
    }
    return _verdict(check, problems, notes, figures, symbol)


def _simulate_cycle(
    store: PriceStore,
    calendar: MarketCalendar,
    symbol: str,
    day: date,
    settings: SimulationSettings,
) -> tuple[RunRecord, dict[str, SymbolDay]]:
    simulator = StrategySimulator(
        store=store,
        calendar=calendar,
        exec_env=ExecEnv(env_type=EnvType.SIMULATION, clock=EpochClock(0), calendar=calendar),
    )
    record = simulator.simulate_day(
        DayRequest(strategy_class=CycleStrategy, symbols=(symbol,), day=day, settings=settings)
    )
    bars = {}
    for name in record.symbols:
        session = simulator.sessions.session(name, day, CycleStrategy.resolution)
        if session is not None:
            bars[name] = session
    return record, bars


def realism_problems(
    *,
    record: RunRecord,
    bars: Mapping[str, SymbolDay],
    windows: Sequence[tuple[int, int]],
    close_t: int,
) -> list[str]:
    """What is unrealistic in a day's run record; empty when nothing is.

    Parameters
    ----------
    record
        The run record of one day.
    bars
        The regular-hours bars the run replayed, by symbol.
    windows
        The strategy's active windows that day, as (start, end) epoch seconds.
    close_t
        The session's close, epoch seconds.
    """
    problems: list[str] = []
    for fill in record.fill_log:
        symbol_bars = bars.get(fill.symbol)
        index = int(np.searchsorted(symbol_bars.t, fill.t)) if symbol_bars is not None else 0
        if symbol_bars is None or index >= len(symbol_bars) or symbol_bars.t[index] != fill.t:
            problems.append(
                REALISM_NO_BAR.format(order=fill.client_order_id, symbol=fill.symbol, t=fill.t)
            )
            continue
        low, high = float(symbol_bars.l[index]), float(symbol_bars.h[index])
        if not low <= fill.price <= high:
            problems.append(
                REALISM_FILL_OUTSIDE.format(
                    order=fill.client_order_id,
                    symbol=fill.symbol,
                    side=fill.side.value,
                    qty=fill.qty,
                    price=fill.price,
                    when=_when(fill.t),
                    low=low,
                    high=high,
                )
            )
    problems.extend(_order_problems(record, windows, close_t))
    cash, after = _cash_path(record)
    if cash < -CASH_TOLERANCE and after is not None:
        problems.append(
            REALISM_CASH_NEGATIVE.format(
                cash=cash, order=after.client_order_id, when=_when(after.t)
            )
        )
    if record.kind == StrategyKind.DAY.value:
        for position in record.positions:
            if position["qty"]:
                problems.append(
                    REALISM_NOT_FLAT.format(qty=position["qty"], symbol=position["symbol"])
                )
    return problems


def _order_problems(
    record: RunRecord, windows: Sequence[tuple[int, int]], close_t: int
) -> list[str]:
    problems: list[str] = []
    shown = ", ".join(
        f"{_when(start, seconds=False)}-{_when(end, seconds=False)}" for start, end in windows
    )

    def inside(t: int) -> bool:
        return any(start <= t <= end for start, end in windows)

    started = record.started_t
    if started is not None and not inside(started):
        problems.append(REALISM_START_OUTSIDE.format(when=_when(started), windows=shown))
    for order in record.order_log:
        when = _when(order.submitted_t)
        if started is None or order.submitted_t < started:
            problems.append(REALISM_ORDER_EARLY.format(order=order.client_order_id, when=when))
        elif order.submitted_t > close_t:
            problems.append(REALISM_ORDER_LATE.format(order=order.client_order_id, when=when))
        held = sum(
            fill.side.sign * fill.qty
            for fill in record.fill_log
            if fill.symbol == order.symbol and fill.t < order.submitted_t
        )
        opens = held == 0 or (held > 0) == (order.side.sign > 0)
        if opens and not inside(order.submitted_t):
            problems.append(
                REALISM_ENTRY_OUTSIDE.format(
                    order=order.client_order_id,
                    side=order.side.value,
                    qty=order.qty,
                    symbol=order.symbol,
                    when=when,
                    windows=shown,
                )
            )
    return problems


def _cash_path(record: RunRecord) -> tuple[float, Any]:
    """The lowest cash the fills left and the fill after which it was lowest (None: no fill)."""
    cash = lowest = record.starting_cash
    after = None
    for fill in record.fill_log:
        cash -= fill.side.sign * fill.qty * fill.price + fill.fee
        if cash < lowest:
            lowest, after = cash, fill
    return lowest, after


# --- ALPACA -----------------------------------------------------------------------------------

ALPACA_KEY_VARIABLES = ("ALPACA_API_KEY_ID", "ALPACA_API_SECRET_KEY")
ALPACA_URL_VARIABLE = "ALPACA_TRADING_URL"
ALPACA_TRADING_URLS = {
    AlpacaEndpoint.PAPER: "https://paper-api.alpaca.markets",
    AlpacaEndpoint.LIVE: "https://api.alpaca.markets",
}
ALPACA_TIMEOUT_S = 10.0

NO_ALPACA_KEYS_MESSAGE = (
    "no Alpaca keys (ALPACA_API_KEY_ID and ALPACA_API_SECRET_KEY): trading uses the virtual account"
)
ALPACA_UNREACHABLE = "Alpaca {endpoint} account not reachable: {error}"
ALPACA_NOT_ACTIVE = "the Alpaca account's status is {status!r}, not 'ACTIVE'"
ALPACA_BLOCKED = "the Alpaca account has {flag} set"


class AlpacaUnreachable(TC2Error):
    """Alpaca's trading API refused the request or did not answer; check the keys and endpoint."""


class AlpacaAccountProbe:
    """Reads the Alpaca trading account and its open orders (``/v2/account``, ``/v2/orders``).

    Parameters
    ----------
    key_id, secret_key
        Sent in request headers, never logged or put in messages.
    base_url
        The trading API's scheme and host (paper or live).
    timeout_s
        Connect and read timeout of each request.
    """

    def __init__(
        self, *, key_id: str, secret_key: str, base_url: str, timeout_s: float = ALPACA_TIMEOUT_S
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._headers = {"APCA-API-KEY-ID": key_id, "APCA-API-SECRET-KEY": secret_key}
        self._timeout_s = timeout_s

    def account(self) -> dict[str, Any]:
        body = self._get("/v2/account", {})
        if not isinstance(body, dict):
            raise AlpacaUnreachable(f"{self.base_url}/v2/account answered with no account object")
        return body

    def open_orders(self) -> list[Any]:
        body = self._get("/v2/orders", {"status": "open", "limit": "500"})
        if not isinstance(body, list):
            raise AlpacaUnreachable(f"{self.base_url}/v2/orders answered with no list of orders")
        return body

    def _get(self, path: str, query: Mapping[str, str]) -> Any:
        url = self.base_url + path
        try:
            response = requests.get(
                url, params=query, headers=self._headers, timeout=self._timeout_s
            )
        except requests.RequestException as error:
            raise AlpacaUnreachable(f"{url}: {type(error).__name__}") from None
        if response.status_code != 200:
            raise AlpacaUnreachable(f"{url}: HTTP {response.status_code} {response.text[:200]}")
        try:
            return response.json()
        except ValueError:
            raise AlpacaUnreachable(f"{url}: the answer is not JSON") from None


def alpaca_probe_from_environ(
    environ: Mapping[str, str], endpoint: AlpacaEndpoint
) -> AlpacaAccountProbe | None:
    """The probe of the account the keys open, or None without keys. ``ALPACA_TRADING_URL``
    replaces the endpoint's URL (a proxy, or a test server)."""
    key_id, secret = (environ.get(name, "").strip() for name in ALPACA_KEY_VARIABLES)
    if not key_id or not secret:
        return None
    url = environ.get(ALPACA_URL_VARIABLE, "").strip() or ALPACA_TRADING_URLS[endpoint]
    return AlpacaAccountProbe(key_id=key_id, secret_key=secret, base_url=url)


def check_alpaca(
    *, probe: AlpacaAccountProbe | None, endpoint: AlpacaEndpoint = AlpacaEndpoint.PAPER
) -> HealthReport:
    """ALPACA: the account answers, is ACTIVE and not blocked, and its open orders list."""
    check = HealthCheckType.ALPACA
    if probe is None:
        return HealthReport(
            check_type=check, status=HealthStatus.SKIPPED, messages=(NO_ALPACA_KEYS_MESSAGE,)
        )
    try:
        account = probe.account()
        orders = probe.open_orders()
    except AlpacaUnreachable as error:
        message = ALPACA_UNREACHABLE.format(endpoint=endpoint.value, error=error)
        return _verdict(check, [message], (), {"endpoint": endpoint.value})
    problems = []
    status = account.get("status")
    if status != "ACTIVE":
        problems.append(ALPACA_NOT_ACTIVE.format(status=status))
    for flag in ("account_blocked", "trading_blocked"):
        if account.get(flag):
            problems.append(ALPACA_BLOCKED.format(flag=flag))
    figures: dict[str, Figure] = {
        "endpoint": endpoint.value,
        "status": str(status),
        "equity": _number(account.get("equity")),
        "cash": _number(account.get("cash")),
        "buying_power": _number(account.get("buying_power")),
        "open_orders": len(orders),
        "daytrade_count": _number(account.get("daytrade_count")),
    }
    notes = [
        f"{endpoint.value} account at {probe.base_url}: status {status}, equity "
        f"{figures['equity']}, buying power {figures['buying_power']}, {len(orders)} open orders"
    ]
    return _verdict(check, problems, notes, figures)


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


# --- Job parameters ---------------------------------------------------------------------------

PARAM_KEYS = ("check_type", "symbol", "day_date", "alpaca_endpoint")
INVALID_REQUEST_MESSAGE = "The health check request is invalid; nothing was started."
UNKNOWN_CHECK_MESSAGE = "must be one of {choices}, was {value!r}"
SYMBOL_NEEDED_MESSAGE = "{check} checks one symbol: give a ticker"
NO_SYMBOL_MESSAGE = "{check} takes no symbol, was {value!r}"
BAD_SYMBOL_MESSAGE = "must be a ticker (1-5 uppercase letters, optional .X), was {value!r}"
DAY_ONLY_MESSAGE = "only SIM_OUTPUT takes a day, not {check}"
BAD_DAY_MESSAGE = "must be a date YYYY-MM-DD (or YYYY/MM/DD), was {value!r}"
ENDPOINT_ONLY_MESSAGE = "only ALPACA takes alpaca_endpoint, not {check}"
BAD_ENDPOINT_MESSAGE = "must be 'paper' or 'live', was {value!r}"


def parse_health_check_params(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Validate and normalise ``{check_type, symbol?, day_date?, alpaca_endpoint?}``.

    ``check_type`` is a ``HealthCheckType`` name (or one of the original's: MONGO, POLYGON,
    SIMULATION_TIMINGS, SIMULATION_OUTPUT). Per-symbol checks need ``symbol``; the others refuse
    one. ``day_date`` (SIM_OUTPUT only) is a session with 1-second bars of the symbol on file;
    without it the check simulates the last such day. ``alpaca_endpoint`` (ALPACA only) is
    ``paper`` (default) or ``live``.

    Returns
    -------
    dict
        ``{check_type, symbol (None when the check takes none), day_date (ISO or None)}``, plus
        ``alpaca_endpoint`` for ALPACA.

    Raises
    ------
    ValidationFailed
        Naming every bad field.
    """
    params = require_object(raw)
    errors = reject_unknown_params(params, PARAM_KEYS)
    check, symbol = _check_and_symbol(params, errors)
    day = _day_param(check, symbol, params.get("day_date"), errors)
    endpoint = _endpoint_param(check, params.get("alpaca_endpoint"), errors)
    if errors or check is None:
        raise ValidationFailed(INVALID_REQUEST_MESSAGE, errors)
    parsed: dict[str, Any] = {
        "check_type": check.value,
        "symbol": symbol,
        "day_date": day.isoformat() if day is not None else None,
    }
    if check is HealthCheckType.ALPACA:
        parsed["alpaca_endpoint"] = endpoint.value
    return parsed


def health_check_key(raw: Mapping[str, Any]) -> tuple[HealthCheckType, str | None]:
    """The (check, symbol) a stored result is kept under, from ``{check_type, symbol?}``.

    Raises
    ------
    ValidationFailed
        If the check type is unknown, or the symbol is missing, refused or not a ticker.
    """
    errors: dict[str, list[str]] = {}
    check, symbol = _check_and_symbol(raw, errors)
    if errors or check is None:
        raise ValidationFailed(INVALID_REQUEST_MESSAGE, errors)
    return check, symbol


def _check_and_symbol(
    params: Mapping[str, Any], errors: dict[str, list[str]]
) -> tuple[HealthCheckType | None, str | None]:
    value = params.get("check_type")
    check = HealthCheckType.named(value)
    if check is None:
        choices = ", ".join(member.value for member in HealthCheckType)
        errors["check_type"] = [UNKNOWN_CHECK_MESSAGE.format(choices=choices, value=value)]
        return None, None
    symbol = params.get("symbol")
    if symbol in (None, ""):
        if check.takes_symbol:
            errors["symbol"] = [SYMBOL_NEEDED_MESSAGE.format(check=check.value)]
        return check, None
    if not check.takes_symbol:
        errors["symbol"] = [NO_SYMBOL_MESSAGE.format(check=check.value, value=symbol)]
        return check, None
    if not isinstance(symbol, str) or not SYMBOL_PATTERN.fullmatch(symbol):
        errors["symbol"] = [BAD_SYMBOL_MESSAGE.format(value=symbol)]
        return check, None
    return check, symbol


def _day_param(
    check: HealthCheckType | None, symbol: str | None, value: Any, errors: dict[str, list[str]]
) -> date | None:
    if value in (None, ""):
        return None
    if check is not None and check is not HealthCheckType.SIM_OUTPUT:
        errors["day_date"] = [DAY_ONLY_MESSAGE.format(check=check.value)]
        return None
    match = (
        re.fullmatch(r"(\d{4})[-/](\d{2})[-/](\d{2})", value) if isinstance(value, str) else None
    )
    try:
        day = date(*(int(part) for part in match.groups())) if match else None
    except ValueError:
        day = None
    if day is None:
        errors["day_date"] = [BAD_DAY_MESSAGE.format(value=value)]
        return None
    try:
        if not MarketCalendar.xnys().is_session(day):
            errors["day_date"] = [NOT_A_SESSION_MESSAGE.format(day=day)]
            return None
    except CalendarRangeError as error:
        errors["day_date"] = [str(error)]
        return None
    live = live_store_from_environ()
    if symbol is not None and not live.dates_on_file(symbol, day, day, Resolution.SECOND):
        errors["day_date"] = [
            DAY_NOT_ON_FILE_MESSAGE.format(resolution="1s", symbol=symbol, day=day)
        ]
        return None
    return day


def _endpoint_param(
    check: HealthCheckType | None, value: Any, errors: dict[str, list[str]]
) -> AlpacaEndpoint:
    if value in (None, ""):
        return AlpacaEndpoint.PAPER
    if check is not None and check is not HealthCheckType.ALPACA:
        errors["alpaca_endpoint"] = [ENDPOINT_ONLY_MESSAGE.format(check=check.value)]
        return AlpacaEndpoint.PAPER
    if value not in {member.value for member in AlpacaEndpoint}:
        errors["alpaca_endpoint"] = [BAD_ENDPOINT_MESSAGE.format(value=value)]
        return AlpacaEndpoint.PAPER
    return AlpacaEndpoint(value)


# --- The job ----------------------------------------------------------------------------------

CHECK_RAISED_MESSAGE = "the check itself failed: {error}"
PROVIDER_CONFIGURATION_MESSAGE = "the market-data provider is misconfigured: {error}"


def perform_health_check(*, params: Mapping[str, Any], progress: Progress) -> dict[str, Any]:
    """Job function of ``health_check``: run one check; return its report as JSON.

    ``params`` are those ``parse_health_check_params`` returned. A check that raises is a FAILED
    report naming the error (only a cancel or a worker shutdown stops the job). The outcome is
    logged to the ``health`` feed.

    Returns
    -------
    dict
        ``HealthReport.to_dict()`` plus ``params``, ``checked_at`` (ISO, UTC) and ``duration_s``.
    """
    check = HealthCheckType(params["check_type"])
    symbol = params.get("symbol")
    label = f"{check.value} {symbol}" if symbol else check.value
    progress(0, f"checking {label}")
    started = time.perf_counter()
    try:
        report = _run_check(check, params, progress)
    except (JobCanceled, JobInterrupted):
        raise
    except Exception as error:  # a broken check is a failed check, with the reason
        message = CHECK_RAISED_MESSAGE.format(error=_describe(error))
        report = HealthReport(
            check_type=check, status=HealthStatus.FAILED, messages=(message,), symbol=symbol
        )
    duration = time.perf_counter() - started
    progress(100, report.status.value)
    summary = f"{label}: {report.status.value} in {duration:.2f} s"
    if report.messages:
        summary += f" ({report.messages[0]})"
    if report.status is HealthStatus.FAILED:
        _log.warning(summary)
    else:
        _log.info(summary)
    return {
        **report.to_dict(),
        "symbol": symbol,
        "params": dict(params),
        "checked_at": LiveClock().now().isoformat(),
        "duration_s": round(duration, 3),
    }


def _run_check(
    check: HealthCheckType, params: Mapping[str, Any], progress: Progress
) -> HealthReport:
    calendar = MarketCalendar.xnys()
    symbol = str(params.get("symbol") or "")
    if check is HealthCheckType.STORE:
        config = RuntimeConfig.from_environ()
        sandbox = price_store_for(
            EnvType.HEALTH_CHECKING, data_dir=config.data_dir, url=config.price_store
        )
        try:
            return check_store(store=sandbox)
        finally:
            close = getattr(sandbox, "close", None)  # a MongoDB store holds a client
            if callable(close):
                close()
    if check is HealthCheckType.PROVIDER:
        try:
            provider = history_provider_from_environ(os.environ, calendar=calendar)
        except ConfigurationError as error:
            message = PROVIDER_CONFIGURATION_MESSAGE.format(error=error)
            return _verdict(check, [message])
        return check_provider(provider=provider, calendar=calendar, now=LiveClock().now())
    if check is HealthCheckType.ALPACA:
        endpoint = AlpacaEndpoint(params.get("alpaca_endpoint") or AlpacaEndpoint.PAPER.value)
        probe = alpaca_probe_from_environ(os.environ, endpoint)
        return check_alpaca(probe=probe, endpoint=endpoint)
    store = live_store_from_environ()
    if check is HealthCheckType.DATA:
        return check_data(store=store, calendar=calendar, symbol=symbol, progress=progress)
    if check is HealthCheckType.DIP45:
        return check_dip45(store=store, calendar=calendar, symbol=symbol, progress=progress)
    if check is HealthCheckType.MODEL_FEEDING:
        return check_model_feeding(store=store, calendar=calendar, symbol=symbol, progress=progress)
    if check is HealthCheckType.SIM_TIMINGS:
        return check_sim_timings(store=store, calendar=calendar, symbol=symbol, progress=progress)
    day = params.get("day_date")
    return check_sim_output(
        store=store,
        calendar=calendar,
        symbol=symbol,
        day=date.fromisoformat(day) if day else None,
    )


# --- The nightly schedule ---------------------------------------------------------------------

NIGHT_STARTS = wall_time(18, 0)
NIGHT_ENDS = wall_time(6, 0)


def nightly_window_start(now: datetime) -> datetime | None:
    """The 18:00 New York that began the night ``now`` falls in; None from 06:00 to 18:00."""
    local = now.astimezone(NEW_YORK)
    if NIGHT_ENDS <= local.time() < NIGHT_STARTS:
        return None
    evening = local.date() if local.time() >= NIGHT_STARTS else local.date() - timedelta(days=1)
    return datetime.combine(evening, NIGHT_STARTS, tzinfo=NEW_YORK)


def nightly_checks(symbols: Sequence[str]) -> list[dict[str, Any]]:
    """Every check a night runs: each check without a symbol once, each other per symbol."""
    requests_: list[dict[str, Any]] = []
    for check in HealthCheckType:
        if check.takes_symbol:
            requests_.extend({"check_type": check.value, "symbol": symbol} for symbol in symbols)
        else:
            requests_.append({"check_type": check.value})
    return requests_


# --- Helpers ----------------------------------------------------------------------------------


def _ms(seconds: float) -> float:
    return round(1000 * seconds, 3)


def _days(days: Iterable[date]) -> str:
    listed = [day.isoformat() for day in days]
    return "[" + ", ".join(listed) + "]"


def _when(t: int, *, seconds: bool = True) -> str:
    """Epoch seconds as New York wall time, HH:MM:SS."""
    shown = datetime.fromtimestamp(t, NEW_YORK)
    return shown.strftime("%H:%M:%S" if seconds else "%H:%M")


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"
