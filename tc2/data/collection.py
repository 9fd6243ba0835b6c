"""Make symbol-days present and valid in the price store, from a history source.

A source is anything with ``day_bars(*, symbol, day, resolution) -> SymbolDay``: a market-data
provider (Polygon, Alpaca) or the synthetic market. Only days that pass validation are saved; an
invalid or failed day is reported with its reasons and counted as a failed attempt (TC2's "day
difficulty"), which heal uses to skip days that keep failing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from tc2.data.bars import Resolution, SymbolDay
from tc2.data.store import DayNotOnFile, PriceStore
from tc2.data.validation import DEFAULT_POLICIES, ValidationPolicy, validate_day
from tc2.env import NEW_YORK, ExecEnv, MarketCalendar
from tc2.env.config import DEFAULT_SEED_MINUTE_SESSIONS, DEFAULT_SEED_SESSIONS
from tc2.errors import DataError

CATCH_UP_SESSIONS = 30  # TC2 verifies the last 30 sessions at start-up
SEED_SESSIONS = DEFAULT_SEED_SESSIONS  # an empty embedded store gets 60 synthetic sessions
SEED_MINUTE_SESSIONS = DEFAULT_SEED_MINUTE_SESSIONS  # and a year of them at minutes

ProgressCallback = Callable[[float, str], None]


class HistorySource(Protocol):
    def day_bars(self, *, symbol: str, day: date, resolution: Resolution) -> SymbolDay: ...


class AttemptCounter(Protocol):
    """Failed collection attempts per symbol-day (reset on success)."""

    def failed(self, symbol: str, day: date) -> int: ...
    def count(self, symbol: str, day: date) -> int: ...
    def reset(self, symbol: str, day: date) -> None: ...


class Outcome(StrEnum):
    ON_FILE = "on file"  # already valid in the store: nothing done
    SAVED = "saved"
    INVALID = "invalid"  # the source's bars failed validation: not saved
    FAILED = "failed"  # the source could not deliver


@dataclass(frozen=True, slots=True, kw_only=True)
class DayOutcome:
    symbol: str
    day: date
    resolution: Resolution
    outcome: Outcome
    reasons: tuple[str, ...] = ()


class DayCollector:
    """Collect, validate and save symbol-days.

    Parameters
    ----------
    store
        Where valid days are saved.
    source
        Where bars come from.
    calendar
        For session bounds and which days are sessions.
    attempts
        Optional failed-attempt counter (Redis in the program).
    """

    def __init__(
        self,
        *,
        store: PriceStore,
        source: HistorySource,
        calendar: MarketCalendar,
        attempts: AttemptCounter | None = None,
        policies: dict[Resolution, ValidationPolicy] | None = None,
    ) -> None:
        self.store = store
        self.source = source
        self.calendar = calendar
        self.attempts = attempts
        self.policies = policies or DEFAULT_POLICIES

    def valid_on_file(self, symbol: str, day: date, resolution: Resolution) -> bool:
        try:
            bars = self.store.load_day(symbol, day, resolution)
        except DayNotOnFile:
            return False
        return validate_day(bars, self.calendar, self.policies[resolution]).valid

    def collect_day(
        self, symbol: str, day: date, resolutions: Sequence[Resolution], *, force: bool = False
    ) -> list[DayOutcome]:
        """Make one symbol-day present and valid at each resolution (``force``: re-collect)."""
        outcomes = []
        for resolution in resolutions:
            if not force and self.valid_on_file(symbol, day, resolution):
                outcomes.append(
                    DayOutcome(
                        symbol=symbol, day=day, resolution=resolution, outcome=Outcome.ON_FILE
                    )
                )
                continue
            outcomes.append(self._fetch_and_save(symbol, day, resolution))
        failed = any(o.outcome in (Outcome.INVALID, Outcome.FAILED) for o in outcomes)
        if self.attempts is not None:
            if failed:
                self.attempts.failed(symbol, day)
            else:
                self.attempts.reset(symbol, day)
        return outcomes

    def _fetch_and_save(self, symbol: str, day: date, resolution: Resolution) -> DayOutcome:
        try:
            bars = self.source.day_bars(symbol=symbol, day=day, resolution=resolution)
        except DataError as exc:
            return DayOutcome(
                symbol=symbol,
                day=day,
                resolution=resolution,
                outcome=Outcome.FAILED,
                reasons=(str(exc),),
            )
        validity = validate_day(bars, self.calendar, self.policies[resolution])
        if not validity.valid:
            return DayOutcome(
                symbol=symbol,
                day=day,
                resolution=resolution,
                outcome=Outcome.INVALID,
                reasons=validity.reasons,
            )
        self.store.save_day(bars)
        return DayOutcome(symbol=symbol, day=day, resolution=resolution, outcome=Outcome.SAVED)

    def collect_range(
        self,
        symbols: Sequence[str],
        days: Sequence[date],
        resolutions: Sequence[Resolution],
        *,
        force: bool = False,
        progress: ProgressCallback | None = None,
        skip: Callable[[str, date], bool] | None = None,
    ) -> list[DayOutcome]:
        """``collect_day`` for every symbol and day, reporting progress after each."""
        outcomes: list[DayOutcome] = []
        total = max(1, len(symbols) * len(days))
        done = 0
        for symbol in symbols:
            for day in days:
                if skip is None or not skip(symbol, day):
                    outcomes.extend(self.collect_day(symbol, day, resolutions, force=force))
                done += 1
                if progress is not None:
                    progress(100 * done / total, f"{symbol} {day}")
        return outcomes


def completed_sessions(calendar: MarketCalendar, now: datetime, count: int) -> list[date]:
    """The ``count`` most recent sessions that have closed by ``now``, oldest first."""
    today = now.astimezone(NEW_YORK).date()
    last = (
        today
        if calendar.is_session(today) and calendar.session_close(today) <= now
        else calendar.previous_session(today)
    )
    days = [last]
    while len(days) < count:
        days.append(calendar.previous_session(days[-1]))
    return days[::-1]


class RedisAttemptCounter:
    """Failed attempts per symbol-day in one Redis hash of the env (TC2's "day difficulty")."""

    def __init__(self, env: ExecEnv) -> None:
        self.env = env
        self.key = env.key("data", "collection-attempts")

    def failed(self, symbol: str, day: date) -> int:
        return int(self.env.redis.hincrby(self.key, f"{symbol}:{day}", 1))

    def count(self, symbol: str, day: date) -> int:
        raw = self.env.redis.hget(self.key, f"{symbol}:{day}")
        return int(raw) if isinstance(raw, bytes | str) else 0

    def reset(self, symbol: str, day: date) -> None:
        self.env.redis.hdel(self.key, f"{symbol}:{day}")

    def reset_all(self) -> int:
        return int(self.env.redis.delete(self.key))
