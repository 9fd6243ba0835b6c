"""Where the engine gets the time: a wall clock for live trading, a settable clock for simulation.

Everything is timezone-aware UTC. ``LiveClock`` is the only code in ``tc2`` that reads real time;
all other code asks the environment's clock, so a simulation cannot see the future by accident.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from datetime import UTC, datetime, timedelta

from tc2.errors import ClockError

NAIVE_DATETIME_MESSAGE = (
    "{name} must be a timezone-aware datetime (TC2 uses UTC), was naive {value}"
)
BACKWARD_SET_MESSAGE = "SimClock cannot move backward: it is at {current}, was set to {requested}"
BACKWARD_ADVANCE_MESSAGE = (
    "SimClock cannot move backward: it is at {current}, advance({seconds}) would move it to "
    "{requested}"
)
NON_FINITE_ADVANCE_MESSAGE = "SimClock.advance seconds must be finite, was {seconds}"


def as_utc(value: datetime, *, name: str = "t") -> datetime:
    """Return ``value`` converted to UTC, refusing naive datetimes.

    Parameters
    ----------
    value
        A timezone-aware datetime in any zone.
    name
        What the caller calls ``value``; used in the error message.

    Returns
    -------
    datetime
        The same instant with ``tzinfo=UTC``.

    Raises
    ------
    ClockError
        If ``value`` is naive: its instant is unknowable, so guessing a zone would hide a bug.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ClockError(NAIVE_DATETIME_MESSAGE.format(name=name, value=value.isoformat()))
    return value.astimezone(UTC)


class Clock(ABC):
    """The current time as the engine may see it."""

    @abstractmethod
    def now(self) -> datetime:
        """Return the current time as a timezone-aware UTC datetime."""

    def timestamp(self) -> float:
        """Return the current time as seconds since the Unix epoch."""
        return self.now().timestamp()


class LiveClock(Clock):
    """The wall clock; the only place in ``tc2`` that reads real time."""

    def now(self) -> datetime:
        """Return the wall-clock time as a timezone-aware UTC datetime."""
        return datetime.now(UTC)

    def __repr__(self) -> str:
        return "LiveClock()"


class SimClock(Clock):
    """A clock that only moves when told to, and never backward.

    Parameters
    ----------
    start
        The initial time; timezone-aware (converted to UTC).

    Raises
    ------
    ClockError
        If ``start`` is naive.
    """

    def __init__(self, start: datetime) -> None:
        self._now = as_utc(start, name="start")

    def now(self) -> datetime:
        """Return the simulated time as a timezone-aware UTC datetime."""
        return self._now

    def set(self, t: datetime) -> None:
        """Move the clock to ``t``; setting the current time again is allowed.

        Raises
        ------
        ClockError
            If ``t`` is naive or earlier than the current time.
        """
        requested = as_utc(t)
        if requested < self._now:
            raise ClockError(
                BACKWARD_SET_MESSAGE.format(
                    current=self._now.isoformat(), requested=requested.isoformat()
                )
            )
        self._now = requested

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds`` (zero is allowed).

        Raises
        ------
        ClockError
            If ``seconds`` is negative, NaN or infinite.
        """
        if not math.isfinite(seconds):
            raise ClockError(NON_FINITE_ADVANCE_MESSAGE.format(seconds=seconds))
        requested = self._now + timedelta(seconds=seconds)
        if seconds < 0:
            raise ClockError(
                BACKWARD_ADVANCE_MESSAGE.format(
                    current=self._now.isoformat(), seconds=seconds, requested=requested.isoformat()
                )
            )
        self._now = requested

    def copy(self) -> SimClock:
        """Return an independent clock at the same time; moving one does not move the other."""
        return SimClock(self._now)

    def __repr__(self) -> str:
        return f"SimClock({self._now.isoformat()})"


class EpochClock(Clock):
    """A simulation clock kept as epoch seconds, cheap enough to move on every simulated event.

    ``t`` is the time; ``now()`` builds the datetime only when someone asks. Like ``SimClock`` it
    never moves backward.

    Parameters
    ----------
    t
        The initial time, epoch seconds UTC.
    """

    __slots__ = ("t",)

    def __init__(self, t: int) -> None:
        self.t = t

    def now(self) -> datetime:
        """Return the simulated time as a timezone-aware UTC datetime."""
        return datetime.fromtimestamp(self.t, UTC)

    def timestamp(self) -> float:
        return float(self.t)

    def set(self, t: int) -> None:
        """Move the clock to ``t`` (epoch seconds).

        Raises
        ------
        ClockError
            If ``t`` is earlier than the current time.
        """
        if t < self.t:
            raise ClockError(
                BACKWARD_SET_MESSAGE.format(
                    current=self.now().isoformat(),
                    requested=datetime.fromtimestamp(t, UTC).isoformat(),
                )
            )
        self.t = t

    def __repr__(self) -> str:
        return f"EpochClock({self.now().isoformat()})"
