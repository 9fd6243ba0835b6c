"""What is on file for one symbol at one resolution: the one source of the Data page's figures.

The coverage table (``GET /api/data/status``) and the price and coverage chart
(``GET /api/data/coverage/<symbol>``) both read ``coverage_summary``, so the sessions on file,
the first and last of them, the sessions without data between them and the validity of the last
``HEALTH_DAYS`` on file are counted once, the same way, whichever of the two shows them.

``symbol_coverage`` adds, for the chart's window, each session's daily candle and coverage. The
window is the sessions from the first on file to the last (the latest ``MAX_WINDOW_SESSIONS``
when there are more): it follows what was seeded, collected or imported, never the run date.
All dates are New York session dates. Coverage is the share of the session's minutes (from the
calendar: a 13:00 early close has 210) with at least one regular-hours bar, whatever the bar size,
so a full early close is 100 %; a daily bar covers its session.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np

from tc2.data.bars import Resolution
from tc2.data.store import BarSeries, PriceStore
from tc2.data.validation import DEFAULT_POLICIES, HEALTH_DAYS, DayValidity, recent_validity
from tc2.env import MarketCalendar
from tc2.env.market_calendar import NEW_YORK

MAX_WINDOW_SESSIONS = 1000
"""The most sessions one chart shows (four years); with more on file, the latest ones."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CoverageSummary:
    """A symbol's sessions on file at one resolution, and the validity of the recent ones.

    ``recent`` is ``recent_validity`` of the last ``HEALTH_DAYS`` days on file (the collector's
    and the DATA check's rule); it is empty at a resolution no rule is written for (daily bars).
    ``missing`` are the sessions between the first and the last on file with no data.
    """

    symbol: str
    resolution: Resolution
    on_file: tuple[date, ...]
    missing: tuple[date, ...]
    recent: tuple[DayValidity, ...]

    @property
    def first_day(self) -> date | None:
        return self.on_file[0] if self.on_file else None

    @property
    def last_day(self) -> date | None:
        return self.on_file[-1] if self.on_file else None

    @property
    def invalid(self) -> tuple[DayValidity, ...]:
        return tuple(validity for validity in self.recent if not validity.valid)


@dataclass(frozen=True, slots=True, kw_only=True)
class DailyCandle:
    open: float
    high: float
    low: float
    close: float
    volume: float


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionCoverage:
    """One session of the window: its candle and how much of it is on file."""

    day: date
    on_file: bool
    session_minutes: int
    covered_minutes: int
    candle: DailyCandle | None
    validity: DayValidity | None
    """Its validity when it is one of the recent days checked; None when it was not checked."""

    @property
    def coverage_pct(self) -> float:
        return round(100 * self.covered_minutes / self.session_minutes, 2)


@dataclass(frozen=True, slots=True, kw_only=True)
class SymbolCoverage:
    summary: CoverageSummary
    sessions: tuple[SessionCoverage, ...]
    """The window's sessions, oldest first (empty when nothing is on file)."""

    @property
    def window(self) -> tuple[date, date] | None:
        return (self.sessions[0].day, self.sessions[-1].day) if self.sessions else None


def coverage_summary(
    store: PriceStore, calendar: MarketCalendar, symbol: str, resolution: Resolution
) -> CoverageSummary:
    """What the Data page's table shows of ``symbol`` at ``resolution`` (see the module)."""
    on_file = tuple(store.dates_on_file(symbol, resolution=resolution))
    recent = (
        tuple(recent_validity(store, calendar, symbol, resolution, HEALTH_DAYS))
        if resolution in DEFAULT_POLICIES
        else ()
    )
    present = set(on_file)
    missing = tuple(day for day in _sessions_spanned(calendar, on_file) if day not in present)
    return CoverageSummary(
        symbol=symbol, resolution=resolution, on_file=on_file, missing=missing, recent=recent
    )


def symbol_coverage(
    store: PriceStore,
    calendar: MarketCalendar,
    symbol: str,
    resolution: Resolution,
    *,
    most: int = MAX_WINDOW_SESSIONS,
) -> SymbolCoverage:
    """The summary, and each session's candle and coverage from the first session on file to
    the last (the latest ``most`` of them)."""
    summary = coverage_summary(store, calendar, symbol, resolution)
    window = _sessions_spanned(calendar, summary.on_file)[-most:]
    if not window:
        return SymbolCoverage(summary=summary, sessions=())
    checked = {validity.day: validity for validity in summary.recent}
    found: dict[date, tuple[int, DailyCandle | None]] = {}
    # A month at a time: a year of 1-second bars never sits in memory at once.
    for start, end in _months(window[0], window[-1]):
        series = store.load_range(symbol, start, end, resolution)
        found.update(_per_session(series, calendar))
    sessions = []
    for day in window:
        minutes = _session_minutes(calendar, day)
        covered, candle = found.get(day, (0, None))
        sessions.append(
            SessionCoverage(
                day=day,
                on_file=day in found,
                session_minutes=minutes,
                covered_minutes=min(covered, minutes),
                candle=candle,
                validity=checked.get(day),
            )
        )
    return SymbolCoverage(summary=summary, sessions=tuple(sessions))


def _sessions_spanned(calendar: MarketCalendar, on_file: Sequence[date]) -> list[date]:
    """The calendar's sessions from the first day on file to the last (within its range)."""
    if not on_file:
        return []
    first, last = max(on_file[0], calendar.start), min(on_file[-1], calendar.end)
    return calendar.sessions_in_range(first, last) if first <= last else []


def _months(first: date, last: date) -> list[tuple[date, date]]:
    months = []
    start = first.replace(day=1)
    while start <= last:
        following = (start + timedelta(days=32)).replace(day=1)
        months.append((max(start, first), min(following - timedelta(days=1), last)))
        start = following
    return months


def _session_minutes(calendar: MarketCalendar, day: date) -> int:
    seconds = (calendar.session_close(day) - calendar.session_open(day)).total_seconds()
    return int(seconds // 60)


def _per_session(
    series: BarSeries, calendar: MarketCalendar
) -> dict[date, tuple[int, DailyCandle | None]]:
    """Each session day of ``series``: minutes with a regular-hours bar, and the daily candle.

    Bars are in time order and each day's lie on its New York date, so a day's regular-hours
    rows are one slice, found by bisection.
    """
    result: dict[date, tuple[int, DailyCandle | None]] = {}
    t = series.t
    step = series.resolution.seconds
    for day in series.days:
        if not calendar.is_session(day):
            continue  # bars under a day that is no session cannot be a session's coverage
        open_s = int(calendar.session_open(day).timestamp())
        close_s = int(calendar.session_close(day).timestamp())
        if series.resolution is Resolution.DAY:  # one bar for the whole session
            lo, hi = (int(i) for i in np.searchsorted(t, _midnights(day)))
            covered = (close_s - open_s) // 60 if hi > lo else 0
        else:
            lo = int(np.searchsorted(t, open_s, side="left"))
            hi = int(np.searchsorted(t, close_s - step, side="right"))
            covered = int(np.unique((t[lo:hi] - open_s) // 60).size)
        candle = None
        if hi > lo:
            candle = DailyCandle(
                open=float(series.o[lo]),
                high=float(series.h[lo:hi].max()),
                low=float(series.l[lo:hi].min()),
                close=float(series.c[hi - 1]),
                volume=float(series.v[lo:hi].sum()),
            )
        result[day] = (covered, candle)
    return result


def _midnights(day: date) -> list[int]:
    """The epoch seconds of ``day``'s New York midnight and the next day's."""
    start = datetime.combine(day, time(), tzinfo=NEW_YORK)
    return [int(start.timestamp()), int((start + timedelta(days=1)).timestamp())]
