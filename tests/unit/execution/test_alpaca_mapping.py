"""Alpaca payloads to TC2 records: statuses, fills, positions, requests (pure functions)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from alpaca.trading.requests import (
    LimitOrderRequest,
    MarketOrderRequest,
    StopLimitOrderRequest,
    StopOrderRequest,
)

from tc2.errors import ExecutionError
from tc2.execution import alpaca_mapping as mapping
from tc2.execution.orders import OrderRequest, OrderStatus, OrderType, Side, TimeInForce
from tc2.execution.trade_records import IntentStatus

# The body of alpaca-py's own test_market_order (../shared/fixtures/alpaca), verbatim but for
# the symbol: the fixture's "AAPL`" carries a stray backquote.
MARKET_ORDER: dict[str, Any] = {
    "id": "61e69015-8549-4bfd-b9c3-01e75843f47d",
    "client_order_id": "eb9e2aaa-f71a-4f51-b5b4-52a6c565dad4",
    "created_at": "2021-03-16T18:38:01.942282Z",
    "updated_at": "2021-03-16T18:38:01.942282Z",
    "submitted_at": "2021-03-16T18:38:01.937734Z",
    "filled_at": None,
    "expired_at": None,
    "canceled_at": None,
    "failed_at": None,
    "replaced_at": None,
    "replaced_by": None,
    "replaces": None,
    "asset_id": "904837e3-3b76-47ec-b432-046db621571b",
    "symbol": "AAPL",
    "asset_class": "us_equity",
    "notional": None,
    "qty": 1,
    "filled_qty": "0",
    "filled_avg_price": None,
    "order_class": "simple",
    "order_type": "market",
    "type": "market",
    "side": "buy",
    "time_in_force": "day",
    "limit_price": None,
    "stop_price": None,
    "status": "accepted",
    "extended_hours": False,
    "legs": None,
    "trail_percent": None,
    "trail_price": None,
    "hwm": None,
    "position_intent": "buy_to_open",
    "commission": 1.25,
}
SUBMITTED_T = 1_615_919_881  # 2021-03-16T18:38:01Z


def test_the_fixture_order_maps_to_a_new_market_order() -> None:
    order = mapping.order_from_payload(MARKET_ORDER)
    assert (order.client_order_id, order.symbol, order.side, order.qty) == (
        "eb9e2aaa-f71a-4f51-b5b4-52a6c565dad4",
        "AAPL",
        Side.BUY,
        1,
    )
    assert (order.type, order.time_in_force, order.submitted_t) == (
        OrderType.MARKET,
        TimeInForce.DAY,
        SUBMITTED_T,
    )
    assert (order.status, order.filled_qty, order.average_fill_price) == (
        OrderStatus.NEW,
        0,
        None,
    )


def test_the_shared_fixture_still_has_the_shape_the_mapping_reads() -> None:
    root = Path(
        os.environ.get("TC2_SHARED_FIXTURES", Path(__file__).parents[4] / "shared" / "fixtures")
    )
    fixtures = json.loads((root / "alpaca" / "alpaca-py-test-responses.json").read_text())
    body = next(
        f["response_body"] for f in fixtures["fixtures"] if f["test"] == "test_market_order"
    )
    assert set(body) == set(MARKET_ORDER)
    assert {k: v for k, v in body.items() if k != "symbol"} == {
        k: v for k, v in MARKET_ORDER.items() if k != "symbol"
    }


@pytest.mark.parametrize(
    ("alpaca_status", "filled_qty", "expected"),
    [
        ("new", "0", OrderStatus.NEW),
        ("accepted", "0", OrderStatus.NEW),
        ("pending_new", "0", OrderStatus.NEW),
        ("held", "0", OrderStatus.NEW),
        ("pending_cancel", "0", OrderStatus.NEW),  # still working until Alpaca says canceled
        ("pending_cancel", "3", OrderStatus.PARTIALLY_FILLED),
        ("partially_filled", "3", OrderStatus.PARTIALLY_FILLED),
        ("filled", "10", OrderStatus.FILLED),
        ("canceled", "0", OrderStatus.CANCELED),
        ("replaced", "0", OrderStatus.CANCELED),
        ("expired", "0", OrderStatus.EXPIRED),
        ("done_for_day", "0", OrderStatus.EXPIRED),
        ("rejected", "0", OrderStatus.REJECTED),
    ],
)
def test_alpaca_statuses_map_to_what_they_mean_to_a_strategy(
    alpaca_status: str, filled_qty: str, expected: OrderStatus
) -> None:
    payload = {**MARKET_ORDER, "status": alpaca_status, "filled_qty": filled_qty}
    assert mapping.order_status(payload) is expected
    assert mapping.intent_status(expected) is IntentStatus(expected.value)


def test_a_replaced_or_rejected_order_says_why() -> None:
    replaced = {**MARKET_ORDER, "status": "replaced", "replaced_by": "abc"}
    assert mapping.order_reason(replaced) == "replaced by Alpaca order abc"
    rejected = {**MARKET_ORDER, "status": "rejected", "reject_reason": "insufficient qty"}
    assert mapping.order_from_payload(rejected).reason == "insufficient qty"


def test_a_filled_notional_order_takes_its_size_from_the_fills() -> None:
    payload = {
        **MARKET_ORDER,
        "qty": None,
        "notional": "150",
        "filled_qty": "1.5",
        "filled_avg_price": "100",
        "status": "filled",
    }
    order = mapping.order_from_payload(payload)
    assert (order.qty, order.notional, order.filled_notional) == (1.5, 150.0, 150.0)


def _event(event: str, **fields: Any) -> dict[str, Any]:
    order = {**MARKET_ORDER, "status": "partially_filled", "filled_qty": "4"}
    return {"event": event, "timestamp": "2021-03-16T18:38:02.123456789Z", "order": order, **fields}


def test_a_fill_event_becomes_a_fill_keyed_by_order_and_cumulative_qty() -> None:
    fill = mapping.fill_from_event(
        _event("partial_fill", execution_id="e1", price="100.5", qty="4", position_qty="4")
    )
    assert fill is not None
    assert fill.fill_id == "61e69015-8549-4bfd-b9c3-01e75843f47d:4"
    assert (fill.qty, fill.price, fill.cumulative_qty, fill.t) == (4, 100.5, 4, SUBMITTED_T + 1)
    assert fill.to_fill("cid").client_order_id == "cid"
    assert mapping.fill_from_event(_event("new")) is None
    with pytest.raises(ExecutionError, match="without qty or price"):
        mapping.fill_from_event(_event("fill"))


def test_a_fill_activity_gets_the_same_id_as_the_stream_event_of_that_fill() -> None:
    activity = {
        "id": "20210316183802123::00000001",
        "activity_type": "FILL",
        "transaction_time": "2021-03-16T18:38:02.123Z",
        "type": "partial_fill",
        "price": "100.5",
        "qty": "4",
        "side": "buy",
        "symbol": "AAPL",
        "leaves_qty": "6",
        "order_id": MARKET_ORDER["id"],
        "cum_qty": "4",
        "order_status": "partially_filled",
    }
    event = mapping.fill_from_event(_event("partial_fill", price="100.5", qty="4"))
    assert event is not None
    assert mapping.fill_from_activity(activity).fill_id == event.fill_id
    fractional = {**activity, "cum_qty": "1.500000000", "qty": "1.5"}
    assert mapping.fill_from_activity(fractional).fill_id.endswith(":1.5")


def test_a_short_position_has_a_negative_qty() -> None:
    position = mapping.position_from_payload(
        {"symbol": "SPY", "qty": "5", "side": "short", "avg_entry_price": "101.25"}
    )
    assert (position.qty, position.average_price) == (-5, 101.25)


@pytest.mark.parametrize(
    ("request_", "kind"),
    [
        (OrderRequest(symbol="SPY", side=Side.BUY, qty=3), MarketOrderRequest),
        (OrderRequest(symbol="SPY", side=Side.SELL, notional=25.0), MarketOrderRequest),
        (
            OrderRequest(symbol="SPY", side=Side.BUY, qty=3, type=OrderType.LIMIT, limit_price=9),
            LimitOrderRequest,
        ),
        (
            OrderRequest(symbol="SPY", side=Side.BUY, qty=3, type=OrderType.STOP, stop_price=9),
            StopOrderRequest,
        ),
        (
            OrderRequest(
                symbol="SPY",
                side=Side.BUY,
                qty=3,
                type=OrderType.STOP_LIMIT,
                stop_price=9,
                limit_price=9.5,
                time_in_force=TimeInForce.GTC,
            ),
            StopLimitOrderRequest,
        ),
    ],
)
def test_requests_become_alpaca_py_requests_with_the_client_order_id(
    request_: OrderRequest, kind: type
) -> None:
    body = mapping.alpaca_request(request_, "tc2-abc-000001")
    assert isinstance(body, kind)
    fields = body.to_request_fields()
    assert fields["client_order_id"] == "tc2-abc-000001"
    assert fields["type"] == request_.type.value
    assert fields["time_in_force"] == request_.time_in_force.value
    assert fields.get("qty") == request_.qty
    assert fields.get("notional") == request_.notional
    assert fields.get("limit_price") == request_.limit_price
    assert fields.get("stop_price") == request_.stop_price


def test_error_bodies_give_code_and_message() -> None:
    body = '{"code": 40010001, "message": "client_order_id must be unique"}'
    assert mapping.error_message(body) == (40010001, "client_order_id must be unique")
    assert mapping.error_message("<html>bad gateway</html>") == (None, "<html>bad gateway</html>")


def test_timestamps_with_nanoseconds_and_numbers_as_strings() -> None:
    assert mapping.epoch_seconds("2021-03-16T18:38:01.937734999Z") == SUBMITTED_T
    assert mapping.epoch_seconds(None) is None
    assert (mapping.qty_number("10"), mapping.qty_number("1.50"), mapping.number("")) == (
        10,
        1.5,
        None,
    )
