"""AlpacaBroker under faults: retried sends, lost answers, a dropped stream, a crash, staleness.

The money rules: an order is recorded before it is sent, a retried or re-run send never makes a
second order at Alpaca, and after any reconnect or restart the records match Alpaca.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from tc2.data.providers.backoff import Backoff
from tc2.env.config import RuntimeConfig
from tc2.env.trading_settings import AlpacaEndpoint, TradingSettings
from tc2.errors import ConfigurationError, TemporaryBrokerError
from tc2.execution.alpaca_broker import AlpacaBroker, alpaca_endpoints, broker_from_settings
from tc2.execution.alpaca_stream import StreamStatus
from tc2.execution.orders import OrderRequest, OrderStatus, OrderType, Side, TimeInForce
from tc2.execution.trade_records import IntentStatus, OrderIntent, TradingMode
from tests.fakes.fake_alpaca import FAKE_KEY_ID, FAKE_SECRET, FakeAlpaca, fake_alpaca
from tests.integration.alpaca_support import (
    BARS,
    LogLines,
    new_recorder,
    start_hub,
    wait_status,
    wait_until,
)

RUN_KEY = "batch-1|test|SPY|2024-03-05"


@pytest.fixture
def fake() -> Iterator[FakeAlpaca]:
    with fake_alpaca(bars=BARS) as server:
        yield server


@pytest.mark.parametrize("status", [503, 429])
def test_a_failed_submit_is_retried_with_the_same_id_and_makes_one_order(
    fake: FakeAlpaca, status: int
) -> None:
    records, run_id = new_recorder()
    broker = AlpacaBroker(start_hub(fake, records, LogLines()), run_id=run_id, run_key=RUN_KEY)
    try:
        fake.fail_next(2, status=status, method="POST")
        order = broker.submit(OrderRequest(symbol="SPY", side=Side.BUY, qty=10))
        wait_status(order, OrderStatus.FILLED)
        assert fake.submit_attempts == [order.client_order_id] * 3
        assert len(fake.orders) == 1
        assert len(records.fills) == 1
    finally:
        broker.close()


def test_a_lost_submit_answer_adopts_the_order_the_first_send_made(fake: FakeAlpaca) -> None:
    records, run_id = new_recorder()
    log = LogLines()
    broker = AlpacaBroker(start_hub(fake, records, log), run_id=run_id, run_key=RUN_KEY)
    try:
        fake.lose_next_submit()
        order = broker.submit(OrderRequest(symbol="SPY", side=Side.BUY, qty=10))
        wait_status(order, OrderStatus.FILLED)
        assert fake.submit_attempts == [order.client_order_id] * 2  # the retry was refused
        assert len(fake.orders) == 1
        assert records.orders[order.client_order_id].broker_order_id == next(iter(fake.orders))
        assert len(records.fills) == 1
        assert "an earlier attempt landed" in log.text()
    finally:
        broker.close()


def test_a_submit_that_timed_out_but_took_effect_is_adopted_not_repeated(
    fake: FakeAlpaca,
) -> None:
    records, run_id = new_recorder()
    hub = start_hub(fake, records, LogLines(), http_timeout_s=0.3)
    broker = AlpacaBroker(hub, run_id=run_id, run_key=RUN_KEY)
    try:
        fake.delay_next_answer(1.0)  # the order is placed; its answer comes after the timeout
        order = broker.submit(OrderRequest(symbol="SPY", side=Side.BUY, qty=4))
        wait_status(order, OrderStatus.FILLED)
        assert fake.submit_attempts == [order.client_order_id] * 2
        assert len(fake.orders) == 1
        assert [fill.qty for fill in records.fills.values()] == [4]
    finally:
        broker.close()


def test_a_dropped_stream_pauses_orders_reconnects_and_reconciles_the_missed_fill(
    fake: FakeAlpaca,
) -> None:
    records, run_id = new_recorder()
    hub = start_hub(fake, records, LogLines())
    broker = AlpacaBroker(hub, run_id=run_id, run_key=RUN_KEY)
    try:
        resting = broker.submit(
            OrderRequest(symbol="SPY", side=Side.BUY, qty=5, type=OrderType.LIMIT, limit_price=99)
        )
        fake.refuse_streams = True
        fake.drop_streams()
        wait_until(lambda: hub.stream_state().status is StreamStatus.DOWN, what="stream down")
        with pytest.raises(TemporaryBrokerError, match="submit of buy SPY paused: the Alpaca"):
            broker.submit(OrderRequest(symbol="SPY", side=Side.BUY, qty=1))
        with pytest.raises(TemporaryBrokerError, match="paused"):
            broker.cancel(resting.client_order_id)
        fake.advance("SPY")  # fills while nobody listens: the event is lost
        assert fake.open_orders() == []
        assert resting.status is OrderStatus.NEW
        fake.refuse_streams = False
        waited = wait_until(
            lambda: hub.stream_state().status is StreamStatus.CONNECTED,
            what="reconnected",
            timeout=12.0,
        )
        assert waited <= 10.0
        assert resting.status is OrderStatus.FILLED  # reconciled before trading resumed
        assert records.orders[resting.client_order_id].status is IntentStatus.FILLED
        assert [(f.qty, f.price) for f in records.fills.values()] == [(5, 99.0)]
        assert hub.stream_state().reconnects == 1
        assert len(fake.submit_attempts) == 1
    finally:
        broker.close()


def test_a_restart_after_a_crash_adopts_sent_orders_and_marks_unsent_ones(
    fake: FakeAlpaca,
) -> None:
    records, run_id = new_recorder()
    first = start_hub(fake, records, LogLines(), backoff=Backoff(server_error_retries=0))
    crashed = AlpacaBroker(first, run_id=run_id, run_key=RUN_KEY)
    resting = crashed.submit(
        OrderRequest(symbol="SPY", side=Side.BUY, qty=5, type=OrderType.LIMIT, limit_price=99)
    )
    fake.lose_next_submit()  # accepted and filled, but the answer never came back...
    fake.mute_events = True  # ...nor its events: the process died before hearing them
    fake.fail_next(1, status=503, method="GET")  # nor could it look the order up
    with pytest.raises(TemporaryBrokerError, match="gave up after 0 retries"):
        crashed.submit(OrderRequest(symbol="SPY", side=Side.BUY, qty=2))
    lost = "tc2-" + resting.client_order_id[4:20] + "-000002"
    assert records.orders[lost].status is IntentStatus.INTENDED
    # Recorded, then the process died before the HTTP request went out.
    unsent = OrderIntent(
        run_id=run_id,
        client_order_id="tc2-" + resting.client_order_id[4:20] + "-000003",
        symbol="SPY",
        side=Side.SELL,
        qty=1,
        notional=None,
        type=OrderType.MARKET,
        limit_price=None,
        stop_price=None,
        time_in_force=TimeInForce.DAY,
        created_t=resting.submitted_t,
    )
    records.order_intended(unsent)
    first.stop()  # the crash: nothing more is heard, nothing is cleaned up
    fake.mute_events = False
    fake.advance("SPY")  # the resting order fills while no process runs

    hub = start_hub(fake, records, LogLines())
    restarted = AlpacaBroker(hub, run_id=run_id, run_key=RUN_KEY, first_sequence=4)
    try:
        status = {cid: intent.status for cid, intent in records.orders.items()}
        assert status == {
            resting.client_order_id: IntentStatus.FILLED,
            lost: IntentStatus.FILLED,
            unsent.client_order_id: IntentStatus.NEVER_SENT,
        }
        adopted = restarted.order(resting.client_order_id)
        assert adopted is not resting  # a new process, its own objects
        assert (adopted.status, adopted.filled_qty) == (OrderStatus.FILLED, 5)
        assert [(f.qty, f.price) for f in adopted.fills] == [(5, 99.0)]
        assert {u.client_order_id for u in restarted.drain_updates()} == {
            resting.client_order_id,
            lost,
        }
        assert sorted((f.client_order_id, f.qty) for f in records.fills.values()) == sorted(
            [(resting.client_order_id, 5), (lost, 2)]
        )
        assert len(fake.orders) == 2  # nothing was sent again
        assert restarted.next_client_order_id().endswith("-000004")
    finally:
        restarted.close()


def test_an_unanswered_send_is_settled_by_the_worker_without_a_reconnect(
    fake: FakeAlpaca,
) -> None:
    records, run_id = new_recorder()
    hub = start_hub(
        fake, records, LogLines(), backoff=Backoff(server_error_retries=0), settle_after_s=0.0
    )
    broker = AlpacaBroker(hub, run_id=run_id, run_key=RUN_KEY)
    try:
        fake.lose_next_submit()  # landed, unanswered, and the lookup fails too
        fake.fail_next(1, status=503, method="GET")
        with pytest.raises(TemporaryBrokerError, match="stays recorded as intended and open"):
            broker.submit(OrderRequest(symbol="SPY", side=Side.BUY, qty=2))
        landed = broker.order(next(iter(records.orders)))
        fake.fail_next(1, status=503, method="POST")  # never reached Alpaca
        fake.fail_next(1, status=503, method="GET")
        with pytest.raises(TemporaryBrokerError, match="gave up after 0 retries"):
            broker.submit(OrderRequest(symbol="SPY", side=Side.BUY, qty=3))
        lost = broker.order(list(records.orders)[1])
        wait_status(landed, OrderStatus.FILLED)  # the worker asked Alpaca, which had it
        wait_status(lost, OrderStatus.REJECTED)  # ... and had not this one
        assert records.orders[landed.client_order_id].status is IntentStatus.FILLED
        assert records.orders[lost.client_order_id].status is IntentStatus.NEVER_SENT
        assert hub.stream_state().reconnects == 0
        assert len(fake.orders) == 1
    finally:
        broker.close()


def test_a_submit_whose_retries_ran_out_but_landed_is_adopted_at_once(fake: FakeAlpaca) -> None:
    records, run_id = new_recorder()
    hub = start_hub(fake, records, LogLines(), backoff=Backoff(server_error_retries=0))
    broker = AlpacaBroker(hub, run_id=run_id, run_key=RUN_KEY)
    try:
        fake.lose_next_submit()
        order = broker.submit(OrderRequest(symbol="SPY", side=Side.BUY, qty=2))
        wait_status(order, OrderStatus.FILLED)
        assert fake.submit_attempts == [order.client_order_id]
    finally:
        broker.close()


def test_one_stream_per_key_shared_by_every_broker(fake: FakeAlpaca) -> None:
    records, run_id = new_recorder()
    other_run = records.run_started(records.runs[run_id])
    environ = {
        "ALPACA_API_KEY_ID": FAKE_KEY_ID,
        "ALPACA_API_SECRET_KEY": FAKE_SECRET,
        "ALPACA_TRADING_URL": fake.url,
        "ALPACA_TRADING_STREAM_URL": fake.stream_url,
    }
    config = RuntimeConfig.from_environ({})
    options = {"backoff": Backoff(server_error_delay_s=0.01), "log": LogLines()}
    one = broker_from_settings(
        TradingSettings(), config, records, run_id=run_id, run_key="a", environ=environ, **options
    )
    two = broker_from_settings(
        TradingSettings(), config, records, run_id=other_run, run_key="b", environ=environ
    )
    try:
        assert one.hub is two.hub
        assert one.mode is TradingMode.PAPER
        mine = one.submit(OrderRequest(symbol="SPY", side=Side.BUY, qty=1))
        theirs = two.submit(OrderRequest(symbol="QQQ", side=Side.BUY, qty=1))
        wait_status(mine, OrderStatus.FILLED)
        wait_status(theirs, OrderStatus.FILLED)
        assert one.drain_updates() == [mine]
        assert two.drain_updates() == [theirs]
        assert fake.stream_connections == 1
        elsewhere = {**environ, "ALPACA_TRADING_URL": "http://127.0.0.1:9"}
        with pytest.raises(ConfigurationError, match="already trades at"):
            broker_from_settings(
                TradingSettings(), config, records, run_id=run_id, run_key="c", environ=elsewhere
            )
    finally:
        one.close()
        assert two.stream_state().status is StreamStatus.CONNECTED  # still in use
        two.close()
    wait_until(lambda: fake.listening() == 0, what="the last broker closing the stream")


def test_a_silent_stream_during_market_hours_is_reported_stale(fake: FakeAlpaca) -> None:
    records, run_id = new_recorder()
    log = LogLines()
    hub = start_hub(fake, records, log, stale_after_s=0.3, market_open=lambda t: True)
    broker = AlpacaBroker(hub, run_id=run_id, run_key=RUN_KEY)
    try:
        assert not broker.stream_state().stale
        wait_until(lambda: broker.stream_state().stale, what="stale")
        state = broker.stream_state()
        assert state.status is StreamStatus.CONNECTED and state.silent_s is not None
        assert state.last_event_t is not None and state.to_dict()["stale"] is True
        wait_until(lambda: "stream stale: silent" in log.text(), what="the stale warning")
        broker.submit(OrderRequest(symbol="SPY", side=Side.BUY, qty=1))
        wait_until(lambda: not broker.stream_state().stale, what="fresh again")
    finally:
        broker.close()
    closed = start_hub(fake, records, LogLines(), stale_after_s=0.0, market_open=lambda t: False)
    try:
        assert not closed.stream_state().stale  # silence outside market hours is normal
    finally:
        closed.stop()


def test_live_needs_both_switches() -> None:
    with pytest.raises(ConfigurationError) as refused:
        alpaca_endpoints(AlpacaEndpoint.LIVE, allow_live=False, environ={})
    assert "TC2_ALLOW_LIVE=1" in str(refused.value)
    assert "alpaca_endpoint='live'" in str(refused.value)
    live = alpaca_endpoints(AlpacaEndpoint.LIVE, allow_live=True, environ={})
    assert (live.mode, live.trading_url) == (TradingMode.LIVE, "https://api.alpaca.markets")
    assert live.stream_url == "wss://api.alpaca.markets/stream"
    paper = alpaca_endpoints(AlpacaEndpoint.PAPER, allow_live=True, environ={})
    assert (paper.mode, paper.trading_url) == (
        TradingMode.PAPER,
        "https://paper-api.alpaca.markets",
    )
    records, run_id = new_recorder()
    with pytest.raises(ConfigurationError, match="TC2_ALLOW_LIVE=1"):
        broker_from_settings(
            TradingSettings(alpaca_endpoint=AlpacaEndpoint.LIVE),
            RuntimeConfig.from_environ({}),
            records,
            run_id=run_id,
            run_key=RUN_KEY,
            environ={"ALPACA_API_KEY_ID": "k", "ALPACA_API_SECRET_KEY": "s"},
        )
    with pytest.raises(ConfigurationError, match="ALPACA_API_SECRET_KEY set"):
        broker_from_settings(
            TradingSettings(),
            RuntimeConfig.from_environ({}),
            records,
            run_id=run_id,
            run_key=RUN_KEY,
            environ={"ALPACA_API_KEY_ID": "k"},
        )


def test_keys_never_reach_logs_reprs_or_errors(
    fake: FakeAlpaca, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    records, run_id = new_recorder()
    log = LogLines()
    hub = start_hub(fake, records, log)
    broker = AlpacaBroker(hub, run_id=run_id, run_key=RUN_KEY)
    shown: list[str] = [repr(broker), repr(hub), repr(hub.rest), repr(hub.client)]
    try:
        fake.lose_next_submit()
        broker.submit(OrderRequest(symbol="SPY", side=Side.BUY, qty=1))
        fake.drop_streams()
        wait_until(
            lambda: (
                hub.stream_state().status is StreamStatus.CONNECTED
                and hub.stream_state().reconnects == 1
            ),
            what="reconnected",
        )
        fake.fail_next(10, status=500)
        with pytest.raises(TemporaryBrokerError) as failed:
            broker.submit(OrderRequest(symbol="SPY", side=Side.BUY, qty=1))
        shown.append(str(failed.value))
        shown.append(repr(hub.endpoints))
    finally:
        broker.close()
    everything = "\n".join([*shown, log.text(), caplog.text])
    assert "Alpaca account stream listening" in everything  # the logs were captured
    assert "gave up after 3 retries" in everything
    assert FAKE_KEY_ID not in everything
    assert FAKE_SECRET not in everything
    assert fake.headers_seen[0]["APCA-API-KEY-ID"] == FAKE_KEY_ID  # they were sent, though
