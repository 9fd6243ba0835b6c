"""TC2's validation rules, each failing for its own reason."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from tc2.data.bars import Resolution, SymbolDay
from tc2.data.synthetic import SyntheticMarket
from tc2.data.validation import DayValidity, ValidationPolicy, data_health, validate_day
from tc2.env import MarketCalendar

DAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def calendar() -> MarketCalendar:
    return MarketCalendar.xnys()


def _bars(
    calendar: MarketCalendar, keep: np.ndarray | None = None, price: float = 50.0
) -> SymbolDay:
    open_s = int(calendar.session_open(DAY).timestamp())
    t = np.arange(open_s, open_s + 23_400, dtype=np.int64)
    if keep is not None:
        t = t[keep]
    p = np.full(len(t), price)
    return SymbolDay(
        symbol="TXN",
        day=DAY,
        resolution=Resolution.SECOND,
        t=t,
        o=p,
        h=p,
        l=p,
        c=p,
        v=np.full(len(t), 100.0),
    )


def test_a_full_day_is_valid(calendar: MarketCalendar):
    result = validate_day(_bars(calendar), calendar)
    assert result.valid and result.bars == 23_400 and result.longest_gap_s == 0


def test_too_few_bars(calendar: MarketCalendar):
    keep = np.zeros(23_400, dtype=bool)
    keep[::25] = True  # 936 bars, evenly spread
    reasons = validate_day(_bars(calendar, keep), calendar).reasons
    assert any("fewer than 1140" in r for r in reasons)


def test_prices_below_one_dollar(calendar: MarketCalendar):
    reasons = validate_day(_bars(calendar, price=0.5), calendar).reasons
    assert reasons == ("a price of 0.5 is below $1.0",)


def test_sparse_minutes(calendar: MarketCalendar):
    keep = np.ones(23_400, dtype=bool)
    # 130 minutes with only 2 bars each (more than 127 allowed), no long gaps.
    for minute in range(0, 260, 2):
        keep[minute * 60 : minute * 60 + 60] = False
        keep[minute * 60] = keep[minute * 60 + 30] = True
    reasons = validate_day(_bars(calendar, keep), calendar).reasons
    assert reasons == ("130 minutes have fewer than 3 bars (at most 127 allowed)",)


def test_six_long_gaps_fail_five_pass(calendar: MarketCalendar):
    def with_gaps(count: int) -> DayValidity:
        keep = np.ones(23_400, dtype=bool)
        for i in range(count):
            keep[1000 + i * 2000 : 1000 + i * 2000 + 170] = False
        return validate_day(_bars(calendar, keep), calendar)

    assert with_gaps(5).valid
    assert with_gaps(6).reasons[0].startswith("6 gaps of 160 s or more")
    assert with_gaps(6).longest_gap_s == 170


def test_a_late_start_counts_as_a_gap(calendar: MarketCalendar):
    keep = np.ones(23_400, dtype=bool)
    keep[:600] = False
    assert validate_day(_bars(calendar, keep), calendar).longest_gap_s == 600


def test_data_health_needs_90_percent_of_40_days_with_short_gaps(calendar: MarketCalendar):
    good = DayValidity(
        symbol="TXN",
        day=DAY,
        resolution=Resolution.SECOND,
        reasons=(),
        bars=23_400,
        longest_gap_s=10,
    )
    gappy = DayValidity(
        symbol="TXN",
        day=DAY,
        resolution=Resolution.SECOND,
        reasons=(),
        bars=23_400,
        longest_gap_s=50,
    )
    assert data_health("TXN", [good] * 36 + [gappy] * 4).passed
    unhealthy = data_health("TXN", [good] * 35 + [gappy] * 5)
    assert not unhealthy.passed and unhealthy.days_good == 35
    assert "longest gap 50 s > 45 s" in unhealthy.messages[0]
    assert not data_health("TXN", []).passed


# --- Early closes: the session's real length, from the calendar ---------------------------------

EARLY_CLOSES = [date(2025, 11, 28), date(2024, 7, 3), date(2024, 12, 24)]


def _minute_bars(calendar: MarketCalendar, day: date, minutes: int) -> SymbolDay:
    open_s = int(calendar.session_open(day).timestamp())
    t = np.arange(open_s, open_s + 60 * minutes, 60, dtype=np.int64)
    p = np.full(len(t), 50.0)
    return SymbolDay(
        symbol="SPY", day=day, resolution=Resolution.MINUTE, t=t, o=p, h=p, l=p, c=p, v=p
    )


@pytest.mark.parametrize("day", EARLY_CLOSES)
@pytest.mark.parametrize("resolution", [Resolution.MINUTE, Resolution.SECOND])
def test_a_real_early_close_of_the_synthetic_market_is_valid(
    calendar: MarketCalendar, day: date, resolution: Resolution
):
    bars = SyntheticMarket(seed=42, calendar=calendar).day_bars(
        symbol="SPY", day=day, resolution=resolution
    )

    result = validate_day(bars, calendar)

    assert calendar.session_close(day) - calendar.session_open(day) == timedelta(minutes=210)
    assert result.valid, result.reasons


def test_an_early_close_needs_the_share_of_its_own_length(calendar: MarketCalendar):
    day = date(2025, 11, 28)  # the day after Thanksgiving: 9:30 to 13:00, 210 minutes

    assert validate_day(_minute_bars(calendar, day, 210), calendar).valid
    assert validate_day(_minute_bars(calendar, day, 205), calendar).valid  # ceil(380 x 210/390)
    assert validate_day(_minute_bars(calendar, day, 204), calendar).reasons == (
        "204 regular-hours bars, fewer than 205 for a 210-minute session",
    )


def test_a_full_session_keeps_tc2s_numbers(calendar: MarketCalendar):
    day = date(2025, 11, 26)  # the day before Thanksgiving: a full session

    assert validate_day(_minute_bars(calendar, day, 380), calendar).valid
    assert validate_day(_minute_bars(calendar, day, 379), calendar).reasons == (
        "379 regular-hours bars, fewer than 380 for a 390-minute session",
    )


def test_sparse_minutes_are_counted_against_the_short_session(calendar: MarketCalendar):
    day = date(2025, 11, 28)
    open_s = int(calendar.session_open(day).timestamp())
    t = np.arange(open_s, open_s + 210 * 60, dtype=np.int64)
    keep = np.ones(len(t), dtype=bool)
    # 70 minutes with only 2 bars each: more than floor(127 x 210/390) = 68, no long gaps.
    for minute in range(0, 140, 2):
        keep[minute * 60 : minute * 60 + 60] = False
        keep[minute * 60] = keep[minute * 60 + 30] = True
    t = t[keep]
    p = np.full(len(t), 50.0)
    bars = SymbolDay(
        symbol="SPY", day=day, resolution=Resolution.SECOND, t=t, o=p, h=p, l=p, c=p, v=p
    )

    assert validate_day(bars, calendar).reasons == (
        "70 minutes have fewer than 3 bars (at most 68 allowed)",
    )


def test_the_policy_scales_to_a_session_and_not_beyond_a_full_one():
    policy = ValidationPolicy(min_bars=380, max_sparse_minutes=127)

    assert policy.for_session(210) == ValidationPolicy(min_bars=205, max_sparse_minutes=68)
    assert policy.for_session(390) is policy
    assert policy.for_session(1) == ValidationPolicy(min_bars=1, max_sparse_minutes=0)
