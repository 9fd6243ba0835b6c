"""One stored day's bars back-adjusted as a simulation sees them, for readers outside a run.

The simulator adjusts the sessions it loads (``StrategySimulator._load_sessions``); a chart of a
finished run must show the same prices, so the data API adjusts a day here by the same factors
(``adjustments.day_factors``) relative to the run's last session.
"""

from __future__ import annotations

from datetime import date

from tc2.data.adjustments import Adjustment, adjust_columns, day_factors
from tc2.data.bars import Resolution, SymbolDay
from tc2.data.resample import regular_hours
from tc2.data.store import DayNotOnFile, PriceStore
from tc2.env.market_calendar import MarketCalendar

CLOSE_SEARCH_SESSIONS = 10
"""How many sessions back a dividend's previous close is looked for."""


def close_before(
    store: PriceStore, calendar: MarketCalendar, symbol: str, day: date, resolution: Resolution
) -> float | None:
    """The last regular-hours close on file in the ``CLOSE_SEARCH_SESSIONS`` before ``day``."""
    session = day
    for _ in range(CLOSE_SEARCH_SESSIONS):
        session = calendar.previous_session(session)
        try:
            bars = regular_hours(store.load_day(symbol, session, resolution), calendar)
        except DayNotOnFile:
            continue
        if len(bars):
            return float(bars.c[-1])
    return None


def adjusted_day(
    store: PriceStore,
    calendar: MarketCalendar,
    bars: SymbolDay,
    *,
    adjustment: Adjustment,
    reference: date,
) -> SymbolDay:
    """``bars`` back-adjusted to ``reference`` by the symbol's actions on file.

    Raises
    ------
    DataError
        If a dividend (``ALL``) has no known factor and no close before it is on file.
    """
    if adjustment is Adjustment.RAW:
        return bars
    factors = day_factors(
        store.load_actions(bars.symbol),
        day=bars.day,
        reference=reference,
        adjustment=adjustment,
        previous_close=lambda action: close_before(
            store, calendar, bars.symbol, action.ex_date, bars.resolution
        ),
    )
    if factors.identity:
        return bars
    return SymbolDay.from_columns(
        symbol=bars.symbol,
        day=bars.day,
        resolution=bars.resolution,
        columns=adjust_columns(bars.columns(), factors),
    )
