"""Orders, fills and positions: the records every account, real or virtual, speaks in.

An ``Order`` is mutable (its status and fills change as the market moves); a ``Fill`` is an
immutable record of one execution. Quantities are whole shares; prices are floats in dollars.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from tc2.errors import ExecutionError


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"

    @property
    def sign(self) -> int:
        """+1 for a buy, -1 for a sell: what the fill adds to the position."""
        return 1 if self is Side.BUY else -1


class OrderType(StrEnum):
    MARKET = "market"
    LIMIT = "limit"
    STOP = "stop"
    STOP_LIMIT = "stop_limit"


class TimeInForce(StrEnum):
    DAY = "day"  # expires at the session's close
    GTC = "gtc"  # good until canceled


class OrderStatus(StrEnum):
    NEW = "new"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELED = "canceled"
    EXPIRED = "expired"
    REJECTED = "rejected"

    @property
    def is_open(self) -> bool:
        """Whether the order can still fill."""
        return self in _OPEN_STATUSES


_OPEN_STATUSES = frozenset((OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED))


class OrderRejected(ExecutionError):
    """The account refused an order (bad price, not enough cash or shares); nothing changed.

    ``order`` is the rejected order, with its status ``rejected`` and the reason set.
    """

    def __init__(self, order: Order) -> None:
        super().__init__(f"order {order.client_order_id} rejected: {order.reason}")
        self.order = order


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderRequest:
    """What a strategy asks for; the account checks it and turns it into an ``Order``.

    Raises
    ------
    ExecutionError
        If the quantity is not a positive whole number, or the prices the type needs are
        missing, not positive or given where the type takes none.
    """

    symbol: str
    side: Side
    qty: int
    type: OrderType = OrderType.MARKET
    limit_price: float | None = None
    stop_price: float | None = None
    time_in_force: TimeInForce = TimeInForce.DAY
    client_order_id: str | None = None

    def __post_init__(self) -> None:
        _check_request(self)


def _check_request(request: OrderRequest) -> None:
    qty = request.qty
    if isinstance(qty, bool) or not isinstance(qty, int) or qty <= 0:
        raise ExecutionError(f"qty must be a whole number of shares > 0, was {qty!r}")
    needs_limit, needs_stop = _PRICES_NEEDED[request.type]
    _check_price(request, "limit_price", request.limit_price, needs_limit)
    _check_price(request, "stop_price", request.stop_price, needs_stop)


_PRICES_NEEDED = {  # order type -> (needs a limit price, needs a stop price)
    OrderType.MARKET: (False, False),
    OrderType.LIMIT: (True, False),
    OrderType.STOP: (False, True),
    OrderType.STOP_LIMIT: (True, True),
}


def _check_price(request: OrderRequest, name: str, price: float | None, needed: bool) -> None:
    if needed and (price is None or not 0 < price < math.inf):
        raise ExecutionError(
            f"{name} must be a price > 0 for a {request.type.value} order, was {price!r}"
        )
    if not needed and price is not None:
        raise ExecutionError(f"a {request.type.value} order takes no {name}, was {price!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Fill:
    """One execution: ``qty`` shares at ``price`` during the bar starting at ``t``.

    ``fee`` is what the execution cost (regulatory fees on sells), in dollars, never negative.
    """

    client_order_id: str
    symbol: str
    side: Side
    qty: int
    price: float
    t: int  # start of the bar the fill happened in, epoch seconds UTC
    fee: float = 0.0

    @property
    def notional(self) -> float:
        return self.qty * self.price


@dataclass(slots=True, kw_only=True)
class Order:
    """An order as the account tracks it: the request, its status and its fills so far."""

    client_order_id: str
    symbol: str
    side: Side
    qty: int
    type: OrderType
    limit_price: float | None
    stop_price: float | None
    time_in_force: TimeInForce
    submitted_t: int  # epoch seconds UTC; the order can fill only on bars starting at or after
    status: OrderStatus = OrderStatus.NEW
    reason: str = ""
    fills: list[Fill] = field(default_factory=list)
    filled_qty: int = 0
    filled_notional: float = 0.0  # sum of qty x price over the fills, kept as they come
    stop_triggered: bool = False  # a stop-limit whose stop was reached now works as a limit

    @property
    def remaining_qty(self) -> int:
        return self.qty - self.filled_qty

    @property
    def is_open(self) -> bool:
        return self.status in _OPEN_STATUSES

    @property
    def average_fill_price(self) -> float | None:
        if not self.filled_qty:
            return None
        return self.filled_notional / self.filled_qty

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready record of the order and its fills."""
        return {
            "client_order_id": self.client_order_id,
            "symbol": self.symbol,
            "side": self.side.value,
            "qty": self.qty,
            "type": self.type.value,
            "limit_price": self.limit_price,
            "stop_price": self.stop_price,
            "time_in_force": self.time_in_force.value,
            "submitted_t": self.submitted_t,
            "status": self.status.value,
            "reason": self.reason,
            "filled_qty": self.filled_qty,
            "average_fill_price": self.average_fill_price,
            "fills": [fill_to_dict(fill) for fill in self.fills],
        }


def fill_to_dict(fill: Fill) -> dict[str, object]:
    return {
        "client_order_id": fill.client_order_id,
        "symbol": fill.symbol,
        "side": fill.side.value,
        "qty": fill.qty,
        "price": fill.price,
        "t": fill.t,
        "fee": fill.fee,
    }


FingerprintRow = tuple[int, str, str, int, float]
"""(t, symbol, side, qty, price): what identifies a fill across engines."""


def trade_fingerprint(rows: Iterable[FingerprintRow]) -> str:
    """Return a SHA-256 hex digest over fills given as ``(t, symbol, side, qty, price)`` rows.

    Prices go in by ``repr``, the shortest string that round-trips the float, so two runs match
    only when every fill is bit-identical. Peers (backtrader) produce the same rows, so equal
    digests mean equal fills.
    """
    digest = hashlib.sha256()
    for t, symbol, side, qty, price in rows:
        digest.update(f"{int(t)}|{symbol}|{side}|{int(qty)}|{float(price)!r}\n".encode())
    return digest.hexdigest()


def fill_rows(fills: Iterable[Fill]) -> list[FingerprintRow]:
    """The fingerprint rows of ``fills``, in the order given."""
    return [(fill.t, fill.symbol, fill.side.value, fill.qty, fill.price) for fill in fills]
