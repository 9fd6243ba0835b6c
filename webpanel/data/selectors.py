"""Read market data from the LIVE price store."""

from __future__ import annotations

import functools
import re
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings

from tc2.data.bars import Resolution
from tc2.data.resample import regular_hours
from tc2.data.store import DayNotOnFile, PriceStore, price_store_for
from tc2.data.validation import validate_day
from tc2.env import EnvType, MarketCalendar
from tc2.env.trading_settings import SYMBOL_PATTERN
from webpanel.configuration.selectors import trading_settings_get
from webpanel.core.errors import BadRequest, NotFound

STATUS_DAYS = 40


def live_store() -> PriceStore:
    """The LIVE store, one per process and configuration (a MongoDB client is reused)."""
    config = settings.TC2_CONFIG
    return _store(config.data_dir, config.price_store)


@functools.lru_cache(maxsize=4)
def _store(data_dir: Path, url: str) -> PriceStore:
    return price_store_for(EnvType.LIVE, data_dir=data_dir, url=url)


def parse_symbol(raw: str) -> str:
    if not SYMBOL_PATTERN.fullmatch(raw):
        raise BadRequest(f"{raw!r} is not a ticker (1-5 uppercase letters, optional .X)")
    return raw


def parse_day(raw: str | None, name: str) -> date | None:
    if raw is None or raw == "":
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        raise BadRequest(f"{name} must be YYYY-MM-DD, was {raw!r}")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadRequest(f"{name} is not a real date: {raw!r}") from None


def parse_resolution(raw: str | None) -> Resolution:
    value = raw or Resolution.MINUTE.value
    if value not in (Resolution.SECOND.value, Resolution.MINUTE.value, Resolution.DAY.value):
        raise BadRequest(f"resolution must be 1s, 1m or 1d, was {value!r}")
    return Resolution(value)


def data_symbols() -> dict[str, Any]:
    return {
        "universe": list(trading_settings_get().settings.symbols),
        "on_file": live_store().symbols(),
    }


def data_dates(
    *, symbol: str, start: date | None, end: date | None, resolution: Resolution
) -> dict[str, Any]:
    if start is not None and end is not None and end < start:
        raise BadRequest(f"end must not be before start {start}, was {end}")
    dates = live_store().dates_on_file(symbol, start, end, resolution)
    return {
        "symbol": symbol,
        "resolution": resolution.value,
        "dates": [d.isoformat() for d in dates],
    }


def data_bars(*, symbol: str, day: date, resolution: Resolution, rth: bool) -> dict[str, Any]:
    """One symbol-day as columns (t in epoch seconds, bar start)."""
    try:
        bars = live_store().load_day(symbol, day, resolution)
    except DayNotOnFile:
        raise NotFound(f"No {resolution.value} bars of {symbol} on {day} on file") from None
    if rth:
        bars = regular_hours(bars, MarketCalendar.xnys())
    return {
        "symbol": symbol,
        "day": day.isoformat(),
        "resolution": resolution.value,
        "rth": rth,
        "count": len(bars),
        # Arrays, not lists: the API's renderer encodes them without a Python float each.
        **bars.columns(),
    }


def data_status(*, resolution: Resolution) -> dict[str, Any]:
    """Per symbol: sessions on file (of the last STATUS_DAYS), valid, invalid with reasons."""
    store = live_store()
    calendar = MarketCalendar.xnys()
    symbols = sorted(set(trading_settings_get().settings.symbols) | set(store.symbols(resolution)))
    report = []
    for symbol in symbols:
        days = store.dates_on_file(symbol, None, None, resolution)[-STATUS_DAYS:]
        invalid = []
        for day in days:
            validity = validate_day(store.load_day(symbol, day, resolution), calendar)
            if not validity.valid:
                invalid.append({"day": day.isoformat(), "reasons": list(validity.reasons)})
        report.append(
            {
                "symbol": symbol,
                "sessions_on_file": len(store.dates_on_file(symbol, None, None, resolution)),
                "checked": len(days),
                "valid": len(days) - len(invalid),
                "invalid": invalid,
                "last_day": days[-1].isoformat() if days else None,
            }
        )
    return {"resolution": resolution.value, "symbols": report}
