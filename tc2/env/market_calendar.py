"""When the New York Stock Exchange is open, from exchange_calendars' XNYS rules.

The schedule is copied once into plain Python lists so lookups are cheap bisections, instances
pickle without pandas, and no pandas type leaks out of the public API. Sessions are named by
their New York date; every instant going in or out is a timezone-aware UTC datetime.
"""

from __future__ import annotations

import threading
import warnings
from bisect import bisect_left, bisect_right
from datetime import UTC, date, datetime, time
from typing import ClassVar
from zoneinfo import ZoneInfo

from tc2.env.clock import LiveClock, as_utc
from tc2.errors import DataError, TC2Error

NEW_YORK = ZoneInfo("America/New_York")
"""The exchange's zone; for display and for naming a datetime's session day only."""

EXCHANGE = "XNYS"
FIRST_DAY = date(1990, 1, 1)
"""First day of the range ``MarketCalendar.xnys()`` loads."""
YEARS_AHEAD = 2
"""``MarketCalendar.xnys()`` loads through today plus this many years."""

NOT_A_SESSION_MESSAGE = "{day} is not an XNYS trading session (weekend or market holiday)"
OUT_OF_RANGE_MESSAGE = (
    "{name} {value} is outside the supported XNYS calendar range {start} to {end} (New York dates)"
)
NO_SESSION_BEYOND_MESSAGE = (
    "there is no XNYS session {direction} {value} within the supported calendar range "
    "{start} to {end}"
)
BAD_RANGE_MESSAGE = "start must be on or before end, was start={start}, end={end}"
_XC_PANDAS_DEPRECATION = r".*\.values returning an ndarray that drops timezone"


class NotASessionError(TC2Error, ValueError):
    """A session time was asked for on a weekend or market holiday: a programming error.

    Check ``MarketCalendar.is_session`` (or use ``next_session``) before asking for its hours.
    """


class CalendarRangeError(TC2Error, ValueError):
    """A date outside the loaded calendar range was used; widen the range the calendar loads."""


class MarketCalendar:
    """Regular trading hours of the New York Stock Exchange (XNYS).

    Loading takes about half a second, so use the process-wide ``MarketCalendar.xnys()`` rather
    than constructing one per use. Methods that take a day accept a ``date``, or a timezone-aware
    ``datetime`` standing for its New York date. XNYS has no lunch break, so a session is open
    from its open (inclusive) to its close (exclusive).

    Parameters
    ----------
    start, end
        First and last New York date the calendar answers for (inclusive).

    Raises
    ------
    ValueError
        If ``start`` is after ``end``.
    DataError
        If exchange_calendars reports a lunch break, which these lookups do not model.
    """

    _shared: ClassVar[MarketCalendar | None] = None
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, *, start: date, end: date) -> None:
        if start > end:
            raise ValueError(BAD_RANGE_MESSAGE.format(start=start, end=end))
        self._start = start
        self._end = end
        self._days, self._opens, self._closes = _load_schedule(start=start, end=end)
        self._index = {day: i for i, day in enumerate(self._days)}

    @classmethod
    def xnys(cls) -> MarketCalendar:
        """Return the process-wide calendar covering ``FIRST_DAY`` to two years after today.

        The range is fixed when the first caller loads it, so a long-running process keeps the
        same answers all its life.
        """
        with cls._shared_lock:
            if cls._shared is None:
                today = LiveClock().now().astimezone(NEW_YORK).date()
                cls._shared = cls(start=FIRST_DAY, end=_years_after(today, YEARS_AHEAD))
            return cls._shared

    @property
    def start(self) -> date:
        """First New York date this calendar answers for."""
        return self._start

    @property
    def end(self) -> date:
        """Last New York date this calendar answers for."""
        return self._end

    def is_session(self, day: date) -> bool:
        """Return whether ``day`` is a trading session.

        Raises
        ------
        CalendarRangeError
            If ``day`` is outside the supported range.
        """
        return self._check_day(day, name="day") in self._index

    def is_open(self, t: datetime) -> bool:
        """Return whether regular trading hours include ``t`` (open inclusive, close exclusive).

        Raises
        ------
        ClockError
            If ``t`` is naive.
        CalendarRangeError
            If ``t`` is outside the supported range.
        """
        return self._open_session_index(self._check_time(t)) is not None

    def session_open(self, day: date) -> datetime:
        """Return the UTC instant regular trading opens on session ``day``.

        Raises
        ------
        NotASessionError
            If ``day`` is not a session.
        CalendarRangeError
            If ``day`` is outside the supported range.
        """
        return self._opens[self._session_index(day)]

    def session_close(self, day: date) -> datetime:
        """Return the UTC instant regular trading closes on session ``day`` (early closes too).

        Raises
        ------
        NotASessionError
            If ``day`` is not a session.
        CalendarRangeError
            If ``day`` is outside the supported range.
        """
        return self._closes[self._session_index(day)]

    def previous_session(self, day: date) -> date:
        """Return the last session strictly before ``day``, whether or not ``day`` is one.

        Raises
        ------
        CalendarRangeError
            If ``day`` is outside the supported range or no session precedes it within it.
        """
        checked = self._check_day(day, name="day")
        i = bisect_left(self._days, checked) - 1
        if i < 0:
            raise self._no_session_beyond("before", checked)
        return self._days[i]

    def next_session(self, day: date) -> date:
        """Return the first session strictly after ``day``, whether or not ``day`` is one.

        Raises
        ------
        CalendarRangeError
            If ``day`` is outside the supported range or no session follows it within it.
        """
        checked = self._check_day(day, name="day")
        i = bisect_right(self._days, checked)
        if i == len(self._days):
            raise self._no_session_beyond("after", checked)
        return self._days[i]

    def session_for(self, t: datetime) -> date | None:
        """Return the session whose regular hours contain ``t``, or None outside them.

        Raises
        ------
        ClockError
            If ``t`` is naive.
        CalendarRangeError
            If ``t`` is outside the supported range.
        """
        i = self._open_session_index(self._check_time(t))
        return None if i is None else self._days[i]

    def seconds_to_open(self, t: datetime) -> float:
        """Return seconds from ``t`` until the next regular open, or 0.0 if open at ``t``.

        Raises
        ------
        ClockError
            If ``t`` is naive.
        CalendarRangeError
            If ``t`` is outside the supported range or no open follows it within it.
        """
        utc = self._check_time(t)
        if self._open_session_index(utc) is not None:
            return 0.0
        i = bisect_right(self._opens, utc)
        if i == len(self._opens):
            raise self._no_session_beyond("after", utc)
        return (self._opens[i] - utc).total_seconds()

    def seconds_to_close(self, t: datetime) -> float:
        """Return seconds from ``t`` until the current session closes, or 0.0 if closed at ``t``.

        Zero when closed (rather than the time to some later close) keeps "how long may I still
        trade" a single question with a safe answer.

        Raises
        ------
        ClockError
            If ``t`` is naive.
        CalendarRangeError
            If ``t`` is outside the supported range.
        """
        utc = self._check_time(t)
        i = self._open_session_index(utc)
        return 0.0 if i is None else (self._closes[i] - utc).total_seconds()

    def sessions_before(self, day: date, count: int) -> list[date]:
        """Return up to ``count`` sessions strictly before ``day``, oldest first (fewer near the
        start of the supported range).

        Raises
        ------
        CalendarRangeError
            If ``day`` is outside the supported range.
        """
        checked = self._check_day(day, name="day")
        stop = bisect_left(self._days, checked)
        return self._days[max(0, stop - count) : stop]

    def sessions_in_range(self, start: date, end: date) -> list[date]:
        """Return the sessions from ``start`` to ``end``, both inclusive, in order.

        Raises
        ------
        ValueError
            If ``start`` is after ``end``.
        CalendarRangeError
            If either bound is outside the supported range.
        """
        first = self._check_day(start, name="start")
        last = self._check_day(end, name="end")
        if first > last:
            raise ValueError(BAD_RANGE_MESSAGE.format(start=first, end=last))
        return self._days[bisect_left(self._days, first) : bisect_right(self._days, last)]

    def __repr__(self) -> str:
        return f"MarketCalendar({EXCHANGE}, {self._start} to {self._end})"

    def _check_day(self, day: date, *, name: str) -> date:
        # A datetime stands for its New York date, the name the exchange gives its session.
        if isinstance(day, datetime):
            checked = as_utc(day, name=name).astimezone(NEW_YORK).date()
        else:
            checked = day
        if not self._start <= checked <= self._end:
            raise self._out_of_range(name, day)
        return checked

    def _check_time(self, t: datetime) -> datetime:
        utc = as_utc(t)
        if not self._start <= utc.astimezone(NEW_YORK).date() <= self._end:
            raise self._out_of_range("t", utc)
        return utc

    def _session_index(self, day: date) -> int:
        checked = self._check_day(day, name="day")
        i = self._index.get(checked)
        if i is None:
            raise NotASessionError(NOT_A_SESSION_MESSAGE.format(day=checked))
        return i

    def _open_session_index(self, utc: datetime) -> int | None:
        # The last open at or before t is the only session that can contain it.
        i = bisect_right(self._opens, utc) - 1
        return i if i >= 0 and utc < self._closes[i] else None

    def _out_of_range(self, name: str, value: date) -> CalendarRangeError:
        return CalendarRangeError(
            OUT_OF_RANGE_MESSAGE.format(
                name=name, value=value.isoformat(), start=self._start, end=self._end
            )
        )

    def _no_session_beyond(self, direction: str, value: date) -> CalendarRangeError:
        return CalendarRangeError(
            NO_SESSION_BEYOND_MESSAGE.format(
                direction=direction, value=value.isoformat(), start=self._start, end=self._end
            )
        )


def new_york_epoch(day: date, wall: time) -> int:
    """Epoch seconds of New York wall time ``wall`` on ``day`` (DST-aware)."""
    return int(datetime.combine(day, wall, NEW_YORK).timestamp())


def _load_schedule(*, start: date, end: date) -> tuple[list[date], list[datetime], list[datetime]]:
    # Imported here because it pulls in pandas (~0.5 s); importing tc2.env (say, for
    # RuntimeConfig in Django settings) should not pay for a calendar it may never load.
    import exchange_calendars

    with warnings.catch_warnings():
        # exchange_calendars 4.13 reads Series.values, which pandas 3.1 deprecates; the warning
        # is about their code, not ours, and would otherwise greet every process.
        warnings.filterwarnings(
            "ignore", message=_XC_PANDAS_DEPRECATION, category=DeprecationWarning
        )
        calendar = exchange_calendars.get_calendar(
            EXCHANGE, start=start.isoformat(), end=end.isoformat()
        )
    schedule = calendar.schedule
    if schedule["break_start"].notna().any():
        raise DataError(f"exchange_calendars reports lunch breaks for {EXCHANGE}; not supported")
    days = [session.date() for session in schedule.index]
    opens = [instant.to_pydatetime().astimezone(UTC) for instant in schedule["open"]]
    closes = [instant.to_pydatetime().astimezone(UTC) for instant in schedule["close"]]
    return days, opens, closes


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        # 29 February has no twin in a non-leap year.
        return day.replace(year=day.year + years, day=28)
