"""AlpacaBroker order round trips: the real alpaca-py against the local fake Alpaca.

Every order type goes submit -> Alpaca -> ``trade_updates`` fill -> recorded, and the records
(``MemoryTradeRecorder``) hold the intent before the send and each fill once.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tc2.errors import ExecutionError
from tc2.execution.alpaca_broker import AlpacaBroker
from tc2.execution.orders import OrderRejected, OrderRequest, OrderStatus, OrderType, Side
from tc2.execution.trade_records import IntentStatus, MemoryTradeRecorder
from tests.fakes.fake_alpaca import FakeAlpaca, fake_alpaca
from tests.integration.alpaca_support import (
    BARS,
    LogLines,
    new_recorder,
    start_hub,
    wait_status,
)


@pytest.fixture
def fake() -> Iterator[FakeAlpaca]:
    with fake_alpaca(bars=BARS) as server:
        yield server


@pytest.fixture
def recorder() -> tuple[MemoryTradeRecorder, int]:
    return new_recorder()


@pytest.fixture
def broker(fake: FakeAlpaca, recorder: tuple[MemoryTradeRecorder, int]) -> Iterator[AlpacaBroker]:
    records, run_id = recorder
    hub = start_hub(fake, records, LogLines())
    account = AlpacaBroker(hub, run_id=run_id, run_key="batch-1|test|SPY|2024-03-05")
    yield account
    account.close()


def test_market_order_fills_and_is_recorded_once(
    fake: FakeAlpaca, broker: AlpacaBroker, recorder: tuple[MemoryTradeRecorder, int]
) -> None:
    records, run_id = recorder
    order = broker.submit(OrderRequest(symbol="SPY", side=Side.BUY, qty=10))
    wait_status(order, OrderStatus.FILLED)

    alpaca_id = fake.orders[next(iter(fake.orders))]["id"]
    assert order.client_order_id == "tc2-" + order.client_order_id[4:20] + "-000001"
    assert (order.filled_qty, order.average_fill_price) == (10, 100.0)
    assert [(f.qty, f.price) for f in order.fills] == [(10, 100.0)]
    intent = records.orders[order.client_order_id]
    assert (intent.status, intent.broker_order_id, intent.run_id) == (
        IntentStatus.FILLED,
        alpaca_id,
        run_id,
    )
    assert list(records.fills) == [f"{alpaca_id}:10"]
    assert broker.positions()["SPY"].qty == 10
    assert broker.position_qty("SPY") == 10
    assert broker.position_qty("QQQ") == 0
    assert broker.cash == 99_000.0
    assert broker.equity == 100_000.0
    assert broker.buying_power == 99_000.0
    assert broker.day_trade_count == 0
    assert broker.drain_updates() == [order]
    assert broker.drain_updates() == []


def test_a_delayed_fill_arrives_on_the_stream_after_the_submit_returned(
    fake: FakeAlpaca, broker: AlpacaBroker
) -> None:
    fake.fill_delay_s = 0.3
    order = broker.submit(OrderRequest(symbol="SPY", side=Side.BUY, qty=2))
    assert order.status is OrderStatus.NEW
    assert broker.wait_updates(2.0)
    wait_status(order, OrderStatus.FILLED)
    assert order in broker.drain_updates()


def test_limit_order_rests_then_fills_on_the_bar_that_reaches_it(
    fake: FakeAlpaca, broker: AlpacaBroker
) -> None:
    order = broker.submit(
        OrderRequest(symbol="SPY", side=Side.BUY, qty=5, type=OrderType.LIMIT, limit_price=99.0)
    )
    assert order.status is OrderStatus.NEW
    assert broker.open_orders("SPY") == [order]
    fake.advance("SPY")  # low 98 reaches 99; opens at 100.5, so the limit price
    wait_status(order, OrderStatus.FILLED)
    assert order.average_fill_price == 99.0
    assert broker.open_orders() == []


@pytest.mark.parametrize(
    ("kind", "prices", "fill_price"),
    [
        (OrderType.STOP, {"stop_price": 102.0}, 102.0),  # high 103 triggers; opens 100.5
        (OrderType.STOP_LIMIT, {"stop_price": 102.0, "limit_price": 102.5}, 102.0),
    ],
)
def test_stop_orders_trigger_on_the_bar_that_reaches_the_stop(
    fake: FakeAlpaca,
    broker: AlpacaBroker,
    kind: OrderType,
    prices: dict[str, float],
    fill_price: float,
) -> None:
    order = broker.submit(OrderRequest(symbol="SPY", side=Side.BUY, qty=3, type=kind, **prices))
    assert order.status is OrderStatus.NEW
    fake.advance("SPY")
    wait_status(order, OrderStatus.FILLED)
    assert order.average_fill_price == fill_price
    assert fake.orders[next(iter(fake.orders))]["type"] == kind.value


def test_notional_order_is_sized_at_its_fill_price(
    broker: AlpacaBroker, recorder: tuple[MemoryTradeRecorder, int]
) -> None:
    records, _ = recorder
    order = broker.submit(OrderRequest(symbol="SPY", side=Side.BUY, notional=150.0))
    wait_status(order, OrderStatus.FILLED)
    assert order.notional == 150.0
    assert order.filled_qty == 1.5
    assert records.orders[order.client_order_id].notional == 150.0
    assert [fill.qty for fill in records.fills.values()] == [1.5]


def test_partial_fill_then_fill_records_both(
    fake: FakeAlpaca, broker: AlpacaBroker, recorder: tuple[MemoryTradeRecorder, int]
) -> None:
    records, _ = recorder
    fake.partial_next(4)
    order = broker.submit(OrderRequest(symbol="SPY", side=Side.BUY, qty=10))
    wait_status(order, OrderStatus.PARTIALLY_FILLED)
    assert order.filled_qty == 4
    assert records.orders[order.client_order_id].status is IntentStatus.PARTIALLY_FILLED
    fake.advance("SPY")  # the rest fills at the next bar's open
    wait_status(order, OrderStatus.FILLED)
    assert [(f.qty, f.price) for f in order.fills] == [(4, 100.0), (6, 100.5)]
    assert sorted(fill_id.split(":")[1] for fill_id in records.fills) == ["10", "4"]
    assert order.average_fill_price == pytest.approx((4 * 100.0 + 6 * 100.5) / 10)


def test_rejection_raises_with_alpacas_reason(
    fake: FakeAlpaca, broker: AlpacaBroker, recorder: tuple[MemoryTradeRecorder, int]
) -> None:
    records, _ = recorder
    with pytest.raises(OrderRejected, match="insufficient buying power") as refused:
        broker.submit(OrderRequest(symbol="SPY", side=Side.BUY, qty=5000))
    cid = refused.value.order.client_order_id
    assert refused.value.order.status is OrderStatus.REJECTED
    assert "need 500000.00, have 100000.00" in refused.value.order.reason
    assert records.orders[cid].status is IntentStatus.REJECTED
    assert "insufficient buying power" in records.orders[cid].reason
    fake.reject_next("account is restricted to liquidation")
    with pytest.raises(OrderRejected, match="restricted to liquidation"):
        broker.submit(OrderRequest(symbol="SPY", side=Side.BUY, qty=1))
    assert fake.orders == {}


def test_cancel_and_cancel_all_touch_only_the_runs_own_orders(
    fake: FakeAlpaca, broker: AlpacaBroker, recorder: tuple[MemoryTradeRecorder, int]
) -> None:
    records, _ = recorder
    other = AlpacaBroker(broker.hub, run_id=records.run_started(records.runs[1]), run_key="other")
    try:
        limit = {"type": OrderType.LIMIT, "limit_price": 90.0}
        first = broker.submit(OrderRequest(symbol="SPY", side=Side.BUY, qty=1, **limit))
        second = broker.submit(OrderRequest(symbol="SPY", side=Side.BUY, qty=2, **limit))
        third = broker.submit(
            OrderRequest(
                symbol="QQQ", side=Side.BUY, qty=1, limit_price=390.0, type=OrderType.LIMIT
            )
        )
        theirs = other.submit(OrderRequest(symbol="SPY", side=Side.BUY, qty=3, **limit))

        assert broker.cancel(first.client_order_id).status is OrderStatus.CANCELED
        assert records.orders[first.client_order_id].status is IntentStatus.CANCELED
        with pytest.raises(ExecutionError, match="no longer open"):
            broker.cancel(first.client_order_id)
        with pytest.raises(ExecutionError, match="has no order"):
            broker.cancel(theirs.client_order_id)

        assert broker.cancel_all("SPY") == [second]
        assert second.status is OrderStatus.CANCELED
        assert third.is_open and theirs.is_open
        assert broker.open_orders() == [third]
        assert other.open_orders() == [theirs]
        assert [o["status"] for o in fake.orders.values()] == ["canceled", "canceled", "new", "new"]
    finally:
        other.close()


def test_replace_sends_a_new_order_and_closes_the_old_one(
    fake: FakeAlpaca, broker: AlpacaBroker, recorder: tuple[MemoryTradeRecorder, int]
) -> None:
    records, _ = recorder
    old = broker.submit(
        OrderRequest(symbol="SPY", side=Side.BUY, qty=5, type=OrderType.LIMIT, limit_price=97.0)
    )
    new = broker.replace(old.client_order_id, limit_price=99.0, qty=6)
    assert new.client_order_id.endswith("-000002")
    assert (new.qty, new.limit_price, new.status) == (6, 99.0, OrderStatus.NEW)
    wait_status(old, OrderStatus.CANCELED)
    assert old.reason.startswith("replaced by")
    assert records.orders[new.client_order_id].limit_price == 99.0
    at_alpaca = {o["client_order_id"]: o for o in fake.orders.values()}
    assert at_alpaca[old.client_order_id]["status"] == "replaced"
    assert at_alpaca[new.client_order_id]["replaces"] == at_alpaca[old.client_order_id]["id"]
    fake.advance("SPY")
    wait_status(new, OrderStatus.FILLED)
    assert new.average_fill_price == 99.0


def test_a_known_client_order_id_is_never_sent_twice(
    fake: FakeAlpaca, broker: AlpacaBroker
) -> None:
    request = OrderRequest(symbol="SPY", side=Side.BUY, qty=1, client_order_id="tc2-fixed-1")
    first = broker.submit(request)
    again = broker.submit(request)
    assert again is first
    assert fake.submit_attempts == ["tc2-fixed-1"]
    assert len(fake.orders) == 1


def test_a_reused_client_order_id_naming_another_order_is_refused(
    fake: FakeAlpaca, broker: AlpacaBroker
) -> None:
    broker.submit(OrderRequest(symbol="QQQ", side=Side.BUY, qty=1, client_order_id="tc2-reused"))
    # Another process, with records of its own, that does not know the id is taken.
    records, run_id = new_recorder()
    elsewhere = AlpacaBroker(start_hub(fake, records, LogLines()), run_id=run_id, run_key="x")
    try:
        with pytest.raises(OrderRejected, match="already names Alpaca order") as refused:
            elsewhere.submit(
                OrderRequest(symbol="SPY", side=Side.SELL, qty=1, client_order_id="tc2-reused")
            )
        assert refused.value.order.status is OrderStatus.REJECTED
        assert records.orders["tc2-reused"].status is IntentStatus.REJECTED
        assert len(fake.orders) == 1
    finally:
        elsewhere.close()
