"""BREAKOUT1: is there a fresh breakout setup in the last 55 minutes? Step by step.

TC2's BREAKOUT1 model drew a range's lines over a 55-minute window and was meant to call the
symbol VIABLE when a break was fresh; it never set VIABLE, so it always failed. Here the lines
are the highest high (resistance) and the lowest low (support) over the window's first 60 %
(``find_setup``, which Breakout1Strategy uses too), and the setup is VIABLE when

1. the window lies inside today's session (not reaching into the night),
2. the lines part holds at least two bars,
3. the range is at least 0.15 % of the support (the model's "maximum reward"), and
4. no close went above the resistance before the window's last 10 % (the break is fresh).

Each step is reported with its figures, so the panel can show why a symbol was or was not
viable. PASS when VIABLE, else FAIL naming the first failed step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from tc2.analysis.grades import Grade
from tc2.analysis.spot import InsufficientData, ModelData, SpotModel
from tc2.data.bars import Resolution
from tc2.data.store import BarSeries

SETUP_MINUTES = 55
LINES_FRACTION = 0.6
BREAK_FRACTION = 0.1
MIN_REWARD_PCT = 0.0015


@dataclass(frozen=True, slots=True)
class Setup:
    """A setup window's lines, drawn over its first part.

    ``broken_early`` is True when a close went above the resistance after the lines were drawn
    but before the break part of the window: the breakout happened earlier and is stale.
    """

    resistance: float
    support: float
    broken_early: bool

    @property
    def height(self) -> float:
        return self.resistance - self.support

    def to_dict(self) -> dict[str, float | bool]:
        return {
            "resistance": self.resistance,
            "support": self.support,
            "broken_early": self.broken_early,
        }


def find_setup(
    *, bars: BarSeries, start_t: int, end_t: int, lines_fraction: float, break_fraction: float
) -> Setup | None:
    """Draw resistance (highest high) and support (lowest low) over a setup window's first part.

    The window [``start_t``, ``end_t``) is split by bar start time into the lines part (its
    first ``lines_fraction``), the middle, and the break part (its last ``break_fraction``).

    Parameters
    ----------
    bars
        Bars covering the window, oldest first; bars outside it are ignored.
    start_t, end_t
        The window, epoch seconds UTC.
    lines_fraction, break_fraction
        Shares of the window, each in (0, 1) and summing to less than 1.

    Returns
    -------
    Setup | None
        The lines, or None when the lines part holds fewer than two bars.
    """
    span = end_t - start_t
    lines_end = start_t + round(span * lines_fraction)
    break_start = end_t - round(span * break_fraction)
    first, lines_stop, middle_stop, stop = np.searchsorted(
        bars.t, [start_t, lines_end, break_start, end_t], "left"
    ).tolist()
    if lines_stop - first < 2:
        return None
    resistance = float(bars.h[first:lines_stop].max())
    support = float(bars.l[first:lines_stop].min())
    middle_stop = min(middle_stop, stop)
    broken = middle_stop > lines_stop and bool((bars.c[lines_stop:middle_stop] > resistance).any())
    return Setup(resistance=resistance, support=support, broken_early=broken)


class Breakout1Model(SpotModel):
    """BREAKOUT1 on the judged day's minute bars ended by now; see the module docstring."""

    name = "BREAKOUT1"
    setup_minutes: ClassVar[int] = SETUP_MINUTES

    def compute(self, symbol: str, data: ModelData) -> dict[str, Any]:
        bars = data.today(symbol, Resolution.MINUTE)
        end_t = data.now_t
        start_t = end_t - self.setup_minutes * 60
        open_t = int(data.calendar.session_open(data.day).timestamp())
        steps: list[dict[str, Any]] = []

        def step(name: str, passed: bool, **figures: Any) -> bool:
            steps.append({"step": name, "passed": passed, **figures})
            return passed

        output: dict[str, Any] = {
            "status": "NOT_VIABLE",
            "window": {"start_t": start_t, "end_t": end_t},
            "steps": steps,
            "setup": None,
        }
        if not step("window inside the session", start_t >= open_t, open_t=open_t):
            return output
        setup = find_setup(
            bars=bars,
            start_t=start_t,
            end_t=end_t,
            lines_fraction=LINES_FRACTION,
            break_fraction=BREAK_FRACTION,
        )
        if not step(
            "lines drawn", setup is not None, bars=int(np.count_nonzero(bars.t >= start_t))
        ):
            if not len(bars):
                raise InsufficientData(f"no minute bars of {symbol} today before now")
            return output
        assert setup is not None
        output["setup"] = setup.to_dict()
        reward = setup.height / setup.support if setup.support > 0 else 0.0
        if not step(
            "range wide enough",
            reward >= MIN_REWARD_PCT,
            reward_pct=round(100 * reward, 4),
            min_pct=100 * MIN_REWARD_PCT,
        ):
            return output
        if not step("break is fresh", not setup.broken_early):
            return output
        output["status"] = "VIABLE"
        return output

    def grade_output(self, output: Any) -> tuple[Grade, str]:
        if output["status"] == "VIABLE":
            setup = output["setup"]
            return Grade.PASS, (
                f"setup: resistance {setup['resistance']:.2f}, support {setup['support']:.2f}"
            )
        failed = next(step["step"] for step in output["steps"] if not step["passed"])
        return Grade.FAIL, f"no setup: {failed} failed"
