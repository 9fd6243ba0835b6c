"""The replay market's clock: a stored session replayed as if it were now, shared through Redis.

The replay market (the embedded default when no provider keys are set) plays a stored session
back through the bar stream (``tc2.data.providers.replay_stream``). Its time is LIVE-like:

    virtual now = start_t + (wall now - wall_anchor) x speed

from the session point ``start_t`` (the open, or ``TC2_REPLAY_FROM``) at ``speed`` virtual
seconds per wall second (``TC2_REPLAY_SPEED``, default 60). At maximum speed (``speed`` None,
``TC2_REPLAY_SPEED=max``) no wall time is involved: the publisher moves the clock itself
(``publish``) once it has published every bar ending by then.

The state (session day, start point, speed, wall anchor, the publisher's time, how many sessions
this replay has played) lives in one Redis hash under the ``replay`` env type
(``<namespace>:replay:clock``), apart from every live key, so every process of the program
computes the same now. ``ReplayClock`` is a ``Clock``: an ``ExecEnv`` of type ``REPLAY`` on it
gives the traders their time.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Self

import redis

from tc2.env.clock import Clock, LiveClock
from tc2.env.env_type import EnvType
from tc2.env.exec_env import DEFAULT_NAMESPACE, ExecEnv
from tc2.env.market_calendar import MarketCalendar
from tc2.errors import ClockError, ConfigurationError

REPLAY_DAY_VARIABLE = "TC2_REPLAY_DAY"
"""The first session replayed (YYYY-MM-DD); default the latest stored session."""
REPLAY_FROM_VARIABLE = "TC2_REPLAY_FROM"
"""Where the first session starts, HH:MM New York; default its open."""
REPLAY_SPEED_VARIABLE = "TC2_REPLAY_SPEED"
"""Virtual seconds per wall second (default 60), or ``max``: as fast as the machine goes."""
DEFAULT_REPLAY_SPEED = 60.0
MAX_SPEED = "max"
CLOCK_KEY_PART = "clock"

NOT_STARTED_MESSAGE = "the replay market has not started (no replay clock in Redis at {key})"
NOT_REPLAY_ENV_MESSAGE = "a replay clock lives in a {expected} environment, was {env_type}"
BAD_DAY_MESSAGE = "{variable} must be a date YYYY-MM-DD, was {value!r}"
BAD_FROM_MESSAGE = "{variable} must be a New York time HH:MM, was {value!r}"
BAD_SPEED_MESSAGE = "{variable} must be a number > 0 or 'max', was {value!r}"


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplaySettings:
    """Which session the replay market plays, from when, how fast (declared once, here).

    Parameters
    ----------
    day
        The first session; None: the latest stored session of the universe.
    start
        New York time the first session starts at; None: its open. Later sessions of the loop
        start at their open.
    speed
        Virtual seconds per wall second; None: maximum speed.
    """

    day: date | None = None
    start: time | None = None
    speed: float | None = DEFAULT_REPLAY_SPEED

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Self:
        """Read ``TC2_REPLAY_DAY``, ``TC2_REPLAY_FROM`` and ``TC2_REPLAY_SPEED`` (blank: default).

        Raises
        ------
        ConfigurationError
            If a value cannot be read; the message names the variable.
        """
        day_text = environ.get(REPLAY_DAY_VARIABLE, "").strip()
        from_text = environ.get(REPLAY_FROM_VARIABLE, "").strip()
        speed_text = environ.get(REPLAY_SPEED_VARIABLE, "").strip().lower()
        try:
            day = date.fromisoformat(day_text) if day_text else None
        except ValueError:
            raise ConfigurationError(
                BAD_DAY_MESSAGE.format(variable=REPLAY_DAY_VARIABLE, value=day_text)
            ) from None
        try:
            start = time.fromisoformat(from_text) if from_text else None
        except ValueError:
            raise ConfigurationError(
                BAD_FROM_MESSAGE.format(variable=REPLAY_FROM_VARIABLE, value=from_text)
            ) from None
        speed: float | None = DEFAULT_REPLAY_SPEED
        if speed_text == MAX_SPEED:
            speed = None
        elif speed_text:
            try:
                speed = float(speed_text)
            except ValueError:
                speed = math.nan
            if not (math.isfinite(speed) and speed > 0):
                raise ConfigurationError(
                    BAD_SPEED_MESSAGE.format(variable=REPLAY_SPEED_VARIABLE, value=speed_text)
                )
        return cls(day=day, start=start, speed=speed)

    @property
    def signature(self) -> str:
        """What identifies these settings in the clock's state (a change restarts the replay)."""
        speed = MAX_SPEED if self.speed is None else repr(self.speed)
        return f"{self.day or 'latest'}|{self.start or 'open'}|{speed}"


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplayState:
    """Where the replay stands: everything a process needs to compute the replay's now."""

    day: date  # the session being replayed
    start_t: int  # virtual epoch s where this session's replay started
    close_t: int  # the session's close, epoch s
    speed: float | None  # virtual s per wall s; None: maximum speed
    wall_anchor: float  # wall epoch s when the virtual time was start_t
    now_t: int  # maximum speed: the publisher's latest time (start_t until it publishes)
    session: int  # 1 for the first session this replay played, then 2, 3...
    signature: str  # the ReplaySettings that began the replay

    def virtual_t(self, wall_t: float) -> int:
        """The virtual time (epoch s) at wall time ``wall_t``."""
        if self.speed is None:
            return self.now_t
        return self.start_t + math.floor((wall_t - self.wall_anchor) * self.speed)

    def wall_t(self, virtual_t: int) -> float:
        """The wall time at which the replay reaches ``virtual_t`` (with a speed)."""
        if self.speed is None:
            return -math.inf if virtual_t <= self.now_t else math.inf
        return self.wall_anchor + (virtual_t - self.start_t) / self.speed

    def to_fields(self) -> dict[str, str]:
        return {
            "day": self.day.isoformat(),
            "start_t": str(self.start_t),
            "close_t": str(self.close_t),
            "speed": MAX_SPEED if self.speed is None else repr(self.speed),
            "wall_anchor": repr(self.wall_anchor),
            "now_t": str(self.now_t),
            "session": str(self.session),
            "signature": self.signature,
        }

    @classmethod
    def from_fields(cls, fields: Mapping[bytes, bytes]) -> ReplayState:
        text = {key.decode(): value.decode() for key, value in fields.items()}
        speed = text["speed"]
        return cls(
            day=date.fromisoformat(text["day"]),
            start_t=int(text["start_t"]),
            close_t=int(text["close_t"]),
            speed=None if speed == MAX_SPEED else float(speed),
            wall_anchor=float(text["wall_anchor"]),
            now_t=int(text["now_t"]),
            session=int(text["session"]),
            signature=text["signature"],
        )


class ReplayClock(Clock):
    """The replay market's now, computed from the state in Redis the same way in every process.

    Parameters
    ----------
    env
        An ``ExecEnv`` of type ``REPLAY`` (its Redis and namespace hold the state).
    wall
        The wall clock (``LiveClock``); tests pass a settable one.
    refresh_s
        How long (wall seconds) a state read from Redis is reused before reading it again; 0
        reads it at every ``now``.

    Raises
    ------
    ConfigurationError
        If ``env`` is not a replay environment.
    """

    def __init__(self, env: ExecEnv, *, wall: Clock | None = None, refresh_s: float = 0.5) -> None:
        if env.env_type is not EnvType.REPLAY:
            raise ConfigurationError(
                NOT_REPLAY_ENV_MESSAGE.format(
                    expected=EnvType.REPLAY.value, env_type=env.env_type.value
                )
            )
        self._redis: redis.Redis = env.redis
        self.key = env.key(CLOCK_KEY_PART)
        self.wall = wall if wall is not None else LiveClock()
        self._refresh_s = refresh_s
        self._cached: ReplayState | None = None
        self._read_at = -math.inf

    def state(self, *, fresh: bool = True) -> ReplayState | None:
        """The replay's state; None before the replay market started. ``fresh=False`` may
        reuse one read less than ``refresh_s`` ago."""
        wall_t = self.wall.timestamp()
        if fresh or self._cached is None or wall_t - self._read_at >= self._refresh_s:
            fields = self._redis.hgetall(self.key)
            self._cached = ReplayState.from_fields(fields) if fields else None  # type: ignore[arg-type]
            self._read_at = wall_t
        return self._cached

    def now_t(self) -> int:
        """The replay's virtual time, epoch seconds.

        Raises
        ------
        ClockError
            If the replay market has not started.
        """
        state = self.state(fresh=False)
        if state is None:
            raise ClockError(NOT_STARTED_MESSAGE.format(key=self.key))
        return state.virtual_t(self.wall.timestamp())

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.now_t(), UTC)

    def begin(
        self,
        *,
        day: date,
        start_t: int,
        close_t: int,
        speed: float | None,
        session: int,
        signature: str,
    ) -> ReplayState:
        """Start replaying ``day`` from ``start_t`` now (the publisher's side); return the state."""
        state = ReplayState(
            day=day,
            start_t=start_t,
            close_t=close_t,
            speed=speed,
            wall_anchor=self.wall.timestamp(),
            now_t=start_t,
            session=session,
            signature=signature,
        )
        self._redis.hset(self.key, mapping=state.to_fields())  # type: ignore[arg-type]
        self._cached = state
        self._read_at = self.wall.timestamp()
        return state

    def publish(self, t: int) -> None:
        """At maximum speed: every bar ending by ``t`` is out; move the shared now to ``t``."""
        self._redis.hset(self.key, "now_t", str(t))
        if self._cached is not None:
            self._cached = dataclasses.replace(self._cached, now_t=t)

    def __repr__(self) -> str:
        return f"ReplayClock(key={self.key!r})"


def replay_exec_env(
    redis_url: str, *, namespace: str = DEFAULT_NAMESPACE, refresh_s: float = 0.5
) -> ExecEnv:
    """An ``ExecEnv`` of the replay market: type ``REPLAY``, its clock the ``ReplayClock``.

    What a trader on the replay market runs under: its now is the replay's, its Redis keys
    (the stream cache of the replayed bars among them) are ``<namespace>:replay:...``.

    Raises
    ------
    ConfigurationError
        As ``ExecEnv``.
    """
    calendar = MarketCalendar.xnys()
    keys = ExecEnv(
        env_type=EnvType.REPLAY,
        clock=LiveClock(),
        calendar=calendar,
        redis_url=redis_url,
        namespace=namespace,
    )
    return ExecEnv(
        env_type=EnvType.REPLAY,
        clock=ReplayClock(keys, refresh_s=refresh_s),
        calendar=calendar,
        redis_url=redis_url,
        namespace=namespace,
    )
