"""ExecEnv keys, fork and pickling; nothing here talks to Redis."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime

import pytest
import redis

from tc2.env import EnvType, ExecEnv, LiveClock, MarketCalendar, SimClock
from tc2.errors import ConfigurationError

# Port 1 is never a Redis: creating a client does not connect, so these tests need no service.
UNUSED_URL = "redis://127.0.0.1:1/0"
START = datetime(2026, 11, 20, 14, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def calendar() -> MarketCalendar:
    return MarketCalendar.xnys()


def sim_env(calendar: MarketCalendar, *, namespace: str = "tc2") -> ExecEnv:
    return ExecEnv(
        env_type=EnvType.SIMULATION,
        clock=SimClock(START),
        calendar=calendar,
        redis_url=UNUSED_URL,
        namespace=namespace,
    )


class TestEnvType:
    def test_values_are_the_key_segments(self) -> None:
        assert [member.value for member in EnvType] == [
            "live",
            "replay",
            "simulation",
            "optimization",
            "health_checking",
            "visual_generation",
        ]
        assert str(EnvType.HEALTH_CHECKING) == "health_checking"


class TestKeys:
    def test_key_is_namespace_env_type_and_parts(self, calendar: MarketCalendar) -> None:
        env = sim_env(calendar)

        assert env.key("bars", "AAPL") == "tc2:simulation:bars:AAPL"
        assert env.key_prefix == "tc2:simulation"

    def test_env_types_get_different_keys(self, calendar: MarketCalendar) -> None:
        live = ExecEnv.live(UNUSED_URL, namespace="ns")
        simulation = sim_env(calendar, namespace="ns")

        assert live.key("cash") == "ns:live:cash"
        assert simulation.key("cash") == "ns:simulation:cash"

    @pytest.mark.parametrize("parts", [(), ("",), ("bars", "")])
    def test_missing_or_empty_parts_are_rejected(
        self, calendar: MarketCalendar, parts: tuple[str, ...]
    ) -> None:
        env = sim_env(calendar)

        with pytest.raises(ValueError, match="non-empty"):
            env.key(*parts)


class TestConstruction:
    def test_live_uses_the_wall_clock_and_process_calendar(self, calendar: MarketCalendar) -> None:
        env = ExecEnv.live(UNUSED_URL)

        assert env.env_type is EnvType.LIVE
        assert isinstance(env.clock, LiveClock)
        assert env.calendar is calendar
        assert env.namespace == "tc2"

    @pytest.mark.parametrize("url", ["", "http://127.0.0.1:6379", "127.0.0.1:6379"])
    def test_non_redis_urls_are_rejected(self, calendar: MarketCalendar, url: str) -> None:
        with pytest.raises(ConfigurationError, match="redis_url"):
            ExecEnv(env_type=EnvType.LIVE, clock=LiveClock(), calendar=calendar, redis_url=url)

    def test_url_password_stays_out_of_the_error(self) -> None:
        with pytest.raises(ConfigurationError) as raised:
            ExecEnv.live("http://user:hunter2@example.com")

        assert "hunter2" not in str(raised.value)

    @pytest.mark.parametrize("namespace", ["", "tc2 test", "tc2*", "a?b", "[x]"])
    def test_bad_namespaces_are_rejected(self, calendar: MarketCalendar, namespace: str) -> None:
        with pytest.raises(ConfigurationError, match="namespace"):
            sim_env(calendar, namespace=namespace)

    def test_namespace_may_contain_colons(self, calendar: MarketCalendar) -> None:
        env = sim_env(calendar, namespace="tc2test:abc123")

        assert env.key("x") == "tc2test:abc123:simulation:x"

    def test_repr_leaves_out_the_url(self) -> None:
        env = ExecEnv.live("redis://:hunter2@127.0.0.1:1/0")

        assert "hunter2" not in repr(env)


class TestRedisClient:
    def test_client_is_created_lazily_once(self, calendar: MarketCalendar) -> None:
        env = sim_env(calendar)

        client = env.redis

        assert isinstance(client, redis.Redis)
        assert env.redis is client

    def test_an_env_without_redis_refuses_redis_use(self, calendar: MarketCalendar) -> None:
        env = ExecEnv(
            env_type=EnvType.SIMULATION,
            clock=SimClock(datetime(2026, 3, 4, tzinfo=UTC)),
            calendar=calendar,
        )

        assert env.redis_url is None
        assert env.key("orders") == "tc2:simulation:orders"  # keys still make sense
        with pytest.raises(ConfigurationError, match="this simulation environment has no Redis"):
            _ = env.redis

    def test_close_drops_the_client_and_later_use_recreates_it(
        self, calendar: MarketCalendar
    ) -> None:
        env = sim_env(calendar)
        first = env.redis

        env.close()
        env.close()  # closing twice is harmless

        assert env.redis is not first

    def test_context_manager_closes(self, calendar: MarketCalendar) -> None:
        with sim_env(calendar) as env:
            first = env.redis

        assert env.redis is not first


class TestFork:
    def test_fork_keeps_type_url_namespace_and_calendar(self, calendar: MarketCalendar) -> None:
        env = sim_env(calendar, namespace="ns")

        forked = env.fork()

        assert forked is not env
        assert forked.env_type is env.env_type
        assert forked.redis_url == env.redis_url
        assert forked.key("x") == env.key("x")
        assert forked.calendar is env.calendar

    def test_fork_gets_its_own_client(self, calendar: MarketCalendar) -> None:
        env = sim_env(calendar)
        client = env.redis

        forked = env.fork()

        assert forked.redis is not client

    def test_fork_copies_a_sim_clock(self, calendar: MarketCalendar) -> None:
        env = sim_env(calendar)

        forked = env.fork()
        assert isinstance(forked.clock, SimClock)
        forked.clock.advance(60)

        assert forked.clock is not env.clock
        assert env.clock.now() == START
        assert forked.clock.now() != START

    def test_fork_shares_the_live_clock(self) -> None:
        env = ExecEnv.live(UNUSED_URL)

        assert env.fork().clock is env.clock


class TestPickling:
    def test_round_trip_without_the_client(self, calendar: MarketCalendar) -> None:
        env = sim_env(calendar, namespace="ns")
        client = env.redis  # a created client must not stop pickling

        restored = pickle.loads(pickle.dumps(env))

        assert restored.key("x") == "ns:simulation:x"
        assert restored.env_type is EnvType.SIMULATION
        assert restored.clock.now() == START
        assert restored.calendar.session_open(START.date()) == START
        assert restored.redis is not client
        assert env.redis is client
