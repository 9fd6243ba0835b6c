"""Minute bars a stream missed, fetched from the provider's REST history into the stream cache.

A websocket sends each bar once: the bars that complete while it is down (a dropped connection,
a reconnect's backoff, a restarted streamer) never come. ``StreamGapFiller`` watches each
symbol's minute bars as the streamer caches them. When a bar starts more than a minute after
the last one cached for that session (or the first bar a streamer sees starts after the open
with nothing cached before it), it asks the history provider (the same Polygon or Alpaca keys'
REST API) for the session's minute bars and caches those in the gap.

Requests run on one background thread, so the stream never waits for REST. A minute with no
trade has no bar in either source, so a gap the provider cannot fill costs one request and is
not asked again. One-second bars are not backfilled: seconds without a trade are the rule, and
each gap would be a request.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime

from tc2.data.bars import Resolution, SymbolDay
from tc2.data.providers.base import HistoryProvider
from tc2.data.providers.stream import StreamBar
from tc2.data.stream_cache import StreamCache
from tc2.env.market_calendar import MarketCalendar
from tc2.errors import TC2Error
from tc2.logs import LogFeed, feed_logger

STEP_S = Resolution.MINUTE.seconds
BACKFILLED_MESSAGE = "{symbol}: {count} missed minute bars of {day} backfilled from {provider}"
FAILED_MESSAGE = "{symbol}: could not backfill the minute bars of {day} the stream missed: {error}"

_log = feed_logger(LogFeed.DATA, "stream-backfill")


@dataclass(frozen=True, slots=True)
class Gap:
    """Minute bars of ``symbol`` starting in ``[start_t, end_t)`` on session ``day`` are missing."""

    symbol: str
    day: date
    start_t: int
    end_t: int


class StreamGapFiller:
    """Finds the gaps in each symbol's streamed minute bars and fills them from REST.

    Parameters
    ----------
    cache
        Where the streamer caches bars (and where the backfilled ones go).
    provider
        The REST history of the stream's provider.
    calendar
        The exchange calendar (session opens).
    """

    def __init__(
        self, *, cache: StreamCache, provider: HistoryProvider, calendar: MarketCalendar
    ) -> None:
        self._cache = cache
        self._provider = provider
        self._calendar = calendar
        self._last: dict[tuple[str, date], int] = {}  # latest minute bar start seen or cached
        self._gaps: queue.Queue[Gap | None] = queue.Queue()
        self._worker: threading.Thread | None = None
        self.filled = 0  # bars backfilled so far

    def see(self, bar: StreamBar) -> Gap | None:
        """Note a bar the stream delivered (and the cache kept); queue the gap before it, if any.

        Called on the stream's thread after the bar is cached; returns the gap queued.
        """
        if bar.resolution is not Resolution.MINUTE:
            return None
        day = self._calendar.session_for(datetime.fromtimestamp(bar.t, UTC))
        if day is None:
            return None
        key = (bar.symbol, day)
        last = self._last.get(key)
        if last is None:
            last = self._last_cached_before(bar.symbol, day, bar.t)
        self._last[key] = max(bar.t, last)
        if bar.t <= last + STEP_S:
            return None
        gap = Gap(symbol=bar.symbol, day=day, start_t=last + STEP_S, end_t=bar.t)
        self._gaps.put(gap)
        self._ensure_worker()
        return gap

    def close(self, timeout_s: float = 5.0) -> None:
        """Finish the queued gaps (waiting up to ``timeout_s``) and end the worker."""
        if self._worker is not None:
            self._gaps.put(None)
            self._worker.join(timeout_s)
            self._worker = None

    def fill(self, gap: Gap) -> int:
        """Fetch ``gap``'s session from the provider and cache its bars inside the gap; return
        how many were cached. Errors are logged, not raised: the stream goes on without them."""
        try:
            day_bars = self._provider.day_bars(
                symbol=gap.symbol, day=gap.day, resolution=Resolution.MINUTE
            )
            missed = _bars_between(day_bars, gap.start_t, gap.end_t)
            count = self._cache.push_many(missed)
        except (TC2Error, OSError) as error:  # redis errors are OSErrors (ConnectionError)
            _log.warning(FAILED_MESSAGE.format(symbol=gap.symbol, day=gap.day, error=error))
            return 0
        if count:
            self.filled += count
            _log.info(
                BACKFILLED_MESSAGE.format(
                    symbol=gap.symbol, count=count, day=gap.day, provider=self._provider.name
                )
            )
        return count

    def _last_cached_before(self, symbol: str, day: date, t: int) -> int:
        """The start of the latest cached bar before ``t`` (from an earlier streamer), else one
        minute before the open: a first bar at the open is no gap."""
        open_t = int(self._calendar.session_open(day).timestamp())
        try:
            cached = self._cache.day_bars(symbol=symbol, day=day, resolution=Resolution.MINUTE)
        except (TC2Error, OSError):
            return open_t - STEP_S
        earlier = cached.t[cached.t < t]
        return int(earlier[-1]) if len(earlier) else open_t - STEP_S

    def _ensure_worker(self) -> None:
        if self._worker is None or not self._worker.is_alive():
            self._worker = threading.Thread(
                target=self._work, name="tc2-stream-backfill", daemon=True
            )
            self._worker.start()

    def _work(self) -> None:
        while (gap := self._gaps.get()) is not None:
            self.fill(gap)


def _bars_between(day_bars: SymbolDay, start_t: int, end_t: int) -> list[StreamBar]:
    """``day_bars``' bars starting in ``[start_t, end_t)``, as stream bars."""
    bars = []
    for j, t in enumerate(day_bars.t.tolist()):
        if start_t <= t < end_t:
            bars.append(
                StreamBar(
                    symbol=day_bars.symbol,
                    resolution=Resolution.MINUTE,
                    t=t,
                    o=float(day_bars.o[j]),
                    h=float(day_bars.h[j]),
                    l=float(day_bars.l[j]),
                    c=float(day_bars.c[j]),
                    v=float(day_bars.v[j]),
                    n=None if day_bars.n is None else int(day_bars.n[j]),
                    vw=None if day_bars.vw is None else float(day_bars.vw[j]),
                )
            )
    return bars
