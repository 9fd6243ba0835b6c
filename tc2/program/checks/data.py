"""DATA: TC2's rule for the symbol's recent days on file, and splits on file unadjusted."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tc2.data.adjustments import SuspectedSplit, unadjusted_splits
from tc2.data.bars import Resolution
from tc2.data.store import PriceStore
from tc2.data.validation import (
    HEALTH_DAYS,
    HEALTH_MAX_GAP_S,
    HEALTH_VALID_SHARE,
    data_health,
    recent_validity,
)
from tc2.env import NEW_YORK, MarketCalendar
from tc2.program.checks.report import Figure, HealthCheckType, HealthReport, no_progress, verdict
from tc2.program.jobs import Progress

DATA_RESOLUTIONS = (Resolution.SECOND, Resolution.MINUTE)
DATA_FAILED = (
    "{resolution}: {good} of the {checked} most recent days of {symbol} on file are good; "
    "at least {share:.0%} must pass validation with no gap over {gap} s"
)
DATA_NOTHING = "{resolution}: no days of {symbol} on file"
SPLIT_RESOLUTIONS = (Resolution.DAY, Resolution.MINUTE)
"""Where overnight steps are looked for: daily bars, else minute bars (seconds add nothing)."""
DATA_UNADJUSTED_SPLIT = (
    "{resolution} {split}: its bars before then are not adjusted; collect its corporate "
    "actions (data_patch with a provider) or import a file with Adj Close"
)
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
    progress(90, f"{symbol} splits")
    suspected = unadjusted_on_file(store, symbol)
    figures["unadjusted_splits"] = sum(len(found) for found in suspected.values())
    for resolution, found in suspected.items():
        problems.extend(
            DATA_UNADJUSTED_SPLIT.format(resolution=resolution.value, split=split)
            for split in found
        )
    return verdict(check, problems, notes, figures, symbol)


def unadjusted_on_file(store: PriceStore, symbol: str) -> dict[Resolution, list[SuspectedSplit]]:
    """The overnight steps of ``symbol`` that look like splits with no split kept, by resolution.

    Each session's first open is compared with the previous session on file's last close
    (``adjustments.unadjusted_splits``), over every day on file at 1d and 1m.
    """
    actions = store.load_actions(symbol)
    found: dict[Resolution, list[SuspectedSplit]] = {}
    for resolution in SPLIT_RESOLUTIONS:
        days = store.dates_on_file(symbol, resolution=resolution)
        if len(days) < 2:
            continue
        series = store.load_range(symbol, days[0], days[-1], resolution)
        if not len(series):
            continue
        local = pd.to_datetime(series.t, unit="s", utc=True).tz_convert(NEW_YORK)
        labels = np.asarray(local.date)
        starts = np.flatnonzero(np.concatenate(([True], labels[1:] != labels[:-1])))
        ends = np.concatenate((starts[1:], [len(series)])) - 1
        suspected = unadjusted_splits(
            [labels[i] for i in starts],
            [float(series.c[i]) for i in ends],
            [float(series.o[i]) for i in starts],
            actions,
        )
        if suspected:
            found[resolution] = suspected
    return found
