"""The execution environment: what kind of run this is, its clock, calendar and Redis keys.

One ``ExecEnv`` is handed down through the engine instead of globals, so a simulation and live
trading can run side by side in one process without sharing time or state.
"""

from __future__ import annotations

from typing import Any, Self
from urllib.parse import urlsplit

import redis

from tc2.env.clock import Clock, LiveClock, SimClock
from tc2.env.env_type import EnvType
from tc2.env.market_calendar import MarketCalendar
from tc2.env.redis_client import redis_client
from tc2.errors import ConfigurationError

REDIS_SCHEMES = ("redis", "rediss", "unix")
# First segment of every key a deployment uses; tests pass their own.
DEFAULT_NAMESPACE = "tc2"
BAD_REDIS_URL_MESSAGE = (
    "redis_url must be a redis://, rediss:// or unix:// URL, had scheme {scheme!r}"
)
BAD_NAMESPACE_MESSAGE = (
    "namespace must be non-empty without whitespace or glob characters (*?[]\\), was {namespace!r}"
)
NO_REDIS_MESSAGE = (
    "this {env_type} environment has no Redis (created without redis_url); "
    "give it one to keep state in Redis"
)
EMPTY_KEY_PART_MESSAGE = "every key part must be a non-empty string, was {parts!r}"
# Glob characters would make a cleanup ``SCAN MATCH namespace:*`` reach other namespaces' keys.
_FORBIDDEN_NAMESPACE_CHARACTERS = frozenset("*?[]\\")


class ExecEnv:
    """What kind of run this is, the time it sees, the exchange calendar and its Redis keys.

    Every Redis key the env uses is ``"{namespace}:{env_type}:{part}:..."`` (see ``key``), so
    simulation and live state can share one Redis without touching each other. The Redis client
    is created on first use and never pickled; give each new thread or process its own
    ``fork()``.

    Parameters
    ----------
    env_type
        What this environment is for.
    clock
        Where this environment gets the time.
    calendar
        The exchange calendar, usually ``MarketCalendar.xnys()``.
    redis_url
        ``redis://``, ``rediss://`` or ``unix://`` URL, e.g. ``RuntimeConfig.effective_redis_url``;
        None for an env that keeps no state in Redis (a simulation replaying bars in memory).
    namespace
        First segment of every key; tests pass a unique one.

    Raises
    ------
    ConfigurationError
        If ``redis_url`` has another scheme or ``namespace`` is empty or holds whitespace or glob
        characters.
    """

    # Later issues hang the price store, the broker and the model store on this object.

    def __init__(
        self,
        *,
        env_type: EnvType,
        clock: Clock,
        calendar: MarketCalendar,
        redis_url: str | None = None,
        namespace: str = DEFAULT_NAMESPACE,
    ) -> None:
        if redis_url is not None:
            _validate_redis_url(redis_url)
        _validate_namespace(namespace)
        self.env_type = env_type
        self.clock = clock
        self.calendar = calendar
        self.namespace = namespace
        self._redis_url = redis_url
        self._redis: redis.Redis | None = None

    @classmethod
    def live(cls, redis_url: str, *, namespace: str = DEFAULT_NAMESPACE) -> ExecEnv:
        """Return a live environment on the wall clock and the process-wide XNYS calendar.

        Raises
        ------
        ConfigurationError
            As the constructor.
        """
        return cls(
            env_type=EnvType.LIVE,
            clock=LiveClock(),
            calendar=MarketCalendar.xnys(),
            redis_url=redis_url,
            namespace=namespace,
        )

    @property
    def redis_url(self) -> str | None:
        """The URL the Redis client connects to; None when this env has no Redis."""
        return self._redis_url

    @property
    def key_prefix(self) -> str:
        """``"{namespace}:{env_type}"``, the prefix of every key this env uses."""
        return f"{self.namespace}:{self.env_type.value}"

    @property
    def redis(self) -> redis.Redis:
        """Return this env's Redis client (bytes in, bytes out), creating it on first use.

        Creating the client does not connect; the first command does. Not for sharing across
        threads or processes: ``fork()`` the env instead.

        Raises
        ------
        ConfigurationError
            If the env was created without ``redis_url``.
        """
        if self._redis_url is None:
            raise ConfigurationError(NO_REDIS_MESSAGE.format(env_type=self.env_type.value))
        if self._redis is None:
            self._redis = redis_client(self._redis_url)
        return self._redis

    def key(self, *parts: str) -> str:
        """Return the Redis key ``"{namespace}:{env_type}:{part}:{part}..."``.

        Raises
        ------
        ValueError
            If no part is given or a part is empty.
        """
        return redis_key(self.namespace, self.env_type, *parts)

    def fork(self) -> ExecEnv:
        """Return a copy for a new thread or process: own Redis client, own copy of a SimClock.

        The type, URL, namespace and calendar are shared; a ``SimClock`` is copied so the fork
        moves independently, while any other clock (the wall clock) is shared.
        """
        clock = self.clock.copy() if isinstance(self.clock, SimClock) else self.clock
        return ExecEnv(
            env_type=self.env_type,
            clock=clock,
            calendar=self.calendar,
            redis_url=self._redis_url,
            namespace=self.namespace,
        )

    def close(self) -> None:
        """Close the Redis client if one was created; a later use of ``redis`` reconnects."""
        if self._redis is not None:
            self._redis.close()
            self._redis = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __getstate__(self) -> dict[str, Any]:
        # A live socket cannot cross a process boundary; the receiver reconnects lazily.
        state = self.__dict__.copy()
        state["_redis"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def __repr__(self) -> str:
        # The URL is left out because it may carry a password.
        return (
            f"ExecEnv(env_type={self.env_type.value}, namespace={self.namespace!r}, "
            f"clock={self.clock!r})"
        )


def _validate_redis_url(redis_url: str) -> None:
    scheme = urlsplit(redis_url).scheme
    if scheme not in REDIS_SCHEMES:
        # Only the scheme goes in the message: the rest of the URL may hold a password.
        raise ConfigurationError(BAD_REDIS_URL_MESSAGE.format(scheme=scheme))


def _validate_namespace(namespace: str) -> None:
    if (
        not namespace
        or any(character.isspace() for character in namespace)
        or not _FORBIDDEN_NAMESPACE_CHARACTERS.isdisjoint(namespace)
    ):
        raise ConfigurationError(BAD_NAMESPACE_MESSAGE.format(namespace=namespace))


def redis_key(namespace: str, env_type: EnvType, *parts: str) -> str:
    """Return ``"{namespace}:{env_type}:{part}:..."``, the one layout of every TC2 Redis key.

    For code that needs a key without a whole ``ExecEnv`` (the web layer reading the program's
    status, for instance).

    Raises
    ------
    ValueError
        If no part is given or a part is empty.
    """
    if not parts or not all(parts):
        raise ValueError(EMPTY_KEY_PART_MESSAGE.format(parts=parts))
    return ":".join((namespace, env_type.value, *parts))
