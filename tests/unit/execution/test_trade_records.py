"""The trade-records contract as the in-memory recorder keeps it."""

from tc2.execution.orders import OrderType, Side, TimeInForce
from tc2.execution.trade_records import (
    IntentStatus,
    MemoryTradeRecorder,
    OrderIntent,
    RunStart,
    TradeFill,
    TradingMode,
    deterministic_client_order_id,
)


def _start(mode: TradingMode) -> RunStart:
    return RunStart(
        batch_id="b1", strategy="Cycle", parameters={}, mode=mode, symbols=("SPY",), start_t=1
    )


def _intent(run_id: int, client_order_id: str) -> OrderIntent:
    return OrderIntent(
        run_id=run_id,
        client_order_id=client_order_id,
        symbol="SPY",
        side=Side.BUY,
        qty=10,
        notional=None,
        type=OrderType.MARKET,
        limit_price=None,
        stop_price=None,
        time_in_force=TimeInForce.DAY,
        created_t=2,
    )


def test_the_same_run_and_sequence_give_the_same_id_and_others_differ() -> None:
    first = deterministic_client_order_id(run_key="b1|Cycle|SPY|2026-11-18", sequence=1)
    assert first == deterministic_client_order_id(run_key="b1|Cycle|SPY|2026-11-18", sequence=1)
    assert first != deterministic_client_order_id(run_key="b1|Cycle|SPY|2026-11-18", sequence=2)
    assert first != deterministic_client_order_id(run_key="b1|Cycle|QQQ|2026-11-18", sequence=1)
    assert first.startswith("tc2-") and len(first) <= 48


def test_an_intended_order_stays_in_flight_until_the_broker_closes_it() -> None:
    recorder = MemoryTradeRecorder()
    replay_run = recorder.run_started(_start(TradingMode.REPLAY))
    paper_run = recorder.run_started(_start(TradingMode.PAPER))
    recorder.order_intended(_intent(replay_run, "a"))
    recorder.order_intended(_intent(paper_run, "b"))
    recorder.order_intended(_intent(replay_run, "a"))  # a second write changes nothing

    assert [o.client_order_id for o in recorder.orders_in_flight(TradingMode.REPLAY)] == ["a"]
    recorder.order_updated("a", status=IntentStatus.FILLED, broker_order_id="x-1")
    assert recorder.orders_in_flight(TradingMode.REPLAY) == []
    assert recorder.orders["a"].broker_order_id == "x-1"


def test_a_fill_heard_twice_is_recorded_once() -> None:
    recorder = MemoryTradeRecorder()
    run_id = recorder.run_started(_start(TradingMode.PAPER))
    fill = TradeFill(
        run_id=run_id,
        fill_id="e-1",
        client_order_id="a",
        symbol="SPY",
        side=Side.BUY,
        qty=10,
        price=500.0,
        fee=0.0,
        t=3,
    )
    assert recorder.fill_recorded(fill) is True
    assert recorder.fill_recorded(fill) is False
    assert list(recorder.fills) == ["e-1"]
