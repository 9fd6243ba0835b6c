"""STORE: the price store's save/load/remove round trip in its sandbox namespace."""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from datetime import date
from datetime import time as wall_time

import numpy as np

from tc2.data.bars import Resolution, SymbolDay
from tc2.data.store import PriceStore
from tc2.env.market_calendar import new_york_epoch
from tc2.program.checks.report import (
    Figure,
    HealthCheckType,
    HealthReport,
    describe_error,
    listed_days,
    milliseconds,
    verdict,
)

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
        figures["save_ms"] = milliseconds(time.perf_counter() - started)
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
        figures["max_load_ms"] = milliseconds(max(timings))
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
        problems.append(STORE_STEP_FAILED.format(step=step, error=describe_error(error)))
    finally:
        try:
            _drop_dummies(store)
        except Exception as error:
            problems.append(
                STORE_STEP_FAILED.format(step="cleaning up", error=describe_error(error))
            )
    notes = [
        f"saved {len(STORE_DAYS)} days of {STORE_SYMBOL} and 1 of {STORE_OTHER_SYMBOL} "
        f"({STORE_BARS} one-second bars each) in namespace {store.namespace!r}",
    ]
    if "average_load_ms" in figures:
        notes.append(
            f"load_day: average {figures['average_load_ms']} ms, max {figures['max_load_ms']} ms "
            f"over {len(STORE_DAYS) * STORE_LOADS_PER_DAY} loads (limit {max_average_load_ms:.0f})"
        )
    return verdict(check, problems, notes, figures)


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
                step=step,
                symbol=STORE_SYMBOL,
                found=listed_days(found),
                expected=listed_days(expected),
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
                days=listed_days(series.days),
                expected=len(expected_t),
                want=listed_days(STORE_DAYS),
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
