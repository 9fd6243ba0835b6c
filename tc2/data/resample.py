"""Regular-hours filter and resampling (1s -> 1m -> 5m/15m/1h/1d) within session bounds.

Intraday buckets are anchored at the session open (9:30 New York, so hours run 9:30-10:30) and
never straddle the close: bars at or after the close start new buckets anchored at the close, and
an early close (13:00) ends the last regular bucket there. A daily bar aggregates the regular
session only. Everything is vectorised with ``reduceat``; no per-bar Python objects.
"""

from __future__ import annotations

from datetime import date, time

import numpy as np
import numpy.typing as npt

from tc2.data.bars import Resolution, SymbolDay
from tc2.env import MarketCalendar
from tc2.env.market_calendar import new_york_epoch
from tc2.errors import DataError

KEPT_DAY_OPEN, KEPT_DAY_CLOSE = time(9, 30), time(16)
"""The hours of a day that is not a session but whose daily bar an import kept (``keep``)."""


def session_bounds(bars: SymbolDay, calendar: MarketCalendar) -> tuple[int, int]:
    """Regular open and close of the bars' session day, in epoch seconds."""
    return session_hours(bars.day, calendar)


def session_hours(day: date, calendar: MarketCalendar) -> tuple[int, int]:
    """Open and close of ``day`` in epoch seconds: the calendar's for a session; 9:30-16:00 New
    York for a day that is not one, where only a kept daily bar can lie (imports refuse
    intraday rows there)."""
    if calendar.is_session(day):
        return (
            int(calendar.session_open(day).timestamp()),
            int(calendar.session_close(day).timestamp()),
        )
    return new_york_epoch(day, KEPT_DAY_OPEN), new_york_epoch(day, KEPT_DAY_CLOSE)


def regular_hours(bars: SymbolDay, calendar: MarketCalendar) -> SymbolDay:
    """Only the bars that lie wholly inside the regular session (start >= open, end <= close).

    A daily bar is the session itself: it is stamped at the session's open and ends at its
    close (an early close included), so a daily bar of the session is kept, whatever instant
    its source stamped it at (a vendor's midnight, the open), and is restamped at the open.
    """
    open_s, close_s = session_bounds(bars, calendar)
    if bars.resolution is Resolution.DAY:
        return _session_bar(bars, open_s)
    step = bars.resolution.seconds
    return bars.select((bars.t >= open_s) & (bars.t + step <= close_s))


def _session_bar(bars: SymbolDay, open_s: int) -> SymbolDay:
    if len(bars) <= 1 and (len(bars) == 0 or int(bars.t[0]) == open_s):
        return bars
    if len(bars) > 1:
        raise DataError(
            f"{bars.symbol} {bars.day}: {len(bars)} daily bars for one session; a session has one"
        )
    columns = dict(bars.columns())
    columns["t"] = np.array([open_s], dtype=np.int64)
    return SymbolDay.from_columns(
        symbol=bars.symbol, day=bars.day, resolution=bars.resolution, columns=columns
    )


def resample(bars: SymbolDay, to: Resolution, calendar: MarketCalendar) -> SymbolDay:
    """Aggregate ``bars`` into ``to`` bars (o first, h max, l min, c last, v/n sum, vw weighted).

    Raises
    ------
    DataError
        When ``to`` is not coarser than the bars' resolution.
    """
    if to.seconds <= bars.resolution.seconds:
        raise DataError(f"cannot resample {bars.resolution.value} bars to {to.value}")
    if to is Resolution.DAY:
        bars = regular_hours(bars, calendar)
    if len(bars) == 0:
        return _empty(bars, to)
    starts = _bucket_starts(bars, to, calendar)
    first = np.flatnonzero(np.r_[True, starts[1:] != starts[:-1]])
    last = np.r_[first[1:], len(bars)] - 1
    volume = np.add.reduceat(bars.v, first)
    columns: dict[str, npt.NDArray[np.generic]] = {
        "t": starts[first],
        "o": bars.o[first],
        "h": np.maximum.reduceat(bars.h, first),
        "l": np.minimum.reduceat(bars.l, first),
        "c": bars.c[last],
        "v": volume,
    }
    if bars.n is not None:
        columns["n"] = np.add.reduceat(bars.n, first)
    if bars.vw is not None:
        traded = np.add.reduceat(bars.vw * bars.v, first)
        # A bucket with no volume has no VWAP of its own: use its close.
        columns["vw"] = np.where(volume > 0, traded / np.where(volume > 0, volume, 1), columns["c"])
    return SymbolDay.from_columns(symbol=bars.symbol, day=bars.day, resolution=to, columns=columns)


def _bucket_starts(
    bars: SymbolDay, to: Resolution, calendar: MarketCalendar
) -> npt.NDArray[np.int64]:
    open_s, close_s = session_bounds(bars, calendar)
    if to is Resolution.DAY:
        return np.full(len(bars), open_s, dtype=np.int64)
    anchor = np.where(bars.t >= close_s, close_s, open_s)
    step = to.seconds
    return (anchor + ((bars.t - anchor) // step) * step).astype(np.int64)


def _empty(bars: SymbolDay, to: Resolution) -> SymbolDay:
    empty = np.empty(0)
    return SymbolDay(
        symbol=bars.symbol,
        day=bars.day,
        resolution=to,
        t=np.empty(0, dtype=np.int64),
        o=empty,
        h=empty,
        l=empty,
        c=empty,
        v=empty,
    )
