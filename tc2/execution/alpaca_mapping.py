"""Alpaca payloads to TC2 records and back: pure functions, no network.

Alpaca speaks JSON (REST bodies and ``trade_updates`` events, as alpaca-py's ``raw_data`` mode
hands them over): numbers as strings, times as RFC 3339 text, statuses finer than TC2's. These
functions turn an order payload into an ``Order``, a fill (stream event or account activity)
into a ``TradeFill``, a position into a ``Position``, and an ``OrderRequest`` into alpaca-py's
request object.

A fill's id is ``<alpaca order id>:<cumulative filled qty>``: the state the fill left the order
in. Alpaca's REST API never reveals a stream event's ``execution_id``, and a fill heard on the
stream and again from REST after a restart (the account activities carry ``cum_qty``) must get
the same id, so the records keep it once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from alpaca.trading.enums import OrderSide as AlpacaSide
from alpaca.trading.enums import TimeInForce as AlpacaTimeInForce
from alpaca.trading.requests import (
    LimitOrderRequest,
    MarketOrderRequest,
    StopLimitOrderRequest,
    StopOrderRequest,
)
from alpaca.trading.requests import OrderRequest as AlpacaOrderRequest

from tc2.errors import ExecutionError
from tc2.execution.orders import (
    Fill,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
    format_qty,
    round_qty,
)
from tc2.execution.positions import Position
from tc2.execution.trade_records import IntentStatus

Payload = Mapping[str, Any]

# Alpaca's order statuses by what they mean to a strategy. Anything still working at the broker
# (accepted, pending, held, pending cancel or replace...) is open: it may still fill.
_CLOSED_STATUSES = {
    "filled": OrderStatus.FILLED,
    "canceled": OrderStatus.CANCELED,
    "replaced": OrderStatus.CANCELED,  # the replacement order carries on
    "expired": OrderStatus.EXPIRED,
    "done_for_day": OrderStatus.EXPIRED,
    "rejected": OrderStatus.REJECTED,
    "suspended": OrderStatus.REJECTED,
}

FILL_EVENTS = frozenset(("fill", "partial_fill"))


def number(value: Any) -> float | None:
    """An Alpaca number (a string, a number or null) as a float, or None."""
    if value is None or value == "":
        return None
    return float(value)


def qty_number(value: Any) -> float:
    """An Alpaca quantity as TC2 keeps it: an int for whole shares, else 9 decimals."""
    parsed = number(value)
    return 0 if parsed is None else round_qty(parsed)


def epoch_seconds(value: Any) -> int | None:
    """An Alpaca timestamp (RFC 3339, nanoseconds allowed) as epoch seconds, or None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return int(value.timestamp())
    text = str(value).replace("Z", "+00:00")
    head, dot, rest = text.partition(".")
    if dot:  # Python takes at most 6 fractional digits; Alpaca sends up to 9
        digits = "".join(ch for ch in rest if ch.isdigit())
        zone = rest[len(digits) :]
        text = f"{head}.{digits[:6]}{zone}"
    return int(datetime.fromisoformat(text).timestamp())


def order_status(payload: Payload) -> OrderStatus:
    """TC2's status of an Alpaca order payload."""
    status = str(payload.get("status", ""))
    if status in _CLOSED_STATUSES:
        return _CLOSED_STATUSES[status]
    if status == "partially_filled" or qty_number(payload.get("filled_qty")) > 0:
        return OrderStatus.PARTIALLY_FILLED
    return OrderStatus.NEW


def intent_status(status: OrderStatus) -> IntentStatus:
    return IntentStatus(status.value)


def order_reason(payload: Payload) -> str:
    """Why an order closed without filling, in words (empty for a working or filled order)."""
    status = str(payload.get("status", ""))
    if status == "replaced":
        return f"replaced by Alpaca order {payload.get('replaced_by')}"
    if status in ("rejected", "suspended"):
        return str(payload.get("reject_reason") or payload.get("reason") or f"Alpaca {status}")
    return ""


def order_from_payload(payload: Payload, *, fills: tuple[Fill, ...] = ()) -> Order:
    """An ``Order`` from an Alpaca order payload, with the fills TC2 has heard of it.

    ``filled_qty`` and the average price are Alpaca's (the broker's word is final); ``fills``
    are the individual executions, which REST does not list with the order.
    """
    filled_qty = qty_number(payload.get("filled_qty"))
    average = number(payload.get("filled_avg_price"))
    notional = number(payload.get("notional"))
    qty = qty_number(payload.get("qty"))
    if not qty and notional is not None:
        qty = filled_qty  # a notional order is sized by its fills
    return Order(
        client_order_id=str(payload["client_order_id"]),
        symbol=str(payload["symbol"]),
        side=Side(str(payload["side"])),
        qty=qty,
        type=OrderType(str(payload.get("type") or payload.get("order_type"))),
        limit_price=number(payload.get("limit_price")),
        stop_price=number(payload.get("stop_price")),
        time_in_force=TimeInForce(str(payload.get("time_in_force"))),
        submitted_t=epoch_seconds(payload.get("submitted_at") or payload.get("created_at")) or 0,
        status=order_status(payload),
        reason=order_reason(payload),
        fills=fills,
        filled_qty=filled_qty,
        filled_notional=(average or 0.0) * filled_qty,
        notional=notional,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class AlpacaFill:
    """One execution as Alpaca reported it (stream event or ``FILL`` account activity)."""

    fill_id: str  # <alpaca order id>:<cumulative filled qty>
    broker_order_id: str
    client_order_id: str | None  # activities name only the Alpaca order id
    symbol: str
    side: Side
    qty: float
    price: float
    cumulative_qty: float
    t: int

    def to_fill(self, client_order_id: str) -> Fill:
        return Fill(
            client_order_id=client_order_id,
            symbol=self.symbol,
            side=self.side,
            qty=self.qty,
            price=self.price,
            t=self.t,
        )


def fill_id(broker_order_id: str, cumulative_qty: float) -> str:
    return f"{broker_order_id}:{format_qty(round_qty(cumulative_qty))}"


def fill_from_event(data: Payload) -> AlpacaFill | None:
    """The fill a ``trade_updates`` event reports, or None for a non-fill event."""
    if str(data.get("event")) not in FILL_EVENTS:
        return None
    order = data["order"]
    cumulative = qty_number(order.get("filled_qty"))
    qty = number(data.get("qty"))
    price = number(data.get("price"))
    if qty is None or price is None:
        raise ExecutionError(f"Alpaca {data.get('event')} event without qty or price: {data!r}")
    return AlpacaFill(
        fill_id=fill_id(str(order["id"]), cumulative),
        broker_order_id=str(order["id"]),
        client_order_id=str(order["client_order_id"]),
        symbol=str(order["symbol"]),
        side=Side(str(order["side"])),
        qty=round_qty(qty),
        price=price,
        cumulative_qty=cumulative,
        t=epoch_seconds(data.get("timestamp")) or 0,
    )


def fill_from_activity(activity: Payload) -> AlpacaFill:
    """The fill a ``FILL`` account activity reports (``GET /v2/account/activities/FILL``)."""
    return AlpacaFill(
        fill_id=fill_id(str(activity["order_id"]), qty_number(activity["cum_qty"])),
        broker_order_id=str(activity["order_id"]),
        client_order_id=None,
        symbol=str(activity["symbol"]),
        side=Side(str(activity["side"])),
        qty=qty_number(activity["qty"]),
        price=float(activity["price"]),
        cumulative_qty=qty_number(activity["cum_qty"]),
        t=epoch_seconds(activity.get("transaction_time")) or 0,
    )


def position_from_payload(payload: Payload) -> Position:
    """A ``Position`` from an Alpaca position payload (shorts carry a negative qty)."""
    qty = qty_number(payload["qty"])
    if payload.get("side") == "short" and qty > 0:
        qty = -qty
    return Position(
        symbol=str(payload["symbol"]),
        qty=qty,
        average_price=number(payload.get("avg_entry_price")) or 0.0,
    )


def alpaca_request(request: OrderRequest, client_order_id: str) -> AlpacaOrderRequest:
    """alpaca-py's request for ``request``, carrying ``client_order_id``."""
    common: dict[str, Any] = {
        "symbol": request.symbol,
        "side": AlpacaSide(request.side.value),
        "time_in_force": AlpacaTimeInForce(request.time_in_force.value),
        "client_order_id": client_order_id,
    }
    if request.notional is not None:
        common["notional"] = request.notional
    else:
        common["qty"] = request.qty
    if request.type is OrderType.MARKET:
        return MarketOrderRequest(**common)
    if request.type is OrderType.LIMIT:
        return LimitOrderRequest(limit_price=request.limit_price, **common)
    if request.type is OrderType.STOP:
        return StopOrderRequest(stop_price=request.stop_price, **common)
    return StopLimitOrderRequest(
        limit_price=request.limit_price, stop_price=request.stop_price, **common
    )


def error_message(body: str) -> tuple[int | None, str]:
    """(Alpaca error code, message) of an error body; the raw text when it is not JSON."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return None, body.strip()[:300]
    if not isinstance(parsed, dict):
        return None, body.strip()[:300]
    code = parsed.get("code")
    return (int(code) if isinstance(code, int) else None), str(parsed.get("message", body))
