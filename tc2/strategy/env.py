"""``StrategyEnv``: everything a strategy may touch, all of it gated by the env's clock.

A strategy gets its time, bars, indicators, models and account from here and nowhere else. Data
is clock-gated: only bars that have ended by ``now`` are visible, and asking for a later one
raises ``LookAheadError``. What it returns holds the past only (no view reaching later bars), and
nothing a strategy can reach from it leads to the engine's data (``docs/STRATEGIES.md``: what is
sealed and what is not). The simulator implements the abstract part over recorded bars; the
live trader implements it over the stream cache, so strategy code runs unchanged in both.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from tc2.analysis.grades import ModelGrade
from tc2.analysis.models import TrainedModel, check_trained_before
from tc2.analysis.signals import Series, Signal
from tc2.data.bars import Resolution
from tc2.data.store import BarSeries
from tc2.env.exec_env import ExecEnv
from tc2.execution.account import Account
from tc2.execution.orders import Order, OrderRequest

MAX_TIMELINE = 20_000  # decisions kept per run; later ones are counted, not stored


class Bar(NamedTuple):
    """One completed bar as a strategy sees it; ``t`` is its start, epoch seconds UTC."""

    t: int
    o: float
    h: float
    l: float  # noqa: E741 - the OHLC convention
    c: float
    v: float


@dataclass(frozen=True, slots=True)
class Decision:
    """One entry of a run's timeline: what the strategy (or the engine) decided, and why."""

    t: int
    message: str
    symbol: str | None = None
    data: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"t": self.t, "symbol": self.symbol, "message": self.message, "data": self.data}


class StrategyEnv(ABC):
    """The strategy's execution environment: clock, gated market data, models and account.

    Parameters
    ----------
    exec_env
        The run's ``ExecEnv`` (type, calendar, Redis keys); its clock is this env's clock.
    account
        Where orders go.
    resolution
        The bars' length in this run.
    models
        Trained models by (name, symbol); each is checked against the trading day on use.
    """

    def __init__(
        self,
        *,
        exec_env: ExecEnv,
        account: Account,
        resolution: Resolution,
        models: Mapping[tuple[str, str], TrainedModel] | None = None,
    ) -> None:
        self.exec_env = exec_env
        self.account = account
        self.resolution = resolution
        self._models = dict(models or {})
        self.timeline: list[Decision] = []
        self.timeline_dropped = 0
        self.entry_attempts = 0

    # Time.

    @property
    @abstractmethod
    def now_t(self) -> int:
        """The env's time, epoch seconds UTC."""

    @property
    def now(self) -> datetime:
        """The env's time as a timezone-aware UTC datetime."""
        return datetime.fromtimestamp(self.now_t, UTC)

    @property
    @abstractmethod
    def trading_day(self) -> date:
        """The New York session date being traded."""

    # Clock-gated market data.

    @abstractmethod
    def last_bar(self, symbol: str) -> Bar | None:
        """The latest bar of ``symbol`` that has ended, or None before the first."""

    @abstractmethod
    def bars(self, symbol: str, count: int | None = None) -> BarSeries:
        """The last ``count`` ended bars of ``symbol`` (all of them when None), oldest first."""

    @abstractmethod
    def bars_between(self, symbol: str, start_t: int, end_t: int) -> BarSeries:
        """Bars of ``symbol`` starting at or after ``start_t`` and ending by ``end_t``.

        Raises
        ------
        LookAheadError
            If ``end_t`` is after now.
        """

    @abstractmethod
    def bar_at(self, symbol: str, t: int) -> Bar | None:
        """The bar of ``symbol`` starting at ``t``, None if there was no trade then.

        Raises
        ------
        LookAheadError
            If that bar has not ended by now (its close is not known yet).
        """

    @abstractmethod
    def indicator(self, symbol: str, series: Series) -> float:
        """The value of ``series`` at ``symbol``'s latest ended bar (NaN before it has one)."""

    @abstractmethod
    def fired(self, symbol: str, signal: Signal) -> bool:
        """Whether ``signal`` fired at ``symbol``'s latest ended bar."""

    # What wakes the strategy next.

    @abstractmethod
    def sleep(
        self,
        *,
        until_t: int | None = None,
        above: float | None = None,
        below: float | None = None,
        symbol: str | None = None,
    ) -> None:
        """Skip bars until one of the given conditions (or an order event) wakes the strategy.

        ``until_t``: a time is reached; ``above``/``below``: a bar of ``symbol`` trades at or
        beyond the level (``symbol`` may be left out when the run has one). Calls within one
        wake-up add up; signals registered with ``wake_on`` wake it too.
        """

    @abstractmethod
    def wake_on(self, symbol: str, signal: Signal) -> None:
        """Always wake the strategy at the end of a bar of ``symbol`` where ``signal`` fires."""

    # Models, orders and the record.

    def model(self, name: str, symbol: str) -> TrainedModel:
        """Return a trained model, refusing one that has seen the trading day.

        Raises
        ------
        KeyError
            If no such model was provided.
        LookAheadError
            If the model was trained on the trading day or later.
        """
        model = self._models[(name, symbol)]
        check_trained_before(model, self.trading_day)
        return model

    def model_grade(self, name: str, symbol: str) -> ModelGrade | None:
        """What analysis model ``name`` says of ``symbol`` now (its output holds the figures);
        None when the run has no analysis models (filters off) or the strategy did not
        require that one. This base answers None; an engine whose runs judge overrides it."""
        return None

    def submit(self, request: OrderRequest) -> Order:
        """Place an order through the account, counting entries (orders that open a position).

        Raises
        ------
        OrderRejected
            As ``Account.submit``.
        """
        held = self.account.position_qty(request.symbol)
        if held == 0 or (held > 0) == (request.side.sign > 0):
            self.entry_attempts += 1
        return self.account.submit(request)

    def note(self, message: str, *, symbol: str | None = None, **data: Any) -> None:
        """Add a decision to the run's timeline (kept up to ``MAX_TIMELINE`` entries)."""
        if len(self.timeline) < MAX_TIMELINE:
            self.timeline.append(Decision(self.now_t, message, symbol, data or None))
        else:
            self.timeline_dropped += 1
