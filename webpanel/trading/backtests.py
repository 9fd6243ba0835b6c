"""Simulations write the trade tables too (mode BACKTEST), so one query compares a live session
with its backtest.

A succeeded ``strategy_simulate`` job becomes one ``algo_run`` (its ``batch_id`` is the job id),
its orders and fills, consolidated at once. Evaluations keep per-day figures only (their days'
fills are not in the result), so they write no rows here.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from tc2.execution.orders import OrderType, Side, TimeInForce
from tc2.execution.trade_records import IntentStatus, RunStart, TradingMode
from webpanel.trading.models import NewTrade, TradeOrder
from webpanel.trading.recorder import DjangoTradeRecorder, operation_of, to_datetime, to_decimal

SIMULATE_JOB_TYPE = "strategy_simulate"  # webpanel.strategy.services.SIMULATE_JOB_TYPE


def backtest_record(*, job_id: str, result: Mapping[str, Any]) -> None:
    """Result sink of ``strategy_simulate``: the run record as BACKTEST trade rows.

    Runs inside the transaction that marks the job succeeded (all or nothing with it); a job
    stored twice writes nothing new (every key is idempotent).
    """
    recorder = DjangoTradeRecorder(durable=False)
    started_t = result.get("started_t")
    run_id = recorder.run_started(
        RunStart(
            batch_id=job_id,
            strategy=str(result["strategy"]),
            parameters=dict(result.get("params") or {}),
            mode=TradingMode.BACKTEST,
            symbols=tuple(result.get("symbols") or ()),
            start_t=int(started_t if started_t is not None else result["ended_t"]),
        ),
        job_id=job_id,
    )
    orders: list[TradeOrder] = []
    fills: list[tuple[int, int, str, str, Mapping[str, Any]]] = []
    for index, order in enumerate(result.get("orders") or ()):
        client_order_id = _scoped(job_id, str(order["client_order_id"]))
        orders.append(
            TradeOrder(
                client_order_id=client_order_id,
                run_id=run_id,
                symbol=str(order["symbol"]),
                side=Side(order["side"]).value,
                qty=to_decimal(order.get("qty")),
                notional=to_decimal(order.get("notional")),
                type=OrderType(order["type"]).value,
                limit_price=to_decimal(order.get("limit_price")),
                stop_price=to_decimal(order.get("stop_price")),
                time_in_force=TimeInForce(order["time_in_force"]).value,
                status=IntentStatus(order["status"]).value,
                reason=str(order.get("reason") or ""),
                created_at=to_datetime(order.get("submitted_t") or result["ended_t"]),
            )
        )
        fills.extend(
            (int(fill["t"]), index, f"{client_order_id}-{number}", client_order_id, fill)
            for number, fill in enumerate(order.get("fills") or (), start=1)
        )
    # One insert per table: a 1-second run may have thousands of fills. Known keys are skipped
    # (the same job stored twice writes nothing new).
    TradeOrder.objects.bulk_create(orders, ignore_conflicts=True)
    held: dict[str, Decimal] = {}
    rows = []
    # In time order: each fill's operation (buy, sell, sell_short, buy_short) follows from the
    # position the earlier fills left.
    for t, _, fill_id, client_order_id, fill in sorted(fills, key=lambda item: item[:2]):
        side, qty = Side(fill["side"]), to_decimal(fill["qty"]) or Decimal(0)
        symbol = str(fill["symbol"])
        before = held.get(symbol, Decimal(0))
        held[symbol] = before + side.sign * qty
        rows.append(
            NewTrade(
                fill_id=fill_id,
                client_order_id=client_order_id,
                run_id=run_id,
                symbol=symbol,
                side=side.value,
                operation=operation_of(side=side, held_before=before),
                qty=qty,
                price=to_decimal(fill["price"]),
                fee=to_decimal(fill.get("fee") or 0.0),
                t=to_datetime(t),
            )
        )
    NewTrade.objects.bulk_create(rows, ignore_conflicts=True)
    recorder.run_ended(run_id, end_t=int(result["ended_t"]), reason=str(result["stop_reason"]))


def _scoped(job_id: str, client_order_id: str) -> str:
    # A simulation's ids repeat across runs; the job id makes them unique in the table.
    return f"bt-{job_id}-{client_order_id}"
