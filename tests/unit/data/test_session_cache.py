"""SessionCache reads each session from the store once and keeps within its memory budget."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tc2.data.bars import Resolution
from tc2.data.price_stores import price_store_for
from tc2.data.session_cache import SessionCache
from tc2.data.store import PriceStore
from tc2.env import EnvType, MarketCalendar
from tests.unit.analysis.test_daily_models import minute_day

DAYS = [date(2024, 3, d) for d in (4, 5, 6)]
MINUTE_DAY_BYTES = 390 * 6 * 8  # t, o, h, l, c, v


@pytest.fixture(scope="module")
def calendar() -> MarketCalendar:
    return MarketCalendar.xnys()


class CountingStore:
    """Wraps a store and counts load_day calls."""

    def __init__(self, store: PriceStore) -> None:
        self.store = store
        self.loads = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self.store, name)

    def load_day(self, *args: object, **kwargs: object) -> object:
        self.loads += 1
        return self.store.load_day(*args, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> CountingStore:
    store = price_store_for(EnvType.LIVE, data_dir=tmp_path)
    store.save_days(minute_day(day, price=100.0 + i) for i, day in enumerate(DAYS))
    return CountingStore(store)


class SessionCacheTests:
    def test_a_session_is_read_once(self, store: CountingStore, calendar: MarketCalendar) -> None:
        cache = SessionCache(store, calendar)  # type: ignore[arg-type]

        first = cache.session("XYZ", DAYS[0], Resolution.MINUTE)
        again = cache.session("XYZ", DAYS[0], Resolution.MINUTE)

        assert first is again and store.loads == 1
        assert first is not None and float(first.o[0]) == 100.0

    def test_a_day_not_on_file_is_none_without_a_load(
        self, store: CountingStore, calendar: MarketCalendar
    ) -> None:
        cache = SessionCache(store, calendar)  # type: ignore[arg-type]

        assert cache.session("XYZ", date(2024, 3, 7), Resolution.MINUTE) is None
        assert cache.session("XYZ", DAYS[0], Resolution.SECOND) is None
        assert store.loads == 0

    def test_the_least_recently_used_leave_first(
        self, store: CountingStore, calendar: MarketCalendar
    ) -> None:
        cache = SessionCache(store, calendar, budget_bytes=2 * MINUTE_DAY_BYTES)  # type: ignore[arg-type]
        cache.session("XYZ", DAYS[0], Resolution.MINUTE)
        cache.session("XYZ", DAYS[1], Resolution.MINUTE)
        cache.session("XYZ", DAYS[0], Resolution.MINUTE)  # now the most recent

        cache.session("XYZ", DAYS[2], Resolution.MINUTE)  # over budget: DAYS[1] leaves
        cache.session("XYZ", DAYS[0], Resolution.MINUTE)
        cache.session("XYZ", DAYS[1], Resolution.MINUTE)

        assert store.loads == 4
