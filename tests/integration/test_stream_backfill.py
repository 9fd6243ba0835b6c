"""Where ``StreamGapFiller`` sees gaps, against the real stream cache in Redis.

The whole path (a real Alpaca stream that drops, the real alpaca-py REST client against a
local server, the bar streamer) is tested in ``providers/test_streams.py``; here, the rules:
which bars make a gap and which do not. The REST source is a provider answering from a day
built here.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import numpy as np
import pytest

from tc2.data.bars import Resolution, SymbolDay
from tc2.data.providers.base import HistoryProvider
from tc2.data.stream_cache import StreamCache
from tc2.env import ExecEnv, MarketCalendar
from tc2.program.stream_backfill import Gap, StreamGapFiller
from tests.integration.test_stream_cache import bar

DAY = date(2024, 3, 5)
OPEN_S = 1_709_649_000  # 09:30 New York


class _DayProvider(HistoryProvider):
    """Answers every minute request with the whole session, a bar per minute at 200.0."""

    name = "rest"

    def __init__(self) -> None:
        self.requests = 0

    def _minute_bars(self, symbol: str, day: date) -> SymbolDay:
        self.requests += 1
        t = OPEN_S + 60 * np.arange(390)
        price = np.full(390, 200.0)
        return SymbolDay(
            symbol=symbol, day=day, resolution=Resolution.MINUTE,
            t=t, o=price, h=price, l=price, c=price, v=np.full(390, 10.0),
        )  # fmt: skip

    def _second_bars(self, symbol: str, day: date, calendar: MarketCalendar) -> SymbolDay:
        raise AssertionError("second bars are never backfilled")


@pytest.fixture
def cache(redis_url: str, redis_namespace: str) -> Iterator[StreamCache]:
    with ExecEnv.live(redis_url, namespace=redis_namespace) as env:
        yield StreamCache(env)


def _filler(cache: StreamCache) -> tuple[StreamGapFiller, _DayProvider]:
    provider = _DayProvider()
    return StreamGapFiller(cache=cache, provider=provider, calendar=MarketCalendar.xnys()), provider


def _minute(t: int) -> object:
    return bar(t, resolution=Resolution.MINUTE)


class GapTests:
    def test_bars_in_sequence_from_the_open_make_no_gap(self, cache: StreamCache) -> None:
        filler, provider = _filler(cache)
        for i in range(3):
            cache.push(_minute(OPEN_S + 60 * i))  # type: ignore[arg-type]
            assert filler.see(_minute(OPEN_S + 60 * i)) is None  # type: ignore[arg-type]
        assert provider.requests == 0

    def test_a_restarted_streamer_backfills_after_the_last_cached_bar_only(
        self, cache: StreamCache
    ) -> None:
        # An earlier streamer cached 09:30-09:39; this one's first bar is 09:45.
        cache.push_many(_minute(OPEN_S + 60 * i) for i in range(10))  # type: ignore[misc]
        filler, provider = _filler(cache)
        first = _minute(OPEN_S + 900)
        cache.push(first)  # type: ignore[arg-type]

        gap = filler.see(first)  # type: ignore[arg-type]
        assert gap == Gap(symbol="SPY", day=DAY, start_t=OPEN_S + 600, end_t=OPEN_S + 900)
        filler.close()  # waits for the worker to fill the queued gap
        assert filler.filled == 5
        bars = cache.day_bars(symbol="SPY", day=DAY, resolution=Resolution.MINUTE)
        assert list(bars.t) == [OPEN_S + 60 * i for i in range(16)]
        assert list(bars.c[10:15]) == [200.0] * 5  # the REST bars
        assert provider.requests == 1

    def test_second_bars_are_never_backfilled(self, cache: StreamCache) -> None:
        filler, provider = _filler(cache)
        assert filler.see(bar(OPEN_S + 5)) is None
        assert filler.see(bar(OPEN_S + 50)) is None
        assert provider.requests == 0
