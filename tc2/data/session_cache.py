"""SessionCache: regular-hours sessions read from a price store, the recent ones kept in memory.

Day after day, a simulation reads the same sessions again: the warm-up days of one day are the
days before it, and the models it warms read the sessions before that. The cache keeps what was
read (up to a memory budget, least recently used first out), so each session is read from the
store and validated once per process. It assumes the store does not change while it lives: make
one per simulation job or evaluation, not per program.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import date

from tc2.data.bars import Resolution, SymbolDay
from tc2.data.resample import regular_hours, resample
from tc2.data.store import DayNotOnFile, PriceStore
from tc2.env.market_calendar import MarketCalendar

DEFAULT_BUDGET_BYTES = 256 * 2**20  # ~170 one-second sessions or ~10,000 one-minute ones


class SessionCache:
    """Read-through cache of regular-hours ``SymbolDay``s.

    Parameters
    ----------
    store
        The price store read from.
    calendar
        For the regular session's bounds.
    budget_bytes
        Memory the cached bars may use.
    """

    def __init__(
        self,
        store: PriceStore,
        calendar: MarketCalendar,
        *,
        budget_bytes: int = DEFAULT_BUDGET_BYTES,
    ) -> None:
        self.store = store
        self.calendar = calendar
        self.budget_bytes = budget_bytes
        self._sessions: OrderedDict[tuple[str, date, Resolution], SymbolDay] = OrderedDict()
        self._bytes = 0
        self._on_file: dict[tuple[str, Resolution], frozenset[date]] = {}

    def on_file(self, symbol: str, resolution: Resolution) -> frozenset[date]:
        """The days of ``symbol`` on file at ``resolution`` (asked of the store once)."""
        key = (symbol, resolution)
        days = self._on_file.get(key)
        if days is None:
            days = self._on_file[key] = frozenset(
                self.store.dates_on_file(symbol, resolution=resolution)
            )
        return days

    def session(self, symbol: str, day: date, resolution: Resolution) -> SymbolDay | None:
        """The regular-hours bars of one session, None when it is not on file.

        Raises
        ------
        DataError
            If the stored bars are unreadable or invalid.
        """
        key = (symbol, day, resolution)
        cached = self._sessions.get(key)
        if cached is not None:
            self._sessions.move_to_end(key)
            return cached
        if day not in self.on_file(symbol, resolution):
            return None
        try:
            bars = regular_hours(self.store.load_day(symbol, day, resolution), self.calendar)
        except DayNotOnFile:
            return None
        self._keep(key, bars)
        return bars

    def minutes(self, symbol: str, day: date) -> SymbolDay | None:
        """The session's minute bars, else its 1-second bars resampled to minutes (a store
        seeded with seconds only still has minutes to show and learn from); None if neither."""
        bars = self.session(symbol, day, Resolution.MINUTE)
        if bars is not None:
            return bars
        seconds = self.session(symbol, day, Resolution.SECOND)
        if seconds is None:
            return None
        minutes = resample(seconds, Resolution.MINUTE, self.calendar)
        self._keep((symbol, day, Resolution.MINUTE), minutes)  # resampled once, read often
        return minutes

    def _keep(self, key: tuple[str, date, Resolution], bars: SymbolDay) -> None:
        size = _nbytes(bars)
        self._sessions[key] = bars
        self._bytes += size
        while self._bytes > self.budget_bytes and len(self._sessions) > 1:
            _, dropped = self._sessions.popitem(last=False)
            self._bytes -= _nbytes(dropped)


def _nbytes(bars: SymbolDay) -> int:
    return sum(int(column.nbytes) for column in bars.columns().values())
