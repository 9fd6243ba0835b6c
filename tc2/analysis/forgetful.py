"""Forgetful models: one number learned per trading day, kept as a rolling average.

Each trading day gives a value (``day_value``); the model keeps
``new = old x (1 - w) + value x w`` with ``w = 0.2`` (TC2's "30-day weight"), so old days fade.
The state lives in a ``ModelStateStore`` per symbol, and the rules for feeding it are TC2's,
with its bugs fixed:

- no state yet: start training at this day;
- a gap (the last day trained is before the previous session): start again, the rolling value
  assumes consecutive sessions;
- a day already trained on complete data (or an earlier one): skipped, so feeding is idempotent;
- a day trained before on partial data (``stable=False``, e.g. from the stream) is first undone
  by reverting to the snapshot taken after the last complete day.

A snapshot is taken after every complete day; ``revert_to_snapshot`` restores it exactly.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, ClassVar

from tc2.analysis.grades import Grade, ModelGrade, failed
from tc2.analysis.model_state import GRADE, STATE, ModelStateStore
from tc2.data.bars import SymbolDay
from tc2.env.market_calendar import MarketCalendar

ROLLING_WEIGHT = 0.2
NOT_TRAINED_MESSAGE = "not trained yet for {symbol}"
NO_VALUE_MESSAGE = "no day of {symbol} gave a value yet (trained {start} to {last})"


class Feeding(StrEnum):
    CONTINUED = "continued"
    STARTED = "started"  # no state, or a gap: training starts again at this day
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class FeedOutcome:
    """What feeding a day did, and why (for the feeder's log)."""

    model: str
    symbol: str
    day: date
    feeding: Feeding
    reason: str = ""


@dataclass(frozen=True, slots=True)
class RollingState:
    """A forgetful model's state for one symbol."""

    value: float | None  # None until a day gave a value
    days: int  # days that gave a value since ``start``
    start: date  # first day of this continuous training
    last: date  # last day fed
    stable: bool  # whether ``last`` was fed complete

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "days": self.days,
            "start": self.start.isoformat(),
            "last": self.last.isoformat(),
            "stable": self.stable,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RollingState:
        return cls(
            value=data["value"],
            days=int(data["days"]),
            start=date.fromisoformat(data["start"]),
            last=date.fromisoformat(data["last"]),
            stable=bool(data["stable"]),
        )


class ForgetfulModel(ABC):
    """A model that learns a rolling average of one value per trading day.

    Parameters
    ----------
    store
        Where the state and grades are kept (Redis for live envs, memory for simulations).
    calendar
        The market calendar, to tell consecutive sessions from gaps.
    """

    name: ClassVar[str]
    weight: ClassVar[float] = ROLLING_WEIGHT

    def __init__(self, *, store: ModelStateStore, calendar: MarketCalendar) -> None:
        self.store = store
        self.calendar = calendar

    @abstractmethod
    def day_value(self, bars: SymbolDay) -> float | None:
        """The value one day's regular-hours bars give; None when the day says nothing."""

    @abstractmethod
    def grade_value(self, value: float) -> tuple[Grade, str]:
        """The grade of a learned value, and why."""

    # Feeding.

    def feed(self, bars: SymbolDay, *, stable: bool = True) -> FeedOutcome:
        """Learn from one day of ``bars.symbol`` (``stable``: the day's data is complete)."""
        symbol, day = bars.symbol, bars.day
        stored = self.store.get(STATE, self.name, symbol)
        state = RollingState.from_dict(stored) if stored is not None else None
        if state is not None and not state.stable and state.last >= day:
            state = self._restore_snapshot(symbol)  # undo the partial day before going on
        outcome = self._feeding(symbol, day, state)
        if outcome.feeding is Feeding.SKIPPED:
            return outcome
        base = state if outcome.feeding is Feeding.CONTINUED else None
        value = self.day_value(bars) if len(bars) else None
        updated = self._learn(base, day, value, stable)
        self.store.put(STATE, self.name, symbol, self._document(updated, stable, stored))
        self.store.put(GRADE, self.name, symbol, self._grade(symbol, updated).to_dict())
        return outcome

    def _feeding(self, symbol: str, day: date, state: RollingState | None) -> FeedOutcome:
        def outcome(feeding: Feeding, reason: str = "") -> FeedOutcome:
            return FeedOutcome(self.name, symbol, day, feeding, reason)

        if state is None:
            return outcome(Feeding.STARTED, "no training yet")
        if day <= state.last:
            return outcome(Feeding.SKIPPED, f"already trained through {state.last}")
        previous = self.calendar.previous_session(day)
        if state.last < previous:
            return outcome(
                Feeding.STARTED,
                f"gap: last trained on {state.last}, the previous session was {previous}",
            )
        return outcome(Feeding.CONTINUED)

    def _learn(
        self, state: RollingState | None, day: date, value: float | None, stable: bool
    ) -> RollingState:
        old = state.value if state is not None else None
        if value is None:
            new = old
        elif old is None:
            new = value
        else:
            new = old * (1 - self.weight) + value * self.weight
        return RollingState(
            value=new,
            days=(state.days if state is not None else 0) + (value is not None),
            start=state.start if state is not None else day,
            last=day,
            stable=stable,
        )

    def fold(self, symbol: str, values: Sequence[tuple[date, float | None]]) -> RollingState | None:
        """The state that feeding these (day, day value) pairs in order leads to, without the
        store: how a simulation warms a model from cached day values. Days must be sessions on
        file; a missing session between two of them starts training again, as in ``feed``."""
        state: RollingState | None = None
        for day, value in values:
            continued = state is not None and state.last >= self.calendar.previous_session(day)
            state = self._learn(state if continued else None, day, value, stable=True)
        return state

    def grade_state(self, symbol: str, state: RollingState | None) -> ModelGrade:
        """The grade a state gives (``grade`` reads the stored one)."""
        return self._grade(symbol, state)

    def _document(
        self, state: RollingState, stable: bool, previous: dict[str, Any] | None
    ) -> dict[str, Any]:
        document = state.to_dict()
        if stable:
            document["snapshot"] = state.to_dict()
        elif previous is not None and "snapshot" in previous:
            document["snapshot"] = previous["snapshot"]
        return document

    # Snapshots.

    def take_snapshot(self, symbol: str) -> None:
        """Make the current state the one ``revert_to_snapshot`` returns to."""
        stored = self.store.get(STATE, self.name, symbol)
        if stored is not None:
            stored["snapshot"] = {k: v for k, v in stored.items() if k != "snapshot"}
            self.store.put(STATE, self.name, symbol, stored)

    def revert_to_snapshot(self, symbol: str) -> RollingState | None:
        """Go back to the last snapshot (none: forget the symbol); return the state now."""
        return self._restore_snapshot(symbol)

    def _restore_snapshot(self, symbol: str) -> RollingState | None:
        stored = self.store.get(STATE, self.name, symbol)
        snapshot = stored.get("snapshot") if stored is not None else None
        if snapshot is None:
            self.reset(symbol)
            return None
        self.store.put(STATE, self.name, symbol, {**snapshot, "snapshot": snapshot})
        state = RollingState.from_dict(snapshot)
        self.store.put(GRADE, self.name, symbol, self._grade(symbol, state).to_dict())
        return state

    # Reading.

    def state(self, symbol: str) -> RollingState | None:
        stored = self.store.get(STATE, self.name, symbol)
        return RollingState.from_dict(stored) if stored is not None else None

    def grade(self, symbol: str) -> ModelGrade:
        """The symbol's grade from what the model has learned (FAIL, with why, if nothing)."""
        return self._grade(symbol, self.state(symbol))

    def trained_through(self, symbol: str) -> date | None:
        state = self.state(symbol)
        return state.last if state is not None else None

    def reset(self, symbol: str) -> None:
        """Forget everything learned about ``symbol``."""
        self.store.delete(STATE, self.name, symbol)
        self.store.delete(GRADE, self.name, symbol)

    def _grade(self, symbol: str, state: RollingState | None) -> ModelGrade:
        if state is None:
            return failed(self.name, symbol, NOT_TRAINED_MESSAGE.format(symbol=symbol))
        if state.value is None:
            reason = NO_VALUE_MESSAGE.format(symbol=symbol, start=state.start, last=state.last)
            return ModelGrade(
                model=self.name,
                symbol=symbol,
                grade=Grade.FAIL,
                output=None,
                reason=reason,
                trained_through=state.last,
            )
        grade, reason = self.grade_value(state.value)
        return ModelGrade(
            model=self.name,
            symbol=symbol,
            grade=grade,
            output={"value": state.value, "days": state.days, "start": state.start.isoformat()},
            reason=reason,
            trained_through=state.last,
        )
