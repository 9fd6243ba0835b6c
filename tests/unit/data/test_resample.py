"""Resampling within session bounds, including early closes."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from tc2.data.bars import Resolution, SymbolDay
from tc2.data.resample import regular_hours, resample
from tc2.env import MarketCalendar
from tc2.errors import DataError


@pytest.fixture(scope="module")
def calendar() -> MarketCalendar:
    return MarketCalendar.xnys()


def _seconds_day(
    day: date, calendar: MarketCalendar, before_s: int = 0, after_s: int = 0
) -> SymbolDay:
    open_s = int(calendar.session_open(day).timestamp())
    close_s = int(calendar.session_close(day).timestamp())
    t = np.arange(open_s - before_s, close_s + after_s, dtype=np.int64)
    price = 100 + np.sin(np.arange(len(t)) / 500)
    return SymbolDay(
        symbol="SPY",
        day=day,
        resolution=Resolution.SECOND,
        t=t,
        o=price,
        h=price + 0.01,
        l=price - 0.01,
        c=price,
        v=np.ones(len(t)),
        n=np.ones(len(t), dtype=np.int64),
        vw=price,
    )


class ResampleTests:
    def test_seconds_to_minutes_to_five_minutes_agree(self, calendar: MarketCalendar):
        seconds = _seconds_day(date(2026, 11, 23), calendar)
        minutes = resample(seconds, Resolution.MINUTE, calendar)
        assert len(minutes) == 390
        assert np.all(minutes.v == 60) and np.all(minutes.n == 60)
        direct = resample(seconds, Resolution.FIVE_MINUTES, calendar)
        via_minutes = resample(minutes, Resolution.FIVE_MINUTES, calendar)
        assert len(direct) == 78
        for name in ("t", "o", "h", "l", "c", "v"):
            assert np.array_equal(getattr(direct, name), getattr(via_minutes, name)), name
        assert np.allclose(direct.vw, via_minutes.vw)

    def test_hours_are_anchored_at_the_open_and_end_at_the_close(self, calendar: MarketCalendar):
        day = date(2026, 11, 23)
        hours = resample(_seconds_day(day, calendar), Resolution.HOUR, calendar)
        open_s = int(calendar.session_open(day).timestamp())
        assert list(hours.t - open_s) == [0, 3600, 7200, 10800, 14400, 18000, 21600]
        assert hours.v[-1] == 1800  # 15:30-16:00, a half hour

    def test_an_early_close_ends_the_last_bucket_there(self, calendar: MarketCalendar):
        day = date(2026, 11, 27)  # closes 13:00 New York
        hours = resample(_seconds_day(day, calendar), Resolution.HOUR, calendar)
        assert len(hours) == 4 and hours.v[-1] == 1800  # 12:30-13:00
        daily = resample(_seconds_day(day, calendar), Resolution.DAY, calendar)
        assert daily.v[0] == 3.5 * 3600

    def test_after_hours_never_join_a_regular_bucket(self, calendar: MarketCalendar):
        day = date(2026, 11, 23)
        bars = _seconds_day(day, calendar, before_s=600, after_s=1200)
        hours = resample(bars, Resolution.HOUR, calendar)
        close_s = int(calendar.session_close(day).timestamp())
        assert close_s in hours.t  # the after-hours bucket starts at the close
        regular_last = hours.t[hours.t < close_s][-1]
        assert hours.v[hours.t == regular_last][0] == 1800
        assert len(regular_hours(bars, calendar)) == 23_400

    def test_resampling_to_a_finer_resolution_is_refused(self, calendar: MarketCalendar):
        minutes = resample(_seconds_day(date(2026, 11, 23), calendar), Resolution.MINUTE, calendar)
        with pytest.raises(DataError, match="cannot resample"):
            resample(minutes, Resolution.SECOND, calendar)


class SymbolDayTests:
    def test_bad_bars_fail_loudly(self):
        good = dict(
            symbol="SPY",
            day=date(2026, 11, 23),
            resolution=Resolution.MINUTE,
            t=[60, 120],
            o=[1, 1],
            h=[2, 2],
            l=[0.5, 0.5],
            c=[1.5, 1.5],
            v=[1, 1],
        )
        SymbolDay(**good)
        for change, message in (
            ({"t": [120, 60]}, "strictly increasing"),
            ({"t": [60, 90]}, "boundary"),
            ({"h": [0.9, 2]}, "bound"),
            ({"o": [float("nan"), 1]}, "finite"),
            ({"v": [-1, 1]}, "volume"),
            ({"c": [1.5]}, "length"),
        ):
            with pytest.raises(DataError, match=message):
                SymbolDay(**{**good, **change})

    def test_arrays_are_read_only_copies(self):
        source = np.array([1.0, 1.0])
        bars = SymbolDay(
            symbol="SPY",
            day=date(2026, 11, 23),
            resolution=Resolution.MINUTE,
            t=[60, 120],
            o=source,
            h=[2, 2],
            l=[0.5, 0.5],
            c=[1.5, 1.5],
            v=[1, 1],
        )
        source[0] = 99
        assert bars.o[0] == 1.0
        with pytest.raises(ValueError):
            bars.o[0] = 5
