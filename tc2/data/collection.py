"""Make symbol-days present and valid in the price store, from a history source.

A source is anything with ``day_bars(*, symbol, day, resolution) -> SymbolDay``: a market-data
provider (Polygon, Alpaca) or the synthetic market. Only days that pass validation are saved; an
invalid or failed day is reported with its reasons and counted as a failed attempt (TC2's "day
difficulty"), which heal uses to skip days that keep failing.

A session's daily bar is kept with its minute bars: whenever valid 1 m bars are saved, the 1 d bar
resampled from their regular hours (stamped at the open, ``resample``) is saved too, and a session
whose valid 1 m bars are verified on file without a 1 d bar gets one, so a store collected before
daily bars were kept fills them in at the next catch-up. The daily bar is always the minute bars'
own (a provider's daily aggregate counts extended-hours trades and would disagree with them), so a
run on 1 d sees the same session as a run on 1 m.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from tc2.data.bars import Resolution, SymbolDay
from tc2.data.resample import resample
from tc2.data.store import DayNotOnFile, PriceStore
from tc2.data.validation import DEFAULT_POLICIES, ValidationPolicy, validate_day
from tc2.env import NEW_YORK, ExecEnv, MarketCalendar
from tc2.env.config import DEFAULT_SEED_MINUTE_SESSIONS, DEFAULT_SEED_SESSIONS
from tc2.errors import DataError

CATCH_UP_SESSIONS = 30  # TC2 verifies the last 30 sessions at start-up
SEED_SESSIONS = DEFAULT_SEED_SESSIONS  # an empty embedded store gets 60 synthetic sessions
SEED_MINUTE_SESSIONS = DEFAULT_SEED_MINUTE_SESSIONS  # and a year of them at minutes

DAILY_SOURCE = Resolution.MINUTE
"""The bars a session's daily bar is resampled from whenever they are saved or verified."""

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
        return self._valid_bars_on_file(symbol, day, resolution) is not None

    def _valid_bars_on_file(
        self, symbol: str, day: date, resolution: Resolution
    ) -> SymbolDay | None:
        try:
            bars = self.store.load_day(symbol, day, resolution)
        except DayNotOnFile:
            return None
        return bars if validate_day(bars, self.calendar, self.policies[resolution]).valid else None

    def collect_day(
        self, symbol: str, day: date, resolutions: Sequence[Resolution], *, force: bool = False
    ) -> list[DayOutcome]:
        """Make one symbol-day present and valid at each resolution (``force``: re-collect)."""
        outcomes, daily = self._collect_day(
            symbol, day, resolutions, force=force, daily_on_file=None
        )
        self.store.save_days(daily)
        return outcomes

    def _collect_day(
        self,
        symbol: str,
        day: date,
        resolutions: Sequence[Resolution],
        *,
        force: bool,
        daily_on_file: Container[date] | None,
    ) -> tuple[list[DayOutcome], list[SymbolDay]]:
        """``collect_day``'s outcomes, and the day's 1 d bar to save when its minute bars were
        saved or were found on file without one (the caller saves it: ``collect_range`` saves a
        symbol's daily bars together, one write per month file rather than one per day).

        ``daily_on_file``: the symbol's days with a 1 d bar on file, when the caller has asked
        the store; without it the store is asked for this day.
        """
        outcomes = []
        daily: list[SymbolDay] = []
        for resolution in resolutions:
            on_file = None if force else self._valid_bars_on_file(symbol, day, resolution)
            if on_file is not None:
                if resolution is DAILY_SOURCE and not self._has_daily(symbol, day, daily_on_file):
                    daily.extend(_daily_bar(on_file, self.calendar))
                outcomes.append(
                    DayOutcome(
                        symbol=symbol, day=day, resolution=resolution, outcome=Outcome.ON_FILE
                    )
                )
                continue
            outcome, bars = self._fetch_and_save(symbol, day, resolution)
            outcomes.append(outcome)
            if bars is not None and resolution is DAILY_SOURCE:
                daily.extend(_daily_bar(bars, self.calendar))
        failed = any(o.outcome in (Outcome.INVALID, Outcome.FAILED) for o in outcomes)
        if self.attempts is not None:
            if failed:
                self.attempts.failed(symbol, day)
            else:
                self.attempts.reset(symbol, day)
        return outcomes, daily

    def _fetch_and_save(
        self, symbol: str, day: date, resolution: Resolution
    ) -> tuple[DayOutcome, SymbolDay | None]:
        """The outcome, and the bars when they were saved."""
        try:
            bars = self.source.day_bars(symbol=symbol, day=day, resolution=resolution)
        except DataError as exc:
            failed = DayOutcome(
                symbol=symbol,
                day=day,
                resolution=resolution,
                outcome=Outcome.FAILED,
                reasons=(str(exc),),
            )
            return failed, None
        validity = validate_day(bars, self.calendar, self.policies[resolution])
        if not validity.valid:
            invalid = DayOutcome(
                symbol=symbol,
                day=day,
                resolution=resolution,
                outcome=Outcome.INVALID,
                reasons=validity.reasons,
            )
            return invalid, None
        self.store.save_day(bars)
        saved = DayOutcome(symbol=symbol, day=day, resolution=resolution, outcome=Outcome.SAVED)
        return saved, bars

    def _has_daily(self, symbol: str, day: date, known: Container[date] | None) -> bool:
        if known is not None:
            return day in known
        return bool(self.store.dates_on_file(symbol, day, day, Resolution.DAY))

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
            # One question to the store per symbol, not one per day, for the daily bars on file.
            daily = (
                set(self.store.dates_on_file(symbol, min(days), max(days), Resolution.DAY))
                if days and DAILY_SOURCE in resolutions and not force
                else set()
            )
            pending: list[SymbolDay] = []
            for day in days:
                if skip is None or not skip(symbol, day):
                    found, bars = self._collect_day(
                        symbol, day, resolutions, force=force, daily_on_file=daily
                    )
                    outcomes.extend(found)
                    pending.extend(bars)
                done += 1
                if progress is not None:
                    progress(100 * done / total, f"{symbol} {day}")
            self.store.save_days(pending)
        return outcomes


def _daily_bar(minutes: SymbolDay, calendar: MarketCalendar) -> list[SymbolDay]:
    """The session's 1 d bar resampled from ``minutes`` (none when no bar is in regular hours)."""
    daily = resample(minutes, Resolution.DAY, calendar)
    return [daily] if len(daily) else []


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
