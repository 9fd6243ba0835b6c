"""MarketCalendar agrees with exchange_calendars' XNYS and with known 2026 facts."""

from __future__ import annotations

import pickle
import re
import warnings
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import exchange_calendars
import pandas as pd
import pytest

from tc2.env.clock import LiveClock
from tc2.env.market_calendar import (
    FIRST_DAY,
    NEW_YORK,
    NOT_A_SESSION_MESSAGE,
    OUT_OF_RANGE_MESSAGE,
    CalendarRangeError,
    MarketCalendar,
    NotASessionError,
)
from tc2.errors import ClockError, TC2Error

ORACLE_START = date(2024, 1, 1)
ORACLE_END = date(2027, 12, 31)
# exchange_calendars 4.13 itself reads ``.values``, which pandas 3.1 deprecates.
XC_PANDAS_DEPRECATION_PATTERN = ".*values returning an ndarray that drops timezone"
XC_PANDAS_DEPRECATION = f"ignore:{XC_PANDAS_DEPRECATION_PATTERN}"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture(scope="module")
def calendar() -> MarketCalendar:
    return MarketCalendar.xnys()


@pytest.fixture(scope="module")
def oracle() -> exchange_calendars.ExchangeCalendar:
    # The oracle reaches a month past both ends: it refuses to answer outside its own range.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", XC_PANDAS_DEPRECATION_PATTERN, DeprecationWarning)
        return exchange_calendars.get_calendar(
            "XNYS",
            start=(ORACLE_START - timedelta(days=31)).isoformat(),
            end=(ORACLE_END + timedelta(days=31)).isoformat(),
        )


@pytest.fixture(scope="module")
def calendar_2026() -> MarketCalendar:
    return MarketCalendar(start=date(2026, 1, 1), end=date(2026, 12, 31))


def oracle_sessions(
    oracle: exchange_calendars.ExchangeCalendar, start: date, end: date
) -> list[date]:
    return [s.date() for s in oracle.sessions_in_range(start.isoformat(), end.isoformat())]


def every_half_hour(start: datetime, end: datetime) -> Iterator[datetime]:
    t = start
    while t < end:
        yield t
        t += timedelta(minutes=30)


class TestProcessCalendar:
    def test_xnys_is_cached_per_process(self, calendar: MarketCalendar) -> None:
        assert MarketCalendar.xnys() is calendar

    def test_xnys_covers_1990_through_two_years_ahead(self, calendar: MarketCalendar) -> None:
        today = LiveClock().now().astimezone(NEW_YORK).date()
        two_years_ahead = date(today.year + 2, today.month, min(today.day, 28))

        assert calendar.start == FIRST_DAY == date(1990, 1, 1)
        # Slack for a run across midnight and for 29th-31st of the month (clamped to the 28th).
        assert abs(calendar.end - two_years_ahead) <= timedelta(days=4)

    def test_start_after_end_is_rejected(self) -> None:
        with pytest.raises(ValueError, match="start=2026-02-01, end=2026-01-01"):
            MarketCalendar(start=date(2026, 2, 1), end=date(2026, 1, 1))


@pytest.mark.filterwarnings(XC_PANDAS_DEPRECATION)
class TestAgreesWithExchangeCalendars:
    def test_same_sessions(
        self, calendar: MarketCalendar, oracle: exchange_calendars.ExchangeCalendar
    ) -> None:
        expected = oracle_sessions(oracle, ORACLE_START, ORACLE_END)

        assert calendar.sessions_in_range(ORACLE_START, ORACLE_END) == expected

    def test_same_opens_and_closes(
        self, calendar: MarketCalendar, oracle: exchange_calendars.ExchangeCalendar
    ) -> None:
        for day in oracle_sessions(oracle, ORACLE_START, ORACLE_END):
            label = day.isoformat()
            assert calendar.session_open(day) == oracle.session_open(label).to_pydatetime()
            assert calendar.session_close(day) == oracle.session_close(label).to_pydatetime()

    def test_same_open_minutes_around_the_holidays(
        self, calendar: MarketCalendar, oracle: exchange_calendars.ExchangeCalendar
    ) -> None:
        for t in every_half_hour(utc(2026, 11, 1), utc(2027, 1, 5)):
            expected = oracle.is_open_on_minute(pd.Timestamp(t))
            assert calendar.is_open(t) is expected, t


class TestSessions:
    @pytest.mark.parametrize(
        ("day", "name"),
        [
            (date(2026, 11, 26), "Thanksgiving"),
            (date(2026, 7, 3), "Independence Day observed"),
            (date(2026, 1, 19), "Martin Luther King Jr. Day"),
            (date(2026, 4, 3), "Good Friday"),
            (date(2026, 12, 25), "Christmas"),
            (date(2026, 11, 21), "Saturday"),
        ],
    )
    def test_holidays_and_weekends_are_not_sessions(
        self, calendar: MarketCalendar, day: date, name: str
    ) -> None:
        assert calendar.is_session(day) is False, name

    def test_ordinary_weekday_is_a_session(self, calendar: MarketCalendar) -> None:
        assert calendar.is_session(date(2026, 11, 20)) is True

    def test_datetime_names_its_new_york_day(self, calendar: MarketCalendar) -> None:
        # 02:00 UTC on the 27th is still Thanksgiving evening in New York.
        assert calendar.is_session(utc(2026, 11, 27, 2)) is False
        assert calendar.is_session(utc(2026, 11, 27, 15)) is True

    def test_naive_datetime_is_rejected(self, calendar: MarketCalendar) -> None:
        with pytest.raises(ClockError, match="naive"):
            calendar.is_session(datetime(2026, 11, 27, 15))


class TestSessionHours:
    @pytest.mark.parametrize(
        ("day", "expected_open"),
        [
            (date(2026, 3, 6), utc(2026, 3, 6, 14, 30)),  # last Friday on standard time
            (date(2026, 3, 9), utc(2026, 3, 9, 13, 30)),  # first Monday on daylight time
            (date(2026, 10, 30), utc(2026, 10, 30, 13, 30)),  # last Friday on daylight time
            (date(2026, 11, 2), utc(2026, 11, 2, 14, 30)),  # first Monday on standard time
        ],
    )
    def test_open_follows_new_york_daylight_saving(
        self, calendar: MarketCalendar, day: date, expected_open: datetime
    ) -> None:
        opened = calendar.session_open(day)

        assert opened == expected_open
        assert opened.astimezone(NEW_YORK).time().isoformat() == "09:30:00"

    @pytest.mark.parametrize("day", [date(2026, 11, 27), date(2026, 12, 24)])
    def test_early_close_at_one_pm_new_york(self, calendar: MarketCalendar, day: date) -> None:
        closed = calendar.session_close(day)

        assert closed == datetime.combine(day, datetime.min.time(), UTC).replace(hour=18)
        assert closed.astimezone(NEW_YORK).hour == 13

    def test_ordinary_close_at_four_pm_new_york(self, calendar: MarketCalendar) -> None:
        assert calendar.session_close(date(2026, 11, 20)) == utc(2026, 11, 20, 21)

    def test_hours_are_plain_utc_datetimes(self, calendar: MarketCalendar) -> None:
        opened = calendar.session_open(date(2026, 11, 20))

        assert type(opened) is datetime
        assert opened.tzinfo is UTC

    def test_hours_of_a_holiday_raise_not_a_session(self, calendar: MarketCalendar) -> None:
        expected = NOT_A_SESSION_MESSAGE.format(day=date(2026, 11, 26))

        with pytest.raises(NotASessionError, match=re.escape(expected)) as raised:
            calendar.session_close(date(2026, 11, 26))
        assert isinstance(raised.value, ValueError)
        assert isinstance(raised.value, TC2Error)


class TestIsOpen:
    def test_open_from_the_open_instant(self, calendar: MarketCalendar) -> None:
        opened = utc(2026, 11, 20, 14, 30)

        assert calendar.is_open(opened - timedelta(microseconds=1)) is False
        assert calendar.is_open(opened) is True

    def test_closed_from_the_close_instant(self, calendar: MarketCalendar) -> None:
        closed = utc(2026, 11, 27, 18)

        assert calendar.is_open(closed - timedelta(microseconds=1)) is True
        assert calendar.is_open(closed) is False

    def test_accepts_any_aware_zone(self, calendar: MarketCalendar) -> None:
        assert calendar.is_open(datetime(2026, 11, 20, 9, 30, tzinfo=NEW_YORK)) is True

    def test_closed_on_a_holiday(self, calendar: MarketCalendar) -> None:
        assert calendar.is_open(utc(2026, 11, 26, 16)) is False

    def test_naive_time_is_rejected(self, calendar: MarketCalendar) -> None:
        with pytest.raises(ClockError, match="naive"):
            calendar.is_open(datetime(2026, 11, 20, 15))


class TestSessionFor:
    def test_inside_regular_hours(self, calendar: MarketCalendar) -> None:
        assert calendar.session_for(utc(2026, 11, 27, 17, 59)) == date(2026, 11, 27)

    def test_after_an_early_close(self, calendar: MarketCalendar) -> None:
        assert calendar.session_for(utc(2026, 11, 27, 18)) is None

    def test_before_the_open(self, calendar: MarketCalendar) -> None:
        assert calendar.session_for(utc(2026, 11, 20, 14, 29)) is None


class TestNeighbourSessions:
    @pytest.mark.parametrize(
        ("day", "expected"),
        [
            (date(2026, 11, 20), date(2026, 11, 23)),  # Friday -> Monday
            (date(2026, 11, 21), date(2026, 11, 23)),  # from a Saturday
            (date(2026, 11, 25), date(2026, 11, 27)),  # over Thanksgiving
            (date(2026, 7, 2), date(2026, 7, 6)),  # over 3 July observed and a weekend
            (date(2026, 4, 2), date(2026, 4, 6)),  # over Good Friday and a weekend
        ],
    )
    def test_next_session(self, calendar: MarketCalendar, day: date, expected: date) -> None:
        assert calendar.next_session(day) == expected

    @pytest.mark.parametrize(
        ("day", "expected"),
        [
            (date(2026, 11, 23), date(2026, 11, 20)),  # Monday -> Friday
            (date(2026, 11, 22), date(2026, 11, 20)),  # from a Sunday
            (date(2026, 11, 27), date(2026, 11, 25)),  # over Thanksgiving
            (date(2026, 11, 26), date(2026, 11, 25)),  # from the holiday itself
            (date(2026, 7, 6), date(2026, 7, 2)),  # over a weekend and 3 July observed
        ],
    )
    def test_previous_session(self, calendar: MarketCalendar, day: date, expected: date) -> None:
        assert calendar.previous_session(day) == expected

    def test_results_are_plain_dates(self, calendar: MarketCalendar) -> None:
        assert type(calendar.next_session(date(2026, 11, 20))) is date


class TestSecondsToOpenAndClose:
    def test_friday_evening_to_monday_open(self, calendar: MarketCalendar) -> None:
        friday_evening = utc(2026, 11, 20, 22)

        seconds = calendar.seconds_to_open(friday_evening)

        assert seconds == (utc(2026, 11, 23, 14, 30) - friday_evening).total_seconds()
        assert seconds == 64.5 * 3600

    def test_before_the_open_on_a_session(self, calendar: MarketCalendar) -> None:
        assert calendar.seconds_to_open(utc(2026, 11, 20, 14)) == 1800.0

    def test_zero_to_open_while_open(self, calendar: MarketCalendar) -> None:
        assert calendar.seconds_to_open(utc(2026, 11, 20, 14, 30)) == 0.0

    def test_to_close_on_an_early_close_day(self, calendar: MarketCalendar) -> None:
        assert calendar.seconds_to_close(utc(2026, 11, 27, 17)) == 3600.0

    def test_zero_to_close_while_closed(self, calendar: MarketCalendar) -> None:
        assert calendar.seconds_to_close(utc(2026, 11, 27, 18)) == 0.0
        assert calendar.seconds_to_close(utc(2026, 11, 26, 16)) == 0.0


class TestSessionsInRange:
    def test_november_2026_matches_exchange_calendars(
        self, calendar: MarketCalendar, oracle: exchange_calendars.ExchangeCalendar
    ) -> None:
        start, end = date(2026, 11, 1), date(2026, 11, 30)
        expected = oracle_sessions(oracle, start, end)

        sessions = calendar.sessions_in_range(start, end)

        assert sessions == expected
        assert len(sessions) == 20
        assert date(2026, 11, 26) not in sessions

    def test_bounds_are_inclusive(self, calendar: MarketCalendar) -> None:
        day = date(2026, 11, 20)

        assert calendar.sessions_in_range(day, day) == [day]

    def test_start_after_end_is_rejected(self, calendar: MarketCalendar) -> None:
        with pytest.raises(ValueError, match="start must be on or before end"):
            calendar.sessions_in_range(date(2026, 11, 30), date(2026, 11, 1))


class TestOutOfRange:
    def test_day_before_the_range_names_the_range(self, calendar_2026: MarketCalendar) -> None:
        expected = OUT_OF_RANGE_MESSAGE.format(
            name="day", value="2025-12-31", start="2026-01-01", end="2026-12-31"
        )

        with pytest.raises(CalendarRangeError, match=re.escape(expected)):
            calendar_2026.is_session(date(2025, 12, 31))

    def test_time_after_the_range_names_the_range(self, calendar_2026: MarketCalendar) -> None:
        with pytest.raises(CalendarRangeError, match="2026-01-01 to 2026-12-31"):
            calendar_2026.is_open(utc(2027, 1, 4, 15))

    def test_sessions_in_range_beyond_the_range(self, calendar_2026: MarketCalendar) -> None:
        with pytest.raises(CalendarRangeError, match="end 2027-01-31"):
            calendar_2026.sessions_in_range(date(2026, 12, 1), date(2027, 1, 31))

    def test_sessions_before_skip_holidays_and_weekends(
        self, calendar_2026: MarketCalendar
    ) -> None:
        # 2026-01-19 is Martin Luther King Jr. Day; the 17th and 18th a weekend.
        assert calendar_2026.sessions_before(date(2026, 1, 21), 3) == [
            date(2026, 1, 15),
            date(2026, 1, 16),
            date(2026, 1, 20),
        ]

    def test_sessions_before_stop_at_the_start_of_the_range(
        self, calendar_2026: MarketCalendar
    ) -> None:
        assert calendar_2026.sessions_before(date(2026, 1, 6), 10) == [
            date(2026, 1, 2),
            date(2026, 1, 5),
        ]

    def test_no_previous_session_at_the_start(self, calendar_2026: MarketCalendar) -> None:
        with pytest.raises(CalendarRangeError, match="no XNYS session before 2026-01-02"):
            calendar_2026.previous_session(date(2026, 1, 2))

    def test_no_next_session_at_the_end(self, calendar_2026: MarketCalendar) -> None:
        with pytest.raises(CalendarRangeError, match="no XNYS session after 2026-12-31"):
            calendar_2026.next_session(date(2026, 12, 31))

    def test_no_next_open_after_the_last_close(self, calendar_2026: MarketCalendar) -> None:
        with pytest.raises(CalendarRangeError, match="2026-01-01 to 2026-12-31"):
            calendar_2026.seconds_to_open(utc(2026, 12, 31, 22))

    def test_range_error_is_a_value_error(self) -> None:
        assert issubclass(CalendarRangeError, ValueError)
        assert issubclass(CalendarRangeError, TC2Error)

    def test_before_1990_with_the_process_calendar(self, calendar: MarketCalendar) -> None:
        with pytest.raises(CalendarRangeError, match="1990-01-01 to "):
            calendar.session_open(date(1989, 12, 29))


class TestPickling:
    def test_round_trip_keeps_the_answers(self, calendar_2026: MarketCalendar) -> None:
        restored = pickle.loads(pickle.dumps(calendar_2026))

        assert restored.start == calendar_2026.start
        assert restored.end == calendar_2026.end
        assert restored.session_close(date(2026, 12, 24)) == utc(2026, 12, 24, 18)
