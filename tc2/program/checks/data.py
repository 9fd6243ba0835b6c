"""DATA: TC2's rule for the symbol's recent days on file."""

from __future__ import annotations

from tc2.data.bars import Resolution
from tc2.data.store import PriceStore
from tc2.data.validation import (
    HEALTH_DAYS,
    HEALTH_MAX_GAP_S,
    HEALTH_VALID_SHARE,
    data_health,
    recent_validity,
)
from tc2.env import MarketCalendar
from tc2.program.checks.report import Figure, HealthCheckType, HealthReport, no_progress, verdict
from tc2.program.jobs import Progress

DATA_RESOLUTIONS = (Resolution.SECOND, Resolution.MINUTE)
DATA_FAILED = (
    "{resolution}: {good} of the {checked} most recent days of {symbol} on file are good; "
    "at least {share:.0%} must pass validation with no gap over {gap} s"
)
DATA_NOTHING = "{resolution}: no days of {symbol} on file"
DATA_PASSED = "{resolution}: {good} of the {checked} most recent days of {symbol} on file are good"


def check_data(
    *,
    store: PriceStore,
    calendar: MarketCalendar,
    symbol: str,
    progress: Progress = no_progress,
) -> HealthReport:
    """DATA: TC2's 90 %-of-40-days rule for each stored resolution a collector keeps (1s, 1m)."""
    check = HealthCheckType.DATA
    problems: list[str] = []
    notes: list[str] = []
    figures: dict[str, Figure] = {}
    for index, resolution in enumerate(DATA_RESOLUTIONS):
        progress(100 * index / len(DATA_RESOLUTIONS), f"{symbol} {resolution.value}")
        validities = recent_validity(store, calendar, symbol, resolution, HEALTH_DAYS)
        health = data_health(symbol, validities)
        figures[f"days_checked_{resolution.value}"] = health.days_checked
        figures[f"days_good_{resolution.value}"] = health.days_good
        where = {"resolution": resolution.value, "symbol": symbol}
        if not validities:
            problems.append(DATA_NOTHING.format(**where))
            continue
        bad_days = [f"{resolution.value} {message}" for message in health.messages]
        counts = {"good": health.days_good, "checked": health.days_checked}
        if health.passed:
            notes.append(DATA_PASSED.format(**where, **counts))
            notes.extend(bad_days)
        else:
            problems.append(
                DATA_FAILED.format(
                    **where, **counts, share=HEALTH_VALID_SHARE, gap=HEALTH_MAX_GAP_S
                )
            )
            problems.extend(bad_days)
    return verdict(check, problems, notes, figures, symbol)
