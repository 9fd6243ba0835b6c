"""What a reconciliation compares: a traded run as the records hold it, and the market's prices.

``TradedRun`` is a live, paper or replay run in the engine's terms (the web layer builds it from
``algo_run``, ``trade_order`` and ``new_trades``; a test from a ``MemoryTradeRecorder``), with
the settings it ran with. ``PriceReference`` gives the stored market price at any moment of the
session, which splits a matched fill's price difference into the market's move between the two
fill times (timing) and the execution itself (fills).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from tc2.data.bars import SymbolDay
from tc2.data.store import BarSeries
from tc2.errors import DataError
from tc2.execution.orders import Fill, Order, Side
from tc2.execution.trade_records import MemoryTradeRecorder, OrderIntent, TradeFill

NO_PRICE_MESSAGE = "no stored bar of {symbol} at or before {t}: the session's bars are needed"


@dataclass(frozen=True, slots=True, kw_only=True)
class SideFill:
    """One execution of either side (live or simulated), in the terms both share."""

    fill_id: str
    client_order_id: str
    symbol: str
    side: Side
    qty: float
    price: float
    fee: float
    t: int  # epoch s UTC: the live execution time, or the start of the simulated fill's bar

    @property
    def cash(self) -> float:
        """What the fill did to cash before fees: a buy pays, a sell receives."""
        return -self.side.sign * self.qty * self.price

    def to_dict(self) -> dict[str, Any]:
        return {
            "fill_id": self.fill_id,
            "client_order_id": self.client_order_id,
            "qty": self.qty,
            "price": self.price,
            "fee": self.fee,
            "t": self.t,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class SideOrder:
    """One order of either side: what was meant, and what became of it."""

    client_order_id: str
    symbol: str
    side: Side
    qty: float | None
    type: str
    status: str
    reason: str
    t: int  # when the run decided it (epoch s UTC)

    def to_dict(self) -> dict[str, Any]:
        return {
            "client_order_id": self.client_order_id,
            "qty": self.qty,
            "type": self.type,
            "status": self.status,
            "reason": self.reason,
            "t": self.t,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class TradedRun:
    """A traded run as recorded: what to re-run and what it did.

    ``start_t`` is when the run began on its clock: the open, or later when the trader picked
    the run later (the re-run starts then too). ``settings`` are the account's settings the run
    traded with (``SimulationSettings`` fields; empty for a run recorded before they were kept:
    the defaults are used and the report says so).
    """

    run_id: int | None
    strategy: str
    parameters: Mapping[str, Any]
    mode: str
    symbols: tuple[str, ...]
    day: date
    start_t: int
    end_t: int | None
    stop_reason: str
    settings: Mapping[str, Any]
    orders: tuple[SideOrder, ...]
    fills: tuple[SideFill, ...]
    batch_id: str = ""


def side_fills_of(fills: Sequence[Fill]) -> tuple[SideFill, ...]:
    """A simulation's fills (a ``RunRecord``'s ``fill_log``), numbered per order as the
    recorder keys them (``<client_order_id>-<n>``)."""
    counts: dict[str, int] = {}
    out = []
    for fill in fills:
        counts[fill.client_order_id] = counts.get(fill.client_order_id, 0) + 1
        out.append(
            SideFill(
                fill_id=f"{fill.client_order_id}-{counts[fill.client_order_id]}",
                client_order_id=fill.client_order_id,
                symbol=fill.symbol,
                side=fill.side,
                qty=float(fill.qty),
                price=float(fill.price),
                fee=float(fill.fee),
                t=int(fill.t),
            )
        )
    return tuple(out)


def side_orders_of(orders: Sequence[Order]) -> tuple[SideOrder, ...]:
    """A simulation's orders (a ``RunRecord``'s ``order_log``)."""
    return tuple(
        SideOrder(
            client_order_id=order.client_order_id,
            symbol=order.symbol,
            side=order.side,
            qty=float(order.qty),
            type=order.type.value,
            status=order.status.value,
            reason=order.reason,
            t=int(order.submitted_t),
        )
        for order in orders
    )


def recorded_fill(fill: TradeFill) -> SideFill:
    """A recorded fill (``TradeFill``) as a side fill."""
    return SideFill(
        fill_id=fill.fill_id,
        client_order_id=fill.client_order_id,
        symbol=fill.symbol,
        side=fill.side,
        qty=float(fill.qty),
        price=float(fill.price),
        fee=float(fill.fee),
        t=int(fill.t),
    )


def recorded_order(order: OrderIntent) -> SideOrder:
    """A recorded order (``OrderIntent``) as a side order."""
    return SideOrder(
        client_order_id=order.client_order_id,
        symbol=order.symbol,
        side=order.side,
        qty=order.qty,
        type=order.type.value,
        status=order.status.value,
        reason=order.reason,
        t=order.created_t,
    )


def traded_run_from_memory(
    recorder: MemoryTradeRecorder,
    run_id: int,
    *,
    day: date,
    settings: Mapping[str, Any] | None = None,
) -> TradedRun:
    """The run ``run_id`` as a ``MemoryTradeRecorder`` holds it (tests, tools)."""
    start = recorder.runs[run_id]
    end = recorder.ends.get(run_id)
    return TradedRun(
        run_id=run_id,
        strategy=start.strategy,
        parameters=dict(start.parameters),
        mode=start.mode.value,
        symbols=tuple(start.symbols),
        day=day,
        start_t=start.start_t,
        end_t=None if end is None else end[0],
        stop_reason="" if end is None else end[1],
        settings=dict(settings if settings is not None else start.settings),
        orders=tuple(recorded_order(o) for o in recorder.orders.values() if o.run_id == run_id),
        fills=tuple(
            sorted(
                (recorded_fill(f) for f in recorder.fills.values() if f.run_id == run_id),
                key=lambda fill: (fill.t, fill.fill_id),
            )
        ),
        batch_id=start.batch_id,
    )


class PriceReference:
    """The stored market price of each symbol at any moment of the session.

    ``at(symbol, t)`` is the close of the last bar starting at or before ``t`` (a fill's time is
    inside that bar, or is its start): the same for two fills in the same bar, so equal fill
    times give no market move.

    Raises
    ------
    DataError
        From ``at``, if no bar of the symbol starts at or before ``t``.
    """

    def __init__(self, bars: Mapping[str, BarSeries | SymbolDay]) -> None:
        self._t = {symbol: np.asarray(series.t) for symbol, series in bars.items()}
        self._c = {symbol: np.asarray(series.c, dtype=float) for symbol, series in bars.items()}

    def at(self, symbol: str, t: int) -> float:
        times = self._t.get(symbol)
        if times is None or not len(times):
            raise DataError(NO_PRICE_MESSAGE.format(symbol=symbol, t=t))
        index = int(np.searchsorted(times, t, "right")) - 1
        if index < 0:
            raise DataError(NO_PRICE_MESSAGE.format(symbol=symbol, t=t))
        return float(self._c[symbol][index])

    def last(self, symbol: str) -> float:
        """The symbol's last stored close (missed trades are valued against it)."""
        closes = self._c.get(symbol)
        if closes is None or not len(closes):
            raise DataError(NO_PRICE_MESSAGE.format(symbol=symbol, t="the close"))
        return float(closes[-1])
