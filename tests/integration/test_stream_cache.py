"""StreamCache against the real Redis: the bound, regular hours, the round trip, keys and expiry."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import numpy as np
import pytest

from tc2.data.bars import Resolution
from tc2.data.providers import StreamBar
from tc2.data.stream_cache import DEFAULT_MAX_BARS, RECORD, TTL_S, StreamCache
from tc2.env import ExecEnv
from tc2.errors import ConfigurationError, DataError

pytestmark = pytest.mark.redis

DAY = date(2024, 3, 5)  # a Tuesday in EST: regular hours 14:30-21:00 UTC
OPEN_S = 1_709_649_000
CLOSE_S = 1_709_672_400
NEXT_DAY = date(2024, 3, 6)
NEXT_OPEN_S = OPEN_S + 86_400
EARLY_CLOSE_DAY = date(2024, 11, 29)  # the day after Thanksgiving: closes 13:00 EST
EARLY_CLOSE_S = 1_732_903_200
SATURDAY_NOON_S = 1_710_003_600  # 2024-03-09 12:00 EST


def bar(
    t: int,
    price: float = 100.0,
    *,
    symbol: str = "SPY",
    resolution: Resolution = Resolution.SECOND,
    n: int | None = 7,
    vw: float | None = 100.01,
) -> StreamBar:
    return StreamBar(
        symbol=symbol,
        resolution=resolution,
        t=t,
        o=price,
        h=price + 0.05,
        l=price - 0.05,
        c=price + 0.01,
        v=1_000.0,
        n=n,
        vw=vw,
    )


@pytest.fixture
def env(redis_url: str, redis_namespace: str) -> Iterator[ExecEnv]:
    with ExecEnv.live(redis_url, namespace=redis_namespace) as live:
        yield live


@pytest.fixture
def cache(env: ExecEnv) -> StreamCache:
    return StreamCache(env)


class StreamCacheTests:
    def test_the_bound_keeps_the_newest_max_bars(self, env: ExecEnv) -> None:
        cache = StreamCache(env, max_bars=300)
        for i in range(400):
            assert cache.push(bar(OPEN_S + i, 100.0 + i / 100))
        key = cache.key(symbol="SPY", day=DAY, resolution=Resolution.SECOND)

        assert env.redis.llen(key) == 300
        bars = cache.day_bars(symbol="SPY", day=DAY, resolution=Resolution.SECOND)
        assert list(bars.t) == list(range(OPEN_S + 100, OPEN_S + 400))
        np.testing.assert_allclose(bars.o, 100.0 + np.arange(100, 400) / 100)

    def test_the_bound_holds_for_batches_too(self, env: ExecEnv) -> None:
        cache = StreamCache(env, max_bars=300)

        assert cache.push_many(bar(OPEN_S + i) for i in range(250)) == 250
        assert cache.push_many(bar(OPEN_S + i) for i in range(250, 400)) == 150

        key = cache.key(symbol="SPY", day=DAY, resolution=Resolution.SECOND)
        assert env.redis.llen(key) == 300
        t = cache.day_bars(symbol="SPY", day=DAY, resolution=Resolution.SECOND).t
        assert (int(t[0]), int(t[-1])) == (OPEN_S + 100, OPEN_S + 399)

    def test_only_regular_hours_bars_are_kept(self, cache: StreamCache) -> None:
        minute = Resolution.MINUTE
        kept = [
            bar(OPEN_S),
            bar(CLOSE_S - 1),
            bar(OPEN_S, resolution=minute),
            bar(CLOSE_S - 60, resolution=minute),
            bar(EARLY_CLOSE_S - 1),
        ]
        dropped = [
            bar(OPEN_S - 1),  # 09:29:59
            bar(CLOSE_S),  # 16:00:00
            bar(OPEN_S - 60, resolution=minute),
            bar(CLOSE_S, resolution=minute),
            bar(EARLY_CLOSE_S),  # 13:00 on an early-close day
            bar(SATURDAY_NOON_S),
            bar(1_610_144_868),  # Polygon's example second: 17:27:48 New York
        ]

        assert [cache.push(b) for b in kept] == [True] * len(kept)
        assert [cache.push(b) for b in dropped] == [False] * len(dropped)
        assert list(cache.day_bars(symbol="SPY", day=DAY, resolution=Resolution.SECOND).t) == [
            OPEN_S,
            CLOSE_S - 1,
        ]
        assert list(cache.day_bars(symbol="SPY", day=DAY, resolution=minute).t) == [
            OPEN_S,
            CLOSE_S - 60,
        ]
        early = cache.day_bars(symbol="SPY", day=EARLY_CLOSE_DAY, resolution=Resolution.SECOND)
        assert list(early.t) == [EARLY_CLOSE_S - 1]

    def test_round_trip_sorts_and_keeps_the_last_bar_of_each_start(
        self, cache: StreamCache
    ) -> None:
        pushed = [
            bar(OPEN_S + 5, 101.0),
            bar(OPEN_S + 1, 102.0),
            bar(OPEN_S + 5, 103.0, n=9, vw=103.02),  # a correction: replaces the first
            bar(OPEN_S + 3, 104.0),
            bar(OPEN_S + 1, 105.0),
        ]
        assert cache.push_many(pushed) == 5

        bars = cache.day_bars(symbol="SPY", day=DAY, resolution=Resolution.SECOND)

        assert (bars.symbol, bars.day, bars.resolution) == ("SPY", DAY, Resolution.SECOND)
        assert list(bars.t) == [OPEN_S + 1, OPEN_S + 3, OPEN_S + 5]
        assert list(bars.o) == [105.0, 104.0, 103.0]
        assert list(bars.h) == [105.05, 104.05, 103.05]
        assert list(bars.l) == [104.95, 103.95, 102.95]
        assert list(bars.c) == [105.01, 104.01, 103.01]
        assert list(bars.v) == [1_000.0] * 3
        assert bars.n is not None and list(bars.n) == [7, 7, 9]
        assert bars.vw is not None and list(bars.vw) == [100.01, 100.01, 103.02]

    def test_n_and_vw_are_present_only_when_every_bar_has_them(self, cache: StreamCache) -> None:
        cache.push_many([bar(OPEN_S, n=None), bar(OPEN_S + 1, vw=None), bar(OPEN_S + 2)])
        cache.push_many(
            [bar(OPEN_S, n=None, vw=None, symbol="QQQ"), bar(OPEN_S + 1, n=None, symbol="QQQ")]
        )

        spy = cache.day_bars(symbol="SPY", day=DAY, resolution=Resolution.SECOND)
        qqq = cache.day_bars(symbol="QQQ", day=DAY, resolution=Resolution.SECOND)

        assert (spy.n, spy.vw) == (None, None)
        assert qqq.n is None and qqq.vw is None
        assert len(spy) == 3 and len(qqq) == 2

    def test_symbols_resolutions_and_days_are_kept_apart(self, cache: StreamCache) -> None:
        cache.push_many(
            [
                bar(OPEN_S),
                bar(OPEN_S + 60, resolution=Resolution.MINUTE),
                bar(OPEN_S + 2, symbol="QQQ"),
                bar(NEXT_OPEN_S + 3),
            ]
        )

        def starts(symbol: str, day: date, resolution: Resolution) -> list[int]:
            return list(cache.day_bars(symbol=symbol, day=day, resolution=resolution).t)

        assert starts("SPY", DAY, Resolution.SECOND) == [OPEN_S]
        assert starts("SPY", DAY, Resolution.MINUTE) == [OPEN_S + 60]
        assert starts("QQQ", DAY, Resolution.SECOND) == [OPEN_S + 2]
        assert starts("SPY", NEXT_DAY, Resolution.SECOND) == [NEXT_OPEN_S + 3]

    def test_nothing_cached_is_an_empty_day(self, cache: StreamCache) -> None:
        bars = cache.day_bars(symbol="SPY", day=DAY, resolution=Resolution.MINUTE)

        assert len(bars) == 0
        assert (bars.symbol, bars.day, bars.resolution) == ("SPY", DAY, Resolution.MINUTE)

    def test_keys_carry_the_namespace_and_expire(
        self, cache: StreamCache, env: ExecEnv, redis_namespace: str
    ) -> None:
        cache.push_many([bar(OPEN_S), bar(OPEN_S, resolution=Resolution.MINUTE)])

        keys = sorted(key.decode() for key in env.redis.scan_iter(match=f"{redis_namespace}:*"))

        assert keys == [
            f"{redis_namespace}:live:stream:SPY:1m:2024-03-05",
            f"{redis_namespace}:live:stream:SPY:1s:2024-03-05",
        ]
        for key in keys:
            assert TTL_S - 5 <= env.redis.ttl(key) <= TTL_S == 3 * 86_400
            assert env.redis.type(key) == b"list"
        assert [len(record) for record in env.redis.lrange(keys[1], 0, -1)] == [RECORD.itemsize]

    def test_clear_day_deletes_every_resolution_of_that_day_only(self, cache: StreamCache) -> None:
        cache.push_many(
            [
                bar(OPEN_S),
                bar(OPEN_S, resolution=Resolution.MINUTE),
                bar(NEXT_OPEN_S),
                bar(OPEN_S, symbol="QQQ"),
            ]
        )

        assert cache.clear_day(symbol="SPY", day=DAY) == 2
        assert cache.clear_day(symbol="SPY", day=DAY) == 0

        assert len(cache.day_bars(symbol="SPY", day=DAY, resolution=Resolution.SECOND)) == 0
        assert len(cache.day_bars(symbol="SPY", day=DAY, resolution=Resolution.MINUTE)) == 0
        assert len(cache.day_bars(symbol="SPY", day=NEXT_DAY, resolution=Resolution.SECOND)) == 1
        assert len(cache.day_bars(symbol="QQQ", day=DAY, resolution=Resolution.SECOND)) == 1

    def test_corrupt_records_fail_loudly(self, cache: StreamCache, env: ExecEnv) -> None:
        key = cache.key(symbol="SPY", day=DAY, resolution=Resolution.SECOND)
        env.redis.rpush(key, b"not a record")

        with pytest.raises(DataError, match="clear the day"):
            cache.day_bars(symbol="SPY", day=DAY, resolution=Resolution.SECOND)

    def test_bad_arguments_are_refused(self, env: ExecEnv) -> None:
        assert StreamCache(env).max_bars == DEFAULT_MAX_BARS == 50_000
        for value in (0, -1, 1.5, True):
            with pytest.raises(ConfigurationError, match="max_bars must be"):
                StreamCache(env, max_bars=value)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="1s or 1m"):
            StreamCache(env).day_bars(symbol="SPY", day=DAY, resolution=Resolution.HOUR)
