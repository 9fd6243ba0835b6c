"""The nightly schedule: what the refresher submits, and when."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from datetime import time as wall_time
from typing import Any

from tc2.env import NEW_YORK
from tc2.program.checks.report import HealthCheckType

NIGHT_STARTS = wall_time(18, 0)
NIGHT_ENDS = wall_time(6, 0)


def nightly_window_start(now: datetime) -> datetime | None:
    """The 18:00 New York that began the night ``now`` falls in; None from 06:00 to 18:00."""
    local = now.astimezone(NEW_YORK)
    if NIGHT_ENDS <= local.time() < NIGHT_STARTS:
        return None
    evening = local.date() if local.time() >= NIGHT_STARTS else local.date() - timedelta(days=1)
    return datetime.combine(evening, NIGHT_STARTS, tzinfo=NEW_YORK)


def nightly_checks(symbols: Sequence[str]) -> list[dict[str, Any]]:
    """Every check a night runs: each check without a symbol once, each other per symbol."""
    requests_: list[dict[str, Any]] = []
    for check in HealthCheckType:
        if check.takes_symbol:
            requests_.extend({"check_type": check.value, "symbol": symbol} for symbol in symbols)
        else:
            requests_.append({"check_type": check.value})
    return requests_
