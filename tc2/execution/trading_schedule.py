"""When the traders act in a session: the day trader's start and its stop-and-liquidate time.

A day trader may start runs from the open; at ``LIQUIDATE_BEFORE_CLOSE_S`` before the close
(15:45 New York, 12:45 on a 13:00 early close) it stops its runs and liquidates, so every
position is flat well before the closing auction, whose fills a liquidation at the last
minute could miss (Lumibot #1113: crashes at the close). The swing trader carries positions
across sessions, so it acts from the open to the close and never liquidates; its strategies'
own windows decide when they enter. All instants are tz-aware UTC, taken from the market
calendar, so early closes need no special case.

The constant lives here, in ``execution``, below ``simulation``: the simulator ends its day
runs at the same instant, and a backtest equals a replay only if both stop at one time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from tc2.env.clock import as_utc
from tc2.env.market_calendar import NEW_YORK, MarketCalendar

LIQUIDATE_BEFORE_CLOSE_S = 900
"""Seconds before the close at which day runs stop and liquidate (15 minutes)."""


def day_stop_t(close_t: int) -> int:
    """Return when a day run stops and liquidates, in epoch seconds, for a close at ``close_t``.

    The simulator's form of ``SessionSchedule.day_stop``, for code that keeps time as epoch
    seconds.
    """
    return close_t - LIQUIDATE_BEFORE_CLOSE_S


class TradingPhase(StrEnum):
    """What the traders may do at an instant."""

    CLOSED = "closed"  # outside regular hours: nothing starts
    DAY_TRADING = "day_trading"  # open to the liquidation time: day runs may start and trade
    LIQUIDATION = "liquidation"  # the last 15 minutes: day runs flat, only the swing trader acts


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionSchedule:
    """One session's trading times (UTC).

    ``open``/``close`` are the exchange's; ``day_stop`` is when day runs stop and liquidate;
    the swing trader acts from ``open`` to ``close``.
    """

    day: date
    open: datetime
    close: datetime
    day_stop: datetime
    early_close: bool  # the session closes before 16:00 New York (13:00 on half days)

    def phase(self, t: datetime) -> TradingPhase:
        """Return the phase at ``t`` (open inclusive, close exclusive, as the calendar)."""
        utc = as_utc(t)
        if not self.open <= utc < self.close:
            return TradingPhase.CLOSED
        return TradingPhase.DAY_TRADING if utc < self.day_stop else TradingPhase.LIQUIDATION

    def seconds_to_day_stop(self, t: datetime) -> float:
        """Return how long day runs may still trade from ``t``; 0.0 outside that phase."""
        utc = as_utc(t)
        if self.phase(utc) is not TradingPhase.DAY_TRADING:
            return 0.0
        return (self.day_stop - utc).total_seconds()

    def day_window(self, start: time, end: time) -> tuple[datetime, datetime] | None:
        """Return a New York wall-time window of this session clipped to the day-trading phase.

        A strategy active 10:30-14:45 trades 10:30-12:45 on a 13:00 early close; a window that
        lies wholly after the stop (or is empty) gives None.
        """
        first = max(self.open, datetime.combine(self.day, start, NEW_YORK).astimezone(UTC))
        last = min(self.day_stop, datetime.combine(self.day, end, NEW_YORK).astimezone(UTC))
        return (first, last) if first < last else None


def session_schedule(*, calendar: MarketCalendar, day: date) -> SessionSchedule:
    """Return the trading times of session ``day``.

    Raises
    ------
    NotASessionError
        If ``day`` is not a session.
    CalendarRangeError
        If ``day`` is outside the calendar's range.
    """
    opens = calendar.session_open(day)
    closes = calendar.session_close(day)
    return SessionSchedule(
        day=opens.astimezone(NEW_YORK).date(),
        open=opens,
        close=closes,
        day_stop=closes - timedelta(seconds=LIQUIDATE_BEFORE_CLOSE_S),
        early_close=closes.astimezone(NEW_YORK).time() < time(16),
    )


def schedule_at(*, calendar: MarketCalendar, t: datetime) -> SessionSchedule:
    """Return the schedule of the session in progress at ``t``, or else of the next one.

    A trader that wakes outside regular hours learns from it when to wake next (its ``open``).

    Raises
    ------
    ClockError
        If ``t`` is naive.
    CalendarRangeError
        If no session follows ``t`` within the calendar's range.
    """
    current = calendar.session_for(t)
    if current is not None:
        return session_schedule(calendar=calendar, day=current)
    today = as_utc(t).astimezone(NEW_YORK).date()
    if calendar.is_session(today) and as_utc(t) < calendar.session_open(today):
        return session_schedule(calendar=calendar, day=today)
    return session_schedule(calendar=calendar, day=calendar.next_session(today))
