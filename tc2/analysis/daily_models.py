"""TC2's forgetful models, with the numbers it meant: VOLATILITY, DIP_10 and DIP_45.

- ``VOLATILITY``: the day's spread, (high - low) / open over regular hours. The original replaced
  the running high and low by half their difference, so its "spread" was not one. PASS when the
  rolling average is at least 0.8 %.
- ``DIP_10`` / ``DIP_45``: the largest fall of the low below the 10:30 bar's low within the 10 or
  45 minutes after that bar, in percent of that low. The original started from the day's first
  bar (its ``get_candle_at_sec`` returned the first candle whatever the time). As in TC2, a day
  without a dip (or without a 10:30 bar) leaves the average alone: the model learns how deep
  this symbol's dips go when they come.
"""

from __future__ import annotations

from datetime import time
from typing import ClassVar

import numpy as np

from tc2.analysis.forgetful import ForgetfulModel
from tc2.analysis.grades import Grade
from tc2.data.bars import SymbolDay
from tc2.env.market_calendar import new_york_epoch

VOLATILITY_PASS = 0.008  # 0.8 % average day spread
DIP_START = time(10, 30)

Band = tuple[float, float, Grade]
"""Values inside [low, high] earn at least ``Grade``; bands run from widest to narrowest."""


class VolatilityModel(ForgetfulModel):
    """Average day spread; pass/fail at 0.8 %."""

    name = "VOLATILITY"

    def day_value(self, bars: SymbolDay) -> float | None:
        return float((bars.h.max() - bars.l.min()) / bars.o[0])

    def grade_value(self, value: float) -> tuple[Grade, str]:
        verdict = ">=" if value >= VOLATILITY_PASS else "<"
        reason = f"average day spread {value:.3%} {verdict} {VOLATILITY_PASS:.1%}"
        return (Grade.PASS if value >= VOLATILITY_PASS else Grade.FAIL), reason


class DipModel(ForgetfulModel):
    """Average largest dip within ``minutes`` after the 10:30 bar, graded by bands (percent)."""

    minutes: ClassVar[int]
    bands: ClassVar[tuple[Band, ...]]
    best: ClassVar[Grade]  # the grade inside the narrowest band

    def day_value(self, bars: SymbolDay) -> float | None:
        start_t = new_york_epoch(bars.day, DIP_START)
        at = int(np.searchsorted(bars.t, start_t))
        if at >= len(bars) or bars.t[at] != start_t:
            return None  # no 10:30 bar: the day says nothing
        step = bars.resolution.seconds
        end = int(np.searchsorted(bars.t, start_t + step + self.minutes * 60))
        window = bars.l[at + 1 : end]
        if not window.size:
            return None
        start_low = float(bars.l[at])
        dip = 100 * max(0.0, start_low - float(window.min())) / start_low
        return dip if dip > 0 else None

    def grade_value(self, value: float) -> tuple[Grade, str]:
        for low, high, grade in self.bands:
            if not low <= value <= high:
                return grade, f"average dip {value:.3f} % outside {low}-{high} %"
        low, high, _ = self.bands[-1]
        return self.best, f"average dip {value:.3f} % within {low}-{high} %"


class Dip10Model(DipModel):
    """DIP_10: TC2's bands; EXCELLENT for 0.15-0.3 %."""

    name = "DIP_10"
    minutes = 10
    bands = (
        (0.025, 0.5, Grade.FAIL),
        (0.05, 0.45, Grade.RISKY),
        (0.075, 0.4, Grade.UNPROMISING),
        (0.125, 0.35, Grade.GOOD),
        (0.15, 0.3, Grade.GREAT),
    )
    best = Grade.EXCELLENT


class Dip45Model(DipModel):
    """DIP_45: the intended bands (RISKY below 0.075 %, not 0.75 %); GREAT for 0.2-0.6 %."""

    name = "DIP_45"
    minutes = 45
    bands = (
        (0.05, 0.9, Grade.FAIL),
        (0.075, 0.8, Grade.RISKY),
        (0.2, 0.6, Grade.UNPROMISING),
    )
    best = Grade.GREAT
