"""Analysis model state and grades in real Redis, under the env's keys."""

from __future__ import annotations

from datetime import date

import pytest
import redis

from tc2.analysis.daily_models import VolatilityModel
from tc2.analysis.grades import Grade
from tc2.analysis.model_state import GRADE, STATE, MemoryModelStateStore, RedisModelStateStore
from tc2.env import MarketCalendar
from tc2.env.exec_env import ExecEnv
from tests.unit.analysis.test_daily_models import MONDAY, TUESDAY, minute_day


@pytest.fixture(scope="module")
def calendar() -> MarketCalendar:
    return MarketCalendar.xnys()


class RedisModelStateTests:
    def test_documents_round_trip_under_the_env_prefix(
        self, redis_url: str, redis_namespace: str
    ) -> None:
        env = ExecEnv.live(redis_url, namespace=redis_namespace)
        store = RedisModelStateStore(env)

        store.put(STATE, "VOLATILITY", "XYZ", {"value": 0.01, "day": date(2024, 3, 4).isoformat()})

        assert store.get(STATE, "VOLATILITY", "XYZ") == {"value": 0.01, "day": "2024-03-04"}
        assert store.symbols(STATE, "VOLATILITY") == ["XYZ"]
        key = f"{redis_namespace}:live:analysis:state:VOLATILITY"
        assert redis.Redis.from_url(redis_url).hexists(key, "XYZ")
        assert store.delete(STATE, "VOLATILITY", "XYZ") is True
        assert store.get(STATE, "VOLATILITY", "XYZ") is None

    def test_a_model_fed_through_redis_matches_one_fed_in_memory(
        self, redis_url: str, redis_namespace: str, calendar: MarketCalendar
    ) -> None:
        days = [minute_day(MONDAY, spread=1.0), minute_day(TUESDAY, spread=0.5)]
        in_redis = VolatilityModel(
            store=RedisModelStateStore(ExecEnv.live(redis_url, namespace=redis_namespace)),
            calendar=calendar,
        )
        in_memory = VolatilityModel(store=MemoryModelStateStore(), calendar=calendar)
        for day in days:
            in_redis.feed(day)
            in_memory.feed(day)

        assert in_redis.state("XYZ") == in_memory.state("XYZ")
        assert in_redis.grade("XYZ") == in_memory.grade("XYZ")
        stored = RedisModelStateStore(ExecEnv.live(redis_url, namespace=redis_namespace)).get(
            GRADE, "VOLATILITY", "XYZ"
        )
        assert stored is not None and stored["grade"] == Grade.PASS.value

    def test_namespaces_do_not_see_each_other(
        self, redis_url: str, redis_namespace: str, calendar: MarketCalendar
    ) -> None:
        live = RedisModelStateStore(ExecEnv.live(redis_url, namespace=redis_namespace))
        other = RedisModelStateStore(ExecEnv.live(redis_url, namespace=f"{redis_namespace}:other"))
        live.put(STATE, "DIP_10", "XYZ", {"value": 1})

        assert other.get(STATE, "DIP_10", "XYZ") is None
