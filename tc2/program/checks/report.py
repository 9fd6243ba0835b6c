"""What a health check reports, and the helpers every check shares."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from tc2.env import NEW_YORK


class HealthCheckType(StrEnum):
    STORE = "STORE"
    PROVIDER = "PROVIDER"
    DATA = "DATA"
    DIP45 = "DIP45"
    MODEL_FEEDING = "MODEL_FEEDING"
    SIM_TIMINGS = "SIM_TIMINGS"
    SIM_OUTPUT = "SIM_OUTPUT"
    ALPACA = "ALPACA"

    @property
    def takes_symbol(self) -> bool:
        """Whether the check is about one symbol (and its result is kept per symbol)."""
        return self in _SYMBOL_CHECKS

    @classmethod
    def named(cls, value: Any) -> HealthCheckType | None:
        """The check a name means (the seed README's names too: MONGO, POLYGON, ...), or None."""
        if not isinstance(value, str):
            return None
        name = value.strip().upper()
        return _ALIASES.get(name) or cls.__members__.get(name)


_SYMBOL_CHECKS = frozenset(
    {
        HealthCheckType.DATA,
        HealthCheckType.DIP45,
        HealthCheckType.MODEL_FEEDING,
        HealthCheckType.SIM_TIMINGS,
        HealthCheckType.SIM_OUTPUT,
    }
)
# The original's names (its enum and its README disagreed); the seed README's paths keep working.
_ALIASES = {
    "MONGO": HealthCheckType.STORE,
    "POLYGON": HealthCheckType.PROVIDER,
    "SIMULATION_TIMINGS": HealthCheckType.SIM_TIMINGS,
    "SIMULATION_OUTPUT": HealthCheckType.SIM_OUTPUT,
    "SIMULATION OUTPUT": HealthCheckType.SIM_OUTPUT,
}

CHECK_DESCRIPTIONS = {
    HealthCheckType.STORE: "Save/load/remove/drop integrity of the price store; loads <= 250 ms.",
    HealthCheckType.PROVIDER: "The market-data provider delivers valid bars of the last session.",
    HealthCheckType.DATA: (
        "At least 90 % of the symbol's last 40 days on file are valid; no split left unadjusted."
    ),
    HealthCheckType.DIP45: "The DIP_45 model's inputs and answer are sane on recent sessions.",
    HealthCheckType.MODEL_FEEDING: "Models trained at once equal models trained night by night.",
    HealthCheckType.SIM_TIMINGS: "CycleStrategy simulates a day in <= 5 s on average.",
    HealthCheckType.SIM_OUTPUT: "A CycleStrategy simulation of the day passes realism checks.",
    HealthCheckType.ALPACA: "The Alpaca trading account is reachable and active.",
}


class HealthStatus(StrEnum):
    PASSED = "PASSED"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"


Figure = float | int | str | bool | None


@dataclass(frozen=True, slots=True, kw_only=True)
class HealthReport:
    """What one check found: its status, the messages that explain it and what it measured.

    ``messages`` lists the problems first (a FAILED report's first message says why), then
    notes. ``figures`` are named measurements (times in seconds or milliseconds, counts).
    """

    check_type: HealthCheckType
    status: HealthStatus
    messages: tuple[str, ...] = ()
    figures: Mapping[str, Figure] = field(default_factory=dict)
    symbol: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "check_type": self.check_type.value,
            "symbol": self.symbol,
            "status": self.status.value,
            "debug_messages": list(self.messages),
            "figures": dict(self.figures),
        }


def verdict(
    check: HealthCheckType,
    problems: Sequence[str],
    notes: Sequence[str] = (),
    figures: Mapping[str, Figure] | None = None,
    symbol: str | None = None,
) -> HealthReport:
    return HealthReport(
        check_type=check,
        status=HealthStatus.FAILED if problems else HealthStatus.PASSED,
        messages=(*problems, *notes),
        figures=dict(figures or {}),
        symbol=symbol,
    )


def no_progress(percent: float, message: str = "") -> None:
    """The progress callback of a check run outside a job."""


def milliseconds(seconds: float) -> float:
    return round(1000 * seconds, 3)


def listed_days(days: Iterable[date]) -> str:
    listed = [day.isoformat() for day in days]
    return "[" + ", ".join(listed) + "]"


def new_york_time(t: int, *, seconds: bool = True) -> str:
    """Epoch seconds as New York wall time, HH:MM:SS."""
    shown = datetime.fromtimestamp(t, NEW_YORK)
    return shown.strftime("%H:%M:%S" if seconds else "%H:%M")


def describe_error(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"
