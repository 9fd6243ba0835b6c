"""The execution environment: run type, clock, market calendar, runtime config and Redis keys."""

from tc2.env.clock import Clock, EpochClock, LiveClock, SimClock
from tc2.env.config import RuntimeConfig
from tc2.env.env_type import EnvType
from tc2.env.exec_env import ExecEnv
from tc2.env.market_calendar import (
    NEW_YORK,
    CalendarRangeError,
    MarketCalendar,
    NotASessionError,
)

__all__ = [
    "NEW_YORK",
    "CalendarRangeError",
    "Clock",
    "EnvType",
    "EpochClock",
    "ExecEnv",
    "LiveClock",
    "MarketCalendar",
    "NotASessionError",
    "RuntimeConfig",
    "SimClock",
]
