"""SIM_TIMINGS: CycleStrategy simulates a day within TC2's limit."""

from __future__ import annotations

import statistics
import time

from tc2.data.bars import Resolution
from tc2.data.store import PriceStore
from tc2.env import MarketCalendar
from tc2.errors import TC2Error
from tc2.program.checks.cycle import (
    MECHANICS_SETTINGS,
    MODEL_FILTERS_OFF_NOTE,
    SIM_FAILED,
    SIM_NO_DAYS,
    simulate_cycle,
)
from tc2.program.checks.report import Figure, HealthCheckType, HealthReport, no_progress, verdict
from tc2.program.jobs import Progress

SIM_TIMING_DAYS = 5
SIM_TIMING_LIMIT_S = 5.0  # TC2's limit per simulated day

SIM_TOO_SLOW = "average {average:.3f} s per simulated day > the {limit:g} s limit"
SIM_DAY_TIMING = "{day}: {seconds:.3f} s, {fills} fills, {events} events"


def check_sim_timings(
    *,
    store: PriceStore,
    calendar: MarketCalendar,
    symbol: str,
    days: int = SIM_TIMING_DAYS,
    limit_s: float = SIM_TIMING_LIMIT_S,
    progress: Progress = no_progress,
) -> HealthReport:
    """SIM_TIMINGS: CycleStrategy on ``symbol``'s ``days`` most recent 1-second days, timed."""
    check = HealthCheckType.SIM_TIMINGS
    recent = store.dates_on_file(symbol, resolution=Resolution.SECOND)[-days:]
    if not recent:
        return verdict(check, [SIM_NO_DAYS.format(symbol=symbol)], (), {"days": 0}, symbol)
    problems: list[str] = []
    notes: list[str] = []
    seconds: list[float] = []
    for index, day in enumerate(recent):
        progress(100 * index / len(recent), f"simulating {symbol} {day}")
        started = time.perf_counter()
        try:
            record, _ = simulate_cycle(store, calendar, symbol, day, MECHANICS_SETTINGS)
        except TC2Error as error:
            problems.append(SIM_FAILED.format(day=day, error=error))
            continue
        elapsed = time.perf_counter() - started
        seconds.append(elapsed)
        notes.append(
            SIM_DAY_TIMING.format(
                day=day, seconds=elapsed, fills=len(record.fill_log), events=record.events
            )
        )
    average = statistics.fmean(seconds) if seconds else None
    if average is not None and average > limit_s:
        problems.insert(0, SIM_TOO_SLOW.format(average=average, limit=limit_s))
    figures: dict[str, Figure] = {
        "days": len(seconds),
        "average_s": round(average, 4) if average is not None else None,
        "max_s": round(max(seconds), 4) if seconds else None,
        "limit_s": limit_s,
    }
    if average is not None:
        notes.insert(0, f"average {average:.3f} s per day over {len(seconds)} days")
    notes.append(MODEL_FILTERS_OFF_NOTE)
    return verdict(check, problems, notes, figures, symbol)
