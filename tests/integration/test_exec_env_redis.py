"""ExecEnv against a real Redis: key separation, fork, and a spawned child process."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import redis

from tc2.env import EnvType, ExecEnv, MarketCalendar, SimClock

pytestmark = pytest.mark.redis

START = datetime(2026, 11, 20, 14, 30, tzinfo=UTC)
CHILD_TIMEOUT_SECONDS = 60


def make_env(env_type: EnvType, *, redis_url: str, namespace: str) -> ExecEnv:
    return ExecEnv(
        env_type=env_type,
        clock=SimClock(START),
        calendar=MarketCalendar.xnys(),
        redis_url=redis_url,
        namespace=namespace,
    )


def keys_under(client: redis.Redis, prefix: str) -> set[bytes]:
    return set(client.scan_iter(match=f"{prefix}:*"))


def write_from_child(env: ExecEnv) -> None:
    # Runs in the spawned child: proves the env crossed the process boundary and reconnected.
    with env:
        env.redis.set(env.key("from-child"), f"{os.getpid()}|{env.clock.now().isoformat()}")


@pytest.fixture
def simulation_env(redis_url: str, redis_namespace: str) -> Iterator[ExecEnv]:
    with make_env(EnvType.SIMULATION, redis_url=redis_url, namespace=redis_namespace) as env:
        yield env


class TestKeySeparation:
    def test_simulation_and_live_keys_do_not_mix(
        self, simulation_env: ExecEnv, redis_url: str, redis_namespace: str
    ) -> None:
        with make_env(EnvType.LIVE, redis_url=redis_url, namespace=redis_namespace) as live_env:
            live_env.redis.set(live_env.key("cash"), b"live")
            simulation_env.redis.set(simulation_env.key("cash"), b"simulation")

            assert live_env.redis.get(live_env.key("cash")) == b"live"
            assert simulation_env.redis.get(simulation_env.key("cash")) == b"simulation"
            assert keys_under(live_env.redis, live_env.key_prefix) == {
                f"{redis_namespace}:live:cash".encode()
            }
            assert keys_under(live_env.redis, simulation_env.key_prefix) == {
                f"{redis_namespace}:simulation:cash".encode()
            }


class TestFork:
    def test_fork_has_its_own_working_connection(self, simulation_env: ExecEnv) -> None:
        simulation_env.redis.set(simulation_env.key("parent"), b"1")

        with simulation_env.fork() as forked:
            forked.redis.set(forked.key("fork"), b"2")

            assert forked.redis is not simulation_env.redis
            assert forked.redis.connection_pool is not simulation_env.redis.connection_pool
            assert forked.redis.get(forked.key("parent")) == b"1"
            assert simulation_env.redis.get(simulation_env.key("fork")) == b"2"

    def test_spawned_child_writes_a_key_the_parent_reads(self, simulation_env: ExecEnv) -> None:
        child = multiprocessing.get_context("spawn").Process(
            target=write_from_child, args=(simulation_env.fork(),)
        )

        child.start()
        child.join(timeout=CHILD_TIMEOUT_SECONDS)
        if child.is_alive():
            child.kill()
            child.join()
            pytest.fail(f"child process did not finish within {CHILD_TIMEOUT_SECONDS} s")

        assert child.exitcode == 0
        written = simulation_env.redis.get(simulation_env.key("from-child"))
        assert isinstance(written, bytes)  # decode_responses=False
        child_pid, child_time = written.decode().split("|")
        assert int(child_pid) == child.pid != os.getpid()
        assert child_time == START.isoformat()
