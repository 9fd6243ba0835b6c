"""The Data page's one source: the window follows the sessions on file; coverage and validity are
counted once, by the session's real length, whatever the bar size."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from tc2.data.bars import Resolution, SymbolDay
from tc2.data.coverage import coverage_summary, symbol_coverage
from tc2.data.price_stores import price_store_for
from tc2.data.store import PriceStore
from tc2.data.validation import HEALTH_DAYS, recent_validity
from tc2.env import EnvType, MarketCalendar

EARLY_CLOSE = date(2025, 11, 28)  # the day after Thanksgiving: 9:30 to 13:00


@pytest.fixture(scope="module")
def calendar() -> MarketCalendar:
    return MarketCalendar.xnys()


@pytest.fixture
def store(tmp_path: Path) -> PriceStore:
    return price_store_for(EnvType.LIVE, data_dir=tmp_path)


def day_bars(
    calendar: MarketCalendar,
    day: date,
    *,
    resolution: Resolution = Resolution.MINUTE,
    offsets: list[int] | None = None,
    price: float = 100.0,
) -> SymbolDay:
    """Bars at ``offsets`` seconds from the open (default: every step of the session)."""
    open_s = int(calendar.session_open(day).timestamp())
    close_s = int(calendar.session_close(day).timestamp())
    step = resolution.seconds
    at = np.arange(0, close_s - open_s, step) if offsets is None else np.array(offsets)
    t = (open_s + at).astype(np.int64)
    p = price + np.arange(len(t)) * 0.01
    return SymbolDay(
        symbol="XYZ", day=day, resolution=resolution, t=t, o=p, h=p + 0.5, l=p - 0.5, c=p, v=p
    )


class CoverageTests:
    def test_the_window_runs_from_the_first_session_on_file_to_the_last(
        self, store: PriceStore, calendar: MarketCalendar
    ) -> None:
        # Across a month's end, with two sessions missing in between.
        sessions = calendar.sessions_in_range(date(2024, 2, 26), date(2024, 3, 8))
        kept = [day for day in sessions if day not in (date(2024, 2, 29), date(2024, 3, 5))]
        store.save_days(day_bars(calendar, day) for day in kept)

        coverage = symbol_coverage(store, calendar, "XYZ", Resolution.MINUTE)

        assert coverage.window == (date(2024, 2, 26), date(2024, 3, 8))
        assert [s.day for s in coverage.sessions] == sessions
        assert coverage.summary.missing == (date(2024, 2, 29), date(2024, 3, 5))
        assert coverage.summary.on_file == tuple(kept)
        assert [s.day for s in coverage.sessions if not s.on_file] == list(coverage.summary.missing)
        assert all(s.coverage_pct == 100.0 for s in coverage.sessions if s.on_file)

    def test_a_full_early_close_is_fully_covered_and_valid(
        self, store: PriceStore, calendar: MarketCalendar
    ) -> None:
        store.save_day(day_bars(calendar, EARLY_CLOSE))

        (session,) = symbol_coverage(store, calendar, "XYZ", Resolution.MINUTE).sessions

        assert (session.session_minutes, session.covered_minutes) == (210, 210)
        assert session.coverage_pct == 100.0
        assert session.validity is not None and session.validity.valid

    def test_coverage_counts_regular_minutes_with_a_bar_and_the_candle_is_regular_hours(
        self, store: PriceStore, calendar: MarketCalendar
    ) -> None:
        day = date(2024, 3, 6)
        # Three 1-second bars in the first minute, one in the third, one before the open.
        bars = day_bars(calendar, day, resolution=Resolution.SECOND, offsets=[-5, 0, 1, 59, 130])
        store.save_day(bars)

        (session,) = symbol_coverage(store, calendar, "XYZ", Resolution.SECOND).sessions

        assert session.covered_minutes == 2
        assert session.coverage_pct == round(100 * 2 / 390, 2)
        assert session.candle is not None
        assert session.candle.open == float(bars.o[1])  # the pre-market bar is left out
        assert session.candle.close == float(bars.c[-1])
        assert session.candle.volume == pytest.approx(float(bars.v[1:].sum()))

    def test_daily_bars_cover_their_sessions_and_are_not_judged_by_intraday_rules(
        self, store: PriceStore, calendar: MarketCalendar
    ) -> None:
        days = calendar.sessions_in_range(date(2024, 3, 4), date(2024, 3, 6))
        store.save_days(
            day_bars(calendar, day, resolution=Resolution.DAY, offsets=[0], price=50 + i)
            for i, day in enumerate(days)
        )

        coverage = symbol_coverage(store, calendar, "XYZ", Resolution.DAY)

        assert coverage.summary.recent == ()
        assert [s.coverage_pct for s in coverage.sessions] == [100.0, 100.0, 100.0]
        assert [s.candle.open for s in coverage.sessions if s.candle] == [50.0, 51.0, 52.0]

    def test_validity_is_that_of_the_recent_days_checked_and_only_theirs(
        self, store: PriceStore, calendar: MarketCalendar
    ) -> None:
        sessions = calendar.sessions_before(date(2024, 6, 3), HEALTH_DAYS + 2)
        short = sessions[-1]
        store.save_days(
            day_bars(calendar, day, offsets=list(range(0, 100 * 60, 60)) if day == short else None)
            for day in sessions
        )

        coverage = symbol_coverage(store, calendar, "XYZ", Resolution.MINUTE)
        summary = coverage.summary

        assert summary.recent == tuple(
            recent_validity(store, calendar, "XYZ", Resolution.MINUTE, HEALTH_DAYS)
        )
        assert [v.day for v in summary.invalid] == [short]
        assert [s.validity for s in coverage.sessions[:2]] == [None, None]
        checked = [s for s in coverage.sessions if s.validity is not None]
        assert [s.day for s in checked] == sessions[-HEALTH_DAYS:]
        assert [s.day for s in checked if not s.validity.valid] == [short]
        assert coverage_summary(store, calendar, "XYZ", Resolution.MINUTE) == summary

    def test_with_more_sessions_than_a_chart_shows_the_latest_are_shown(
        self, store: PriceStore, calendar: MarketCalendar
    ) -> None:
        sessions = calendar.sessions_in_range(date(2024, 3, 4), date(2024, 3, 8))
        store.save_days(day_bars(calendar, day) for day in sessions)

        coverage = symbol_coverage(store, calendar, "XYZ", Resolution.MINUTE, most=3)

        assert [s.day for s in coverage.sessions] == sessions[-3:]
        assert len(coverage.summary.on_file) == 5

    def test_nothing_on_file_is_an_empty_window(
        self, store: PriceStore, calendar: MarketCalendar
    ) -> None:
        coverage = symbol_coverage(store, calendar, "XYZ", Resolution.MINUTE)

        assert coverage.window is None and coverage.sessions == ()
        assert coverage.summary.first_day is None and coverage.summary.missing == ()
