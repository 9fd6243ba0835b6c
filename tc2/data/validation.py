"""Is a symbol-day good enough to use? TC2's rules as a configurable policy, with reasons.

Defaults follow the original (tc2-inventory §4): at least 1,140 one-second bars (3 per minute
over 380 minutes) or 380 one-minute bars in regular hours; every price (and volume) >= 1; for
1-second bars, at most 127 minutes with fewer than 3 bars; fewer than 6 gaps of >= 160 s. The
counts are TC2's for a full 390-minute session; a shorter one (an early close at 13:00: 210
minutes) needs the same share of its own length, from the market calendar (``for_session``).
The DATA health rule (§10): >= 90 % of the last 40 days on file valid, each with no gap over
45 s. An invalid day always says why; nothing downstream uses a day without asking.

This module is the one place the rule is declared: the collector (what it saves and logs), the
Data page (``GET /api/data/status``) and the DATA health check all judge a day with
``validate_day`` and read a symbol's recent days with ``recent_validity``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from tc2.data.bars import Resolution, SymbolDay
from tc2.data.resample import regular_hours, session_bounds
from tc2.data.store import PriceStore
from tc2.env import MarketCalendar
from tc2.errors import TC2Error

FULL_SESSION_MINUTES = 390
"""A regular session, 9:30 to 16:00 New York: the length the policies' counts are written for."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ValidationPolicy:
    """The rules a regular-hours day must pass; one policy per stored resolution.

    ``min_bars`` and ``max_sparse_minutes`` are for a full session (``FULL_SESSION_MINUTES``);
    ``for_session`` scales them to a shorter one.
    """

    min_bars: int
    min_price: float = 1.0
    min_volume: float = 1.0
    # Per-minute density (1-second bars): minutes with fewer than min_bars_per_minute bars.
    min_bars_per_minute: int = 0
    max_sparse_minutes: int = 0
    # Gaps between consecutive bars (and from the open / to the close), in seconds.
    max_gap_s: int = 160
    gap_graces: int = 5

    def __post_init__(self) -> None:
        if self.min_bars < 1 or self.max_gap_s < 1 or self.gap_graces < 0:
            raise ValueError(f"invalid validation policy: {self}")

    def for_session(self, minutes: int) -> ValidationPolicy:
        """The policy for a session of ``minutes``: the counts scaled to its share of a full one.

        A 210-minute early close needs ceil(380 x 210 / 390) = 205 minute bars and may have
        floor(127 x 210 / 390) = 68 sparse minutes; gaps and prices are judged as on any day.
        """
        if minutes >= FULL_SESSION_MINUTES:
            return self
        share = minutes / FULL_SESSION_MINUTES
        return dataclasses.replace(
            self,
            min_bars=max(1, math.ceil(self.min_bars * share)),
            max_sparse_minutes=math.floor(self.max_sparse_minutes * share),
        )


SECOND_POLICY = ValidationPolicy(
    min_bars=1140, min_bars_per_minute=3, max_sparse_minutes=127, max_gap_s=160, gap_graces=5
)
MINUTE_POLICY = ValidationPolicy(min_bars=380, max_gap_s=160, gap_graces=5)
DEFAULT_POLICIES = {Resolution.SECOND: SECOND_POLICY, Resolution.MINUTE: MINUTE_POLICY}

HEALTH_DAYS = 40
HEALTH_VALID_SHARE = 0.9
HEALTH_MAX_GAP_S = 45


@dataclass(frozen=True, slots=True, kw_only=True)
class DayValidity:
    symbol: str
    day: date
    resolution: Resolution
    reasons: tuple[str, ...]
    bars: int
    longest_gap_s: int

    @property
    def valid(self) -> bool:
        return not self.reasons


def validate_day(
    bars: SymbolDay, calendar: MarketCalendar, policy: ValidationPolicy | None = None
) -> DayValidity:
    """Check the regular-hours part of ``bars``; every failed rule adds a reason.

    ``policy`` (default: the resolution's) is scaled to the session's real length, which the
    calendar gives (an early close is a shorter session, not a day with bars missing).
    """
    open_s, close_s = session_bounds(bars, calendar)
    minutes = (close_s - open_s) // 60
    policy = (policy or DEFAULT_POLICIES[bars.resolution]).for_session(minutes)
    rth = regular_hours(bars, calendar)
    gaps = _gaps(rth, calendar)
    reasons = [
        *_count_reasons(rth, policy, minutes),
        *_price_reasons(rth, policy),
        *_density_reasons(rth, policy, calendar),
        *_gap_reasons(gaps, policy),
    ]
    return DayValidity(
        symbol=bars.symbol,
        day=bars.day,
        resolution=bars.resolution,
        reasons=tuple(reasons),
        bars=len(rth),
        longest_gap_s=int(gaps.max()) if len(gaps) else 0,
    )


def _count_reasons(rth: SymbolDay, policy: ValidationPolicy, minutes: int) -> list[str]:
    if len(rth) < policy.min_bars:
        return [
            f"{len(rth)} regular-hours bars, fewer than {policy.min_bars} "
            f"for a {minutes}-minute session"
        ]
    return []


def _price_reasons(rth: SymbolDay, policy: ValidationPolicy) -> list[str]:
    reasons = []
    if len(rth) and float(rth.l.min()) < policy.min_price:
        reasons.append(f"a price of {float(rth.l.min())} is below ${policy.min_price}")
    if len(rth) and float(rth.v.min()) < policy.min_volume:
        reasons.append(f"a bar has volume {float(rth.v.min())}, below {policy.min_volume}")
    return reasons


def _density_reasons(
    rth: SymbolDay, policy: ValidationPolicy, calendar: MarketCalendar
) -> list[str]:
    if policy.min_bars_per_minute <= 0 or rth.resolution is not Resolution.SECOND:
        return []
    open_s, close_s = session_bounds(rth, calendar)
    minutes = (close_s - open_s) // 60
    per_minute = np.bincount((rth.t - open_s) // 60, minlength=minutes)[:minutes]
    sparse = int(np.count_nonzero(per_minute < policy.min_bars_per_minute))
    if sparse > policy.max_sparse_minutes:
        return [
            f"{sparse} minutes have fewer than {policy.min_bars_per_minute} bars "
            f"(at most {policy.max_sparse_minutes} allowed)"
        ]
    return []


def _gaps(rth: SymbolDay, calendar: MarketCalendar) -> np.ndarray:
    """Seconds without a bar: from the open to the first bar, between bars, to the close."""
    open_s, close_s = session_bounds(rth, calendar)
    step = rth.resolution.seconds
    edges = np.concatenate(([open_s - step], rth.t, [close_s]))
    return np.diff(edges) - step


def _gap_reasons(gaps: np.ndarray, policy: ValidationPolicy) -> list[str]:
    long_gaps = int(np.count_nonzero(gaps >= policy.max_gap_s))
    if long_gaps > policy.gap_graces:
        return [
            f"{long_gaps} gaps of {policy.max_gap_s} s or more (at most {policy.gap_graces} "
            f"allowed; longest {int(gaps.max())} s)"
        ]
    return []


def recent_validity(
    store: PriceStore,
    calendar: MarketCalendar,
    symbol: str,
    resolution: Resolution,
    days: int = HEALTH_DAYS,
) -> list[DayValidity]:
    """The validity of ``symbol``'s ``days`` most recent days on file, oldest first.

    What the Data page lists and the DATA check judges. A day that cannot be read is an invalid
    day, with the reason.
    """
    on_file = store.dates_on_file(symbol, resolution=resolution)[-days:]
    return [_validity(store, calendar, symbol, day, resolution) for day in on_file]


def _validity(
    store: PriceStore, calendar: MarketCalendar, symbol: str, day: date, resolution: Resolution
) -> DayValidity:
    try:
        return validate_day(store.load_day(symbol, day, resolution), calendar)
    except TC2Error as error:  # an unreadable day is a bad day, with the reason
        return DayValidity(
            symbol=symbol,
            day=day,
            resolution=resolution,
            reasons=(f"unreadable: {error}",),
            bars=0,
            longest_gap_s=0,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class DataHealth:
    symbol: str
    days_checked: int
    days_good: int
    passed: bool
    messages: tuple[str, ...]


def data_health(symbol: str, validities: Sequence[DayValidity]) -> DataHealth:
    """TC2's DATA rule over the most recent HEALTH_DAYS days on file (oldest first in input)."""
    recent = list(validities)[-HEALTH_DAYS:]
    good = [v for v in recent if v.valid and v.longest_gap_s <= HEALTH_MAX_GAP_S]
    messages = [
        f"{v.day}: "
        + ("; ".join(v.reasons) or f"longest gap {v.longest_gap_s} s > {HEALTH_MAX_GAP_S} s")
        for v in recent
        if v not in good
    ]
    passed = bool(recent) and len(good) >= HEALTH_VALID_SHARE * len(recent)
    if not recent:
        messages.append("no days on file")
    return DataHealth(
        symbol=symbol,
        days_checked=len(recent),
        days_good=len(good),
        passed=passed,
        messages=tuple(messages),
    )
