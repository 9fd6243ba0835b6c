"""Simulations write the trade tables too (mode BACKTEST), so one query compares a live session
with its backtest.

A succeeded ``strategy_simulate`` job becomes one ``algo_run`` (its ``batch_id`` is the job id),
its orders and fills, consolidated at once. Evaluations keep per-day figures only (their days'
fills are not in the result), so they write no rows here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tc2.execution.orders import OrderType, Side, TimeInForce
from tc2.execution.trade_records import (
    IntentStatus,
    OrderIntent,
    RunStart,
    TradeFill,
    TradingMode,
)
from webpanel.trading.recorder import DjangoTradeRecorder
from webpanel.trading.services import run_consolidate

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
    fills: list[tuple[int, int, str, Mapping[str, Any]]] = []
    for index, order in enumerate(result.get("orders") or ()):
        client_order_id = _scoped(job_id, str(order["client_order_id"]))
        recorder.order_intended(
            OrderIntent(
                run_id=run_id,
                client_order_id=client_order_id,
                symbol=str(order["symbol"]),
                side=Side(order["side"]),
                qty=order.get("qty"),
                notional=order.get("notional"),
                type=OrderType(order["type"]),
                limit_price=order.get("limit_price"),
                stop_price=order.get("stop_price"),
                time_in_force=TimeInForce(order["time_in_force"]),
                created_t=int(order.get("submitted_t") or result["ended_t"]),
                status=IntentStatus(order["status"]),
                reason=str(order.get("reason") or ""),
            )
        )
        fills.extend(
            (int(fill["t"]), index, f"{client_order_id}-{number}", fill)
            for number, fill in enumerate(order.get("fills") or (), start=1)
        )
    # In time order: each fill's operation (buy, sell, sell_short, buy_short) follows from the
    # position the earlier fills left.
    for t, _, fill_id, fill in sorted(fills, key=lambda item: item[:2]):
        recorder.fill_recorded(
            TradeFill(
                run_id=run_id,
                fill_id=fill_id,
                client_order_id=fill_id.rsplit("-", 1)[0],
                symbol=str(fill["symbol"]),
                side=Side(fill["side"]),
                qty=fill["qty"],
                price=fill["price"],
                fee=fill.get("fee") or 0.0,
                t=t,
            )
        )
    recorder.run_ended(run_id, end_t=int(result["ended_t"]), reason=str(result["stop_reason"]))
    run_consolidate(run_id=run_id)


def _scoped(job_id: str, client_order_id: str) -> str:
    # A simulation's ids repeat across runs; the job id makes them unique in the table.
    return f"bt-{job_id}-{client_order_id}"
