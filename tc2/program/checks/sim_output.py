"""SIM_OUTPUT: a CycleStrategy simulation of one day passes realism checks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import numpy as np

from tc2.data.bars import Resolution, SymbolDay
from tc2.data.store import PriceStore
from tc2.env import MarketCalendar
from tc2.env.market_calendar import new_york_epoch
from tc2.errors import TC2Error
from tc2.program.checks.cycle import (
    MECHANICS_SETTINGS,
    MODEL_FILTERS_OFF_NOTE,
    SIM_FAILED,
    SIM_NO_DAYS,
    simulate_cycle,
)
from tc2.program.checks.report import Figure, HealthCheckType, HealthReport, new_york_time, verdict
from tc2.simulation.records import RunRecord
from tc2.simulation.simulator import SimulationSettings
from tc2.strategy.base import StrategyKind
from tc2.strategy.builtin.cycle import CycleStrategy

REALISM_NO_BAR = "fill of order {order} ({symbol}) at t={t}: no bar of the day starts then"
REALISM_FILL_OUTSIDE = (
    "fill of order {order} ({symbol} {side} {qty}) at {price} at {when}, outside its bar's range "
    "{low}-{high}"
)
REALISM_START_OUTSIDE = "the strategy started at {when}, outside its active windows ({windows})"
REALISM_ORDER_EARLY = "order {order} submitted at {when}, before the strategy started"
REALISM_ORDER_LATE = "order {order} submitted at {when}, after the close"
REALISM_ENTRY_OUTSIDE = (
    "order {order} ({side} {qty} {symbol}) opens a position at {when}, outside the active "
    "windows ({windows})"
)
REALISM_CASH_NEGATIVE = "cash fell to {cash:.2f} after the fill of order {order} at {when}"
REALISM_NOT_FLAT = "{qty} shares of {symbol} still held after the close"
REALISM_NO_FILLS = "no fills: the fill checks had nothing to check"
CASH_TOLERANCE = 0.005  # half a cent


def check_sim_output(
    *,
    store: PriceStore,
    calendar: MarketCalendar,
    symbol: str,
    day: date | None = None,
    settings: SimulationSettings = MECHANICS_SETTINGS,
) -> HealthReport:
    """SIM_OUTPUT: simulate CycleStrategy on ``day`` (default: the last 1s day on file) and
    check that its record is realistic (``realism_problems``)."""
    check = HealthCheckType.SIM_OUTPUT
    if day is None:
        on_file = store.dates_on_file(symbol, resolution=Resolution.SECOND)
        if not on_file:
            return verdict(check, [SIM_NO_DAYS.format(symbol=symbol)], (), {}, symbol)
        day = on_file[-1]
    try:
        record, bars = simulate_cycle(store, calendar, symbol, day, settings)
    except TC2Error as error:
        message = SIM_FAILED.format(day=day, error=error)
        return verdict(check, [message], (), {"day": day.isoformat()}, symbol)
    windows = [
        (new_york_epoch(day, window.start), new_york_epoch(day, window.end))
        for window in CycleStrategy.active_windows
    ]
    close_t = int(calendar.session_close(day).timestamp())
    problems = realism_problems(record=record, bars=bars, windows=windows, close_t=close_t)
    notes = [
        f"CycleStrategy on {symbol} {day}: {len(record.order_log)} orders, "
        f"{len(record.fill_log)} fills, profit {record.profit:.2f}, stop: {record.stop_reason}",
        MODEL_FILTERS_OFF_NOTE,
    ]
    if not record.fill_log:
        notes.insert(1, REALISM_NO_FILLS)
    figures: dict[str, Figure] = {
        "day": day.isoformat(),
        "orders": len(record.order_log),
        "fills": len(record.fill_log),
        "profit": round(record.profit, 2),
        "min_cash": round(_cash_path(record)[0], 2),
        "fingerprint": record.fingerprint,
    }
    return verdict(check, problems, notes, figures, symbol)


def realism_problems(
    *,
    record: RunRecord,
    bars: Mapping[str, SymbolDay],
    windows: Sequence[tuple[int, int]],
    close_t: int,
) -> list[str]:
    """What is unrealistic in a day's run record; empty when nothing is.

    Parameters
    ----------
    record
        The run record of one day.
    bars
        The regular-hours bars the run replayed, by symbol.
    windows
        The strategy's active windows that day, as (start, end) epoch seconds.
    close_t
        The session's close, epoch seconds.
    """
    problems: list[str] = []
    for fill in record.fill_log:
        symbol_bars = bars.get(fill.symbol)
        index = int(np.searchsorted(symbol_bars.t, fill.t)) if symbol_bars is not None else 0
        if symbol_bars is None or index >= len(symbol_bars) or symbol_bars.t[index] != fill.t:
            problems.append(
                REALISM_NO_BAR.format(order=fill.client_order_id, symbol=fill.symbol, t=fill.t)
            )
            continue
        low, high = float(symbol_bars.l[index]), float(symbol_bars.h[index])
        if not low <= fill.price <= high:
            problems.append(
                REALISM_FILL_OUTSIDE.format(
                    order=fill.client_order_id,
                    symbol=fill.symbol,
                    side=fill.side.value,
                    qty=fill.qty,
                    price=fill.price,
                    when=new_york_time(fill.t),
                    low=low,
                    high=high,
                )
            )
    problems.extend(_order_problems(record, windows, close_t))
    cash, after = _cash_path(record)
    if cash < -CASH_TOLERANCE and after is not None:
        problems.append(
            REALISM_CASH_NEGATIVE.format(
                cash=cash, order=after.client_order_id, when=new_york_time(after.t)
            )
        )
    if record.kind == StrategyKind.DAY.value:
        for position in record.positions:
            if position["qty"]:
                problems.append(
                    REALISM_NOT_FLAT.format(qty=position["qty"], symbol=position["symbol"])
                )
    return problems


def _order_problems(
    record: RunRecord, windows: Sequence[tuple[int, int]], close_t: int
) -> list[str]:
    problems: list[str] = []
    shown = ", ".join(
        f"{new_york_time(start, seconds=False)}-{new_york_time(end, seconds=False)}"
        for start, end in windows
    )

    def inside(t: int) -> bool:
        return any(start <= t <= end for start, end in windows)

    started = record.started_t
    if started is not None and not inside(started):
        problems.append(REALISM_START_OUTSIDE.format(when=new_york_time(started), windows=shown))
    for order in record.order_log:
        when = new_york_time(order.submitted_t)
        if started is None or order.submitted_t < started:
            problems.append(REALISM_ORDER_EARLY.format(order=order.client_order_id, when=when))
        elif order.submitted_t > close_t:
            problems.append(REALISM_ORDER_LATE.format(order=order.client_order_id, when=when))
        held = sum(
            fill.side.sign * fill.qty
            for fill in record.fill_log
            if fill.symbol == order.symbol and fill.t < order.submitted_t
        )
        opens = held == 0 or (held > 0) == (order.side.sign > 0)
        if opens and not inside(order.submitted_t):
            problems.append(
                REALISM_ENTRY_OUTSIDE.format(
                    order=order.client_order_id,
                    side=order.side.value,
                    qty=order.qty,
                    symbol=order.symbol,
                    when=when,
                    windows=shown,
                )
            )
    return problems


def _cash_path(record: RunRecord) -> tuple[float, Any]:
    """The lowest cash the fills left and the fill after which it was lowest (None: no fill)."""
    cash = lowest = record.starting_cash
    after = None
    for fill in record.fill_log:
        cash -= fill.side.sign * fill.qty * fill.price + fill.fee
        if cash < lowest:
            lowest, after = cash, fill
    return lowest, after
