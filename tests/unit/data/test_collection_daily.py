"""The collector keeps each session's daily bar with its minute bars.

Whenever valid 1m bars are saved (seeding, catch-up, patch, heal, recollect all go through
``DayCollector``) the session's 1d bar, resampled from their regular hours and stamped at the
open, is saved too; a store holding 1m sessions without 1d bars gets them when they are verified,
without asking the source, and a second pass writes nothing.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tc2.data.bars import Resolution, SymbolDay
from tc2.data.collection import DayCollector, Outcome
from tc2.data.file_store import FilePriceStore
from tc2.data.resample import regular_hours, resample
from tc2.data.synthetic import SyntheticMarket
from tc2.env import MarketCalendar
from tc2.errors import DataError
from tc2.program.checks.data import unadjusted_on_file

CALENDAR = MarketCalendar.xnys()
# A normal session, Thanksgiving's early close (13:00) and the session after, all in one month.
DAYS = [date(2024, 11, 27), date(2024, 11, 29), date(2024, 12, 2)]
MARKET = SyntheticMarket(seed=11, calendar=CALENDAR)


class _CountingStore(FilePriceStore):
    """A file store that records every day it is asked to write."""

    def __init__(self, base: Path) -> None:
        super().__init__(base, "live")
        self.written: list[tuple[str, date, Resolution]] = []

    def _save_days(self, days: Any) -> None:
        self.written.extend((bars.symbol, bars.day, bars.resolution) for bars in days)
        super()._save_days(days)


class _Scaled:
    """The synthetic market's bars with every price times ``factor`` (a source that changed)."""

    def __init__(self, factor: float) -> None:
        self.factor = factor

    def day_bars(self, *, symbol: str, day: date, resolution: Resolution) -> SymbolDay:
        bars = MARKET.day_bars(symbol=symbol, day=day, resolution=resolution)
        columns = dict(bars.columns())
        for name in ("o", "h", "l", "c", "vw"):
            if name in columns:
                columns[name] = columns[name] * self.factor
        return SymbolDay.from_columns(
            symbol=symbol, day=day, resolution=resolution, columns=columns
        )


class _Refusing:
    """A source that must not be asked: what is on file is enough."""

    def day_bars(self, *, symbol: str, day: date, resolution: Resolution) -> SymbolDay:
        raise AssertionError(f"the source was asked for {symbol} {day} {resolution.value}")


class _Failing:
    def day_bars(self, *, symbol: str, day: date, resolution: Resolution) -> SymbolDay:
        raise DataError(f"no data for {symbol} on {day}")


class _Gappy:
    """Minute bars with the afternoon missing: invalid, so neither they nor a daily bar are kept."""

    def day_bars(self, *, symbol: str, day: date, resolution: Resolution) -> SymbolDay:
        bars = MARKET.day_bars(symbol=symbol, day=day, resolution=resolution)
        return bars.select(bars.t < int(CALENDAR.session_open(day).timestamp()) + 3600)


@pytest.fixture
def store(tmp_path: Path) -> _CountingStore:
    return _CountingStore(tmp_path)


def test_collected_minute_sessions_get_their_daily_bar_resampled_at_the_open(
    store: _CountingStore,
):
    collector = DayCollector(store=store, source=MARKET, calendar=CALENDAR)

    outcomes = collector.collect_range(["SPY"], DAYS, (Resolution.MINUTE,))

    assert [o.outcome for o in outcomes] == [Outcome.SAVED] * 3
    assert store.dates_on_file("SPY", resolution=Resolution.DAY) == DAYS
    for day in DAYS:
        minutes = store.load_day("SPY", day, Resolution.MINUTE)
        session = regular_hours(minutes, CALENDAR)
        daily = store.load_day("SPY", day, Resolution.DAY)
        assert len(daily) == 1
        assert int(daily.t[0]) == int(CALENDAR.session_open(day).timestamp())
        assert daily.o[0] == session.o[0] and daily.c[0] == session.c[-1]
        assert daily.h[0] == session.h.max() and daily.l[0] == session.l.min()
        assert daily.v[0] == pytest.approx(session.v.sum())
    # The early close ends at 13:00: its last regular minute is 12:59.
    early = regular_hours(store.load_day("SPY", DAYS[1], Resolution.MINUTE), CALENDAR)
    assert int(early.t[-1]) + 60 == int(CALENDAR.session_close(DAYS[1]).timestamp())
    # A symbol's daily bars are written together: one write for the range, not one per day.
    daily_writes = [w for w in store.written if w[2] is Resolution.DAY]
    assert sorted(daily_writes) == [("SPY", day, Resolution.DAY) for day in DAYS]


def test_one_day_collected_alone_gets_its_daily_bar(store: _CountingStore):
    collector = DayCollector(store=store, source=MARKET, calendar=CALENDAR)

    collector.collect_day("QQQ", DAYS[0], (Resolution.SECOND, Resolution.MINUTE))

    assert store.dates_on_file("QQQ", resolution=Resolution.DAY) == [DAYS[0]]
    minutes = store.load_day("QQQ", DAYS[0], Resolution.MINUTE)
    expected = resample(minutes, Resolution.DAY, CALENDAR)
    assert store.load_day("QQQ", DAYS[0], Resolution.DAY).columns().keys() == (
        expected.columns().keys()
    )
    assert np.array_equal(store.load_day("QQQ", DAYS[0], Resolution.DAY).c, expected.c)


def test_a_store_with_minutes_but_no_daily_bars_fills_them_in_once(store: _CountingStore):
    # A store collected before daily bars were kept: minute bars only.
    store.save_days(
        MARKET.day_bars(symbol="SPY", day=day, resolution=Resolution.MINUTE) for day in DAYS
    )
    store.written.clear()
    verifier = DayCollector(store=store, source=_Refusing(), calendar=CALENDAR)

    first = verifier.collect_range(["SPY"], DAYS, (Resolution.MINUTE,))

    assert [o.outcome for o in first] == [Outcome.ON_FILE] * 3
    assert store.written == [("SPY", day, Resolution.DAY) for day in DAYS]
    for day in DAYS:
        minutes = store.load_day("SPY", day, Resolution.MINUTE)
        assert (
            store.load_day("SPY", day, Resolution.DAY).c[0]
            == regular_hours(minutes, CALENDAR).c[-1]
        )

    store.written.clear()
    verifier.collect_range(["SPY"], DAYS, (Resolution.MINUTE,))
    verifier.collect_day("SPY", DAYS[0], (Resolution.MINUTE,))

    assert store.written == []  # idempotent: nothing is rewritten


def test_a_forced_recollection_replaces_the_daily_bar_with_the_new_minutes(
    store: _CountingStore,
):
    DayCollector(store=store, source=MARKET, calendar=CALENDAR).collect_range(
        ["SPY"], DAYS[:1], (Resolution.MINUTE,)
    )
    before = store.load_day("SPY", DAYS[0], Resolution.DAY).c[0]

    DayCollector(store=store, source=_Scaled(2.0), calendar=CALENDAR).collect_range(
        ["SPY"], DAYS[:1], (Resolution.MINUTE,), force=True
    )

    assert store.load_day("SPY", DAYS[0], Resolution.DAY).c[0] == pytest.approx(2 * before)


def test_second_bars_alone_make_no_daily_bar(store: _CountingStore):
    DayCollector(store=store, source=MARKET, calendar=CALENDAR).collect_range(
        ["SPY"], DAYS[:1], (Resolution.SECOND,)
    )

    assert store.dates_on_file("SPY", resolution=Resolution.SECOND) == DAYS[:1]
    assert store.dates_on_file("SPY", resolution=Resolution.DAY) == []


@pytest.mark.parametrize(
    ("source", "outcome"), [(_Failing(), Outcome.FAILED), (_Gappy(), Outcome.INVALID)]
)
def test_a_failed_or_invalid_minute_day_gets_no_daily_bar(
    store: _CountingStore, source: Any, outcome: Outcome
):
    outcomes = DayCollector(store=store, source=source, calendar=CALENDAR).collect_range(
        ["SPY"], DAYS, (Resolution.MINUTE,)
    )

    assert {o.outcome for o in outcomes} == {outcome}
    assert store.written == []
    assert store.dates_on_file("SPY", resolution=Resolution.DAY) == []


def test_an_invalid_minute_day_on_file_is_not_turned_into_a_daily_bar(store: _CountingStore):
    # Half a session on file (invalid): verifying it must not make a daily bar of half a day.
    store.save_day(_Gappy().day_bars(symbol="SPY", day=DAYS[0], resolution=Resolution.MINUTE))

    outcomes = DayCollector(store=store, source=_Failing(), calendar=CALENDAR).collect_range(
        ["SPY"], DAYS[:1], (Resolution.MINUTE,)
    )

    assert [o.outcome for o in outcomes] == [Outcome.FAILED]
    assert store.dates_on_file("SPY", resolution=Resolution.DAY) == []


def test_the_data_checks_split_rule_finds_no_split_in_collected_daily_bars(
    store: _CountingStore,
):
    # The DATA check reads 1d and 1m for unadjusted splits: daily bars made from the minutes
    # must not look like one (no false failure on a store the collector filled).
    sessions = CALENDAR.sessions_in_range(date(2024, 9, 3), date(2024, 12, 31))
    DayCollector(store=store, source=MARKET, calendar=CALENDAR).collect_range(
        ["SPY"], sessions, (Resolution.MINUTE,)
    )

    assert store.dates_on_file("SPY", resolution=Resolution.DAY) == sessions
    assert unadjusted_on_file(store, "SPY") == {}
