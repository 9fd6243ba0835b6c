"""LongShortStrategy's market models, with the numbers TC2 meant: OSCILLATION and LS_FAVOR.

Both read the judged day's regular-hours bars ended by ``now_t`` through a ``ModelData``, so
they cannot look ahead. Missing data raises ``InsufficientData``, which ``SpotModel.evaluate``
turns into FAIL with its message. Every other verdict, failures included, is an output whose
figures the panel can show.

OSCILLATION
    Is the S&P 500 swinging back and forth (LongShortStrategy's bet) rather than trending? SPY
    only: any other symbol FAILS "OSCILLATION applies to SPY only" (TC2 output 0 and failed it).

    The window is the 360 seconds before now, ``[now - 360, now)``: SPY's 1-second bars that
    began in it (all of them ended by now). Fewer than 300 of the 360 seconds with a bar is
    InsufficientData: SPY trades nearly every second, so a sixth missing is a gap in the feed,
    not a quiet market (TC2 asked for 80 % of the minutes). ``x`` is the second since the
    window's start; a second's price is its close. The steps, in order; the first that fails
    ends the computation (TC2 returned 0 there) and is the grade's reason:

    1. *range wide enough*: steady low = the 10th percentile of ``0.3 o + 0.7 l``, steady high
       = the 90th percentile of ``0.3 o + 0.7 h`` (numpy's linear interpolation), over the
       window's bars; ``range = high - low`` must be >= 0.032 % of the steady low.
    2. *prices inside the range*: seconds whose close is outside [low, high] (spikes, and the
       very tips of the swings) are dropped; at least 150 must stay.
    3. *no breakout*: the median close of the window's latest 10 % of bars (before dropping)
       lies inside [low, high]. Fixed: TC2 looked for the breakout among the prices it had just
       dropped for being outside the range, so the rule never fired.
    4. *no trend*: the least-squares line of the kept closes on ``x`` moves at most 50 % of the
       range over the 360 seconds (``|slope| * 360 <= 0.5 range``).
    5. *turns both ways*: local minima and maxima of the kept closes in a sliding window of
       12 % of the period (43 s, centred: 21 s each side). A second is a minimum when at least
       97 % of the other kept seconds of its window close at or above it, and one before it and
       one after it close above it (the price came down to it and went back up: a turn that
       lingers a few seconds on one price is still a turn, a flat stretch or the foot of a
       spike is none); a maximum likewise. Only seconds whose window lies inside the period
       are judged: a turn at the edge is not confirmed yet. Turns of one kind less than a
       window apart are one turn, the more extreme kept (the earlier on a tie). At least 2
       minima and 2 maxima.
       Fixed: TC2 tested minima on the highs, and padded the lists with the period's first and
       last extremes until each had two, so the step could not fail.
    6. *sine fitted*: ``z = (close - mid) / range`` (``mid = (low + high) / 2``) of the kept
       seconds is fitted with ``a sin(2 pi f x + phi) + c`` by scipy's ``curve_fit``
       (Levenberg-Marquardt, at most 2,000 evaluations), starting from the FFT of the kept
       ``z`` interpolated onto the period's 360-second grid, mean removed: its strongest
       non-constant bin ``k`` gives ``f = k / 360``, ``a = 2 |F_k| / 360``, ``phi = arg F_k +
       pi / 2``, ``c`` = the mean. The fit fails when curve_fit gives up or returns non-finite
       parameters or a period under 2 s (faster than 1-second bars can show). TC2 fitted the
       few turning points, with an FFT of points unevenly spaced; here the FFT sees an even grid
       and the fit every kept second, which a real wave fits and noise does not.
    7. *two peaks*: the fitted sine makes ``|f| * 360 >= 2`` cycles in the window (a period of
       at most 180 s).
    8. *amplitude*: the sine's height ``2 |a|`` covers at least 30 % of the range.
    9. *close fit*: ``error`` = the mean of ``|fit - z|`` over the kept seconds (the mean
       absolute miss, in ranges) and ``value = 0.1 + max(0, 0.9 - error)``. Fixed: TC2 averaged
       signed errors, which cancel out, after dropping those under 5 % of the range and those
       beyond 3 standard deviations. The pass line is ``value >= 0.75``, a miss under a
       quarter of the range: a flat line through prices spread evenly over the range misses by
       a quarter, so a sine doing no better explains nothing. TC2 passed every value >= 0, that
       is always.

    PASS when every step holds, else FAIL naming the failed step and its figures. The output
    lists the steps reached with their figures (range, trend, turns, peaks, amplitude, period,
    error) and ``value`` (None until step 9).

LS_FAVOR
    Which leg does the S&P 500's short-term trend favour, SPXL (3x long) or SPXS (3x short)?
    LongShortStrategy buys the favoured leg's shares times ``share_factor``. Judged for SPY (the
    strategy's only viable symbol), SPXL and SPXS alike: the verdict is the market's. Any other
    symbol FAILS "LS_FAVOR applies to the S&P 500 legs only" (TC2: NOT_APPLICABLE; the strategy's
    symbols are fixed, so another symbol is a misconfiguration, not a pass).

    The window ends at ``end`` = now rounded down to the minute (the latest a minute bar can
    have ended by). Each leg needs 25 minute bars that began in the 30 minutes before ``end``;
    fewer for either is InsufficientData (a feed that stopped is missing data, not a calm
    market). The k-minute window (k = 3, 10, 25) holds the bars
    that began in the last k minutes. Its trend strength, from its n bars (t, h, l, c): 0 when
    n < 3 (two points make no trend); otherwise the least-squares line of the closes on the
    minute gives the slope ``b`` and ``R^2`` (0 when the closes are all equal), the line's
    move over the minutes the bars span is ``rise = b (x_last - x_first + 1)`` (from the first
    bar's open to the last bar's close, as the range), the window's range is ``R = max(max h -
    min l, 0.1 % of the last close)``, and::

        strength = sign(b) * R^2 * min(1, |rise| / R)

    1 for closes on a straight line across the whole range, small for a noisy drift, negative
    in a downtrend. The floor on ``R`` keeps a drift of a few cents on a quiet stretch from
    counting as a trend for being the whole of a tiny range. Fixed: TC2 divided the mean move
    of lines through the minima and the maxima by "high minus the highest low" (meant: the
    lowest) and by 5, and made a downtrend negative by subtracting 1, so the stronger the
    downtrend the nearer its strength came to 0.

    Verdict, per leg with its strengths s3, s10, s25 (TC2's rules): STRONGLY_FAVORED when s3 >
    0.65 and s10 > 0.65 and s25 < 0.5 (the move is fresh, not 25 minutes old); FAVORED when s3
    or s10 > 0.65 and s25 < 0.5; else nothing. NEUTRAL when neither leg is favoured, and also
    when both are, in different windows: the signals contradict (TC2 favoured SPXL then).
    SPXL and SPXS move opposite, so both > 0.6 in the same window means their data disagree:
    FAIL with the strengths (TC2 raised, which silently dropped the grade).

    ``share_factor``: 1.14 strongly favoured, 1.08 favoured, 1.0 neutral, for either leg (the
    strategy's "x1.08 to x1.14"; TC2's strategy used 1.09 / 1.14 for SPXL and 1.08 / 1.13 for
    SPXS, its comments said 9 % and 14 % for both). Grade: PASS for every verdict, which is in
    the reason (TC2 always passed: the model sizes the legs, it does not gate them).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
from scipy.optimize import OptimizeWarning, curve_fit  # type: ignore[import-untyped]

from tc2.analysis.grades import Grade
from tc2.analysis.spot import InsufficientData, ModelData, SpotModel
from tc2.data.bars import FloatArray, Resolution
from tc2.data.store import BarSeries
from tc2.env.market_calendar import NEW_YORK

SPY, SPXL, SPXS = "SPY", "SPXL", "SPXS"
LEGS = (SPXL, SPXS)

NOT_SPY_MESSAGE = "OSCILLATION applies to SPY only"
NOT_SP500_MESSAGE = "LS_FAVOR applies to the S&P 500 legs only"
TOO_FEW_BARS_MESSAGE = (
    "{model} needs {needed} {unit} bars of {symbol} in the {span} before {now}, found {found}"
)
LEGS_DISAGREE_MESSAGE = (
    "SPXL and SPXS both trend up over the last {minutes} minutes (strengths {spxl:.2f} and "
    "{spxs:.2f}): their data disagree"
)


class Status(StrEnum):
    """OSCILLATION's verdict."""

    OSCILLATING = "OSCILLATING"
    NOT_OSCILLATING = "NOT_OSCILLATING"
    NOT_APPLICABLE = "NOT_APPLICABLE"


class LongShortFavor(StrEnum):
    """LS_FAVOR's verdict: which leg gets extra shares, and how many."""

    SPXL_STRONGLY_FAVORED = "SPXL_STRONGLY_FAVORED"
    SPXL_FAVORED = "SPXL_FAVORED"
    SPXS_STRONGLY_FAVORED = "SPXS_STRONGLY_FAVORED"
    SPXS_FAVORED = "SPXS_FAVORED"
    NEUTRAL = "NEUTRAL"

    @property
    def leg(self) -> str | None:
        """The favoured leg, None when neutral."""
        return None if self is LongShortFavor.NEUTRAL else self.value[:4]  # SPXL_... / SPXS_...


@dataclass(frozen=True, slots=True)
class SineFit:
    """``amplitude * sin(2 pi frequency x + phase) + offset``; amplitude and frequency > 0."""

    amplitude: float
    frequency: float  # cycles per second
    phase: float
    offset: float

    def at(self, x: FloatArray) -> FloatArray:
        return _sine(x, self.amplitude, self.frequency, self.phase, self.offset)


class _Steps:
    """The steps a computation went through, each with its figures, for the output."""

    def __init__(self) -> None:
        self.done: list[dict[str, Any]] = []

    def check(self, name: str, passed: bool, why: str, **figures: Any) -> bool:
        self.done.append({"step": name, "passed": passed, "why": why, **figures})
        return passed


class OscillationModel(SpotModel):
    """SPY's last 360 seconds look like a sine wave; the module docstring has the steps."""

    name = "OSCILLATION"
    PERIOD: ClassVar[int] = 360  # seconds (TC2's OSCILLATION_PERIOD_LENGTH)
    MIN_SECONDS: ClassVar[int] = 300  # of the period's seconds with a bar
    OPEN_WEIGHT: ClassVar[float] = 0.3  # steady prices: 0.3 open + 0.7 low (or high)
    EXTREME_WEIGHT: ClassVar[float] = 0.7
    RANGE_PERCENTILE: ClassVar[float] = 90.0
    MIN_RANGE: ClassVar[float] = 0.00032  # of the steady low
    MIN_KEPT: ClassVar[int] = 150  # seconds inside the steady range
    LATEST_SHARE: ClassVar[float] = 0.1  # the window's latest bars checked for a breakout
    MAX_TREND: ClassVar[float] = 0.5  # of the range, over the period
    TURN_WINDOW: ClassVar[float] = 0.12  # of the period
    TURN_SHARE: ClassVar[float] = 0.97  # of the other prices in the window
    MIN_TURNS: ClassVar[int] = 2  # minima, and maxima
    MAX_FIT_EVALUATIONS: ClassVar[int] = 2000
    MIN_FIT_PERIOD: ClassVar[float] = 2.0  # seconds: faster waves alias on 1-second bars
    MIN_PEAKS: ClassVar[float] = 2.0
    MIN_COVERAGE: ClassVar[float] = 0.3  # the sine's height, of the range
    PASSING_VALUE: ClassVar[float] = 0.75

    def compute(self, symbol: str, data: ModelData) -> dict[str, Any]:
        if symbol != SPY:
            return {"status": Status.NOT_APPLICABLE.value, "value": None, "steps": []}
        start_t = data.now_t - self.PERIOD
        bars = _since(data.today(SPY, Resolution.SECOND), start_t)
        if len(bars) < self.MIN_SECONDS:
            raise InsufficientData(
                _too_few(
                    self.name,
                    SPY,
                    data,
                    self.MIN_SECONDS,
                    "1-second",
                    f"{self.PERIOD} s",
                    len(bars),
                )
            )
        steps = _Steps()
        passed = self._judge(steps, bars, (bars.t - start_t).astype(np.float64))
        status = Status.OSCILLATING if passed is not None else Status.NOT_OSCILLATING
        return {
            "status": status.value,
            # From the last step, so a value under the pass line is shown too.
            "value": steps.done[-1].get("value"),
            "window": {"start_t": start_t, "end_t": data.now_t, "seconds": len(bars)},
            "steps": steps.done,
        }

    def _judge(self, steps: _Steps, bars: BarSeries, x: FloatArray) -> float | None:
        """The passing value, or None at the first failed step."""
        range_ = self._steady_range(steps, bars)
        if range_ is None:
            return None
        low, high = range_
        keep = (bars.c >= low) & (bars.c <= high)
        kept = int(np.count_nonzero(keep))
        why = f"{kept} of {len(bars)} seconds close inside the range (at least {self.MIN_KEPT})"
        if not steps.check("prices inside the range", kept >= self.MIN_KEPT, why, kept=kept):
            return None
        if not self._no_breakout(steps, bars.c, low, high):
            return None
        x, z = x[keep], (bars.c[keep] - (low + high) / 2) / (high - low)
        if not self._no_trend(steps, x, z) or not self._turns(steps, x, z):
            return None
        return self._wave(steps, x, z, high - low)

    def _steady_range(self, steps: _Steps, bars: BarSeries) -> tuple[float, float] | None:
        lows = self.OPEN_WEIGHT * bars.o + self.EXTREME_WEIGHT * bars.l
        highs = self.OPEN_WEIGHT * bars.o + self.EXTREME_WEIGHT * bars.h
        low = float(np.percentile(lows, 100 - self.RANGE_PERCENTILE))
        high = float(np.percentile(highs, self.RANGE_PERCENTILE))
        share = (high - low) / low
        passed = share >= self.MIN_RANGE
        why = f"range {share:.4%} of price {'>=' if passed else '<'} {self.MIN_RANGE:.3%}"
        figures = {"low": low, "high": high, "range_pct": 100 * share}
        return (low, high) if steps.check("range wide enough", passed, why, **figures) else None

    def _no_breakout(self, steps: _Steps, closes: FloatArray, low: float, high: float) -> bool:
        latest = float(np.median(closes[-max(1, int(closes.size * self.LATEST_SHARE)) :]))
        where = "below" if latest < low else "above" if latest > high else "inside"
        why = f"latest median close {latest:.4f} {where} the range {low:.4f}-{high:.4f}"
        return steps.check("no breakout", where == "inside", why, latest_median=latest)

    def _no_trend(self, steps: _Steps, x: FloatArray, z: FloatArray) -> bool:
        trend = linear_fit(x, z)[0] * self.PERIOD  # in ranges over the period
        passed = abs(trend) <= self.MAX_TREND
        why = f"trend {abs(trend):.0%} of the range {'<=' if passed else '>'} {self.MAX_TREND:.0%}"
        return steps.check("no trend", passed, why, trend=trend)

    def _turns(self, steps: _Steps, x: FloatArray, z: FloatArray) -> bool:
        window = int(self.TURN_WINDOW * self.PERIOD)
        minima, maxima = turning_points(
            x, z, half_window=window // 2, period=self.PERIOD, share=self.TURN_SHARE
        )
        passed = min(len(minima), len(maxima)) >= self.MIN_TURNS
        why = f"{len(minima)} minima and {len(maxima)} maxima (at least {self.MIN_TURNS} each)"
        figures = {"minima": [int(x[i]) for i in minima], "maxima": [int(x[i]) for i in maxima]}
        return steps.check("turns both ways", passed, why, **figures)

    def _wave(self, steps: _Steps, x: FloatArray, z: FloatArray, width: float) -> float | None:
        fit = fit_sine(
            x,
            z,
            period=self.PERIOD,
            max_evaluations=self.MAX_FIT_EVALUATIONS,
            min_period=self.MIN_FIT_PERIOD,
        )
        why = "fitted" if fit is not None else "curve_fit found no sine"
        if not steps.check("sine fitted", fit is not None, why) or fit is None:
            return None
        peaks = fit.frequency * self.PERIOD
        why = f"{peaks:.2f} cycles in {self.PERIOD} s (at least {self.MIN_PEAKS:g})"
        figures = {"peaks": peaks, "period": 1 / fit.frequency}
        if not steps.check("two peaks", peaks >= self.MIN_PEAKS, why, **figures):
            return None
        coverage = 2 * fit.amplitude
        why = f"the sine covers {coverage:.0%} of the range (at least {self.MIN_COVERAGE:.0%})"
        figures = {"amplitude": fit.amplitude * width, "coverage": coverage}
        if not steps.check("amplitude", coverage >= self.MIN_COVERAGE, why, **figures):
            return None
        error = float(np.mean(np.abs(fit.at(x) - z)))
        value = 0.1 + max(0.0, 0.9 - error)
        passed = value >= self.PASSING_VALUE
        why = f"value {value:.3f} {'>=' if passed else '<'} {self.PASSING_VALUE}"
        figures = {"error": error, "value": value}
        return value if steps.check("close fit", passed, why, **figures) else None

    def grade_output(self, output: Mapping[str, Any]) -> tuple[Grade, str]:
        if output["status"] == Status.NOT_APPLICABLE:
            return Grade.FAIL, NOT_SPY_MESSAGE
        last = output["steps"][-1]
        if output["status"] == Status.OSCILLATING:
            return Grade.PASS, f"oscillating: {last['why']}"
        return Grade.FAIL, f"not oscillating: {last['step']} failed, {last['why']}"


class LsFavorModel(SpotModel):
    """Which of SPXL and SPXS the S&P 500's fresh trend favours; see the module docstring."""

    name = "LS_FAVOR"
    SYMBOLS: ClassVar[frozenset[str]] = frozenset({SPY, SPXL, SPXS})
    WINDOW_MINUTES: ClassVar[int] = 30
    MIN_MINUTES: ClassVar[int] = 25  # bars of each leg in the 30-minute window
    TREND_MINUTES: ClassVar[tuple[int, int, int]] = (3, 10, 25)
    MIN_TREND_BARS: ClassVar[int] = 3
    MIN_RANGE: ClassVar[float] = 0.001  # of the last close: the floor of a window's range
    STRONG: ClassVar[float] = 0.65  # s3 / s10 above this
    STALE: ClassVar[float] = 0.5  # s25 at or above this: the move is old
    DISAGREE: ClassVar[float] = 0.6  # both legs above this in one window
    SHARE_FACTORS: ClassVar[Mapping[LongShortFavor, float]] = {
        LongShortFavor.SPXL_STRONGLY_FAVORED: 1.14,
        LongShortFavor.SPXL_FAVORED: 1.08,
        LongShortFavor.SPXS_STRONGLY_FAVORED: 1.14,
        LongShortFavor.SPXS_FAVORED: 1.08,
        LongShortFavor.NEUTRAL: 1.0,
    }

    def compute(self, symbol: str, data: ModelData) -> dict[str, Any]:
        if symbol not in self.SYMBOLS:
            return {"status": Status.NOT_APPLICABLE.value, "verdict": None}
        end_t = data.now_t - data.now_t % 60
        strengths = {leg: self.strengths(leg, data, end_t) for leg in LEGS}
        output: dict[str, Any] = {
            "status": "OK",
            "verdict": None,
            "favored": None,
            "share_factor": 1.0,
            "end_t": end_t,
            "minutes": list(self.TREND_MINUTES),
            "strengths": strengths,
        }
        disagreement = self._disagreement(strengths)
        if disagreement is not None:
            return {**output, "status": "LEGS_DISAGREE", "failed": disagreement}
        verdict = self.verdict(strengths[SPXL], strengths[SPXS])
        return {
            **output,
            "verdict": verdict.value,
            "favored": verdict.leg,
            "share_factor": self.SHARE_FACTORS[verdict],
        }

    def strengths(self, leg: str, data: ModelData, end_t: int) -> list[float]:
        """The leg's trend strength over each of the last 3, 10 and 25 minutes before ``end_t``.

        Raises
        ------
        InsufficientData
            If the leg has fewer than 25 bars in the 30 minutes before ``end_t``.
        """
        bars = _since(data.today(leg), end_t - 60 * self.WINDOW_MINUTES)
        if len(bars) < self.MIN_MINUTES:
            span = f"{self.WINDOW_MINUTES} minutes"
            raise InsufficientData(
                _too_few(self.name, leg, data, self.MIN_MINUTES, "minute", span, len(bars))
            )
        return [
            self.trend_strength(_since(bars, end_t - 60 * minutes))
            for minutes in self.TREND_MINUTES
        ]

    @classmethod
    def trend_strength(cls, bars: BarSeries) -> float:
        """``sign(b) R^2 min(1, |rise| / R)`` of the bars' closes; 0 for fewer than 3 bars."""
        if len(bars) < cls.MIN_TREND_BARS:
            return 0.0
        x = (bars.t - bars.t[0]) / 60.0
        slope, r_squared = linear_fit(x, bars.c)
        rise = slope * float(x[-1] - x[0] + 1)  # over the bars' span, first open to last close
        width = max(float(bars.h.max() - bars.l.min()), cls.MIN_RANGE * float(bars.c[-1]))
        return math.copysign(r_squared * min(1.0, abs(rise) / width), slope) if slope else 0.0

    def _disagreement(self, strengths: Mapping[str, Sequence[float]]) -> str | None:
        for minutes, spxl, spxs in zip(
            self.TREND_MINUTES, strengths[SPXL], strengths[SPXS], strict=True
        ):
            if spxl > self.DISAGREE and spxs > self.DISAGREE:
                return LEGS_DISAGREE_MESSAGE.format(minutes=minutes, spxl=spxl, spxs=spxs)
        return None

    @classmethod
    def verdict(cls, spxl: Sequence[float], spxs: Sequence[float]) -> LongShortFavor:
        """TC2's rules on each leg's (s3, s10, s25); NEUTRAL when both or neither qualify."""
        spxl_favor, spxs_favor = cls._favor(spxl), cls._favor(spxs)
        if spxl_favor is not None and spxs_favor is not None:
            return LongShortFavor.NEUTRAL  # the windows contradict each other
        if spxl_favor is not None:
            return (
                LongShortFavor.SPXL_STRONGLY_FAVORED if spxl_favor else LongShortFavor.SPXL_FAVORED
            )
        if spxs_favor is not None:
            return (
                LongShortFavor.SPXS_STRONGLY_FAVORED if spxs_favor else LongShortFavor.SPXS_FAVORED
            )
        return LongShortFavor.NEUTRAL

    @classmethod
    def _favor(cls, strengths: Sequence[float]) -> bool | None:
        """True if strongly favoured, False if favoured, None if not."""
        s3, s10, s25 = strengths
        if s25 >= cls.STALE or (s3 <= cls.STRONG and s10 <= cls.STRONG):
            return None
        return s3 > cls.STRONG and s10 > cls.STRONG

    def grade_output(self, output: Mapping[str, Any]) -> tuple[Grade, str]:
        if output["status"] == Status.NOT_APPLICABLE:
            return Grade.FAIL, NOT_SP500_MESSAGE
        if output["status"] == "LEGS_DISAGREE":
            return Grade.FAIL, str(output["failed"])
        strengths = "; ".join(
            f"{leg} " + " / ".join(f"{s:.2f}" for s in output["strengths"][leg]) for leg in LEGS
        )
        sizing = (
            f"{output['favored']}'s shares x{output['share_factor']:.2f}"
            if output["favored"] is not None
            else "no leg scaled"
        )
        return (
            Grade.PASS,
            f"{output['verdict']}: {sizing} (strengths over 3/10/25 min: {strengths})",
        )


def linear_fit(x: FloatArray, y: FloatArray) -> tuple[float, float]:
    """The least-squares slope of ``y`` on ``x``, and R^2 (0 when ``y`` is constant)."""
    dx, dy = x - x.mean(), y - y.mean()
    slope = float(dx @ dy / (dx @ dx))
    total = float(dy @ dy)
    if total == 0:
        return slope, 0.0
    residual = dy - slope * dx
    return slope, max(0.0, 1.0 - float(residual @ residual) / total)


def turning_points(
    x: FloatArray, prices: FloatArray, *, half_window: int, period: int, share: float
) -> tuple[list[int], list[int]]:
    """Indices of the local minima and maxima of ``prices`` at seconds ``x``.

    A price is a minimum when at least ``share`` of the other prices within ``half_window``
    seconds are at or above it, and one before it and one after it are above; a maximum
    likewise. Only prices whose window
    lies inside ``[0, period)`` are judged; turns of one kind closer than the window are one,
    the more extreme kept.
    """
    near = np.abs(x[:, None] - x[None, :]) <= half_window
    np.fill_diagonal(near, False)
    others = near.sum(axis=1)
    judged = (x >= half_window) & (x <= period - 1 - half_window) & (others > 0)
    higher, lower = prices[None, :] > prices[:, None], prices[None, :] < prices[:, None]
    earlier = x[None, :] < x[:, None]
    minima = judged & _turns(near, earlier, ~lower, higher, others, share)
    maxima = judged & _turns(near, earlier, ~higher, lower, others, share)
    apart = 2 * half_window + 1
    return (
        _merge(np.flatnonzero(minima), x, -prices, apart),
        _merge(np.flatnonzero(maxima), x, prices, apart),
    )


def fit_sine(
    x: FloatArray, y: FloatArray, *, period: int, max_evaluations: int, min_period: float
) -> SineFit | None:
    """The least-squares sine through ``(x, y)``, from an FFT guess; None if the fit fails.

    ``x`` are seconds in ``[0, period)``; the FFT reads ``y`` interpolated onto each second.
    """
    grid = np.interp(np.arange(period, dtype=np.float64), x, y)
    offset = float(grid.mean())
    spectrum = np.fft.rfft(grid - offset)
    k = 1 + int(np.argmax(np.abs(spectrum[1:])))
    guess = [
        2 * float(np.abs(spectrum[k])) / period,
        k / period,
        float(np.angle(spectrum[k])) + math.pi / 2,  # rfft of sin(w x + p) peaks at angle p - pi/2
        offset,
    ]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", OptimizeWarning)  # the covariance is not used
            found = curve_fit(_sine, x, y, p0=guess, maxfev=max_evaluations)[0]
    except (RuntimeError, ValueError):  # no convergence within the evaluations; bad input
        return None
    amplitude, frequency, phase, offset = (float(p) for p in found)
    if not all(map(math.isfinite, (amplitude, frequency, phase, offset))) or frequency == 0:
        return None
    if frequency < 0:  # a sin(-w x + p) = -a sin(w x - p)
        amplitude, frequency, phase = -amplitude, -frequency, -phase
    if amplitude < 0:
        amplitude, phase = -amplitude, phase + math.pi
    if 1 / frequency < min_period:
        return None
    return SineFit(amplitude, frequency, math.remainder(phase, 2 * math.pi), offset)


def _sine(
    x: FloatArray, amplitude: float, frequency: float, phase: float, offset: float
) -> FloatArray:
    wave: FloatArray = amplitude * np.sin(2 * math.pi * frequency * x + phase) + offset
    return wave


def _turns(
    near: npt.NDArray[np.bool_],
    earlier: npt.NDArray[np.bool_],
    on_side: npt.NDArray[np.bool_],
    beyond: npt.NDArray[np.bool_],
    others: npt.NDArray[np.int64],
    share: float,
) -> npt.NDArray[np.bool_]:
    # on_side: the other price is at or beyond the candidate (above it, for a minimum); beyond:
    # strictly. The price must have come from beyond and gone back there: a turn.
    enough: npt.NDArray[np.bool_] = (near & on_side).sum(axis=1) >= share * others
    came = (near & beyond & earlier).any(axis=1)
    left = (near & beyond & ~earlier).any(axis=1)
    return enough & came & left


def _merge(
    candidates: npt.NDArray[np.intp], x: FloatArray, depth: FloatArray, apart: int
) -> list[int]:
    """Candidates closer than ``apart`` seconds merged into the deepest (earliest on a tie)."""
    kept: list[int] = []
    for i in candidates.tolist():
        if kept and x[i] - x[kept[-1]] < apart:
            if depth[i] > depth[kept[-1]]:
                kept[-1] = i
        else:
            kept.append(i)
    return kept


def _since(bars: BarSeries, start_t: int) -> BarSeries:
    """The bars that began at or after ``start_t``."""
    at = int(np.searchsorted(bars.t, start_t))
    return BarSeries(
        symbol=bars.symbol,
        resolution=bars.resolution,
        t=bars.t[at:],
        o=bars.o[at:],
        h=bars.h[at:],
        l=bars.l[at:],
        c=bars.c[at:],
        v=bars.v[at:],
    )


def _too_few(
    model: str, symbol: str, data: ModelData, needed: int, unit: str, span: str, found: int
) -> str:
    now = datetime.fromtimestamp(data.now_t, NEW_YORK)
    return TOO_FEW_BARS_MESSAGE.format(
        model=model,
        needed=needed,
        unit=unit,
        symbol=symbol,
        span=span,
        now=f"{now:%Y-%m-%d %H:%M:%S}",
        found=found,
    )
