"""Metrics as peer engines define them, computed from TC2's own equity curve.

TC2's figures follow ``docs/METRICS.md``. Where a peer defines a figure differently, the same
equity curve gives the peer's figure here, so a user comparing TC2 with that peer compares like
with like. A convention is named after its peer:

``pyalgotrade``
    Sharpe: TC2's own definition (daily simple returns, the first from the initial equity, the
    annual risk-free rate spread evenly over 252 periods, sample deviation, times sqrt(252)).
    Maximum drawdown: the largest fall from a peak of the curve, a fraction. Longest drawdown:
    calendar days from the peak's session to the last session still below it (TC2 counts
    sessions).
``backtesting.py``
    Returns are the day-to-day changes of the curve from its first point (backtesting.py's curve
    starts at its first bar's equity, not before it). Annual return: the
    geometric mean return compounded over 252 periods; annual volatility: that of compounded
    returns, sqrt((var + (1 + g)^2)^252 - (1 + g)^504), var with ddof 1; Sharpe: (annual return -
    rf) / annual volatility; Sortino: (annual return - rf) / (sqrt(mean(min(r, 0)^2)) *
    sqrt(252)); drawdown duration: calendar days from a peak to its recovery or the last day;
    CAGR over calendar years of 365.25 days.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from datetime import date
from enum import StrEnum

import numpy as np

from tc2.simulation.metrics import sharpe_ratio

PERIODS_PER_YEAR = 252


class MetricConvention(StrEnum):
    PYALGOTRADE = "pyalgotrade"
    BACKTESTING_PY = "backtesting.py"


def peer_metrics(
    *,
    days: Sequence[date],
    equity: Sequence[float],
    initial_equity: float,
    risk_free_rate: float = 0.0,
) -> dict[str, dict[str, float | None]]:
    """Each peer's figures of one equity curve (end of each session), by convention name.

    Figures a curve cannot give (fewer than two points, a zero spread, equity at or below zero)
    are None.
    """
    return {
        MetricConvention.PYALGOTRADE.value: pyalgotrade_metrics(
            days=days, equity=equity, initial_equity=initial_equity, risk_free_rate=risk_free_rate
        ),
        MetricConvention.BACKTESTING_PY.value: backtesting_py_metrics(
            days=days, equity=equity, initial_equity=initial_equity, risk_free_rate=risk_free_rate
        ),
    }


def pyalgotrade_metrics(
    *,
    days: Sequence[date],
    equity: Sequence[float],
    initial_equity: float,
    risk_free_rate: float = 0.0,
) -> dict[str, float | None]:
    """pyalgotrade's SharpeRatio and DrawDown analyzers' figures (see the module)."""
    curve = np.asarray(equity, dtype=np.float64)
    if not len(curve) or initial_equity <= 0 or np.any(curve <= 0):
        return {"sharpe": None, "max_drawdown": None, "longest_drawdown_days": None}
    previous = np.concatenate(([initial_equity], curve[:-1]))
    returns = curve / previous - 1
    peaks = np.maximum.accumulate(curve)  # its DrawDown analyzer watches the bars' equity only
    longest = 0
    peak_day: date | None = None
    for day, value, peak in zip(days, curve, peaks, strict=True):
        if value >= peak:
            peak_day = day
        elif peak_day is not None:
            longest = max(longest, (day - peak_day).days)
    return {
        "sharpe": sharpe_ratio(
            returns, risk_free_rate=risk_free_rate, periods_per_year=PERIODS_PER_YEAR
        ),
        "max_drawdown": float(np.max(1 - curve / peaks)),
        "longest_drawdown_days": float(longest),
    }


def backtesting_py_metrics(
    *,
    days: Sequence[date],
    equity: Sequence[float],
    initial_equity: float,
    risk_free_rate: float = 0.0,
) -> dict[str, float | None]:
    """backtesting.py's ``compute_stats`` figures of a daily curve (see the module)."""
    names = (
        "return_annual",
        "volatility_annual",
        "sharpe",
        "sortino",
        "cagr",
        "max_drawdown",
        "max_drawdown_days",
    )
    curve = np.asarray(equity, dtype=np.float64)
    if len(curve) < 2 or initial_equity <= 0:
        return dict.fromkeys(names)
    returns = curve[1:] / curve[:-1] - 1
    growth = 1 + returns
    mean = float(np.exp(np.log(growth).sum() / len(growth)) - 1) if np.all(growth > 0) else 0.0
    annual = (1 + mean) ** PERIODS_PER_YEAR - 1
    # One return has no sample variance: no volatility nor Sharpe (never NaN, which no JSON
    # result can hold: a two-session evaluation would fail when stored).
    volatility = (
        math.sqrt(
            max(
                0.0,
                (float(np.var(returns, ddof=1)) + (1 + mean) ** 2) ** PERIODS_PER_YEAR
                - (1 + mean) ** (2 * PERIODS_PER_YEAR),
            )
        )
        if len(returns) > 1
        else None
    )
    downside = math.sqrt(float(np.mean(np.minimum(returns, 0) ** 2))) * math.sqrt(PERIODS_PER_YEAR)
    years = (days[-1] - days[0]).days / 365.25
    drawdown = 1 - curve / np.maximum.accumulate(curve)
    return {
        "return_annual": annual,
        "volatility_annual": volatility,
        "sharpe": (annual - risk_free_rate) / volatility if volatility else None,
        "sortino": (annual - risk_free_rate) / downside if downside else None,
        "cagr": float((curve[-1] / curve[0]) ** (1 / years) - 1)
        if years and curve[-1] > 0
        else None,
        "max_drawdown": float(drawdown.max()),
        "max_drawdown_days": _longest_drawdown_days(days, drawdown),
    }


def _longest_drawdown_days(days: Sequence[date], drawdown: np.ndarray) -> float | None:
    """backtesting.py's: from each point at a peak to the next one (or the last point)."""
    at_peak = sorted({*np.flatnonzero(drawdown == 0).tolist(), len(drawdown) - 1})
    spans = [
        (days[end] - days[start]).days
        for start, end in itertools.pairwise(at_peak)
        if end > start + 1
    ]
    return float(max(spans)) if spans else None
