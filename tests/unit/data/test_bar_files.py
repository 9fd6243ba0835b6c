"""Reading bar files, checked against the real SPY minute file and its published closes."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from tc2.data.bar_columns import parse_chunk
from tc2.data.bar_files import (
    _NT_FIELDS,
    MAX_PROBLEMS_KEPT,
    READ_CHARS,
    BarFileError,
    BarFileFormat,
    BarLabel,
    _row,
    iter_bar_file,
    read_bar_file,
)
from tc2.data.bars import Resolution, SymbolDay
from tc2.data.resample import regular_hours, resample
from tc2.env import NEW_YORK, MarketCalendar

MARKET = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "market"
needs_shared_data = pytest.mark.skipif(
    not MARKET.is_dir(), reason=f"reference data folder {MARKET} is absent"
)


@pytest.fixture(scope="module")
def calendar() -> MarketCalendar:
    return MarketCalendar.xnys()


@pytest.fixture(scope="module")
def spy_march_2011(calendar: MarketCalendar) -> dict[date, SymbolDay]:
    text = (MARKET / "nt-spy-minute-2011-03.csv").read_text()
    days = read_bar_file(
        text, file_format=BarFileFormat.NINJATRADER, symbol="SPY", calendar=calendar
    )
    return {day.day: day for day in days}


def _close_at(bars: SymbolDay, hour: int, minute: int) -> float:
    start = datetime(bars.day.year, bars.day.month, bars.day.day, hour, minute, tzinfo=NEW_YORK)
    (index,) = np.flatnonzero(bars.t == int(start.timestamp()))
    return float(bars.c[index])


@needs_shared_data
class NinjaTraderImportTests:
    # Published by the source repository (SOURCES.md), bar-end labels 09:31 and 16:00, i.e. the
    # bars that start 09:30 and 15:59 New York time.
    @pytest.mark.parametrize(
        ("day", "first_close", "last_close"),
        [
            (date(2011, 3, 9), 132.35, 132.39),
            (date(2011, 3, 10), 130.81, 129.92),
            (date(2011, 3, 11), 129.72, 130.84),
        ],
    )
    def test_published_regular_hours_closes(
        self,
        spy_march_2011: dict[date, SymbolDay],
        calendar: MarketCalendar,
        day: date,
        first_close: float,
        last_close: float,
    ):
        rth = regular_hours(spy_march_2011[day], calendar)
        assert _close_at(rth, 9, 30) == first_close
        assert _close_at(rth, 15, 59) == last_close
        assert rth.t[0] == int(calendar.session_open(day).timestamp())
        assert rth.t[-1] + 60 == int(calendar.session_close(day).timestamp())

    def test_regular_hours_follow_the_dst_change(
        self, spy_march_2011: dict[date, SymbolDay], calendar: MarketCalendar
    ):
        # SOURCES.md: the regular open is 14:31 UTC on 03-09 and 13:31 UTC on 03-14 (bar ends).
        before = regular_hours(spy_march_2011[date(2011, 3, 9)], calendar)
        after = regular_hours(spy_march_2011[date(2011, 3, 14)], calendar)
        assert datetime.fromtimestamp(int(before.t[0]) + 60).astimezone(NEW_YORK).hour == 9
        assert (int(before.t[0]) + 60) % 86_400 == (14 * 60 + 31) * 60
        assert (int(after.t[0]) + 60) % 86_400 == (13 * 60 + 31) * 60

    def test_every_session_of_the_month_and_nothing_else(
        self, spy_march_2011: dict[date, SymbolDay], calendar: MarketCalendar
    ):
        assert sorted(spy_march_2011) == calendar.sessions_in_range(
            date(2011, 3, 1), date(2011, 3, 31)
        )
        assert sum(len(day) for day in spy_march_2011.values()) == 17_577

    def test_daily_resample_equals_the_regular_hours_aggregate(
        self, spy_march_2011: dict[date, SymbolDay], calendar: MarketCalendar
    ):
        for bars in spy_march_2011.values():
            rth = regular_hours(bars, calendar)
            daily = resample(bars, Resolution.DAY, calendar)
            assert len(daily) == 1
            assert daily.o[0] == rth.o[0] and daily.c[0] == rth.c[-1]
            assert daily.h[0] == rth.h.max() and daily.l[0] == rth.l.min()
            assert daily.v[0] == rth.v.sum()
            assert daily.t[0] == int(calendar.session_open(bars.day).timestamp())


class BadFileTests:
    def test_every_bad_row_is_reported_with_its_line_and_nothing_is_returned(
        self, calendar: MarketCalendar
    ):
        text = "\n".join(
            [
                "20110309 143100;132.3;132.4;132.2;132.35;1000",  # good
                "20110309 143200;abc;132.4;132.2;132.35;1000",  # not a number
                "20110309 143300;132.3;132.1;132.2;132.35;1000",  # high below open
                "20110309 143400;132.3;132.4;132.2;132.35",  # 5 fields
                "20110309 143500;132.3;132.4;132.2;132.35;-5",  # negative volume
                "20110309 143100;132.3;132.4;132.2;132.35;1000",  # same time as line 1
                "20110312 150000;132.3;132.4;132.2;132.35;1000",  # Saturday
                "2011-03-09 14:36;132.3;132.4;132.2;132.35;1000",  # wrong time format
                "20110309 143630;132.3;132.4;132.2;132.35;1000",  # not on a minute
            ]
        )
        with pytest.raises(BarFileError) as caught:
            read_bar_file(
                text, file_format=BarFileFormat.NINJATRADER, symbol="SPY", calendar=calendar
            )
        lines = [problem.line for problem in caught.value.problems]
        assert lines == [2, 3, 4, 5, 6, 7, 8, 9]
        reasons = " | ".join(problem.reason for problem in caught.value.problems)
        for expected in (
            "not a number",
            "do not bound",
            "6 ';'-separated",
            "volume must be",
            "repeats line 1",
            "not a trading session",
            "is not %Y%m%d",
            "boundary",
        ):
            assert expected in reasons
        assert "line 2:" in str(caught.value)

    def test_an_empty_file_is_rejected(self, calendar: MarketCalendar):
        with pytest.raises(BarFileError, match="no bars"):
            read_bar_file(
                "", file_format=BarFileFormat.NINJATRADER, symbol="SPY", calendar=calendar
            )

    def test_csv_without_a_close_column_names_it(self, calendar: MarketCalendar):
        text = "timestamp,open,high,low,volume\n2011-03-09T09:30:00,1,1,1,1\n"
        with pytest.raises(BarFileError, match="lacks column"):
            read_bar_file(text, file_format=BarFileFormat.CSV, symbol="SPY", calendar=calendar)


class GenericCsvTests:
    def test_naive_times_in_new_york_with_bar_end_labels(self, calendar: MarketCalendar):
        text = (
            "Time,Open,High,Low,Close,Volume\n"
            "2011-03-09 09:31:00,132.3,132.4,132.2,132.35,1000\n"
            "2011-03-09 09:32:00,132.35,132.5,132.3,132.45,800\n"
        )
        (day,) = read_bar_file(
            text,
            file_format=BarFileFormat.CSV,
            symbol="SPY",
            calendar=calendar,
            timezone="America/New_York",
            label=BarLabel.END,
        )
        assert day.day == date(2011, 3, 9)
        assert day.t[0] == int(calendar.session_open(date(2011, 3, 9)).timestamp())
        assert list(day.c) == [132.35, 132.45]

    def test_epoch_seconds_and_offsets_are_understood(self, calendar: MarketCalendar):
        open_s = int(calendar.session_open(date(2011, 3, 9)).timestamp())
        text = f"timestamp,o,h,l,c,v\n{open_s},1,2,1,2,10\n2011-03-09T09:31:00-05:00,2,3,2,3,10\n"
        (day,) = read_bar_file(text, file_format=BarFileFormat.CSV, symbol="SPY", calendar=calendar)
        assert list(day.t) == [open_s, open_s + 60]


class UnnamedIndexColumnTests:
    """pandas' ``DataFrame.to_csv`` writes its date index as a first column without a name
    (backtesting.py's ``GOOG.csv``): read as the timestamp, in both headed formats."""

    TEXT = ",Open,High,Low,Close,Volume\n2004-08-19,100,104.06,95.96,100.34,22351900\n"

    @pytest.mark.parametrize("file_format", [BarFileFormat.YAHOO, BarFileFormat.CSV])
    def test_the_first_unnamed_column_is_the_timestamp(
        self, calendar: MarketCalendar, file_format: BarFileFormat
    ):
        (day,) = read_bar_file(
            self.TEXT,
            file_format=file_format,
            symbol="GOOG",
            calendar=calendar,
            resolution=Resolution.DAY,
            timezone="America/New_York",
        )
        assert day.day == date(2004, 8, 19)
        assert (day.o[0], day.c[0], day.v[0]) == (100.0, 100.34, 22351900.0)

    def test_an_unnamed_column_elsewhere_is_no_timestamp(self, calendar: MarketCalendar):
        text = "Open,,High,Low,Close,Volume\n100,2004-08-19,104.06,95.96,100.34,22351900\n"
        with pytest.raises(BarFileError, match=r"lacks column.*timestamp"):
            read_bar_file(text, file_format=BarFileFormat.YAHOO, symbol="GOOG", calendar=calendar)

    def test_a_named_timestamp_column_wins_over_an_unnamed_first_one(
        self, calendar: MarketCalendar
    ):
        text = ",Date,Open,High,Low,Close,Volume\n0,2004-08-19,100,104.06,95.96,100.34,100\n"
        (day,) = read_bar_file(
            text, file_format=BarFileFormat.YAHOO, symbol="GOOG", calendar=calendar
        )
        assert day.day == date(2004, 8, 19)


@needs_shared_data
class YahooDailyTests:
    def test_orcl_2000_reads_one_daily_bar_per_session(self, calendar: MarketCalendar):
        text = (MARKET / "orcl-2000-yahoofinance.csv").read_text()
        days = read_bar_file(
            text, file_format=BarFileFormat.YAHOO, symbol="ORCL", calendar=calendar
        )
        assert [d.day for d in days] == calendar.sessions_in_range(
            date(2000, 1, 1), date(2000, 12, 31)
        )
        last = days[-1]
        assert last.resolution is Resolution.DAY
        assert (last.o[0], last.h[0], last.l[0], last.c[0]) == (30.87, 31.31, 28.69, 29.06)


class StreamTests:
    """Files are read as a stream: one session at a time, bounded lines, a bounded error."""

    @staticmethod
    def _minutes(calendar: MarketCalendar, day: date, count: int = 390) -> list[str]:
        open_s = int(calendar.session_open(day).timestamp())
        return [
            f"{datetime.fromtimestamp(open_s + 60 * (i + 1), tz=UTC):%Y%m%d %H%M%S};1;2;0.5;1.5;10"
            for i in range(count)
        ]

    def test_sessions_are_yielded_as_the_file_is_read(self, calendar: MarketCalendar):
        sessions = calendar.sessions_in_range(date(2011, 1, 3), date(2011, 12, 30))
        lines = [line for day in sessions for line in self._minutes(calendar, day)]
        assert sum(len(line) + 1 for line in lines) > 4 * READ_CHARS
        stream = io.StringIO("\n".join(lines) + "\n")

        days = iter_bar_file(
            stream, file_format=BarFileFormat.NINJATRADER, symbol="SPY", calendar=calendar
        )
        day_one = next(days)

        assert day_one.day == sessions[0] and len(day_one) == 390
        assert stream.tell() < len(stream.getvalue()) / 2  # a block is read, not the file
        assert [d.day for d in days] == sessions[1:]

    def test_an_over_long_line_is_a_bad_row_read_past_without_holding_it(
        self, calendar: MarketCalendar
    ):
        class Reads(io.StringIO):
            longest = 0

            def readline(self, size: int | None = -1, /) -> str:
                line = super().readline(size)
                Reads.longest = max(Reads.longest, len(line))
                return line

        lines = self._minutes(calendar, date(2011, 3, 9), 3)
        text = "\n".join([lines[0], "9" * 3_000_000, *lines[1:]]) + "\n"

        with pytest.raises(BarFileError) as caught:
            list(
                iter_bar_file(
                    Reads(text),
                    file_format=BarFileFormat.NINJATRADER,
                    symbol="SPY",
                    calendar=calendar,
                )
            )

        assert [str(p) for p in caught.value.problems] == ["line 2: longer than 4096 characters"]
        assert Reads.longest <= 64 * 1024  # read in chunks, never whole

    def test_the_check_stops_after_a_thousand_bad_rows(self, calendar: MarketCalendar):
        stream = io.StringIO("not a bar\n" * 400_000)

        with pytest.raises(BarFileError) as caught:
            list(
                iter_bar_file(
                    stream, file_format=BarFileFormat.NINJATRADER, symbol="SPY", calendar=calendar
                )
            )

        assert caught.value.stopped and caught.value.count == len(caught.value.problems)
        assert len(caught.value.problems) == MAX_PROBLEMS_KEPT
        assert stream.tell() < len(stream.getvalue()) / 2  # the rest is not read
        assert f"{MAX_PROBLEMS_KEPT} bad rows (the check stops there)" in str(caught.value)
        assert "and 980 more" in str(caught.value)

    def test_the_column_path_and_the_row_path_read_the_same_bars(self, calendar: MarketCalendar):
        sessions = calendar.sessions_in_range(date(2011, 3, 7), date(2011, 3, 11))
        rows = [line for day in sessions for line in self._minutes(calendar, day)]
        good = "\n".join(rows) + "\n"
        # A bad row anywhere sends its chunk through the row path, and names it.
        bad = "\n".join([*rows[:-1], rows[-1].replace(";1.5;", ";x;")]) + "\n"

        fast = read_bar_file(
            good, file_format=BarFileFormat.NINJATRADER, symbol="SPY", calendar=calendar
        )
        with pytest.raises(BarFileError) as caught:
            read_bar_file(
                bad, file_format=BarFileFormat.NINJATRADER, symbol="SPY", calendar=calendar
            )
        slow = [
            _row(
                i,
                dict(zip(_NT_FIELDS, r.split(";"), strict=True)),
                BarFileFormat.NINJATRADER,
                Resolution.MINUTE,
                ZoneInfo("UTC"),
                BarLabel.END,
                calendar,
            )
            for i, r in enumerate(rows, start=1)
        ]

        assert [str(p) for p in caught.value.problems] == [
            f"line {len(rows)}: c is not a number: 'x'"
        ]
        columns = parse_chunk(
            [r.split(";") for r in rows], ninjatrader=True, utc=True, offset_s=60, boundary_s=60
        )
        assert columns is not None and columns[0].tolist() == [row.t for row in slow]
        assert np.concatenate([d.t for d in fast]).tolist() == [row.t for row in slow]
        assert np.concatenate([d.c for d in fast]).tolist() == [row.values[3] for row in slow]

    @pytest.mark.parametrize(
        ("stamp", "reason"),
        [
            ("inf", "is not epoch seconds between 1970 and 2100"),
            ("1e20", "is not epoch seconds between 1970 and 2100"),
            ("0001-01-01T00:00:00", "is not between 1970 and 2100"),
            ("1985-06-03T15:00:00", "outside the supported XNYS calendar range"),
        ],
    )
    def test_times_no_calendar_holds_are_bad_rows(
        self, calendar: MarketCalendar, stamp: str, reason: str
    ):
        with pytest.raises(BarFileError) as caught:
            read_bar_file(
                f"timestamp,o,h,l,c,v\n{stamp},1,1,1,1,1\n",
                file_format=BarFileFormat.CSV,
                symbol="SPY",
                calendar=calendar,
            )

        (problem,) = caught.value.problems
        assert problem.line == 2 and reason in problem.reason
