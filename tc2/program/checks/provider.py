"""PROVIDER: the market-data provider delivers valid bars of the last session."""

from __future__ import annotations

import time
from datetime import datetime

from tc2.data.bars import Resolution
from tc2.data.collection import completed_sessions
from tc2.data.providers import HistoryProvider, ProviderError
from tc2.data.validation import validate_day
from tc2.env import MarketCalendar
from tc2.program.checks.report import Figure, HealthCheckType, HealthReport, HealthStatus, verdict

PROVIDER_SYMBOL = "SPY"
PROVIDER_MAX_TOTAL_S = 420.0  # the original flagged collections over 7 minutes
PROVIDER_RESOLUTIONS = (Resolution.MINUTE, Resolution.SECOND)

NO_PROVIDER_MESSAGE = (
    "no market-data provider is configured (POLYGON_API_KEY, or TC2_DATA_PROVIDER=alpaca with "
    "ALPACA_API_KEY_ID and ALPACA_API_SECRET_KEY): bars come from the synthetic market"
)
PROVIDER_FETCH_FAILED = (
    "{provider}: {resolution} bars of {symbol} on {day} could not be fetched: {error}"
)
PROVIDER_INVALID = "{provider}: {resolution} bars of {symbol} on {day} are invalid: {reasons}"
PROVIDER_SLOW = "{provider}: fetching took {total:.1f} s in all, more than {limit:.0f} s"


def check_provider(
    *,
    provider: HistoryProvider | None,
    calendar: MarketCalendar,
    now: datetime,
    symbol: str = PROVIDER_SYMBOL,
    max_total_s: float = PROVIDER_MAX_TOTAL_S,
) -> HealthReport:
    """PROVIDER: fetch and validate ``symbol``'s last completed session at 1m and 1s."""
    check = HealthCheckType.PROVIDER
    if provider is None:
        return HealthReport(
            check_type=check, status=HealthStatus.SKIPPED, messages=(NO_PROVIDER_MESSAGE,)
        )
    day = completed_sessions(calendar, now, 1)[0]
    problems: list[str] = []
    notes: list[str] = []
    figures: dict[str, Figure] = {"provider": provider.name, "day": day.isoformat()}
    total = 0.0
    for resolution in PROVIDER_RESOLUTIONS:
        where = {
            "provider": provider.name,
            "resolution": resolution.value,
            "symbol": symbol,
            "day": day,
        }
        started = time.perf_counter()
        try:
            bars = provider.day_bars(symbol=symbol, day=day, resolution=resolution)
        except (ProviderError, ValueError) as error:
            problems.append(PROVIDER_FETCH_FAILED.format(**where, error=error))
            continue
        finally:
            elapsed = time.perf_counter() - started
            total += elapsed
            figures[f"fetch_{resolution.value}_s"] = round(elapsed, 3)
        validity = validate_day(bars, calendar)
        figures[f"bars_{resolution.value}"] = len(bars)
        if not validity.valid:
            problems.append(PROVIDER_INVALID.format(**where, reasons="; ".join(validity.reasons)))
        notes.append(
            f"{resolution.value}: {len(bars)} bars ({validity.bars} in regular hours) "
            f"in {elapsed:.2f} s, longest gap {validity.longest_gap_s} s"
        )
    figures["total_s"] = round(total, 3)
    if total > max_total_s:
        problems.append(
            PROVIDER_SLOW.format(provider=provider.name, total=total, limit=max_total_s)
        )
    return verdict(check, problems, notes, figures)
