"""Trade records: what a trader (or a simulation) writes about its runs, orders and fills.

The engine writes through ``TradeRecorder``; ``webpanel.trading`` implements it with the Django
ORM (tables ``algo_run``, ``new_trades``, ``gain_loss``, ``trade_analysis``) and
``MemoryTradeRecorder`` in memory (unit tests, runs nobody keeps). Simulations write the same
records with mode ``BACKTEST``, so one query compares a live run with its backtest.

The order of writes is the safety rule: an order is recorded (``order_intended``) *before* it is
sent to a broker, with the ``client_order_id`` it will carry. After a crash the recorder knows
every order that may have reached the broker, and the trader asks the broker about each one by
that id (``orders_in_flight``) instead of sending it again.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Protocol

from tc2.execution.orders import OrderStatus, OrderType, Side, TimeInForce

CLIENT_ORDER_ID_MAX = 48  # Alpaca takes up to 128 characters; ours stay short and readable


class TradingMode(StrEnum):
    """Where a run's orders went: the replay market, Alpaca paper or live, or a simulation."""

    REPLAY = "REPLAY"
    PAPER = "PAPER"
    LIVE = "LIVE"
    BACKTEST = "BACKTEST"


class IntentStatus(StrEnum):
    """An order's state in the records: ``intended`` until the broker has answered the send."""

    INTENDED = "intended"  # recorded, maybe sent: ask the broker by client_order_id
    NEW = OrderStatus.NEW.value
    PARTIALLY_FILLED = OrderStatus.PARTIALLY_FILLED.value
    FILLED = OrderStatus.FILLED.value
    CANCELED = OrderStatus.CANCELED.value
    EXPIRED = OrderStatus.EXPIRED.value
    REJECTED = OrderStatus.REJECTED.value
    NEVER_SENT = "never_sent"  # the broker had no such order after a crash: it did not go out

    @property
    def in_flight(self) -> bool:
        """Whether the order may still fill (or may have reached the broker unseen)."""
        return self in _IN_FLIGHT


_IN_FLIGHT = frozenset((IntentStatus.INTENDED, IntentStatus.NEW, IntentStatus.PARTIALLY_FILLED))


def deterministic_client_order_id(*, run_key: str, sequence: int) -> str:
    """Return the id of a run's ``sequence``-th order: the same run asking again gets the same id.

    ``run_key`` names the run stably across restarts (batch, strategy, symbol, session day), so a
    trader restarted mid-session that makes the same decisions produces the same ids, and the
    broker (which refuses a known id) never sees an order twice.
    """
    digest = hashlib.sha256(run_key.encode()).hexdigest()[:16]
    return f"tc2-{digest}-{sequence:06d}"


@dataclass(frozen=True, slots=True, kw_only=True)
class RunStart:
    """A run as it begins (one ``algo_run`` row)."""

    batch_id: str  # one per program start (or per simulation job)
    strategy: str
    parameters: Mapping[str, Any]
    mode: TradingMode
    symbols: tuple[str, ...]
    start_t: int  # epoch seconds UTC, on the run's clock (the replay clock on the replay market)
    # The account's settings the run trades with (``SimulationSettings.to_dict``: fill model,
    # cash, shorting...), so a reconciliation re-runs it as it ran; empty when unknown.
    settings: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderIntent:
    """An order about to be sent: written before the send, keyed by ``client_order_id``."""

    run_id: int
    client_order_id: str
    symbol: str
    side: Side
    qty: float | None
    notional: float | None
    type: OrderType
    limit_price: float | None
    stop_price: float | None
    time_in_force: TimeInForce
    created_t: int
    status: IntentStatus = IntentStatus.INTENDED
    broker_order_id: str | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class TradeFill:
    """One execution (a ``new_trades`` row), partial fills included.

    ``fill_id`` identifies the execution at the broker (Alpaca's execution id; the virtual
    account's ``<client_order_id>-<n>``), so a fill heard twice (stream and reconciliation) is
    recorded once.
    """

    run_id: int
    fill_id: str
    client_order_id: str
    symbol: str
    side: Side
    qty: float
    price: float
    fee: float
    t: int
    stop_price: float | None = None
    target_price: float | None = None
    indicators: Mapping[str, Any] = field(default_factory=dict)


class TradeRecorder(Protocol):
    """Where runs, orders and fills are recorded. Every method is idempotent on its key."""

    def run_started(self, start: RunStart) -> int:
        """Record a run; return its id."""
        ...

    def run_ended(self, run_id: int, *, end_t: int, reason: str) -> None:
        """Record how and when a run ended."""
        ...

    def order_intended(self, intent: OrderIntent) -> None:
        """Record an order before it is sent. A known ``client_order_id`` changes nothing."""
        ...

    def order_updated(
        self,
        client_order_id: str,
        *,
        status: IntentStatus,
        broker_order_id: str | None = None,
        reason: str = "",
    ) -> None:
        """Record what the broker said of an order (status, its own id, a rejection's reason)."""
        ...

    def fill_recorded(self, fill: TradeFill) -> bool:
        """Record a fill; return False when its ``fill_id`` was already recorded."""
        ...

    def orders_in_flight(self, mode: TradingMode) -> list[OrderIntent]:
        """The orders of ``mode`` that may still be working or whose send went unanswered."""
        ...


class MemoryTradeRecorder:
    """A ``TradeRecorder`` in memory, thread-safe; for unit tests and runs nobody keeps."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.runs: dict[int, RunStart] = {}
        self.ends: dict[int, tuple[int, str]] = {}
        self.orders: dict[str, OrderIntent] = {}
        self.fills: dict[str, TradeFill] = {}

    def run_started(self, start: RunStart) -> int:
        with self._lock:
            run_id = len(self.runs) + 1
            self.runs[run_id] = start
            return run_id

    def run_ended(self, run_id: int, *, end_t: int, reason: str) -> None:
        with self._lock:
            self.ends[run_id] = (end_t, reason)

    def order_intended(self, intent: OrderIntent) -> None:
        with self._lock:
            self.orders.setdefault(intent.client_order_id, intent)

    def order_updated(
        self,
        client_order_id: str,
        *,
        status: IntentStatus,
        broker_order_id: str | None = None,
        reason: str = "",
    ) -> None:
        with self._lock:
            known = self.orders[client_order_id]
            self.orders[client_order_id] = replace(
                known,
                status=status,
                broker_order_id=broker_order_id or known.broker_order_id,
                reason=reason or known.reason,
            )

    def fill_recorded(self, fill: TradeFill) -> bool:
        with self._lock:
            if fill.fill_id in self.fills:
                return False
            self.fills[fill.fill_id] = fill
            return True

    def orders_in_flight(self, mode: TradingMode) -> list[OrderIntent]:
        with self._lock:
            return [
                order
                for order in self.orders.values()
                if order.status.in_flight and self.runs[order.run_id].mode is mode
            ]
