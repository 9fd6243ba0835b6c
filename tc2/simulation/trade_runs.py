"""An evaluation's runs as the trade records keep them, so they sit beside the live ones.

Every simulated run that filled an order becomes one entry: a day strategy's run is one symbol
set on one session, a swing strategy's the whole range of a symbol set. The web layer writes
them to the trade tables with mode ``BACKTEST`` (``webpanel.trading.backtests``); the job keeps
them out of its stored result (the per-day table already says what each day did).
"""

from __future__ import annotations

from typing import Any

from tc2.data.resample import session_hours
from tc2.env.market_calendar import MarketCalendar
from tc2.simulation.evaluation_days import EvaluatedDay
from tc2.simulation.evaluator import Evaluation
from tc2.strategy.base import StrategyKind

TRADE_RUNS_KEY = "trade_runs"
"""Where an evaluation job's result carries its runs for the trade records (never stored)."""
FILL_COLUMNS = ("t", "symbol", "side", "qty", "price", "fee", "client_order_id")
"""The order of a fill's values in ``trade_runs``' rows."""


def trade_runs(evaluation: Evaluation, calendar: MarketCalendar) -> list[dict[str, Any]]:
    """The runs of ``evaluation`` that filled orders: symbols, start and end (epoch seconds, the
    first session's open and the last one's close), stop reason and fills (``FILL_COLUMNS``)."""
    runs: dict[tuple[Any, ...], list[EvaluatedDay]] = {}
    swing = evaluation.kind == StrategyKind.SWING.value
    for day in evaluation.days:
        if day.simulated:
            key = (day.symbols,) if swing else (day.symbols, day.day)
            runs.setdefault(key, []).append(day)
    entries = []
    for days in runs.values():
        fills = [fill for day in days for fill in day.trade_log]
        if not fills:
            continue
        entries.append(
            {
                "symbols": list(days[0].symbols),
                "start_t": session_hours(days[0].day, calendar)[0],
                "end_t": session_hours(days[-1].day, calendar)[1],
                "stop_reason": days[-1].stop_reason,
                "fills": [
                    [
                        fill.t,
                        fill.symbol,
                        fill.side.value,
                        fill.qty,
                        fill.price,
                        fill.fee,
                        fill.client_order_id,
                    ]
                    for fill in fills
                ],
            }
        )
    return entries
