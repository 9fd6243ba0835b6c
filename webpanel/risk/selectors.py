"""Read the risk controls for the panel: the kill switch and its log, the limits, today's loss
against the daily limit, the exposures the traders hold, and the latest refusals."""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Any

import redis

from tc2.execution.risk import risk_overview
from tc2.program.trading_desk import TraderSnapshot
from webpanel.configuration.selectors import trading_settings_get
from webpanel.core.errors import ServiceUnavailable
from webpanel.program.selectors import program_env
from webpanel.trading.selectors import trader_snapshots

HISTORY_COUNT = 50


def risk_get(*, now: float | None = None) -> dict[str, Any]:
    """The risk overview (``tc2.execution.risk.risk_overview``) with today's figures.

    Read at the freshest running trader's clock (``market_t``: the replay clock on the replay
    market), the wall clock when none runs. ``equity`` is the freshest running trader's;
    ``day_loss`` is the start-of-day equity less it (negative: a gain), null until both are
    known. ``exposures`` sum the traders' positions per symbol at their marks.

    Raises
    ------
    ServiceUnavailable
        Redis does not answer (503).
    """
    limits = trading_settings_get().settings.risk
    running = [snapshot for snapshot in trader_snapshots().values() if snapshot is not None]
    at = _engine_now(running) if now is None else now
    try:
        overview = risk_overview(program_env(), limits=limits, now=at, count=HISTORY_COUNT)
    except redis.RedisError as exc:
        raise ServiceUnavailable(f"Redis is unavailable ({type(exc).__name__})") from exc
    return {**overview, "market_t": at, **_today(overview, running)}


def _engine_now(running: list[TraderSnapshot]) -> float:
    # The engine keys the session and the order window on its own clock: the replay clock on
    # the replay market, so read the overview at the freshest trader's clock, not the wall's.
    clocks = sorted(
        (snapshot for snapshot in running if snapshot.market_t is not None),
        key=lambda snapshot: -snapshot.updated_at,
    )
    if clocks and clocks[0].market_t is not None:
        return clocks[0].market_t
    return time.time()


def _today(overview: dict[str, Any], running: list[TraderSnapshot]) -> dict[str, Any]:
    freshest = max(
        (snapshot for snapshot in running if snapshot.account is not None),
        key=lambda snapshot: snapshot.updated_at,
        default=None,
    )
    equity = None if freshest is None or freshest.account is None else freshest.account.equity
    start = overview["day_start_equity"]
    loss = None if equity is None or start is None else round(start - equity, 6)
    limits = overview["limits"]
    pct = limits.get("daily_loss_limit_pct")
    usd = limits.get("daily_loss_limit_usd")
    caps = [
        value for value in (usd, None if start is None or pct is None else pct * start) if value
    ]
    by_symbol: dict[str, float] = defaultdict(float)
    for snapshot in running:
        for position in snapshot.positions:
            by_symbol[position.symbol] += abs(position.qty * position.mark)
    exposures = [
        {"symbol": symbol, "exposure": round(value, 2)}
        for symbol, value in sorted(by_symbol.items())
    ]
    return {
        "mode": freshest.mode if freshest is not None else (running[0].mode if running else None),
        "equity": equity,
        "day_loss": loss,
        "day_loss_pct": None if loss is None or not start else round(loss / start, 6),
        "day_loss_limit": round(min(caps), 2) if caps else None,
        "exposures": exposures,
        "total_exposure": round(sum(by_symbol.values()), 2),
        "open_positions": len(by_symbol),
    }
