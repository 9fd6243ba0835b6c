"""TC2's spot models, with the numbers it meant: MOMENTUM, PROFITABILITY, HIGH_96_PCT, VOLUME_50.

Each reads through a ``ModelData``: the sessions on file before the judged day (regular hours,
oldest first) and, of the judged day, the regular-hours bars ended by ``now_t``. Missing data
raises ``InsufficientData``, which ``SpotModel.evaluate`` turns into FAIL with its message.

MOMENTUM
    The last 45 minute bars of the day ended by now (lows ``l``, volumes ``v``, oldest first,
    ``n = 45``; fewer is InsufficientData). For ``k = 1 .. m`` with ``m = n - 1``::

        dv_k = v_k - v_{k-1}
        z_k  = (dv_k - median(dv)) / s(dv)       s = sample standard deviation (ddof 1);
                                                  z_k = 0 for every k when s == 0
        w_k  = max(0, z_k + 1.8)                  volume well below usual counts for nothing
        c_k  = 100 * 100 * (l_k - l_{k-1}) / l_{k-1} * w_k     (basis points, volume-weighted)

    then, newest change first (``j = 1 .. m``, ``k = n - j``), starting from ``S = 0``::

        S += c_k * exp(-3 j / m)                  the oldest change weighs e^-3
        if |S| > 3: S += -2 if S > 0 else +0.2    mean reversion

    and the output is ``S / 2``. As in TC2 the reversion is checked after every term, so it keeps
    pulling for as long as the sum stays beyond 3 ("the longer a move lasts, the likelier it
    turns"): a lone 7.88 becomes 1.88 after three steps, a lone -7.88 becomes -2.88 after 25.
    Fixed: the original dropped the newest change (it walked ``candles[1:-1]``) and the oldest
    one (it summed ``changes[-1:0:-1]``), and crashed on a window of constant volume change
    (``stdev == 0``), which silently removed the grade. The
    original ran on second bars; on minute bars the sum has the same size for the same move (the
    decay spans the window whatever its bar count), so its grade bands still apply. A minute
    without trades has no bar, so on a thin symbol the 45 bars reach back more than 45 minutes.
    Bands: FAIL < -0.5 <= RISKY < -0.2 <= UNPROMISING < -0.09 <= SATISFACTORY < 0.09 <= GOOD
    < 0.15 <= GREAT < 0.5 <= UNPROMISING (rising too steeply to dip).

PROFITABILITY
    A stop/target simulation over the 100 most recent sessions on file (fewer is
    InsufficientData). Each day buys at the open of the 10:30 bar (the original meant the 10:30-
    11:00 midpoint, computed 10:15 by a sign bug, and then bought at the day's first bar because
    ``get_candle_at_sec`` returned it). The stop is 0.85 % below the buy; for each of the 11
    targets the bars after the buy bar are walked in order, through the last bar of the day (the
    original skipped the last one): LOSS if a bar's low <= the stop, checked first (a bar that
    reaches both is a loss: its path is unknown, so assume the worse); PROFIT if a bar's high >=
    the target: a resting limit sell fills when the price touches it (the original's
    ``open >= target`` missed every target touched inside a bar, understating profit); NEVER_SOLD
    otherwise. Realized percent: PROFIT +target, NEVER_SOLD -0.1, LOSS -0.85 (the original
    recorded +0.85, rewarding every stopped-out day). A day without a 10:30 bar is skipped; it
    still counts against the 100 (the window is the latest 100 sessions on file, not reaching
    further back), and ``days`` says how many were simulated; none is InsufficientData.

    Output, per target: ``average`` = the recency-weighted mean ``sum(w_i r_i) / sum(w_i)`` of
    the realized ``r_i`` of the N simulated days, with weights ``w_i = 0.5 + i / N`` (oldest
    ``i = 0`` weighs 0.5, each day 1/N more). ``median`` = the plain median of the realized
    values. The original took the mean and median of ``w_i r_i``: that mean is nearly the
    weighted mean (the weights average about 1) but the median of products is not a realized
    profit at all (an old +0.25 became +0.125), so the median here is unweighted.
    Grade: FAIL if the median of the 11 medians or of the 11 averages is < 0.05; otherwise by
    the median of the averages: < 0.07 RISKY, < 0.09 UNPROMISING, < 0.12 SATISFACTORY, < 0.15
    GOOD, < 0.2 GREAT, else EXCELLENT.

HIGH_96_PCT
    ``low75`` / ``high75`` = the lowest low and highest high of the previous 75 sessions on file
    (their daily candles, from the regular-hours minute bars); PASS if the highest high of the
    720 most recent minute bars before now (the earlier sessions' and today's ended bars) is >=
    ``low75 + 0.96 (high75 - low75)``, else FAIL. Fewer than 75 sessions, or 720 bars, is
    InsufficientData.

VOLUME_50
    PASS if yesterday's (the previous session's) regular-hours volume is >= 1.25 x the mean
    volume of the 50 sessions on file before it, else FAIL. Needs 51 sessions, the newest being
    the previous session itself: without it "yesterday" would silently be an older day. A
    yesterday without volume never passes (with 50 silent sessions before it, 0 >= 1.25 x 0).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from tc2.analysis.grades import Grade
from tc2.analysis.spot import InsufficientData, ModelData, SpotModel
from tc2.data.bars import FloatArray, SymbolDay
from tc2.env.market_calendar import NEW_YORK, new_york_epoch

TOO_FEW_BARS_MESSAGE = "{model} needs {needed} minute bars of {symbol} by {now}, found {found}"
NO_BUY_BAR_MESSAGE = "{model}: none of the {count} sessions of {symbol} before {day} has a {at} bar"
NO_YESTERDAY_MESSAGE = (
    "{model} needs the previous session {expected} of {symbol} on file, the latest is {latest}"
)

Band = tuple[float, Grade]
"""Values below the bound earn the grade; bands run from the lowest bound up."""


class MomentumModel(SpotModel):
    """Volume-weighted, recency-weighted move of the lows over the last 45 minutes."""

    name = "MOMENTUM"
    MINUTES: ClassVar[int] = 45
    VOLUME_SHIFT: ClassVar[float] = 1.8  # a volume change 1.8 std below usual weighs nothing
    DECAY_SPAN: ClassVar[float] = 3.0  # the oldest change weighs e^-3 of the newest
    REVERSION_LIMIT: ClassVar[float] = 3.0
    REVERSION_WHEN_UP: ClassVar[float] = -2.0
    REVERSION_WHEN_DOWN: ClassVar[float] = 0.2
    BANDS: ClassVar[tuple[Band, ...]] = (
        (-0.5, Grade.FAIL),
        (-0.2, Grade.RISKY),
        (-0.09, Grade.UNPROMISING),
        (0.09, Grade.SATISFACTORY),
        (0.15, Grade.GOOD),
        (0.5, Grade.GREAT),
    )
    TOO_STRONG: ClassVar[Grade] = Grade.UNPROMISING  # rising so fast it will not dip for us

    def compute(self, symbol: str, data: ModelData) -> dict[str, float]:
        bars = data.today(symbol)
        if len(bars) < self.MINUTES:
            now = datetime.fromtimestamp(data.now_t, NEW_YORK)
            raise InsufficientData(
                TOO_FEW_BARS_MESSAGE.format(
                    model=self.name,
                    needed=self.MINUTES,
                    symbol=symbol,
                    now=f"{now:%Y-%m-%d %H:%M}",
                    found=len(bars),
                )
            )
        return {"value": self.momentum(bars.l[-self.MINUTES :], bars.v[-self.MINUTES :])}

    @classmethod
    def momentum(cls, lows: FloatArray, volumes: FloatArray) -> float:
        """The momentum of a window of bars (oldest first); the module docstring has the formula."""
        changes = 100 * 100 * np.diff(lows) / lows[:-1] * cls.volume_weights(volumes)
        return cls.decaying_sum(changes) / 2

    @classmethod
    def volume_weights(cls, volumes: FloatArray) -> FloatArray:
        """``max(0, z + 1.8)`` of each bar-to-bar volume change, z median-centred."""
        deltas = np.diff(volumes)
        spread = float(np.std(deltas, ddof=1)) if deltas.size > 1 else 0.0
        if spread == 0:
            # Every change alike: none is unusual, so each counts as a typical one (z = 0).
            return np.full(deltas.size, cls.VOLUME_SHIFT)
        z = (deltas - np.median(deltas)) / spread
        return np.maximum(0.0, z + cls.VOLUME_SHIFT)

    @classmethod
    def decaying_sum(cls, changes: FloatArray) -> float:
        """Newest first, each weighed ``e^(-3 j / m)``, pulled back whenever |sum| > 3."""
        # A loop, not numpy: the pull-back depends on the running sum at every step.
        total = 0.0
        for j, change in enumerate(changes[::-1], start=1):
            total += float(change) * math.exp(-cls.DECAY_SPAN * j / changes.size)
            if abs(total) > cls.REVERSION_LIMIT:
                total += cls.REVERSION_WHEN_UP if total > 0 else cls.REVERSION_WHEN_DOWN
        return total

    def grade_output(self, output: Mapping[str, Any]) -> tuple[Grade, str]:
        value = float(output["value"])
        for upper, grade in self.BANDS:
            if value < upper:
                return grade, f"momentum {value:.3f} < {upper}"
        upper = self.BANDS[-1][0]
        return self.TOO_STRONG, f"momentum {value:.3f} >= {upper}: too strong to expect a dip"


class Outcome(StrEnum):
    """How a day's simulated trade for one target ended."""

    PROFIT = "PROFIT"
    LOSS = "LOSS"
    NEVER_SOLD = "NEVER_SOLD"


class ProfitabilityModel(SpotModel):
    """How a 10:30 buy with a 0.85 % stop and each of 11 targets fared over 100 sessions."""

    name = "PROFITABILITY"
    MIN_DAYS: ClassVar[int] = 100
    BUY_AT: ClassVar[time] = time(10, 30)
    STOP_PCT: ClassVar[float] = 0.85
    TARGETS_PCT: ClassVar[tuple[float, ...]] = (
        0.25,
        0.31,
        0.34,
        0.36,
        0.39,
        0.42,
        0.45,
        0.49,
        0.52,
        0.57,
        0.61,
    )
    NEVER_SOLD_PCT: ClassVar[float] = -0.1  # sold at the close somewhere between stop and target
    OLDEST_WEIGHT: ClassVar[float] = 0.5
    FAIL_BELOW: ClassVar[float] = 0.05
    BANDS: ClassVar[tuple[Band, ...]] = (
        (0.07, Grade.RISKY),
        (0.09, Grade.UNPROMISING),
        (0.12, Grade.SATISFACTORY),
        (0.15, Grade.GOOD),
        (0.2, Grade.GREAT),
    )
    BEST: ClassVar[Grade] = Grade.EXCELLENT

    reads_today = False

    def __init__(self) -> None:
        # A past session's outcome never changes: kept, a judge re-simulates one day per
        # simulated day instead of a hundred.
        self._outcomes: dict[tuple[str, date], list[Outcome] | None] = {}

    def compute(self, symbol: str, data: ModelData) -> dict[str, Any]:
        days = data.require_sessions(self.name, symbol, self.MIN_DAYS)
        outcomes = [o for o in (self._outcome(symbol, day) for day in days) if o is not None]
        if not outcomes:
            raise InsufficientData(
                NO_BUY_BAR_MESSAGE.format(
                    model=self.name,
                    count=len(days),
                    symbol=symbol,
                    day=data.day,
                    at=f"{self.BUY_AT:%H:%M}",
                )
            )
        realized = np.array([self.realized(o) for o in outcomes])  # (days, targets), oldest first
        weights = self.recency_weights(len(outcomes))
        average = weights @ realized / weights.sum()
        return {
            "average": [float(x) for x in average],
            "median": [float(x) for x in np.median(realized, axis=0)],
            "days": len(outcomes),
        }

    def _outcome(self, symbol: str, bars: SymbolDay) -> list[Outcome] | None:
        key = (symbol, bars.day)
        if key not in self._outcomes:
            self._outcomes[key] = self.simulate_day(bars)
        return self._outcomes[key]

    @classmethod
    def simulate_day(cls, bars: SymbolDay) -> list[Outcome] | None:
        """Each target's outcome on one regular-hours day; None if it has no 10:30 bar."""
        buy_t = new_york_epoch(bars.day, cls.BUY_AT)
        at = int(np.searchsorted(bars.t, buy_t))
        if at >= len(bars) or bars.t[at] != buy_t:
            return None
        buy = float(bars.o[at])
        # The stop and target orders work from the next bar: they go in once the fill at the
        # open is known, and a minute bar cannot tell what of its range came before that.
        highs, lows = bars.h[at + 1 :], bars.l[at + 1 :]
        stopped_at = _first(lows <= buy * (1 - cls.STOP_PCT / 100))
        return [
            _outcome(stopped_at, _first(highs >= buy * (1 + target / 100)), never=highs.size)
            for target in cls.TARGETS_PCT
        ]

    @classmethod
    def realized(cls, outcomes: Sequence[Outcome]) -> list[float]:
        """The percent realized per target."""
        lost = {Outcome.LOSS: -cls.STOP_PCT, Outcome.NEVER_SOLD: cls.NEVER_SOLD_PCT}
        return [
            target if outcome is Outcome.PROFIT else lost[outcome]
            for target, outcome in zip(cls.TARGETS_PCT, outcomes, strict=True)
        ]

    @classmethod
    def recency_weights(cls, count: int) -> FloatArray:
        """0.5 for the oldest day, rising by 1 / count per day."""
        return cls.OLDEST_WEIGHT + np.arange(count, dtype=np.float64) / count

    def grade_output(self, output: Mapping[str, Any]) -> tuple[Grade, str]:
        average = float(np.median(output["average"]))
        median = float(np.median(output["median"]))
        reason = (
            f"median of average profits {average:.3f} %, of median profits {median:.3f} % "
            f"over {output['days']} days"
        )
        if median < self.FAIL_BELOW or average < self.FAIL_BELOW:
            return Grade.FAIL, f"{reason}: one is below {self.FAIL_BELOW} %"
        for upper, grade in self.BANDS:
            if average < upper:
                return grade, f"{reason}: average below {upper} %"
        return self.BEST, f"{reason}: average at least {self.BANDS[-1][0]} %"


class High96PctModel(SpotModel):
    """The last 720 minutes reached the top 4 % of the previous 75 sessions' range."""

    name = "HIGH_96_PCT"
    SESSIONS: ClassVar[int] = 75
    RECENT_MINUTES: ClassVar[int] = 720
    TOP_FRACTION: ClassVar[float] = 0.96

    def compute(self, symbol: str, data: ModelData) -> dict[str, float]:
        days = data.require_sessions(self.name, symbol, self.SESSIONS)
        # Concatenated, so a session on file without regular-hours bars adds nothing.
        low = float(np.concatenate([day.l for day in days]).min())
        high = float(np.concatenate([day.h for day in days]).max())
        recent = np.concatenate([*(day.h for day in days), data.today(symbol).h])
        if recent.size < self.RECENT_MINUTES:
            now = datetime.fromtimestamp(data.now_t, NEW_YORK)
            raise InsufficientData(
                TOO_FEW_BARS_MESSAGE.format(
                    model=self.name,
                    needed=self.RECENT_MINUTES,
                    symbol=symbol,
                    now=f"{now:%Y-%m-%d %H:%M}",
                    found=recent.size,
                )
            )
        return {
            "low75": low,
            "high75": high,
            "line": low + self.TOP_FRACTION * (high - low),
            "recent_high": float(recent[-self.RECENT_MINUTES :].max()),
        }

    def grade_output(self, output: Mapping[str, Any]) -> tuple[Grade, str]:
        recent, line = float(output["recent_high"]), float(output["line"])
        passed = recent >= line
        reason = (
            f"{self.RECENT_MINUTES}-minute high {recent:.4f} {'>=' if passed else '<'} {line:.4f}, "
            f"{self.TOP_FRACTION:.0%} up the {self.SESSIONS}-session range "
            f"{output['low75']:.4f}-{output['high75']:.4f}"
        )
        return (Grade.PASS if passed else Grade.FAIL), reason


class Volume50Model(SpotModel):
    """Yesterday's volume at least 1.25 x the mean of the 50 sessions before it."""

    name = "VOLUME_50"
    reads_today = False
    SESSIONS: ClassVar[int] = 50
    FACTOR: ClassVar[float] = 1.25

    def compute(self, symbol: str, data: ModelData) -> dict[str, Any]:
        days = data.require_sessions(self.name, symbol, self.SESSIONS + 1)
        yesterday = days[-1]
        expected = data.calendar.previous_session(data.day)
        if yesterday.day != expected:
            raise InsufficientData(
                NO_YESTERDAY_MESSAGE.format(
                    model=self.name, expected=expected, symbol=symbol, latest=yesterday.day
                )
            )
        return {
            "day": yesterday.day.isoformat(),
            "yesterday": float(yesterday.v.sum()),
            "average50": float(np.mean([day.v.sum() for day in days[:-1]])),
        }

    def grade_output(self, output: Mapping[str, Any]) -> tuple[Grade, str]:
        volume, average = float(output["yesterday"]), float(output["average50"])
        needed = self.FACTOR * average
        passed = volume > 0 and volume >= needed
        reason = (
            f"volume on {output['day']} {volume:,.0f} {'>=' if volume >= needed else '<'} "
            f"{needed:,.0f}, {self.FACTOR} x the {self.SESSIONS}-session average {average:,.0f}"
        )
        if volume <= 0:
            reason = f"no volume: {reason}"
        return (Grade.PASS if passed else Grade.FAIL), reason


def _first(hits: npt.NDArray[np.bool_]) -> int:
    """The index of the first True, or ``hits.size`` if none."""
    return int(hits.argmax()) if hits.any() else hits.size


def _outcome(stopped_at: int, target_at: int, *, never: int) -> Outcome:
    # The stop is checked first within a bar, so a tie is a loss.
    if stopped_at < never and stopped_at <= target_at:
        return Outcome.LOSS
    return Outcome.PROFIT if target_at < never else Outcome.NEVER_SOLD
