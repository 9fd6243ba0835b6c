"""Orders, fills and positions: the records every account, real or virtual, speaks in.

An ``Order`` is mutable (its status and fills change as the market moves); a ``Fill`` is an
immutable record of one execution. Prices are floats in dollars.

Quantities are whole shares (Python ints) unless an order asks for fractional ones, as Alpaca's
fractional trading allows (its rules, mirrored here and checked on construction): an order gives
either ``qty`` or ``notional`` (dollars), never both; a fractional ``qty`` or any ``notional``
is for market orders with day time-in-force only; both take at most 9 decimals; a notional is at
least $1. A notional order is sized at its fill price (``notional / price``, rounded down to
9 decimals, so it never costs more than asked), and fractional shares are never sold short.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from tc2.errors import ExecutionError

QTY_DECIMALS = 9  # Alpaca takes qty and notional with up to 9 decimals
MIN_NOTIONAL = 1.0  # Alpaca's smallest fractional order, dollars
FRACTIONAL_RULE = "fractional shares and notional orders are market orders with day time-in-force"


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

    ``qty`` shares, or ``notional`` dollars' worth sized at the fill price (see the module
    docstring for the fractional rules).

    Raises
    ------
    ExecutionError
        If neither or both of ``qty`` and ``notional`` are given, the quantity is not a positive
        number (a fraction only where the fractional rules allow it), the notional is not a finite
        number of dollars >= $1, or the prices the type needs are missing, not positive or given
        where the type takes none.
    """

    symbol: str
    side: Side
    qty: float | None = None
    notional: float | None = None
    type: OrderType = OrderType.MARKET
    limit_price: float | None = None
    stop_price: float | None = None
    time_in_force: TimeInForce = TimeInForce.DAY
    client_order_id: str | None = None

    def __post_init__(self) -> None:
        qty: object = self.qty  # checked here, whatever a caller passed
        # Whole shares, the common case, in one test; the rest by the rules below.
        if not (type(qty) is int and qty > 0 and self.notional is None):
            _check_size(self)
            if isinstance(qty, float) and qty.is_integer():
                object.__setattr__(self, "qty", int(qty))  # 100.0 shares are whole shares
        needs_limit, needs_stop = _PRICES_NEEDED[self.type]
        _check_price(self, "limit_price", self.limit_price, needs_limit)
        _check_price(self, "stop_price", self.stop_price, needs_stop)

    @property
    def is_fractional(self) -> bool:
        """Sized in dollars or in fractions of a share (Alpaca's fractional trading)."""
        return self.notional is not None or not _is_whole(self.qty)


def _check_size(request: OrderRequest) -> None:
    qty, notional = request.qty, request.notional
    if (qty is None) == (notional is None):
        raise ExecutionError(
            f"an order gives either qty (shares) or notional (dollars), not both or neither; "
            f"was qty={qty!r}, notional={notional!r}"
        )
    if qty is not None and not _is_number(qty, minimum=0.0, inclusive=False):
        raise ExecutionError(f"qty must be a number of shares > 0, was {qty!r}")
    if notional is not None and not _is_number(notional, minimum=MIN_NOTIONAL, inclusive=True):
        raise ExecutionError(
            f"notional must be a finite number of dollars >= {MIN_NOTIONAL:.2f}, was {notional!r}"
        )
    if request.is_fractional:
        _check_fractional(request)


def _check_fractional(request: OrderRequest) -> None:
    name, value = (
        ("notional", request.notional) if request.notional is not None else ("qty", request.qty)
    )
    if request.type is not OrderType.MARKET or request.time_in_force is not TimeInForce.DAY:
        raise ExecutionError(
            f"{FRACTIONAL_RULE}; {name}={value!r} was given to a {request.type.value} "
            f"{request.time_in_force.value} order"
        )
    assert value is not None  # a fractional request has one of the two
    if round(value, QTY_DECIMALS) != value:
        raise ExecutionError(f"{name} takes at most {QTY_DECIMALS} decimals, was {value!r}")


def _is_number(value: object, *, minimum: float, inclusive: bool) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if not math.isfinite(value):
        return False
    return value >= minimum if inclusive else value > minimum


def _is_whole(qty: float | None) -> bool:
    return isinstance(qty, int) or (qty is not None and float(qty).is_integer())


def shares_for(notional: float, price: float) -> float:
    """Shares ``notional`` dollars buy at ``price``: rounded down to 9 decimals (never more
    than the notional)."""
    shares: float = notional / price
    scale = 10**QTY_DECIMALS
    if shares * scale < 2**53:  # beyond that a float has no 9th decimal to round
        shares = math.floor(shares * scale + 1e-6) / scale
    return shares


def format_qty(qty: float) -> str:
    """``100`` for whole shares, ``33.333333333`` for a fraction (no float noise, no ``.0``)."""
    if float(qty).is_integer():
        return str(int(qty))
    return f"{qty:.{QTY_DECIMALS}f}".rstrip("0")


def round_qty(qty: float) -> float:
    """A sum of quantities without float residue; whole shares come back as ints (so a position
    that held fractions and is whole again reads ``10``, not ``10.0``)."""
    if isinstance(qty, int):
        return qty
    rounded = round(qty, QTY_DECIMALS)
    return int(rounded) if rounded.is_integer() else rounded


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
    ``qty`` is a whole number (an int) except for fractional orders.
    """

    client_order_id: str
    symbol: str
    side: Side
    qty: float
    price: float
    t: int  # start of the bar the fill happened in, epoch seconds UTC
    fee: float = 0.0

    @property
    def notional(self) -> float:
        return self.qty * self.price


@dataclass(frozen=True, slots=True, kw_only=True)
class Order:
    """An order as the account tracks it: the request, its status and its fills so far.

    Read-only to everyone but the account that holds it (``update_order``): a strategy is handed
    the account's own order, and an order it could change (``qty``, ``limit_price``) would skip
    the checks its submission passed. Change a working order with ``replace`` or ``cancel``.

    A notional order's ``qty`` is an estimate at the latest price until its first fill sizes it
    at the fill price (``notional / price``); ``notional`` is None for an order in shares.
    """

    client_order_id: str
    symbol: str
    side: Side
    qty: float
    type: OrderType
    limit_price: float | None
    stop_price: float | None
    time_in_force: TimeInForce
    submitted_t: int  # epoch seconds UTC; the order can fill only on bars starting at or after
    status: OrderStatus = OrderStatus.NEW
    reason: str = ""
    fills: tuple[Fill, ...] = ()
    filled_qty: float = 0
    filled_notional: float = 0.0  # sum of qty x price over the fills, kept as they come
    stop_triggered: bool = False  # a stop-limit whose stop was reached now works as a limit
    notional: float | None = None  # dollars, for an order sized at its fill price

    @property
    def remaining_qty(self) -> float:
        remaining = self.qty - self.filled_qty
        # Whole shares (ints) skip the rounding call: this runs for every order check.
        return remaining if type(remaining) is int else round_qty(remaining)

    @property
    def is_fractional(self) -> bool:
        return self.notional is not None or not _is_whole(self.qty)

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
            "notional": self.notional,
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


def update_order(order: Order, **changes: Any) -> None:
    """Change an order in place: the account's way, never a strategy's (``Order`` is frozen)."""
    for name, value in changes.items():
        object.__setattr__(order, name, value)


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


FingerprintRow = tuple[int, str, str, float, float]
"""(t, symbol, side, qty, price): what identifies a fill across engines."""


def trade_fingerprint(rows: Iterable[FingerprintRow]) -> str:
    """Return a SHA-256 hex digest over fills given as ``(t, symbol, side, qty, price)`` rows.

    Prices go in by ``repr``, the shortest string that round-trips the float, so two runs match
    only when every fill is bit-identical. Peers (backtrader) produce the same rows, so equal
    digests mean equal fills. Whole quantities go in as integers (as they always have, so
    fingerprints of whole-share runs did not change), fractional ones by ``repr``.
    """
    digest = hashlib.sha256()
    for t, symbol, side, qty, price in rows:
        shares = int(qty) if float(qty).is_integer() else repr(float(qty))
        digest.update(f"{int(t)}|{symbol}|{side}|{shares}|{float(price)!r}\n".encode())
    return digest.hexdigest()


def fill_rows(fills: Iterable[Fill]) -> list[FingerprintRow]:
    """The fingerprint rows of ``fills``, in the order given."""
    return [(fill.t, fill.symbol, fill.side.value, fill.qty, fill.price) for fill in fills]
