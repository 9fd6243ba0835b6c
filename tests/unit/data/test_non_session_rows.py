"""Rows on days that are not sessions: refused with their line numbers by default (nothing is
imported), skipped and listed with ``non_session=skip`` (the rest is imported)."""

from __future__ import annotations

from datetime import date, time

import pytest

from tc2.data.bar_files import (
    KEEP_NEEDS_DAILY_MESSAGE,
    NON_SESSION_HINT,
    BarFileError,
    BarFileFormat,
    NonSession,
    RowProblem,
    read_bar_file,
)
from tc2.data.bars import Resolution
from tc2.env import MarketCalendar
from tc2.env.market_calendar import new_york_epoch
from tc2.errors import ConfigurationError

CALENDAR = MarketCalendar.xnys()
# 2025-07-04 is Independence Day: a vendor's holiday row on line 3.
YAHOO = """Date,Open,High,Low,Close,Volume
2025-07-03,10,11,9,10.5,100
2025-07-04,10.5,11,10,10.8,50
2025-07-07,10.8,12,10.5,11.5,120
"""
# NinjaTrader minute rows (UTC, bar ends): a Saturday row on line 2 between two sessions.
NINJATRADER = """20250711 143100;10;11;9;10.5;100
20250712 143100;10;11;9;10.5;100
20250714 143100;10;11;9;10.5;100
"""


class RefuseTests:
    def test_a_holiday_row_refuses_the_file_naming_its_line(self) -> None:
        with pytest.raises(BarFileError) as raised:
            read_bar_file(YAHOO, file_format=BarFileFormat.YAHOO, symbol="XYZ", calendar=CALENDAR)

        assert raised.value.problems == [
            RowProblem(3, f"2025-07-04 (New York) is not a trading session; {NON_SESSION_HINT}")
        ]
        assert "nothing imported" in str(raised.value)

    def test_a_weekend_minute_row_is_refused_too(self) -> None:
        with pytest.raises(BarFileError) as raised:
            read_bar_file(
                NINJATRADER,
                file_format=BarFileFormat.NINJATRADER,
                symbol="XYZ",
                calendar=CALENDAR,
            )

        assert [problem.line for problem in raised.value.problems] == [2]


class SkipTests:
    def test_skip_imports_the_sessions_and_lists_the_holiday_row(self) -> None:
        skipped: list[RowProblem] = []

        days = read_bar_file(
            YAHOO,
            file_format=BarFileFormat.YAHOO,
            symbol="XYZ",
            calendar=CALENDAR,
            non_session=NonSession.SKIP,
            skipped=skipped,
        )

        assert [day.day for day in days] == [date(2025, 7, 3), date(2025, 7, 7)]
        assert skipped == [RowProblem(3, "2025-07-04 (New York) is not a trading session")]
        assert float(days[1].c[0]) == 11.5

    def test_skip_leaves_out_a_weekend_minute_row(self) -> None:
        skipped: list[RowProblem] = []

        days = read_bar_file(
            NINJATRADER,
            file_format=BarFileFormat.NINJATRADER,
            symbol="XYZ",
            calendar=CALENDAR,
            non_session=NonSession.SKIP,
            skipped=skipped,
        )

        assert [day.day for day in days] == [date(2025, 7, 11), date(2025, 7, 14)]
        assert [row.line for row in skipped] == [2]

    def test_skip_does_not_excuse_other_bad_rows(self) -> None:
        text = YAHOO + "2025-07-08,10,9,11,10,5\n"  # high below low: still a bad row

        with pytest.raises(BarFileError) as raised:
            read_bar_file(
                text,
                file_format=BarFileFormat.YAHOO,
                symbol="XYZ",
                calendar=CALENDAR,
                non_session=NonSession.SKIP,
            )

        assert [problem.line for problem in raised.value.problems] == [5]

    def test_a_date_outside_the_calendar_is_refused_even_with_skip(self) -> None:
        text = "Date,Open,High,Low,Close,Volume\n1901-01-02,10,11,9,10.5,100\n"

        with pytest.raises(BarFileError):
            read_bar_file(
                text,
                file_format=BarFileFormat.YAHOO,
                symbol="XYZ",
                calendar=CALENDAR,
                non_session=NonSession.SKIP,
            )


class KeepTests:
    def test_keep_stores_a_daily_holiday_row_as_a_day_of_its_own_at_930(self) -> None:
        kept: list[RowProblem] = []

        days = read_bar_file(
            YAHOO,
            file_format=BarFileFormat.YAHOO,
            symbol="XYZ",
            calendar=CALENDAR,
            non_session=NonSession.KEEP,
            skipped=kept,
        )

        assert [day.day for day in days] == [date(2025, 7, 3), date(2025, 7, 4), date(2025, 7, 7)]
        assert int(days[1].t[0]) == new_york_epoch(date(2025, 7, 4), time(9, 30))
        assert [row.line for row in kept] == [3]

    def test_keep_is_refused_for_intraday_bars(self) -> None:
        with pytest.raises(ConfigurationError) as raised:
            read_bar_file(
                NINJATRADER,
                file_format=BarFileFormat.NINJATRADER,
                symbol="XYZ",
                calendar=CALENDAR,
                non_session=NonSession.KEEP,
            )

        assert str(raised.value) == KEEP_NEEDS_DAILY_MESSAGE.format(resolution=Resolution.MINUTE)
