"""The program lock: at most one TC2Program runs per deployment (per Redis namespace).

The lock is one Redis key holding the owner as JSON, with an expiry. Its owner renews it every
``renew_interval_s`` (a third of the expiry); a program that crashes stops renewing, so its lock
expires and the next start takes it over. On the same host a dead owner is recognised by its pid
and taken over at once.
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import redis

from tc2.errors import TC2Error

ALREADY_RUNNING_MESSAGE = "Another TC2Program is running: {owner}; stop it first"
BAD_TTL_MESSAGE = "ttl_s must be >= 0.1, was {ttl!r}"
# A heartbeat younger than this share of the expiry means the owner is alive and renewing.
FRESH_SHARE = 2 / 3
POLL_INTERVAL_S = 0.2

# Tokens of locks held by ProgramLock objects of this process: tells our own live holder apart
# from an earlier incarnation that had the same pid.
_TOKENS_HELD_HERE: set[str] = set()

# Replace the value only if it is still exactly the one we read (take-over of a dead owner).
_COMPARE_AND_SET = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
    return 1
end
return 0
"""
# Rewrite the value and expiry only while the stored owner's token is ours, or take the key back
# when it is gone: Redis restarted without it, or it expired while Redis was unreachable; no other
# program holds it then.
_RENEW = """
local value = redis.call('GET', KEYS[1])
if not value then
    redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
    return 1
end
local ok, owner = pcall(cjson.decode, value)
if not ok or type(owner) ~= 'table' or owner['token'] ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
"""
# Delete the key only while the stored owner's token is ours.
_RELEASE = """
local value = redis.call('GET', KEYS[1])
if not value then return 0 end
local ok, owner = pcall(cjson.decode, value)
if not ok or type(owner) ~= 'table' or owner['token'] ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
"""


@dataclass(frozen=True, slots=True, kw_only=True)
class LockOwner:
    """Who holds the program lock.

    Parameters
    ----------
    token
        Random identity of one acquisition; only its holder may renew or release the lock.
    host
        Host name of the owner's machine (its container's, under compose).
    pid
        Process id of the owner on that host.
    started_at
        Epoch seconds the owner acquired the lock.
    heartbeat_at
        Epoch seconds of the owner's last renewal.
    """

    token: str
    host: str
    pid: int
    started_at: float
    heartbeat_at: float

    def describe(self, now: float | None = None) -> str:
        """Return the owner for people to read.

        E.g. ``"pid 1234 on host-a, started 2026-11-21 12:00:00 UTC, last heartbeat 3 s ago"``.

        Parameters
        ----------
        now
            Epoch seconds to measure the heartbeat's age from; None uses the wall clock.
        """
        now = time.time() if now is None else now
        started = datetime.fromtimestamp(self.started_at, UTC).strftime("%Y-%m-%d %H:%M:%S")
        age_s = max(0.0, now - self.heartbeat_at)
        return (
            f"pid {self.pid} on {self.host}, started {started} UTC, "
            f"last heartbeat {age_s:.0f} s ago"
        )

    def to_json(self) -> str:
        """Return the owner as the JSON stored in the lock key."""
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, raw: bytes | str) -> LockOwner | None:
        """Return the owner stored as ``raw``, or None if it is not an owner's JSON."""
        try:
            data: Any = json.loads(raw)
            return cls(
                token=str(data["token"]),
                host=str(data["host"]),
                pid=int(data["pid"]),
                started_at=float(data["started_at"]),
                heartbeat_at=float(data["heartbeat_at"]),
            )
        except (ValueError, TypeError, KeyError):
            return None


class ProgramAlreadyRunning(TC2Error):
    """Another TC2Program holds this deployment's lock; stop it (the message names it) first.

    If it crashed, its lock expires within seconds and the next start takes it over.

    Parameters
    ----------
    owner
        The program holding the lock.
    """

    def __init__(self, owner: LockOwner) -> None:
        super().__init__(ALREADY_RUNNING_MESSAGE.format(owner=owner.describe()))
        self.owner = owner


class ProgramLock:
    """A Redis lock with expiry and heartbeat that admits one program per deployment.

    Parameters
    ----------
    redis
        Client of the deployment's Redis (bytes or decoded responses).
    key
        The lock's key, e.g. ``env.key("program", "lock")``.
    ttl_s
        Expiry of the key; the owner must ``renew`` every ``renew_interval_s`` (``ttl_s / 3``).

    Raises
    ------
    ValueError
        If ``ttl_s`` is below 0.1 s.
    """

    def __init__(self, redis: redis.Redis, key: str, *, ttl_s: float = 15.0) -> None:
        if not ttl_s >= 0.1:
            raise ValueError(BAD_TTL_MESSAGE.format(ttl=ttl_s))
        self._redis = redis
        self.key = key
        self.ttl_s = ttl_s
        self._owner: LockOwner | None = None
        self._compare_and_set = redis.register_script(_COMPARE_AND_SET)
        self._renew = redis.register_script(_RENEW)
        self._release = redis.register_script(_RELEASE)

    @property
    def renew_interval_s(self) -> float:
        """How often the owner should call ``renew``: a third of the expiry."""
        return self.ttl_s / 3

    @property
    def held(self) -> LockOwner | None:
        """The owner record of our acquisition, None if we do not hold the lock."""
        return self._owner

    def acquire(self, *, stale_wait_s: float | None = None) -> LockOwner:
        """Take the lock or raise naming the program that holds it.

        A holder whose heartbeat is fresh (younger than two thirds of the expiry) is running. A
        holder on this host whose pid is gone crashed: its lock is taken over at once. Any other
        holder looks crashed: wait for its key to expire and take it.

        Parameters
        ----------
        stale_wait_s
            Longest wait for a stale lock to expire; None waits up to ``ttl_s``.

        Returns
        -------
        LockOwner
            Our owner record, as stored in the key.

        Raises
        ------
        ProgramAlreadyRunning
            If the holder is alive, or its stale lock did not expire in time.
        redis.RedisError
            If Redis cannot be reached.
        """
        wait_s = self.ttl_s if stale_wait_s is None else stale_wait_s
        deadline = time.monotonic() + wait_s
        token = uuid.uuid4().hex
        started_at = time.time()
        while True:
            mine = self._new_owner(token, started_at)
            if self._redis.set(self.key, mine.to_json(), nx=True, px=self._ttl_ms):
                return self._took(mine)
            raw = self._redis.get(self.key)
            if raw is None:
                continue  # expired between our SET and GET
            holder = LockOwner.from_json(raw) or _unknown_owner()
            if _crashed_here(holder) and self._take_over(raw, mine):
                return self._took(mine)
            if self._is_fresh(holder) or time.monotonic() >= deadline:
                raise ProgramAlreadyRunning(holder)
            time.sleep(max(0.0, min(POLL_INTERVAL_S, deadline - time.monotonic())))

    def renew(self) -> bool:
        """Rewrite our heartbeat and reset the expiry.

        Returns
        -------
        bool
            False if we do not hold the lock (never acquired, released, or taken over after we
            failed to renew in time): the caller must stop. A lock key that vanished (Redis
            restarted without it, or it expired while Redis was away) is taken back: True.

        Raises
        ------
        redis.RedisError
            If Redis cannot be reached (the lock may still be ours; retry before the expiry).
        """
        if self._owner is None:
            return False
        renewed = LockOwner(
            token=self._owner.token,
            host=self._owner.host,
            pid=self._owner.pid,
            started_at=self._owner.started_at,
            heartbeat_at=time.time(),
        )
        if self._renew(keys=[self.key], args=[renewed.token, renewed.to_json(), self._ttl_ms]):
            self._owner = renewed
            return True
        self._forget()
        return False

    def release(self) -> None:
        """Delete the lock if it is still ours; another owner's lock is never touched.

        Raises
        ------
        redis.RedisError
            If Redis cannot be reached (the lock then expires on its own).
        """
        if self._owner is None:
            return
        token = self._owner.token
        self._forget()
        self._release(keys=[self.key], args=[token])

    def owner(self) -> LockOwner | None:
        """Return the current holder, None if the lock is free (or holds something unreadable).

        Raises
        ------
        redis.RedisError
            If Redis cannot be reached.
        """
        raw = self._redis.get(self.key)
        return None if raw is None else LockOwner.from_json(raw)

    @property
    def _ttl_ms(self) -> int:
        return max(1, round(self.ttl_s * 1000))

    def _new_owner(self, token: str, started_at: float) -> LockOwner:
        return LockOwner(
            token=token,
            host=socket.gethostname(),
            pid=os.getpid(),
            started_at=started_at,
            heartbeat_at=time.time(),
        )

    def _took(self, owner: LockOwner) -> LockOwner:
        self._owner = owner
        _TOKENS_HELD_HERE.add(owner.token)
        return owner

    def _forget(self) -> None:
        if self._owner is not None:
            _TOKENS_HELD_HERE.discard(self._owner.token)
            self._owner = None

    def _is_fresh(self, holder: LockOwner) -> bool:
        return time.time() - holder.heartbeat_at < self.ttl_s * FRESH_SHARE

    def _take_over(self, expected: bytes | str, mine: LockOwner) -> bool:
        return bool(
            self._compare_and_set(keys=[self.key], args=[expected, mine.to_json(), self._ttl_ms])
        )


def _unknown_owner() -> LockOwner:
    # An unreadable value: treat it as a stale holder, which is waited out until it expires.
    return LockOwner(token="", host="unknown host", pid=0, started_at=0.0, heartbeat_at=0.0)


def _crashed_here(holder: LockOwner) -> bool:
    # Only pids on this host can be checked. Our own pid with a token we do not hold is an earlier
    # incarnation: a restarted container runs the program under the same pid.
    if holder.host != socket.gethostname() or holder.pid <= 0:
        return False
    if holder.pid == os.getpid():
        return holder.token not in _TOKENS_HELD_HERE
    return not _pid_alive(holder.pid)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by another user
    return True
