"""How a simulation's account behaves and what a run does with the positions open at its end.

``SimulationSettings`` is validated once, at the edge (its fill model and options build an
account at construction), so the engine's hot path trusts it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tc2.data.adjustments import DEFAULT_ADJUSTMENT, Adjustment
from tc2.data.bars import Resolution
from tc2.errors import ConfigurationError
from tc2.execution.fill_models import DEFAULT_FILL_MODEL, fill_model_named

# One stop for the simulator and the day trader (a backtest is a replay), declared in
# trading_schedule; re-exported for the simulation's callers.
from tc2.execution.trading_schedule import LIQUIDATE_BEFORE_CLOSE_S as LIQUIDATE_BEFORE_CLOSE_S
from tc2.execution.trading_schedule import day_stop_t
from tc2.execution.virtual_account import DEFAULT_STARTING_CASH, VirtualAccount
from tc2.strategy.base import StrategyKind


class EndOfRun(StrEnum):
    """What happened to the positions still open when a run ended."""

    # A day strategy: market orders from LIQUIDATE_BEFORE_CLOSE_S before the close, then the
    # last close for what is left (the value keeps its name: records and the API carry it).
    FLATTENED = "flattened_at_close"
    CLOSED = "closed_at_last_close"  # close_at_end: sold or covered at the last close, with fees
    MARKED = "marked_to_market"  # left open and valued at the last close (no exit fees)


CLOSED_AT_END = "closed at the run's last close (close_at_end)"
LIQUIDATED_BEFORE_CLOSE = "stopped 15 minutes before the close to liquidate (day runs)"


def day_run_stop_t(close_t: int) -> int:
    """When a day run stops and liquidates: ``LIQUIDATE_BEFORE_CLOSE_S`` before ``close_t``."""
    return day_stop_t(close_t)


def end_of_run(kind: StrategyKind, close_at_end: bool) -> EndOfRun:
    """What a run of a ``kind`` strategy does with the positions it holds at its end."""
    if kind is StrategyKind.DAY:
        return EndOfRun.FLATTENED
    return EndOfRun.CLOSED if close_at_end else EndOfRun.MARKED


@dataclass(frozen=True, slots=True, kw_only=True)
class SimulationSettings:
    """How the virtual account behaves: fill model, money, margin, shorting, and what happens
    to the positions a swing run still holds at its end (``close_at_end``).

    Raises
    ------
    ConfigurationError
        If the fill model or one of its options is unknown or out of range.
    """

    fill_model: str = DEFAULT_FILL_MODEL
    participation: float | None = None
    slippage_bps: float | None = None
    starting_cash: float = DEFAULT_STARTING_CASH
    margin: float = 1.0
    allow_short: bool = False
    # The bars the strategy runs on; None: the strategy's own ``resolution``. Checked against
    # what the strategy supports when a run starts (``run_resolution``).
    resolution: Resolution | None = None
    # Whether the strategy's required analysis models gate its start. Off only to test a
    # strategy's mechanics on hand-built days that have no history to warm models from.
    model_filters: bool = True
    close_at_end: bool = False
    # Which corporate actions back-adjust the bars the strategy sees (``adjustments``).
    adjustment: Adjustment = DEFAULT_ADJUSTMENT

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "adjustment", Adjustment(self.adjustment))
        except ValueError:
            choices = ", ".join(member.value for member in Adjustment)
            raise ConfigurationError(
                f"adjustment must be one of {choices}, was {self.adjustment!r}"
            ) from None
        self.new_account()  # validates every field once, at the edge

    def new_account(self) -> VirtualAccount:
        return VirtualAccount(
            fill_model=fill_model_named(
                self.fill_model, participation=self.participation, slippage_bps=self.slippage_bps
            ),
            starting_cash=self.starting_cash,
            margin=self.margin,
            allow_short=self.allow_short,
        )
