"""Visuals: JSON shaped for the panel's charts (TradingView lightweight-charts series).

Times are epoch seconds (UTC) for intraday points and ``YYYY-MM-DD`` strings for daily ones, as
the chart library takes them; prices are floats. Each function returns a plain dict with a
``visual_type`` and what the chart needs, nothing that depends on the wall clock, so a visual
generated twice from the same data is the same JSON.

- PRICE_GRAPH: a symbol's daily candles and, per session, its data coverage (minutes with a bar
  out of the session's minutes); sessions with no data are marked missing.
- DAY_SPREAD: a histogram of a symbol's recent day spreads ((high - low) / open, in percent).
- SINGLE_RUN: one simulated run's minute candles with buy and sell markers and its orders.
- EQUITY_CURVE: an evaluation's equity and drawdown lines.
- RUN_HISTORY: profit per strategy run over time (the runs come from the caller's database).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import numpy as np

from tc2.data.bars import Resolution, SymbolDay
from tc2.data.session_cache import SessionCache
from tc2.env.market_calendar import NEW_YORK

DEFAULT_PRICE_DAYS = 90
DEFAULT_SPREAD_DAYS = 60
DEFAULT_RUN_HISTORY = 30
SPREAD_BUCKET_PCT = 0.25
BUY_COLOUR, SELL_COLOUR = "#26a69a", "#ef5350"


class VisualType(StrEnum):
    PRICE_GRAPH = "PRICE_GRAPH"
    RUN_HISTORY = "RUN_HISTORY"
    SINGLE_RUN = "SINGLE_RUN"
    DAY_SPREAD = "DAY_SPREAD"
    BREAKOUT1_SETUP = "BREAKOUT1_SETUP"
    EQUITY_CURVE = "EQUITY_CURVE"


def price_graph(
    sessions: SessionCache, symbol: str, *, end: date, days: int = DEFAULT_PRICE_DAYS
) -> dict[str, Any]:
    """Daily candles of the ``days`` sessions up to ``end`` and each one's minute coverage."""
    candles, coverage = [], []
    for day in _sessions_up_to(sessions, end, days):
        bars = sessions.session(symbol, day, Resolution.MINUTE)
        minutes = _session_minutes(sessions, day)
        if bars is None or not len(bars):
            coverage.append(
                {
                    "time": day.isoformat(),
                    "value": 0.0,
                    "minutes": 0,
                    "session_minutes": minutes,
                    "missing": True,
                }
            )
            continue
        candles.append(_daily_candle(bars))
        coverage.append(
            {
                "time": day.isoformat(),
                "value": round(100 * len(bars) / minutes, 2),
                "minutes": len(bars),
                "session_minutes": minutes,
                "missing": False,
            }
        )
    return {
        "visual_type": VisualType.PRICE_GRAPH.value,
        "symbol": symbol,
        "candles": candles,
        "coverage": coverage,
        "missing_days": [point["time"] for point in coverage if point["missing"]],
    }


def day_spread(
    sessions: SessionCache, symbol: str, *, end: date, days: int = DEFAULT_SPREAD_DAYS
) -> dict[str, Any]:
    """A histogram of the day spreads of the ``days`` sessions before and including ``end``."""
    spreads = []
    for day in _sessions_up_to(sessions, end, days):
        bars = sessions.session(symbol, day, Resolution.MINUTE)
        if bars is not None and len(bars):
            spreads.append(100 * float(bars.h.max() - bars.l.min()) / float(bars.o[0]))
    buckets: dict[float, int] = {}
    for spread in spreads:
        low = math.floor(spread / SPREAD_BUCKET_PCT) * SPREAD_BUCKET_PCT
        buckets[low] = buckets.get(low, 0) + 1
    return {
        "visual_type": VisualType.DAY_SPREAD.value,
        "symbol": symbol,
        "days": len(spreads),
        "bucket_pct": SPREAD_BUCKET_PCT,
        "histogram": [
            {"from_pct": round(low, 4), "to_pct": round(low + SPREAD_BUCKET_PCT, 4), "count": n}
            for low, n in sorted(buckets.items())
        ],
        "mean_pct": round(float(np.mean(spreads)), 4) if spreads else None,
        "median_pct": round(float(np.median(spreads)), 4) if spreads else None,
    }


def single_run(sessions: SessionCache, record: Mapping[str, Any]) -> dict[str, Any]:
    """One run's minute candles per symbol, a marker per fill and the order timeline."""
    day = date.fromisoformat(str(record["day"]))
    charts = {}
    for symbol in record["symbols"]:
        bars = sessions.minutes(str(symbol), day)
        fills = [fill for fill in record["fills"] if fill["symbol"] == symbol]
        charts[symbol] = {
            "candles": _candles(bars) if bars is not None else [],
            "markers": [_marker(fill) for fill in fills],
        }
    orders = [
        {
            "client_order_id": order["client_order_id"],
            "symbol": order["symbol"],
            "side": order["side"],
            "type": order["type"],
            "qty": order["qty"],
            "limit_price": order["limit_price"],
            "stop_price": order["stop_price"],
            "submitted_t": order["submitted_t"],
            "status": order["status"],
            "reason": order["reason"],
            "filled_qty": order["filled_qty"],
            "average_fill_price": order["average_fill_price"],
        }
        for order in record["orders"]
    ]
    return {
        "visual_type": VisualType.SINGLE_RUN.value,
        "strategy": record["strategy"],
        "day": day.isoformat(),
        "profit": record["profit"],
        "fingerprint": record["fingerprint"],
        "charts": charts,
        "orders": sorted(
            orders, key=lambda order: (order["submitted_t"], order["client_order_id"])
        ),
        "timeline": list(record.get("timeline", [])),
    }


def equity_curve(evaluation: Mapping[str, Any]) -> dict[str, Any]:
    """An evaluation's equity and drawdown as daily line series."""
    curve = evaluation.get("equity_curve") or {"days": [], "equity": [], "drawdown": []}
    days = curve["days"]
    return {
        "visual_type": VisualType.EQUITY_CURVE.value,
        "strategy": evaluation["strategy"],
        "start": evaluation["start"],
        "end": evaluation["end"],
        "equity": [{"time": d, "value": v} for d, v in zip(days, curve["equity"], strict=True)],
        "drawdown": [{"time": d, "value": v} for d, v in zip(days, curve["drawdown"], strict=True)],
        "performance": evaluation.get("performance"),
    }


@dataclass(frozen=True, slots=True)
class RunSummary:
    """One strategy run as RUN_HISTORY shows it."""

    run_id: int
    strategy: str
    mode: str  # paper, live or simulated
    day: date
    profit: float


def run_history(
    runs: Sequence[RunSummary], *, mode: str, limit: int = DEFAULT_RUN_HISTORY
) -> dict[str, Any]:
    """Profit per run over time, the ``limit`` most recent of one mode, grouped by strategy."""
    chosen = sorted((run for run in runs if run.mode == mode), key=lambda r: (r.day, r.run_id))
    chosen = chosen[-limit:] if limit else []
    by_strategy: dict[str, list[dict[str, Any]]] = {}
    for run in chosen:
        by_strategy.setdefault(run.strategy, []).append(
            {"time": run.day.isoformat(), "value": run.profit, "run_id": run.run_id}
        )
    return {
        "visual_type": VisualType.RUN_HISTORY.value,
        "mode": mode,
        "runs": len(chosen),
        "series": [
            {"strategy": name, "points": points} for name, points in sorted(by_strategy.items())
        ],
        "total_profit": round(sum(run.profit for run in chosen), 2),
    }


def _sessions_up_to(sessions: SessionCache, end: date, days: int) -> list[date]:
    """The ``days`` sessions ending with ``end`` (or before it, when it is not a session)."""
    calendar = sessions.calendar
    if calendar.is_session(end):
        return [*calendar.sessions_before(end, days - 1), end]
    return calendar.sessions_before(end, days)


def _session_minutes(sessions: SessionCache, day: date) -> int:
    calendar = sessions.calendar
    seconds = (calendar.session_close(day) - calendar.session_open(day)).total_seconds()
    return int(seconds // 60)


def _daily_candle(bars: SymbolDay) -> dict[str, Any]:
    return {
        "time": bars.day.isoformat(),
        "open": float(bars.o[0]),
        "high": float(bars.h.max()),
        "low": float(bars.l.min()),
        "close": float(bars.c[-1]),
        "volume": float(bars.v.sum()),
    }


def _candles(bars: SymbolDay) -> list[dict[str, Any]]:
    return [
        {"time": int(t), "open": float(o), "high": float(h), "low": float(l), "close": float(c)}
        for t, o, h, l, c in zip(bars.t, bars.o, bars.h, bars.l, bars.c, strict=True)  # noqa: E741
    ]


def _marker(fill: Mapping[str, Any]) -> dict[str, Any]:
    buy = fill["side"] == "buy"
    t = int(fill["t"])
    minute = t - t % 60  # on the minute candle the fill happened in
    wall = datetime.fromtimestamp(t, NEW_YORK).strftime("%H:%M:%S")
    return {
        "time": minute,
        "position": "belowBar" if buy else "aboveBar",
        "color": BUY_COLOUR if buy else SELL_COLOUR,
        "shape": "arrowUp" if buy else "arrowDown",
        "text": f"{fill['side']} {fill['qty']} @ {fill['price']:.2f} ({wall})",
    }
