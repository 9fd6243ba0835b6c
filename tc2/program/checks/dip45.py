"""DIP45: the DIP_45 model's inputs and answer on recent sessions."""

from __future__ import annotations

import math
import statistics
from datetime import date

import numpy as np

from tc2.analysis.daily_models import DIP_START, Dip45Model
from tc2.analysis.model_state import MemoryModelStateStore
from tc2.data.bars import Resolution
from tc2.data.resample import regular_hours
from tc2.data.store import PriceStore
from tc2.env import MarketCalendar
from tc2.env.market_calendar import new_york_epoch
from tc2.program.checks.report import (
    Figure,
    HealthCheckType,
    HealthReport,
    listed_days,
    no_progress,
    verdict,
)
from tc2.program.jobs import Progress

DIP45_DAYS = 120  # the original's sample
DIP45_MIN_DAYS = 20
DIP45_MAX_MISSING_SHARE = 0.1
DIP45_MAX_PLAUSIBLE_PCT = 20.0
DIP45_REPORT_PCT = 1.4  # the original counted days with a dip over 1.4 %

DIP45_TOO_FEW = (
    "only {days} sessions of {symbol} have minute bars on file; DIP45 needs at least {minimum}"
)
DIP45_NO_START_BAR = "no 10:30 bar on {missing} of {days} days ({share:.0%} > {limit:.0%}): {which}"
DIP45_IMPLAUSIBLE = "{day}: a 45-minute dip of {dip:.2f} % is implausible (over {limit:.0f} %)"
DIP45_NO_VALUE = "no day of {symbol} gave a 45-minute dip: the model cannot grade it"
DIP45_OUTSIDE = (
    "the model learned {value:.4f} %, outside the day values' range {low:.4f}-{high:.4f} %"
)


def check_dip45(
    *,
    store: PriceStore,
    calendar: MarketCalendar,
    symbol: str,
    days: int = DIP45_DAYS,
    progress: Progress = no_progress,
) -> HealthReport:
    """DIP45: the DIP_45 model on ``symbol``'s last ``days`` sessions of minute bars."""
    check = HealthCheckType.DIP45
    on_file = store.dates_on_file(symbol, resolution=Resolution.MINUTE)[-days:]
    if len(on_file) < DIP45_MIN_DAYS:
        message = DIP45_TOO_FEW.format(days=len(on_file), symbol=symbol, minimum=DIP45_MIN_DAYS)
        return verdict(check, [message], (), {"days": len(on_file)}, symbol)
    model = Dip45Model(store=MemoryModelStateStore(), calendar=calendar)
    problems: list[str] = []
    missing: list[date] = []
    values: list[float] = []
    for index, day in enumerate(on_file):
        if index % 20 == 0:
            progress(100 * index / len(on_file), f"{symbol} {day}")
        session = regular_hours(store.load_day(symbol, day, Resolution.MINUTE), calendar)
        if not np.any(session.t == new_york_epoch(day, DIP_START)):
            missing.append(day)
        value = model.day_value(session) if len(session) else None
        model.feed(session)
        if value is None:
            continue
        if not math.isfinite(value) or not 0 < value <= DIP45_MAX_PLAUSIBLE_PCT:
            problems.append(
                DIP45_IMPLAUSIBLE.format(day=day, dip=value, limit=DIP45_MAX_PLAUSIBLE_PCT)
            )
        values.append(value)
    if len(missing) > DIP45_MAX_MISSING_SHARE * len(on_file):
        problems.insert(
            0,
            DIP45_NO_START_BAR.format(
                missing=len(missing),
                days=len(on_file),
                share=len(missing) / len(on_file),
                limit=DIP45_MAX_MISSING_SHARE,
                which=listed_days(missing[:5]) + (" ..." if len(missing) > 5 else ""),
            ),
        )
    state = model.state(symbol)
    grade = model.grade(symbol)
    if not values or state is None or state.value is None:
        problems.append(DIP45_NO_VALUE.format(symbol=symbol))
    elif not min(values) <= state.value <= max(values):
        problems.append(DIP45_OUTSIDE.format(value=state.value, low=min(values), high=max(values)))
    figures: dict[str, Figure] = {
        "days": len(on_file),
        "days_with_dip": len(values),
        "days_without_1030_bar": len(missing),
        "median_dip_pct": round(statistics.median(values), 4) if values else None,
        "p90_dip_pct": round(float(np.percentile(values, 90)), 4) if values else None,
        "max_dip_pct": round(max(values), 4) if values else None,
        "days_over_1_4_pct": sum(value > DIP45_REPORT_PCT for value in values),
        "model_value_pct": round(state.value, 4) if state and state.value is not None else None,
        "grade": grade.grade.value,
    }
    notes = [
        f"{len(on_file)} sessions from {on_file[0]} to {on_file[-1]}; {len(values)} gave a dip "
        f"(median {figures['median_dip_pct']} %, max {figures['max_dip_pct']} %)",
        f"the model's grade of {symbol}: {grade.grade.value} ({grade.reason})",
    ]
    return verdict(check, problems, notes, figures, symbol)
