"""Read market data from the LIVE price store."""

from __future__ import annotations

import functools
import re
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings

from tc2.data.adjusted_bars import adjusted_day
from tc2.data.adjustments import Adjustment
from tc2.data.bars import Resolution
from tc2.data.coverage import CoverageSummary, SessionCoverage, coverage_summary, symbol_coverage
from tc2.data.price_stores import price_store_for
from tc2.data.resample import regular_hours
from tc2.data.store import DayNotOnFile, PriceStore
from tc2.env import EnvType, MarketCalendar
from tc2.env.trading_settings import SYMBOL_PATTERN
from tc2.errors import ValidationFailed
from webpanel.configuration.selectors import trading_settings_get
from webpanel.core.errors import BadRequest, NotFound


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
    if raw is None:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        raise BadRequest(f"{name} must be YYYY-MM-DD, was {raw!r}")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadRequest(f"{name} is not a real date: {raw!r}") from None


def parse_adjustment(raw: str | None) -> Adjustment:
    value = Adjustment.RAW.value if raw is None else raw
    if value not in tuple(member.value for member in Adjustment):
        choices = ", ".join(member.value for member in Adjustment)
        raise BadRequest(f"adjustment must be one of {choices}, was {value!r}")
    return Adjustment(value)


def parse_resolution(raw: str | None) -> Resolution:
    value = Resolution.MINUTE.value if raw is None else raw
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
        raise ValidationFailed(
            "The date range is invalid.", {"end": [f"must not be before start {start}, was {end}"]}
        )
    dates = live_store().dates_on_file(symbol, start, end, resolution)
    return {
        "symbol": symbol,
        "resolution": resolution.value,
        "dates": [d.isoformat() for d in dates],
    }


def data_bars(
    *,
    symbol: str,
    day: date,
    resolution: Resolution,
    rth: bool,
    adjustment: Adjustment = Adjustment.RAW,
    reference: date | None = None,
) -> dict[str, Any]:
    """One symbol-day as columns (t in epoch seconds, bar start), back-adjusted to
    ``reference`` (default: the day itself) as a run with ``adjustment`` saw them."""
    store = live_store()
    calendar = MarketCalendar.xnys()
    try:
        bars = store.load_day(symbol, day, resolution)
    except DayNotOnFile:
        raise NotFound(f"No {resolution.value} bars of {symbol} on {day} on file") from None
    if rth:
        bars = regular_hours(bars, calendar)
    bars = adjusted_day(store, calendar, bars, adjustment=adjustment, reference=reference or day)
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
    """Per symbol (the universe and any other on file), ``coverage_summary``'s figures."""
    store = live_store()
    calendar = MarketCalendar.xnys()
    symbols = sorted(set(trading_settings_get().settings.symbols) | set(store.symbols(resolution)))
    return {
        "resolution": resolution.value,
        "symbols": [
            _summary_row(coverage_summary(store, calendar, symbol, resolution))
            for symbol in symbols
        ],
    }


def data_coverage(*, symbol: str, resolution: Resolution) -> dict[str, Any]:
    """The Data page's chart of ``symbol``: its status row (the same figures as
    ``data_status``'s) and, per session from the first on file to the last, the daily candle
    and the share of the session's minutes with a bar."""
    coverage = symbol_coverage(live_store(), MarketCalendar.xnys(), symbol, resolution)
    window = coverage.window
    return {
        "resolution": resolution.value,
        **_summary_row(coverage.summary),
        "window_start": window[0].isoformat() if window else None,
        "window_end": window[1].isoformat() if window else None,
        "sessions": [_session_row(session) for session in coverage.sessions],
    }


def _summary_row(summary: CoverageSummary) -> dict[str, Any]:
    invalid = summary.invalid
    return {
        "symbol": summary.symbol,
        "sessions_on_file": len(summary.on_file),
        "first_day": summary.first_day.isoformat() if summary.first_day else None,
        "last_day": summary.last_day.isoformat() if summary.last_day else None,
        "missing_days": [day.isoformat() for day in summary.missing],
        "checked": len(summary.recent),
        "valid": len(summary.recent) - len(invalid),
        "invalid": [{"day": v.day.isoformat(), "reasons": list(v.reasons)} for v in invalid],
    }


def _session_row(session: SessionCoverage) -> dict[str, Any]:
    candle = session.candle
    validity = session.validity
    return {
        "day": session.day.isoformat(),
        "on_file": session.on_file,
        "session_minutes": session.session_minutes,
        "covered_minutes": session.covered_minutes,
        "coverage_pct": session.coverage_pct,
        "valid": None if validity is None else validity.valid,
        "candle": None
        if candle is None
        else {
            "open": candle.open,
            "high": candle.high,
            "low": candle.low,
            "close": candle.close,
            "volume": candle.volume,
        },
    }
