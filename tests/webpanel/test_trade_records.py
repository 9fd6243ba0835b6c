"""Trade records on the real database: DjangoTradeRecorder, consolidation, and simulations
writing the same tables (mode BACKTEST)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction

from tc2.execution.orders import OrderType, Side, TimeInForce
from tc2.execution.trade_records import (
    IntentStatus,
    OrderIntent,
    RunStart,
    TradeFill,
    TradingMode,
    deterministic_client_order_id,
)
from tests.webpanel.test_strategy_api import DAY, MECHANICS, seeded  # noqa: F401 (fixture)
from webpanel.trading.models import AlgoRun, GainLoss, NewTrade, TradeAnalysis, TradeOrder
from webpanel.trading.recorder import DjangoTradeRecorder
from webpanel.trading.services import run_consolidate

T0 = 1_780_000_000  # a fixed instant (2026-05-28 20:26:40 UTC); nothing depends on today


def _start(mode: TradingMode = TradingMode.PAPER, **changes: Any) -> RunStart:
    fields: dict[str, Any] = {
        "batch_id": "batch-1",
        "strategy": "SmaCross",
        "parameters": {"fast": 5, "slow": 20},
        "mode": mode,
        "symbols": ("SPY",),
        "start_t": T0,
        **changes,
    }
    return RunStart(**fields)


def _intent(run_id: int, sequence: int = 1, **changes: Any) -> OrderIntent:
    fields: dict[str, Any] = {
        "run_id": run_id,
        "client_order_id": deterministic_client_order_id(run_key="k", sequence=sequence),
        "symbol": "SPY",
        "side": Side.BUY,
        "qty": 10,
        "notional": None,
        "type": OrderType.LIMIT,
        "limit_price": 501.2345,
        "stop_price": None,
        "time_in_force": TimeInForce.DAY,
        "created_t": T0 + 60,
        **changes,
    }
    return OrderIntent(**fields)


def _fill(run_id: int, fill_id: str, side: Side, qty: float, price: float, t: int, **kw: Any):
    return TradeFill(
        run_id=run_id,
        fill_id=fill_id,
        client_order_id=str(kw.pop("client_order_id", "coid-1")),
        symbol=str(kw.pop("symbol", "SPY")),
        side=side,
        qty=qty,
        price=price,
        fee=float(kw.pop("fee", 0.0)),
        t=T0 + t,
        **kw,
    )


@pytest.mark.django_db
class DjangoTradeRecorderTests:
    def test_a_run_announced_twice_is_one_row_and_its_end_is_kept(self) -> None:
        recorder = DjangoTradeRecorder()
        run_id = recorder.run_started(_start())
        assert recorder.run_started(_start()) == run_id
        assert recorder.run_started(_start(start_t=T0 + 1)) != run_id

        recorder.run_ended(run_id, end_t=T0 + 3600, reason="15 minutes before the close")

        run = AlgoRun.objects.get(pk=run_id)
        assert (run.mode, run.batch_id, run.symbols) == ("PAPER", "batch-1", ["SPY"])
        assert run.parameters == {"fast": 5, "slow": 20}
        assert run.end is not None and run.end.timestamp() == T0 + 3600
        assert run.stop_reason == "15 minutes before the close"

    def test_an_intent_is_recorded_once_and_reads_back_in_flight_as_written(self) -> None:
        recorder = DjangoTradeRecorder()
        run_id = recorder.run_started(_start())
        intent = _intent(run_id)
        recorder.order_intended(intent)
        recorder.order_intended(_intent(run_id, qty=999))  # the same id again: nothing changes

        assert TradeOrder.objects.get().qty == Decimal(10)
        assert recorder.orders_in_flight(TradingMode.PAPER) == [intent]
        assert recorder.orders_in_flight(TradingMode.LIVE) == []

    def test_broker_answers_update_the_order_and_final_ones_leave_the_in_flight_list(self):
        recorder = DjangoTradeRecorder()
        run_id = recorder.run_started(_start())
        first, second = _intent(run_id, 1), _intent(run_id, 2)
        recorder.order_intended(first)
        recorder.order_intended(second)

        recorder.order_updated(first.client_order_id, status=IntentStatus.NEW, broker_order_id="b1")
        recorder.order_updated(
            second.client_order_id, status=IntentStatus.REJECTED, reason="insufficient buying power"
        )
        recorder.order_updated(first.client_order_id, status=IntentStatus.PARTIALLY_FILLED)

        (working,) = recorder.orders_in_flight(TradingMode.PAPER)
        assert working.client_order_id == first.client_order_id
        assert (working.status, working.broker_order_id) == (IntentStatus.PARTIALLY_FILLED, "b1")
        rejected = TradeOrder.objects.get(client_order_id=second.client_order_id)
        assert (rejected.status, rejected.reason) == ("rejected", "insufficient buying power")

    def test_an_intent_inside_an_open_transaction_is_refused_as_it_would_not_be_durable(self):
        recorder = DjangoTradeRecorder()
        run_id = recorder.run_started(_start())
        with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
            recorder.order_intended(_intent(run_id))
        assert not TradeOrder.objects.exists()

    def test_a_fill_heard_twice_is_recorded_once_with_its_exact_figures(self) -> None:
        recorder = DjangoTradeRecorder()
        run_id = recorder.run_started(_start())
        fill = _fill(
            run_id,
            "exec-1",
            Side.BUY,
            0.123456789,
            1234.56789012,
            0,
            fee=0.0001,
            stop_price=1200.5,
            target_price=1300.25,
            indicators={"rsi": 41.5},
        )

        assert recorder.fill_recorded(fill) is True
        assert recorder.fill_recorded(fill) is False

        row = NewTrade.objects.get()
        assert (row.qty, row.price, row.fee) == (
            Decimal("0.123456789"),
            Decimal("1234.56789012"),
            Decimal("0.0001"),
        )
        assert (row.stop_price, row.target_price) == (Decimal("1200.5"), Decimal("1300.25"))
        assert row.indicators == {"rsi": 41.5} and row.t.timestamp() == T0

    def test_each_fill_is_named_by_what_it_did_to_the_position(self) -> None:
        recorder = DjangoTradeRecorder()
        run_id = recorder.run_started(_start())
        for number, (side, qty) in enumerate(
            [(Side.BUY, 10), (Side.SELL, 10), (Side.SELL, 5), (Side.BUY, 5)], start=1
        ):
            recorder.fill_recorded(_fill(run_id, f"e{number}", side, qty, 100.0, number))
        operations = list(NewTrade.objects.order_by("t").values_list("operation", flat=True))
        assert operations == ["buy", "sell", "sell_short", "buy_short"]


@pytest.mark.django_db
class ConsolidationTests:
    def test_round_trips_and_gain_loss_come_from_the_fills_and_again_is_the_same(self) -> None:
        recorder = DjangoTradeRecorder()
        run_id = recorder.run_started(_start())
        fills = [
            _fill(run_id, "e1", Side.BUY, 60, 100.0, 0, stop_price=98.0),
            _fill(run_id, "e2", Side.BUY, 40, 100.0, 30),  # a partial fill of the same order
            _fill(run_id, "e3", Side.SELL, 100, 103.0, 600, fee=0.1),
            _fill(run_id, "e4", Side.SELL, 10, 50.0, 0, symbol="QQQ", stop_price=51.0),
            _fill(run_id, "e5", Side.BUY, 10, 52.0, 900, symbol="QQQ"),
            _fill(run_id, "e6", Side.BUY, 3, 10.0, 950, symbol="AAPL"),  # still open
        ]
        for fill in fills:
            recorder.fill_recorded(fill)

        assert run_consolidate(run_id=run_id) == {"symbols": 3, "round_trips": 2}
        assert run_consolidate(run_id=run_id) == {"symbols": 3, "round_trips": 2}

        spy = TradeAnalysis.objects.get(symbol="SPY")
        assert (spy.direction, spy.qty, spy.entry_price, spy.exit_price) == (
            "long",
            Decimal(100),
            Decimal(100),
            Decimal(103),
        )
        assert spy.gain_value == Decimal("299.9") and spy.r_units == Decimal("1.5")
        assert spy.gain_percentage == Decimal("2.999")
        qqq = TradeAnalysis.objects.get(symbol="QQQ")
        assert (qqq.direction, qqq.gain_value, qqq.r_units) == ("short", Decimal(-20), Decimal(-2))
        gains = {row.symbol: row for row in GainLoss.objects.all()}
        assert gains["AAPL"].round_trips == 0 and gains["AAPL"].open_qty == Decimal(3)
        assert gains["SPY"].gain_value == Decimal("299.9") and gains["SPY"].fees == Decimal("0.1")
        assert TradeAnalysis.objects.count() == 2 and GainLoss.objects.count() == 3


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seeded")
class BacktestRecordsTests:
    def test_a_simulation_writes_its_run_orders_and_fills_as_backtest_rows(
        self,
        admin_api: Any,
        work_queue: Callable[[], None],
    ) -> None:
        body = {"strategy": "CycleStrategy", "symbol": "SPY", "day": DAY.isoformat(), **MECHANICS}
        accepted = admin_api.post("/api/strategy/simulate_day", body, format="json").json()
        work_queue()

        result = admin_api.get(f"/api/strategy/runs/{accepted['id']}").json()["result"]
        run = AlgoRun.objects.get()
        assert (run.mode, run.batch_id, str(run.job_id)) == (
            "BACKTEST",
            accepted["job_id"],
            accepted["job_id"],
        )
        assert run.strategy == "CycleStrategy" and run.stop_reason == result["stop_reason"]
        assert result["fills"], "the day must trade, or this proves little"
        rows = list(NewTrade.objects.filter(run=run).order_by("t", "id"))
        assert [(int(r.t.timestamp()), r.side, float(r.qty), float(r.price)) for r in rows] == [
            (f["t"], f["side"], f["qty"], f["price"]) for f in result["fills"]
        ]
        assert TradeOrder.objects.filter(run=run).count() == len(result["orders"])
        realized = sum(row.gain_value for row in GainLoss.objects.filter(run=run))
        assert float(realized) == pytest.approx(sum(result["trade_pnls"]), abs=1e-4)
        assert TradeAnalysis.objects.filter(run=run).count() == result["round_trips"]

        listed = admin_api.get("/api/trading/fills", {"mode": "BACKTEST"}).json()
        assert listed["count"] == len(rows)
        assert {row["strategy"] for row in listed["results"]} == {"CycleStrategy"}


@pytest.mark.django_db
class ProcessRecorderTests:
    def test_a_trader_process_gets_a_durable_recorder_whose_run_end_consolidates(self) -> None:
        from webpanel.trading.process import process_trade_recorder

        recorder = process_trade_recorder()
        assert recorder.durable is True
        run_id = recorder.run_started(_start(TradingMode.REPLAY))
        recorder.fill_recorded(_fill(run_id, "e1", Side.BUY, 5, 10.0, 0))
        recorder.fill_recorded(_fill(run_id, "e2", Side.SELL, 5, 11.0, 60, fee=0.02))

        recorder.run_ended(run_id, end_t=T0 + 120, reason="session end")

        trip = TradeAnalysis.objects.get(run_id=run_id)
        assert trip.gain_value == Decimal("4.98") and trip.r_units is None
        assert GainLoss.objects.get(run_id=run_id).round_trips == 1


@pytest.mark.django_db(transaction=True)
class DurabilityTests:
    def test_an_intent_is_visible_to_another_connection_when_order_intended_returns(self):
        # What a crash right after the broker call would leave: another process (here another
        # thread, its own database connection) must already see the order.
        import threading

        from django.db import connection

        recorder = DjangoTradeRecorder()
        run_id = recorder.run_started(_start(TradingMode.LIVE))
        intent = _intent(run_id)
        seen: list[bool] = []

        def look() -> None:
            try:
                seen.append(
                    TradeOrder.objects.filter(client_order_id=intent.client_order_id).exists()
                )
            finally:
                connection.close()

        recorder.order_intended(intent)
        reader = threading.Thread(target=look)
        reader.start()
        reader.join()
        assert seen == [True]
        assert [order.client_order_id for order in recorder.orders_in_flight(TradingMode.LIVE)] == [
            intent.client_order_id
        ]
