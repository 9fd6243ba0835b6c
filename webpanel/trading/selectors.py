"""Read the trade records (fills, round trips, runs, paginated and filtered) and the traders'
published snapshots (account, positions, open orders)."""

from __future__ import annotations

import re
import time
from datetime import date, datetime, timedelta
from datetime import time as day_time
from typing import Any

import redis
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from tc2.env import NEW_YORK
from tc2.program.trading_desk import TraderName, TraderSnapshot, TradingDesk
from webpanel.core.errors import BadRequest, ServiceUnavailable
from webpanel.data.selectors import parse_day, parse_symbol
from webpanel.program.selectors import program_env
from webpanel.trading.models import AlgoRun, Mode, NewTrade, TradeAnalysis

PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
MAX_PAGE = 1_000_000
MAX_RUN_ID = 10**12 - 1
NAME_PATTERN = re.compile(r"[A-Za-z0-9_.:/-]{1,200}")  # a strategy's name, a batch id
ORDER_ID_PATTERN = re.compile(r"[A-Za-z0-9_.:-]{1,128}")  # a client_order_id


def trading_desk() -> TradingDesk:
    """The desk on the program's LIVE env (the process's shared Redis client)."""
    return TradingDesk(program_env())


def trader_snapshots() -> dict[TraderName, TraderSnapshot | None]:
    """Both traders' snapshots; None for a trader whose process publishes none.

    Raises ServiceUnavailable (503) when Redis does not answer.
    """
    try:
        return trading_desk().snapshots()
    except redis.RedisError as exc:
        raise ServiceUnavailable(f"Redis is unavailable ({type(exc).__name__})") from exc


def account_get() -> dict[str, Any]:
    """The account as the freshest running trader sees it, and each trader's state."""
    snapshots = trader_snapshots()
    now = time.time()
    alive = sorted(
        (snapshot for snapshot in snapshots.values() if snapshot is not None),
        key=lambda snapshot: -snapshot.updated_at,
    )
    freshest = next((snapshot for snapshot in alive if snapshot.account is not None), None)
    return {
        "mode": alive[0].mode if alive else None,
        "account": None if freshest is None else freshest.to_dict()["account"],
        "traders": [_trader_row(name, snapshot, now) for name, snapshot in snapshots.items()],
    }


def _trader_row(name: TraderName, snapshot: TraderSnapshot | None, now: float) -> dict[str, Any]:
    if snapshot is None:
        return {
            "trader": name.value,
            "state": "not_running",
            "mode": None,
            "batch_id": None,
            "message": f"the {name.value} trader process is not running (no snapshot)",
            "streams": [],
            "market_t": None,
            "updated_at": None,
            "age_s": None,
        }
    document = snapshot.to_dict()
    return {
        "trader": name.value,
        "state": snapshot.state.value,
        "mode": snapshot.mode,
        "batch_id": snapshot.batch_id,
        "message": snapshot.message,
        "streams": document["streams"],
        "market_t": snapshot.market_t,
        "updated_at": snapshot.updated_at,
        "age_s": round(max(0.0, now - snapshot.updated_at), 1),
    }


def positions_list() -> list[dict[str, Any]]:
    """Every position the running traders hold, with mark and unrealized P&L, by symbol."""
    rows = [
        {**position, "trader": name.value, "mode": snapshot.mode}
        for name, snapshot in trader_snapshots().items()
        if snapshot is not None
        for position in snapshot.to_dict()["positions"]
    ]
    return sorted(rows, key=lambda row: (row["symbol"], row["trader"]))


def open_orders_list() -> list[dict[str, Any]]:
    """Every open order of the running traders, newest first."""
    rows = [
        {**order, "trader": name.value, "mode": snapshot.mode}
        for name, snapshot in trader_snapshots().items()
        if snapshot is not None
        for order in snapshot.to_dict()["open_orders"]
    ]
    return sorted(rows, key=lambda row: -row["submitted_t"])


def parse_page(query: Any) -> tuple[int, int]:
    """``page`` (from 1) and ``page_size`` (1..MAX_PAGE_SIZE) from the query."""
    values = []
    for name, default, top in (("page", 1, MAX_PAGE), ("page_size", PAGE_SIZE, MAX_PAGE_SIZE)):
        raw = query.get(name, str(default))
        if not re.fullmatch(r"[0-9]{1,7}", raw) or not 1 <= int(raw) <= top:
            raise BadRequest(f"{name} must be a whole number from 1 to {top}, was {raw!r}")
        values.append(int(raw))
    return values[0], values[1]


def page_of(rows: QuerySet[Any], *, page: int, page_size: int) -> dict[str, Any]:
    """One page of ``rows``: ``count`` (all), ``page``, ``page_size``, ``results``."""
    start = (page - 1) * page_size
    return {
        "count": rows.count(),
        "page": page,
        "page_size": page_size,
        "results": list(rows[start : start + page_size]),
    }


def parse_mode(raw: str | None) -> str | None:
    if raw is None:
        return None
    if raw not in Mode.values:
        raise BadRequest(f"mode must be one of {', '.join(Mode.values)}, was {raw!r}")
    return raw


def parse_name(raw: str | None, name: str) -> str | None:
    """A strategy name or batch id filter; None when not given."""
    if raw is None:
        return None
    if not NAME_PATTERN.fullmatch(raw):
        raise BadRequest(
            f"{name} must be 1-200 letters, digits or _ . : / -, was {raw[:50]!r}", {name: raw[:50]}
        )
    return raw


def parse_run(raw: str | None) -> int | None:
    if raw is None:
        return None
    if not re.fullmatch(r"[0-9]{1,12}", raw):
        raise BadRequest(f"run must be a run id (a whole number), was {raw!r}")
    return int(raw)


def _session_bounds(day: date) -> tuple[datetime, datetime]:
    # A trading day is a New York date: 00:00 to 24:00 Eastern, whatever UTC says.
    start = datetime.combine(day, day_time(0), tzinfo=NEW_YORK)
    return start, datetime.combine(day + timedelta(days=1), day_time(0), tzinfo=NEW_YORK)


def fills_list(
    *,
    day: str | None = None,
    strategy: str | None = None,
    symbol: str | None = None,
    mode: str | None = None,
    run: str | None = None,
) -> QuerySet[NewTrade]:
    """Fills (``new_trades``), newest first, filtered by New York day, strategy, symbol, mode,
    run. Raises BadRequest naming a bad filter."""
    rows = NewTrade.objects.select_related("run")
    session = parse_day(day, "day")
    if session is not None:
        start, end = _session_bounds(session)
        rows = rows.filter(t__gte=start, t__lt=end)
    return _filtered(rows, strategy=strategy, symbol=symbol, mode=mode, run=run).order_by(
        "-t", "-id"
    )


def round_trips_list(
    *,
    day: str | None = None,
    strategy: str | None = None,
    symbol: str | None = None,
    mode: str | None = None,
    run: str | None = None,
) -> QuerySet[TradeAnalysis]:
    """Round trips (``trade_analysis``), newest first; a day filter matches when they closed."""
    rows = TradeAnalysis.objects.select_related("run")
    session = parse_day(day, "day")
    if session is not None:
        start, end = _session_bounds(session)
        rows = rows.filter(end__gte=start, end__lt=end)
    return _filtered(rows, strategy=strategy, symbol=symbol, mode=mode, run=run).order_by(
        "-end", "-id"
    )


def runs_list(
    *,
    day: str | None = None,
    strategy: str | None = None,
    mode: str | None = None,
    batch_id: str | None = None,
) -> QuerySet[AlgoRun]:
    """Runs (``algo_run``), newest first; a day filter matches when they started."""
    rows = AlgoRun.objects.all()
    session = parse_day(day, "day")
    if session is not None:
        start, end = _session_bounds(session)
        rows = rows.filter(start__gte=start, start__lt=end)
    if parse_name(strategy, "strategy") is not None:
        rows = rows.filter(strategy=strategy)
    if parse_mode(mode) is not None:
        rows = rows.filter(mode=mode)
    if parse_name(batch_id, "batch_id") is not None:
        rows = rows.filter(batch_id=batch_id)
    return rows.order_by("-start", "-id")


def _filtered(
    rows: QuerySet[Any],
    *,
    strategy: str | None,
    symbol: str | None,
    mode: str | None,
    run: str | None,
) -> QuerySet[Any]:
    if parse_name(strategy, "strategy") is not None:
        rows = rows.filter(run__strategy=strategy)
    if symbol is not None:
        rows = rows.filter(symbol=parse_symbol(symbol))
    if parse_mode(mode) is not None:
        rows = rows.filter(run__mode=mode)
    run_id = parse_run(run)
    if run_id is not None:
        rows = rows.filter(run_id=run_id)
    return rows


PNL_GROUPS = ("day", "strategy")


def pnl_list(
    *,
    by: str | None,
    start: str | None = None,
    end: str | None = None,
    strategy: str | None = None,
    symbol: str | None = None,
    mode: str | None = None,
) -> list[dict[str, Any]]:
    """Realized P&L of the round trips, per New York day they closed or per strategy (and mode):
    net dollars, fees, round trips, wins and losses. Raises BadRequest naming a bad filter."""
    group = by or "day"
    if group not in PNL_GROUPS:
        raise BadRequest(f"by must be one of {', '.join(PNL_GROUPS)}, was {by!r}")
    rows = _filtered(
        TradeAnalysis.objects.all(), strategy=strategy, symbol=symbol, mode=mode, run=None
    )
    first, last = parse_day(start, "start"), parse_day(end, "end")
    if first is not None:
        rows = rows.filter(end__gte=_session_bounds(first)[0])
    if last is not None:
        rows = rows.filter(end__lt=_session_bounds(last)[1])
    key = TruncDate("end", tzinfo=NEW_YORK) if group == "day" else F("run__strategy")
    grouped = (
        rows.annotate(key=key, mode_of=F("run__mode"))
        .values("key", "mode_of")
        .annotate(
            total_gain=Sum("gain_value"),
            total_fees=Sum("fees"),
            round_trips=Count("id"),
            wins=Count("id", filter=Q(gain_value__gt=0)),
            losses=Count("id", filter=Q(gain_value__lt=0)),
        )
        .order_by("key", "mode_of")
    )
    return [
        {
            group: row["key"],
            "mode": row["mode_of"],
            "gain_value": row["total_gain"],
            "fees": row["total_fees"],
            "round_trips": row["round_trips"],
            "wins": row["wins"],
            "losses": row["losses"],
        }
        for row in grouped
    ]
