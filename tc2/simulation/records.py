"""Run records: what a simulated run did, as a JSON-ready, deterministic record."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from tc2.execution.orders import (
    Fill,
    FingerprintRow,
    Order,
    fill_rows,
    fill_to_dict,
    round_qty,
    trade_fingerprint,
)
from tc2.simulation.metrics import DayOutcome


@dataclass(frozen=True, slots=True)
class NotViable:
    """Why a symbol was not viable at a check: the model that failed it and the model's reason.

    ``model`` is a model name, or ``IS_VIABLE`` when the strategy's own ``is_viable`` said no.
    """

    symbol: str
    model: str
    reason: str

    def describe(self) -> str:
        """``SPY VOLATILITY: average day spread ...``; a reason naming its model says it once."""
        if self.reason.startswith(f"{self.model} "):
            return f"{self.symbol} {self.reason}"
        return f"{self.symbol} {self.model}: {self.reason}"

    def to_dict(self) -> dict[str, str]:
        return {"symbol": self.symbol, "model": self.model, "reason": self.reason}


IS_VIABLE = "is_viable"  # the "model" of a NotViable that the strategy's own check gave


def describe_not_viable(reasons: Sequence[NotViable]) -> str:
    """The reasons in one line: ``SPY PROFITABILITY: needs ...; QQQ VOLATILITY: ...``."""
    return "; ".join(reason.describe() for reason in reasons)


@dataclass(frozen=True, slots=True, kw_only=True)
class RunRecord:
    """One run of one strategy: its setup, every order and fill, its P&L and its decisions.

    Everything here follows from the inputs alone (no wall-clock times), so two runs of the
    same inputs give equal records and the same ``fingerprint``.
    """

    strategy: str
    params: dict[str, Any]
    symbols: tuple[str, ...]
    day: date
    end_day: date
    kind: str
    resolution: str
    fill_model: str
    allow_short: bool
    # What happened to the positions still open at the end: flattened_at_close (a day
    # strategy), closed_at_last_close (close_at_end) or marked_to_market (left open).
    end_of_run: str
    adjustment: str  # raw, split or all: which corporate actions adjusted the bars
    starting_cash: float
    ending_equity: float
    fees: float
    viable: bool
    became_viable_t: int | None
    started_t: int | None
    ended_t: int
    stop_reason: str
    # Why each symbol was not viable at the last check of a run that never started (empty
    # once it started): what made the day a non-trading day, model by model.
    not_viable: tuple[NotViable, ...]
    order_log: tuple[Order, ...]  # final states; ``orders`` gives them as JSON-ready dicts
    fill_log: tuple[Fill, ...]  # ``fills`` gives them as JSON-ready dicts
    positions: list[dict[str, Any]]
    timeline: list[dict[str, Any]]
    timeline_dropped: int
    custom: dict[str, Any]
    entry_attempts: int
    trade_pnls: tuple[float, ...]
    exposure_seconds: float
    session_seconds: float
    events: int
    fingerprint: str

    @property
    def profit(self) -> float:
        """Net dollars after fees: ending equity minus starting cash."""
        return self.ending_equity - self.starting_cash

    @property
    def entered(self) -> bool:
        return bool(self.fill_log)

    # Converted on demand: a benchmark or an evaluation that only needs the fingerprint and the
    # P&L does not pay for turning tens of thousands of orders into dicts.
    @property
    def orders(self) -> list[dict[str, Any]]:
        return [order.to_dict() for order in self.order_log]

    @property
    def fills(self) -> list[dict[str, Any]]:
        return [fill_to_dict(fill) for fill in self.fill_log]

    def fill_rows(self) -> list[FingerprintRow]:
        """The fills as ``(t, symbol, side, qty, price)`` rows, the form peers are compared in."""
        return fill_rows(self.fill_log)

    def day_outcome(self) -> DayOutcome:
        """The run as one evaluation day."""
        return DayOutcome(
            day=self.day,
            viable=self.viable,
            entered=self.entered,
            entry_attempts=self.entry_attempts,
            round_trips=len(self.trade_pnls),
            profit=self.profit,
            trade_pnls=self.trade_pnls,
            exposure_seconds=min(self.exposure_seconds, self.session_seconds),
            session_seconds=self.session_seconds,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "strategy": self.strategy,
            "params": self.params,
            "symbols": list(self.symbols),
            "day": self.day.isoformat(),
            "end_day": self.end_day.isoformat(),
            "kind": self.kind,
            "resolution": self.resolution,
            "fill_model": self.fill_model,
            "allow_short": self.allow_short,
            "end_of_run": self.end_of_run,
            "adjustment": self.adjustment,
            "starting_cash": self.starting_cash,
            "ending_equity": self.ending_equity,
            "profit": self.profit,
            "fees": self.fees,
            "viable": self.viable,
            "became_viable_t": self.became_viable_t,
            "started_t": self.started_t,
            "ended_t": self.ended_t,
            "stop_reason": self.stop_reason,
            "not_viable": [reason.to_dict() for reason in self.not_viable],
            "entry_attempts": self.entry_attempts,
            "round_trips": len(self.trade_pnls),
            "trade_pnls": list(self.trade_pnls),
            "exposure_seconds": self.exposure_seconds,
            "session_seconds": self.session_seconds,
            "events": self.events,
            "fingerprint": self.fingerprint,
            "orders": self.orders,
            "fills": self.fills,
            "positions": self.positions,
            "timeline": self.timeline,
            "timeline_dropped": self.timeline_dropped,
            "custom": self.custom,
        }


def round_trip_pnls(fills: Iterable[Fill]) -> tuple[float, ...]:
    """Net P&L (after fees) of each round trip: a symbol's position from flat back to flat.

    A fill that flips a position (long to short) closes one round trip and opens the next; its
    fee is split by shares between them.
    """
    held: dict[str, float] = {}
    running: dict[str, float] = {}
    pnls: list[float] = []
    for fill in fills:
        qty = held.get(fill.symbol, 0)
        signed = fill.side.sign * fill.qty
        closing = min(abs(qty), fill.qty) if qty and (qty > 0) != (signed > 0) else 0
        parts = [(closing, True), (fill.qty - closing, False)] if closing else [(fill.qty, False)]
        for shares, closes in parts:
            if not shares:
                continue
            cash = -fill.side.sign * shares * fill.price - fill.fee * shares / fill.qty
            running[fill.symbol] = running.get(fill.symbol, 0.0) + cash
            qty = round_qty(qty + fill.side.sign * shares)
            if closes and qty == 0:
                pnls.append(running.pop(fill.symbol))
        held[fill.symbol] = qty
    return tuple(pnls)


def fingerprint_of(fills: Sequence[Fill]) -> str:
    return trade_fingerprint(fill_rows(fills))
