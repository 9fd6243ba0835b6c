"""Trade records: end-of-session consolidation, and wiping the trade history (staff).

The trading desk's commands (start/stop a trader, cancel, force-exit) are in ``desk.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from tc2.errors import ValidationFailed
from tc2.execution.orders import Side
from tc2.execution.round_trips import FillLine, round_trips, symbol_results
from tc2.logs import LogFeed, feed_logger
from webpanel.trading.models import AlgoRun, GainLoss, NewTrade, TradeAnalysis, TradeOrder
from webpanel.trading.recorder import to_datetime, to_decimal

RESET_CONFIRMATION = "DELETE ALL TRADE HISTORY"

_log = feed_logger(LogFeed.PROGRAM, "trade-records")


def run_consolidate(*, run_id: int) -> dict[str, int]:
    """Fill ``gain_loss`` and ``trade_analysis`` from a run's ``new_trades``; again is the same.

    Round trips close when a symbol's position returns to flat; partial fills, shorts, flips
    and fees are counted (``tc2.execution.round_trips``). A position still open is reported in
    ``gain_loss.open_qty`` and makes no round trip yet.
    """
    rows = NewTrade.objects.filter(run_id=run_id).order_by("t", "id")
    fills = [
        FillLine(
            symbol=row.symbol,
            side=Side(row.side),
            qty=float(row.qty),
            price=float(row.price),
            fee=float(row.fee),
            t=int(row.t.timestamp()),
            stop_price=None if row.stop_price is None else float(row.stop_price),
        )
        for row in rows
    ]
    trips = round_trips(fills)
    results = symbol_results(fills)
    with transaction.atomic():
        GainLoss.objects.filter(run_id=run_id).delete()
        TradeAnalysis.objects.filter(run_id=run_id).delete()
        GainLoss.objects.bulk_create(
            GainLoss(
                run_id=run_id,
                symbol=result.symbol,
                gain_value=_money(result.gain_value),
                gain_percentage=_ratio(result.gain_percentage),
                fees=_money(result.fees),
                round_trips=result.round_trips,
                open_qty=to_decimal(result.open_qty),
            )
            for result in results
        )
        TradeAnalysis.objects.bulk_create(
            TradeAnalysis(
                run_id=run_id,
                symbol=trip.symbol,
                direction=trip.direction,
                start=to_datetime(trip.start_t),
                end=to_datetime(trip.end_t),
                qty=to_decimal(trip.qty),
                entry_price=_price(trip.entry_price),
                exit_price=_price(trip.exit_price),
                stop_price=to_decimal(trip.stop_price),
                fees=_money(trip.fees),
                gain_value=_money(trip.gain_value),
                gain_percentage=_ratio(trip.gain_percentage),
                r_units=None if trip.r_units is None else _ratio(trip.r_units),
            )
            for trip in trips
        )
    return {"symbols": len(results), "round_trips": len(trips)}


def batch_consolidate(*, batch_id: str) -> dict[str, int]:
    """Consolidate every run of a batch (a program start's session, at its end)."""
    runs = list(AlgoRun.objects.filter(batch_id=batch_id).values_list("id", flat=True))
    trips = sum(run_consolidate(run_id=run_id)["round_trips"] for run_id in runs)
    return {"runs": len(runs), "round_trips": trips}


def trade_history_reset(*, body: Mapping[str, Any], user: AbstractBaseUser) -> dict[str, int]:
    """Delete every row of the trade tables; return how many of each went.

    Raises
    ------
    ValidationFailed
        Unless ``body`` is exactly ``{"confirmation": RESET_CONFIRMATION}`` (nothing is deleted).
    """
    errors = {
        name: ["is not a field of this request"] for name in sorted(set(body) - {"confirmation"})
    }
    confirmation = body.get("confirmation")
    if confirmation != RESET_CONFIRMATION:
        errors["confirmation"] = [f"must be exactly {RESET_CONFIRMATION!r}, was {confirmation!r}"]
    if errors:
        raise ValidationFailed("Nothing was deleted: the confirmation does not match.", errors)
    with transaction.atomic():
        counts = {
            "trade_analysis": TradeAnalysis.objects.all().delete()[0],
            "gain_loss": GainLoss.objects.all().delete()[0],
            "new_trades": NewTrade.objects.all().delete()[0],
            "trade_orders": TradeOrder.objects.all().delete()[0],
            "algo_runs": AlgoRun.objects.all().delete()[0],
        }
    _log.warning(
        f"{user.get_username()} deleted the trade history: "
        + ", ".join(f"{count} {table}" for table, count in counts.items())
    )
    return counts


def _money(value: float) -> object:
    return to_decimal(round(value, 6))


def _price(value: float) -> object:
    return to_decimal(round(value, 8))


def _ratio(value: float) -> object:
    return to_decimal(round(value, 4))
