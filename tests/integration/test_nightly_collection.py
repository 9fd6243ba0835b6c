"""Nightly collection: REST bars replace the day's streamed bars; when REST fails, streamed bars
are used (TC2's fallback). Real Redis (stream cache), real file store, real Polygon client
pointed at a port where nothing listens (an outage)."""

from __future__ import annotations

import socket
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from tc2.data.bars import Resolution
from tc2.data.collection import DayCollector, Outcome
from tc2.data.file_store import FilePriceStore
from tc2.data.providers import Backoff, PolygonProvider, StreamBar
from tc2.data.stream_cache import StreamCache
from tc2.data.synthetic import SyntheticMarket
from tc2.env import EnvType, ExecEnv, LiveClock, MarketCalendar
from tc2.program.data_collector import _settle_streamed

pytestmark = pytest.mark.redis

DAY = date(2026, 11, 20)


@pytest.fixture
def env(redis_url: str, redis_namespace: str) -> ExecEnv:
    return ExecEnv(
        env_type=EnvType.LIVE,
        clock=LiveClock(),
        calendar=MarketCalendar.xnys(),
        redis_url=redis_url,
        namespace=redis_namespace,
    )


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _stream_day(cache: StreamCache, env: ExecEnv) -> np.ndarray:
    bars = SyntheticMarket(seed=3, calendar=env.calendar).day_bars(
        symbol="SPY", day=DAY, resolution=Resolution.MINUTE
    )
    cache.push_many(
        StreamBar(
            symbol="SPY",
            resolution=Resolution.MINUTE,
            t=int(bars.t[i]),
            o=float(bars.o[i]),
            h=float(bars.h[i]),
            l=float(bars.l[i]),
            c=float(bars.c[i]),
            v=float(bars.v[i]),
        )
        for i in range(len(bars))
    )
    return bars.c


def test_rest_outage_falls_back_to_streamed_bars_then_clears_them(env: ExecEnv, tmp_path: Path):
    store = FilePriceStore(tmp_path, "live")
    cache = StreamCache(env)
    closes = _stream_day(cache, env)
    outage = PolygonProvider(
        "key",
        base_url=f"http://127.0.0.1:{_closed_port()}",
        backoff=Backoff(sleep=lambda seconds: None),
        calendar=env.calendar,
    )
    collector = DayCollector(store=store, source=outage, calendar=env.calendar)

    outcomes = collector.collect_range(["SPY"], [DAY], [Resolution.MINUTE], force=True)
    assert [o.outcome for o in outcomes] == [Outcome.FAILED]

    recovered = _settle_streamed(env, collector, outcomes)

    assert [o.outcome for o in recovered] == [Outcome.SAVED]
    assert np.array_equal(store.load_day("SPY", DAY, Resolution.MINUTE).c, closes)
    assert len(cache.day_bars(symbol="SPY", day=DAY, resolution=Resolution.MINUTE)) == 0


def test_good_rest_data_wins_and_the_streamed_bars_are_dropped(env: ExecEnv, tmp_path: Path):
    store = FilePriceStore(tmp_path, "live")
    cache = StreamCache(env)
    _stream_day(cache, env)
    rest = SyntheticMarket(seed=99, calendar=env.calendar)  # stands for a healthy provider
    collector = DayCollector(store=store, source=rest, calendar=env.calendar)

    outcomes = collector.collect_range(["SPY"], [DAY], [Resolution.MINUTE], force=True)
    assert _settle_streamed(env, collector, outcomes) == []

    expected = rest.day_bars(symbol="SPY", day=DAY, resolution=Resolution.MINUTE)
    assert np.array_equal(store.load_day("SPY", DAY, Resolution.MINUTE).c, expected.c)
    assert len(cache.day_bars(symbol="SPY", day=DAY, resolution=Resolution.MINUTE)) == 0
