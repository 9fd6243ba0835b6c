"""The traders' session schedule on real XNYS days, early closes and holidays included."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from tc2.env.market_calendar import NEW_YORK, MarketCalendar, NotASessionError
from tc2.errors import ClockError
from tc2.execution.trading_schedule import (
    LIQUIDATE_BEFORE_CLOSE_S,
    TradingPhase,
    day_stop_t,
    schedule_at,
    session_schedule,
)


@pytest.fixture(scope="module")
def calendar() -> MarketCalendar:
    return MarketCalendar(start=date(2026, 1, 1), end=date(2027, 12, 31))


def ny(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second), NEW_YORK)


FULL_DAY = date(2026, 11, 25)  # Wednesday before Thanksgiving, a full session
EARLY_CLOSE = date(2026, 11, 27)  # the day after Thanksgiving closes at 13:00
CHRISTMAS_EVE = date(2026, 12, 24)  # closes at 13:00 too


def test_liquidation_is_fifteen_minutes_before_the_close() -> None:
    assert LIQUIDATE_BEFORE_CLOSE_S == 15 * 60


def test_a_full_session_day_trades_from_the_open_until_1545(calendar: MarketCalendar) -> None:
    schedule = session_schedule(calendar=calendar, day=FULL_DAY)

    assert schedule.open == ny(FULL_DAY, 9, 30)
    assert schedule.close == ny(FULL_DAY, 16)
    assert schedule.day_stop == ny(FULL_DAY, 15, 45)
    assert not schedule.early_close
    assert schedule.open.tzinfo is UTC


@pytest.mark.parametrize("day", [EARLY_CLOSE, CHRISTMAS_EVE])
def test_an_early_close_moves_the_stop_to_1245(calendar: MarketCalendar, day: date) -> None:
    schedule = session_schedule(calendar=calendar, day=day)

    assert schedule.close == ny(day, 13)
    assert schedule.day_stop == ny(day, 12, 45)
    assert schedule.early_close
    assert day_stop_t(int(schedule.close.timestamp())) == int(schedule.day_stop.timestamp())


def test_summer_time_is_the_calendars_new_york_time(calendar: MarketCalendar) -> None:
    # 2026-03-09 is the first session after the switch to summer time: 9:30 is 13:30 UTC.
    schedule = session_schedule(calendar=calendar, day=date(2026, 3, 9))

    assert schedule.open == datetime(2026, 3, 9, 13, 30, tzinfo=UTC)
    assert schedule.day_stop == datetime(2026, 3, 9, 19, 45, tzinfo=UTC)


def test_a_holiday_has_no_schedule(calendar: MarketCalendar) -> None:
    with pytest.raises(NotASessionError):
        session_schedule(calendar=calendar, day=date(2026, 11, 26))


@pytest.mark.parametrize(
    ("at", "phase"),
    [
        (ny(EARLY_CLOSE, 9, 29, 59), TradingPhase.CLOSED),
        (ny(EARLY_CLOSE, 9, 30), TradingPhase.DAY_TRADING),
        (ny(EARLY_CLOSE, 12, 44, 59), TradingPhase.DAY_TRADING),
        (ny(EARLY_CLOSE, 12, 45), TradingPhase.LIQUIDATION),
        (ny(EARLY_CLOSE, 12, 59, 59), TradingPhase.LIQUIDATION),
        (ny(EARLY_CLOSE, 13), TradingPhase.CLOSED),
        (ny(EARLY_CLOSE, 15, 50), TradingPhase.CLOSED),
    ],
)
def test_phases_of_an_early_close_day(
    calendar: MarketCalendar, at: datetime, phase: TradingPhase
) -> None:
    assert session_schedule(calendar=calendar, day=EARLY_CLOSE).phase(at) is phase


def test_time_left_to_day_trade(calendar: MarketCalendar) -> None:
    schedule = session_schedule(calendar=calendar, day=EARLY_CLOSE)

    assert schedule.seconds_to_day_stop(ny(EARLY_CLOSE, 12, 15)) == 30 * 60
    assert schedule.seconds_to_day_stop(ny(EARLY_CLOSE, 12, 50)) == 0.0
    assert schedule.seconds_to_day_stop(ny(EARLY_CLOSE, 8)) == 0.0


def test_a_strategy_window_is_clipped_to_the_day_trading_phase(calendar: MarketCalendar) -> None:
    full = session_schedule(calendar=calendar, day=FULL_DAY)
    early = session_schedule(calendar=calendar, day=EARLY_CLOSE)

    # LongShort's 10:30-14:45: whole on a full day, cut at 12:45 on a half day.
    assert full.day_window(time(10, 30), time(14, 45)) == (
        ny(FULL_DAY, 10, 30),
        ny(FULL_DAY, 14, 45),
    )
    assert early.day_window(time(10, 30), time(14, 45)) == (
        ny(EARLY_CLOSE, 10, 30),
        ny(EARLY_CLOSE, 12, 45),
    )
    assert full.day_window(time(9), time(16)) == (full.open, full.day_stop)
    assert early.day_window(time(13), time(15)) is None


@pytest.mark.parametrize(
    ("at", "session"),
    [
        (ny(FULL_DAY, 7), FULL_DAY),  # before the open: today's
        (ny(FULL_DAY, 12), FULL_DAY),  # during it
        (ny(FULL_DAY, 16), EARLY_CLOSE),  # at the close: Thanksgiving is skipped
        (ny(date(2026, 11, 26), 10), EARLY_CLOSE),  # on the holiday
        (ny(date(2026, 11, 28), 10), date(2026, 11, 30)),  # Saturday: Monday's
    ],
)
def test_the_schedule_at_an_instant_is_the_current_or_next_session(
    calendar: MarketCalendar, at: datetime, session: date
) -> None:
    assert schedule_at(calendar=calendar, t=at).day == session


def test_naive_times_are_refused(calendar: MarketCalendar) -> None:
    schedule = session_schedule(calendar=calendar, day=FULL_DAY)
    with pytest.raises(ClockError):
        schedule.phase(datetime(2026, 11, 25, 12))
    with pytest.raises(ClockError):
        schedule_at(calendar=calendar, t=datetime(2026, 11, 25, 12))
