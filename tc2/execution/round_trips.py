"""Round trips from fills: what the end-of-session consolidation makes of a run's executions.

A round trip on a symbol runs from flat back to flat. Partial fills add to it; a fill that
flips the position (long to short) closes one round trip and opens the next, its fee split by
shares. P&L is net of fees; R-units compare the move to the risk taken,
``(exit - entry) / (entry - stop)``, which reads the same for longs and shorts (a short stopped
above its entry that exits below it earns positive R).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from tc2.execution.orders import Side, round_qty


@dataclass(frozen=True, slots=True, kw_only=True)
class FillLine:
    """The part of a fill the consolidation needs, in the order the fills happened."""

    symbol: str
    side: Side
    qty: float
    price: float
    fee: float
    t: int  # epoch seconds UTC
    stop_price: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RoundTrip:
    """One closed round trip (a ``trade_analysis`` row)."""

    symbol: str
    direction: str  # "long" or "short"
    start_t: int
    end_t: int
    qty: float  # the largest position held
    entry_price: float  # average price of the opening fills
    exit_price: float  # average price of the closing fills
    stop_price: float | None  # the first stop an opening fill carried
    entry_cost: float  # dollars the opening fills moved (entry_price x shares opened)
    fees: float
    gain_value: float  # net dollars after fees
    gain_percentage: float  # gain_value / (entry_price x shares opened) x 100
    r_units: float | None  # None without a stop, or with the stop at the entry


@dataclass(frozen=True, slots=True, kw_only=True)
class SymbolResult:
    """A symbol's realized result in a run (a ``gain_loss`` row)."""

    symbol: str
    gain_value: float
    gain_percentage: float  # gain_value / the round trips' entry cost x 100
    fees: float
    round_trips: int
    open_qty: float  # signed shares still held (their P&L is not realized)


@dataclass(slots=True)
class _Open:
    sign: int
    start_t: int
    held: float = 0.0
    peak: float = 0.0
    opened: float = 0.0  # shares bought (long) or sold (short) to open or add
    opened_cost: float = 0.0
    closed: float = 0.0
    closed_value: float = 0.0
    fees: float = 0.0
    cash: float = 0.0
    stop: float | None = None


def round_trips(fills: Iterable[FillLine]) -> list[RoundTrip]:
    """Return the closed round trips of ``fills`` (in time order), by when they closed.

    A position still open after the last fill makes no round trip (``symbol_results`` reports
    its shares).
    """
    closed, _ = _walk(fills)
    return closed


def symbol_results(fills: Iterable[FillLine]) -> list[SymbolResult]:
    """Return each symbol's realized gain over its closed round trips, by symbol."""
    fills = list(fills)
    closed, still_open = _walk(fills)
    symbols = sorted({fill.symbol for fill in fills})
    results = []
    for symbol in symbols:
        trips = [trip for trip in closed if trip.symbol == symbol]
        gain = sum(trip.gain_value for trip in trips)
        cost = sum(trip.entry_cost for trip in trips)
        position = still_open.get(symbol)
        results.append(
            SymbolResult(
                symbol=symbol,
                gain_value=gain,
                gain_percentage=100.0 * gain / cost if cost else 0.0,
                fees=sum(trip.fees for trip in trips) + (position.fees if position else 0.0),
                round_trips=len(trips),
                open_qty=position.sign * position.held if position else 0,
            )
        )
    return results


def _walk(fills: Iterable[FillLine]) -> tuple[list[RoundTrip], Mapping[str, _Open]]:
    positions: dict[str, _Open] = {}
    closed: list[RoundTrip] = []
    for fill in fills:
        remaining = fill.qty
        sign = fill.side.sign
        while remaining > 0:
            position = positions.get(fill.symbol)
            if position is None:
                position = positions[fill.symbol] = _Open(sign=sign, start_t=fill.t)
            shares = remaining if position.sign == sign else min(remaining, position.held)
            fee = fill.fee * shares / fill.qty
            position.fees += fee
            position.cash += -sign * shares * fill.price - fee
            if position.sign == sign:
                position.held = round_qty(position.held + shares)
                position.peak = max(position.peak, position.held)
                position.opened += shares
                position.opened_cost += shares * fill.price
                if position.stop is None and fill.stop_price is not None:
                    position.stop = fill.stop_price
            else:
                position.held = round_qty(position.held - shares)
                position.closed += shares
                position.closed_value += shares * fill.price
                if position.held == 0:
                    closed.append(_closed(fill.symbol, position, fill.t))
                    del positions[fill.symbol]
            remaining = round_qty(remaining - shares)
    return closed, positions


def _closed(symbol: str, position: _Open, end_t: int) -> RoundTrip:
    entry = position.opened_cost / position.opened
    exit_ = position.closed_value / position.closed
    risk = None if position.stop is None else entry - position.stop
    return RoundTrip(
        symbol=symbol,
        direction="long" if position.sign > 0 else "short",
        start_t=position.start_t,
        end_t=end_t,
        qty=position.peak,
        entry_price=entry,
        exit_price=exit_,
        stop_price=position.stop,
        entry_cost=position.opened_cost,
        fees=position.fees,
        gain_value=position.cash,
        gain_percentage=100.0 * position.cash / position.opened_cost,
        r_units=(exit_ - entry) / risk if risk else None,
    )
