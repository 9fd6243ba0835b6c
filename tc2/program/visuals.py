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
- BREAKOUT1_SETUP: a day's minute candles up to a time, with the BREAKOUT1 model's support and
  resistance over its window and its steps.

``generate_visual`` is the job function of ``visual_generate``; ``parse_visual_params`` checks a
request whole before a job exists. Visuals of stored runs (SINGLE_RUN, EQUITY_CURVE, RUN_HISTORY)
get the run data in their params from the web layer, which owns the runs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

import numpy as np

from tc2.analysis.breakout import Breakout1Model
from tc2.analysis.spot import ModelData
from tc2.data.bars import Resolution, SymbolDay
from tc2.data.session_cache import SessionCache
from tc2.env import MarketCalendar
from tc2.env.market_calendar import NEW_YORK, new_york_epoch
from tc2.env.trading_settings import SYMBOL_PATTERN
from tc2.errors import ValidationFailed
from tc2.logs import LogFeed, feed_logger
from tc2.program.jobs import (
    Progress,
    date_param,
    live_store_from_environ,
    reject_unknown_params,
    require_object,
)
from tc2.simulation.simulator import DAY_NOT_ON_FILE_MESSAGE

DEFAULT_PRICE_DAYS = 90
DEFAULT_SPREAD_DAYS = 60
DEFAULT_RUN_HISTORY = 30
SPREAD_BUCKET_PCT = 0.25
BUY_COLOUR, SELL_COLOUR = "#26a69a", "#ef5350"
DEFAULT_SETUP_TIME = time(11, 0)
MAX_DAYS = 1000
RUN_MODES = ("paper", "live", "simulated")
PARAM_KEYS = (
    "visual_type",
    "symbol",
    "day",
    "days",
    "time",
    "mode",
    "limit",
    "record",
    "evaluation",
    "runs",
)
NEEDS: dict[str, tuple[str, ...]] = {  # the params each visual requires
    "PRICE_GRAPH": ("symbol",),
    "DAY_SPREAD": ("symbol",),
    "BREAKOUT1_SETUP": ("symbol", "day"),
    "SINGLE_RUN": ("record",),
    "EQUITY_CURVE": ("evaluation",),
    "RUN_HISTORY": ("mode", "runs"),
}
INVALID_VISUAL_MESSAGE = "The visual request is invalid; nothing was generated."
NO_BARS_MESSAGE = "no bars of {symbol} on file; collect or import them first"
_CHARTED_RESOLUTIONS = (Resolution.MINUTE, Resolution.SECOND)

_log = feed_logger(LogFeed.VISUALS, "visuals")


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

    run_id: str  # the strategy run's id, so a chart point can open SINGLE_RUN of that run
    strategy: str
    mode: str  # paper, live or simulated
    day: date
    profit: float


def run_history(
    runs: Sequence[RunSummary], *, mode: str, limit: int = DEFAULT_RUN_HISTORY
) -> dict[str, Any]:
    """Profit per run over time, the ``limit`` most recent of one mode, grouped by strategy."""
    # Stable sort: runs of one day keep the order they were given in (the order they were made).
    chosen = sorted((run for run in runs if run.mode == mode), key=lambda r: r.day)
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


def breakout1_setup(sessions: SessionCache, symbol: str, *, day: date, at: time) -> dict[str, Any]:
    """``symbol``'s minute candles of ``day`` up to ``at`` and what BREAKOUT1 saw then."""
    now_t = new_york_epoch(day, at)
    data = ModelData(
        store=sessions.store, calendar=sessions.calendar, day=day, now_t=now_t, sessions=sessions
    )
    grade = Breakout1Model().evaluate(symbol, data)
    bars = data.today(symbol)
    output = grade.output if isinstance(grade.output, dict) else {}
    setup, window = output.get("setup"), output.get("window")
    lines = {}
    if setup and window:
        for name in ("resistance", "support"):
            lines[name] = [
                {"time": window["start_t"], "value": setup[name]},
                {"time": window["end_t"], "value": setup[name]},
            ]
    return {
        "visual_type": VisualType.BREAKOUT1_SETUP.value,
        "symbol": symbol,
        "day": day.isoformat(),
        "at": at.strftime("%H:%M"),
        "candles": [
            {"time": int(t), "open": float(o), "high": float(h), "low": float(l), "close": float(c)}
            for t, o, h, l, c in zip(bars.t, bars.o, bars.h, bars.l, bars.c, strict=True)  # noqa: E741
        ],
        "lines": lines,
        "grade": grade.grade.value,
        "reason": grade.reason,
        "status": output.get("status"),
        "steps": output.get("steps", []),
    }


def parse_visual_params(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Validate and normalise a visual request, naming every bad field.

    ``{visual_type, symbol?, day?, days?, time?, mode?, limit?, record?, evaluation?, runs?}``:
    PRICE_GRAPH and DAY_SPREAD take ``symbol`` (and ``days``, ``day`` as the last day: default
    the latest session), BREAKOUT1_SETUP ``symbol``, ``day`` and ``time`` (HH:MM New York,
    default 11:00), SINGLE_RUN a run ``record``, EQUITY_CURVE an ``evaluation``, RUN_HISTORY a
    ``mode`` (paper, live or simulated), ``runs`` and ``limit`` (default 30).

    Raises
    ------
    ValidationFailed
        Naming every bad field.
    """
    params = require_object(raw)
    errors = reject_unknown_params(params, PARAM_KEYS)
    kind = params.get("visual_type")
    if kind not in NEEDS:
        errors["visual_type"] = [f"must be one of {', '.join(NEEDS)}, was {kind!r}"]
        raise ValidationFailed(INVALID_VISUAL_MESSAGE, errors)
    for name in NEEDS[kind]:
        if params.get(name) in (None, ""):
            errors.setdefault(name, []).append(f"{kind} needs {name}")
    parsed: dict[str, Any] = {"visual_type": kind}
    if "symbol" in NEEDS[kind] and params.get("symbol"):
        parsed["symbol"] = visual_symbol_param(params["symbol"], errors)
    if params.get("day") is not None:
        day = date_param(params.get("day"), "day", errors)
        parsed["day"] = day.isoformat() if day is not None else None
    default_days = DEFAULT_SPREAD_DAYS if kind == "DAY_SPREAD" else DEFAULT_PRICE_DAYS
    parsed["days"] = _count(params.get("days", default_days), "days", MAX_DAYS, errors)
    parsed["time"] = wall_time_param(params.get("time"), errors)
    parsed["limit"] = _count(params.get("limit", DEFAULT_RUN_HISTORY), "limit", MAX_DAYS, errors)
    if kind == "RUN_HISTORY":
        parsed["mode"] = params.get("mode")
        if parsed["mode"] not in (None, ""):  # a missing one is named above
            run_mode_param(parsed["mode"], errors)
    for name in ("record", "evaluation", "runs"):
        if name in NEEDS[kind]:
            parsed[name] = params.get(name)
    if not errors and parsed.get("symbol"):
        _check_on_file(parsed, errors)
    if errors:
        raise ValidationFailed(INVALID_VISUAL_MESSAGE, errors)
    return parsed


def _check_on_file(parsed: Mapping[str, Any], errors: dict[str, list[str]]) -> None:
    """A symbol's chart needs its bars on file: a visual of nothing is refused up front."""
    store = live_store_from_environ()
    symbol = parsed["symbol"]
    if parsed["visual_type"] == VisualType.BREAKOUT1_SETUP.value:
        day = date.fromisoformat(parsed["day"])
        if not store.dates_on_file(symbol, day, day, Resolution.MINUTE):
            errors["day"] = [
                DAY_NOT_ON_FILE_MESSAGE.format(
                    resolution=Resolution.MINUTE.value, symbol=symbol, day=day
                )
            ]
        return
    if not any(store.dates_on_file(symbol, None, None, r) for r in _CHARTED_RESOLUTIONS):
        errors["symbol"] = [NO_BARS_MESSAGE.format(symbol=symbol)]


def generate_visual(*, params: Mapping[str, Any], progress: Progress) -> dict[str, Any]:
    """Job function of ``visual_generate``: the visual's JSON. ``params`` as parsed."""
    kind = VisualType(params["visual_type"])
    progress(0, f"generating {kind.value}")
    visual = _generate(kind, params)
    progress(100, "done")
    _log.info(f"{kind.value} generated ({_label(params)})")
    return visual


def _generate(kind: VisualType, params: Mapping[str, Any]) -> dict[str, Any]:
    if kind is VisualType.SINGLE_RUN:
        return single_run(_live_sessions(), params["record"])
    if kind is VisualType.EQUITY_CURVE:
        return equity_curve(params["evaluation"])
    if kind is VisualType.RUN_HISTORY:
        runs = [
            RunSummary(
                run_id=str(run["run_id"]),
                strategy=str(run["strategy"]),
                mode=str(run["mode"]),
                day=date.fromisoformat(str(run["day"])),
                profit=float(run["profit"]),
            )
            for run in params["runs"]
        ]
        return run_history(runs, mode=params["mode"], limit=params["limit"])
    sessions = _live_sessions()
    symbol = params["symbol"]
    day = date.fromisoformat(params["day"]) if params.get("day") else _latest_day(sessions, symbol)
    if kind is VisualType.PRICE_GRAPH:
        return price_graph(sessions, symbol, end=day, days=params["days"])
    if kind is VisualType.DAY_SPREAD:
        return day_spread(sessions, symbol, end=day, days=params["days"])
    at = time.fromisoformat(params["time"]) if params.get("time") else DEFAULT_SETUP_TIME
    return breakout1_setup(sessions, symbol, day=day, at=at)


def _live_sessions() -> SessionCache:
    return SessionCache(live_store_from_environ(), MarketCalendar.xnys())


def _latest_day(sessions: SessionCache, symbol: str) -> date:
    """The latest session of ``symbol`` on file (the session before today when none is)."""
    on_file = sessions.on_file(symbol, Resolution.MINUTE) | sessions.on_file(
        symbol, Resolution.SECOND
    )
    if on_file:
        return max(on_file)
    return sessions.calendar.previous_session(datetime.now(NEW_YORK).date())


def _label(params: Mapping[str, Any]) -> str:
    return (
        ", ".join(
            f"{name} {params[name]}" for name in ("symbol", "day", "mode") if params.get(name)
        )
        or "stored run"
    )


def _count(value: Any, field: str, most: int, errors: dict[str, list[str]]) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
        errors[field] = [f"must be a whole number from 1 to {most}, was {value!r}"]
        return 1
    return value


def visual_symbol_param(value: Any, errors: dict[str, list[str]]) -> str | None:
    """A visual's ticker, any case (``spy`` is SPY); on error, ``errors['symbol']`` says why."""
    symbol = str(value).strip().upper()
    if not SYMBOL_PATTERN.fullmatch(symbol):
        errors["symbol"] = [f"not a ticker: {value!r}"]
        return None
    return symbol


def run_mode_param(value: Any, errors: dict[str, list[str]]) -> str | None:
    """RUN_HISTORY's mode; on error, ``errors['mode']`` says why."""
    if value not in RUN_MODES:
        errors["mode"] = [f"must be one of {', '.join(RUN_MODES)}, was {value!r}"]
        return None
    return str(value)


def wall_time_param(value: Any, errors: dict[str, list[str]]) -> str | None:
    """An ``HH:MM`` New York time, or None when absent; on error, ``errors['time']`` says why."""
    if value is None:
        return None
    try:
        return time.fromisoformat(str(value)).strftime("%H:%M")
    except ValueError:
        errors["time"] = [f"must be HH:MM New York time, was {value!r}"]
        return None


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
