"""The program lock against the real Redis: one owner, heartbeat, take-over of crashed owners."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
import redis

from tc2.program.lock import LockOwner, ProgramAlreadyRunning, ProgramLock

pytestmark = pytest.mark.redis

TTL_S = 1.5


@pytest.fixture
def client(redis_url: str) -> Iterator[redis.Redis]:
    connection = redis.Redis.from_url(redis_url)
    yield connection
    connection.close()


@pytest.fixture
def key(redis_namespace: str) -> str:
    return f"{redis_namespace}:live:program:lock"


def write_owner(
    client: redis.Redis, key: str, *, host: str, pid: int, heartbeat_age_s: float, ttl_ms: int
) -> LockOwner:
    now = time.time()
    owner = LockOwner(
        token="someone-else",
        host=host,
        pid=pid,
        started_at=now - 3600,
        heartbeat_at=now - heartbeat_age_s,
    )
    client.set(key, owner.to_json(), px=ttl_ms)
    return owner


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


class ProgramLockTests:
    def test_second_acquire_raises_naming_the_owner(self, client: redis.Redis, key: str) -> None:
        first = ProgramLock(client, key, ttl_s=TTL_S)
        owner = first.acquire()

        with pytest.raises(ProgramAlreadyRunning) as caught:
            ProgramLock(client, key, ttl_s=TTL_S).acquire()

        assert caught.value.owner == owner
        message = str(caught.value)
        assert message.startswith(f"Another TC2Program is running: pid {owner.pid} on ")
        assert socket.gethostname() in message
        assert message.endswith("; stop it first")
        assert first.owner() == owner

    def test_owner_is_stored_as_json(self, client: redis.Redis, key: str) -> None:
        owner = ProgramLock(client, key, ttl_s=TTL_S).acquire()

        raw = client.get(key)

        assert raw is not None
        assert json.loads(raw)["token"] == owner.token
        assert 0 < client.pttl(key) <= TTL_S * 1000

    def test_renew_keeps_the_lock_past_its_expiry(self, client: redis.Redis, key: str) -> None:
        lock = ProgramLock(client, key, ttl_s=TTL_S)
        owner = lock.acquire()
        deadline = time.monotonic() + TTL_S * 2

        while time.monotonic() < deadline:
            assert lock.renew()
            time.sleep(lock.renew_interval_s)

        current = lock.owner()
        assert current is not None
        assert current.token == owner.token
        assert current.heartbeat_at > owner.heartbeat_at
        with pytest.raises(ProgramAlreadyRunning):
            ProgramLock(client, key, ttl_s=TTL_S).acquire()

    def test_release_frees_the_lock(self, client: redis.Redis, key: str) -> None:
        lock = ProgramLock(client, key, ttl_s=TTL_S)
        lock.acquire()

        lock.release()

        assert lock.owner() is None
        assert ProgramLock(client, key, ttl_s=TTL_S).acquire().pid > 0

    def test_stale_lock_from_another_host_is_taken_over_after_expiry(
        self, client: redis.Redis, key: str
    ) -> None:
        stale = write_owner(
            client, key, host="crashed-host", pid=4242, heartbeat_age_s=60, ttl_ms=800
        )
        lock = ProgramLock(client, key, ttl_s=TTL_S)
        started = time.monotonic()

        owner = lock.acquire()

        assert time.monotonic() - started >= 0.3  # it waited for the key to expire
        assert owner.token != stale.token
        assert lock.owner() == owner

    def test_stale_lock_that_does_not_expire_in_time_raises(
        self, client: redis.Redis, key: str
    ) -> None:
        stale = write_owner(
            client, key, host="crashed-host", pid=4242, heartbeat_age_s=60, ttl_ms=60_000
        )

        with pytest.raises(ProgramAlreadyRunning) as caught:
            ProgramLock(client, key, ttl_s=TTL_S).acquire(stale_wait_s=0.3)

        assert caught.value.owner == stale
        assert "pid 4242 on crashed-host" in str(caught.value)

    def test_dead_owner_on_this_host_is_taken_over_at_once(
        self, client: redis.Redis, key: str
    ) -> None:
        write_owner(
            client, key, host=socket.gethostname(), pid=dead_pid(), heartbeat_age_s=0, ttl_ms=60_000
        )
        lock = ProgramLock(client, key, ttl_s=TTL_S)
        started = time.monotonic()

        owner = lock.acquire(stale_wait_s=0)

        assert time.monotonic() - started < 1.0
        assert lock.owner() == owner

    def test_renew_after_someone_else_took_the_lock_returns_false(
        self, client: redis.Redis, key: str
    ) -> None:
        lock = ProgramLock(client, key, ttl_s=TTL_S)
        lock.acquire()
        other = write_owner(client, key, host="other-host", pid=7, heartbeat_age_s=0, ttl_ms=60_000)

        assert lock.renew() is False
        assert lock.owner() == other

    def test_renew_takes_back_a_lock_whose_key_vanished(
        self, client: redis.Redis, key: str
    ) -> None:
        # What a Redis restart that lost the key (or let it expire while down) looks like.
        lock = ProgramLock(client, key, ttl_s=TTL_S)
        owner = lock.acquire()
        client.delete(key)

        assert lock.renew() is True
        held = lock.owner()
        assert held is not None and held.token == owner.token
        assert 0 < client.pttl(key) <= TTL_S * 1000

    def test_release_never_deletes_another_owners_lock(self, client: redis.Redis, key: str) -> None:
        lock = ProgramLock(client, key, ttl_s=TTL_S)
        lock.acquire()
        other = write_owner(client, key, host="other-host", pid=7, heartbeat_age_s=0, ttl_ms=60_000)

        lock.release()

        assert lock.owner() == other

    def test_renew_interval_is_a_third_of_the_expiry(self, client: redis.Redis, key: str) -> None:
        assert ProgramLock(client, key, ttl_s=15.0).renew_interval_s == 5.0


class LockOwnerTests:
    def test_describe_names_pid_host_start_and_heartbeat_age(self) -> None:
        owner = LockOwner(
            token="t", host="host-a", pid=1234, started_at=1_795_262_400.0, heartbeat_at=1000.0
        )

        described = owner.describe(now=1003.0)

        assert described == (
            "pid 1234 on host-a, started 2026-11-21 12:00:00 UTC, last heartbeat 3 s ago"
        )
