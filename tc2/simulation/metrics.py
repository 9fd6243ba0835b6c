"""Strategy-evaluation metrics: TC2's original figures and the standard performance set.

Everything is computed from ``DayOutcome`` records, one per simulated day. Results are frozen
records whose floats are finite Python floats or ``None`` (never NaN or inf), so they go to JSON
as they are. ``docs/METRICS.md`` states every convention with its formula.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date
from itertools import pairwise

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

# A standard deviation this small relative to the data (or to 1) is rounding noise, not spread:
# returns computed from a steadily growing equity differ by ~1e-16, and dividing by that would
# report a meaningless ratio of ~1e14 instead of "undefined".
_ZERO_SPREAD = 1e-12


@dataclass(frozen=True, slots=True, kw_only=True)
class DayOutcome:
    """One simulated day of one strategy on one symbol (or symbol set).

    ``trade_pnls`` is coerced to a tuple of floats.

    Raises
    ------
    ValueError
        If a count is negative, ``profit`` or a trade P&L is not finite, a duration is negative
        or not finite, or ``exposure_seconds`` exceeds ``session_seconds``.
    """

    day: date
    viable: bool  # the strategy became viable that day
    entered: bool  # at least one entry order filled
    entry_attempts: int  # entry orders submitted
    round_trips: int  # completed buy->sell (or sell->buy) cycles
    profit: float  # net dollars that day after fees (0.0 when not entered)
    trade_pnls: tuple[float, ...] = ()  # net P&L of each closed round trip that day, dollars
    exposure_seconds: float = 0.0  # seconds with a non-zero position
    session_seconds: float = 0.0  # seconds of the session simulated (for exposure)

    def __post_init__(self) -> None:
        object.__setattr__(self, "trade_pnls", tuple(float(pnl) for pnl in self.trade_pnls))
        _check_outcome(self)


def _check_outcome(outcome: DayOutcome) -> None:
    label = f"day outcome {outcome.day}"
    for name in ("entry_attempts", "round_trips"):
        if getattr(outcome, name) < 0:
            raise ValueError(f"{label}: {name} must be >= 0, was {getattr(outcome, name)!r}")
    if not math.isfinite(outcome.profit):
        raise ValueError(f"{label}: profit must be finite, was {outcome.profit!r}")
    if not all(math.isfinite(pnl) for pnl in outcome.trade_pnls):
        raise ValueError(f"{label}: trade_pnls must all be finite, was {outcome.trade_pnls!r}")
    for name in ("exposure_seconds", "session_seconds"):
        seconds = getattr(outcome, name)
        if not (math.isfinite(seconds) and seconds >= 0):
            raise ValueError(f"{label}: {name} must be finite and >= 0, was {seconds!r}")
    if outcome.exposure_seconds > outcome.session_seconds:
        raise ValueError(
            f"{label}: exposure_seconds must be <= session_seconds ({outcome.session_seconds!r}),"
            f" was {outcome.exposure_seconds!r}"
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Tc2Metrics:
    """TC2's original evaluation figures, with the meaning the original intended.

    ``win_ratio`` is winning entered days over entered days; the original divided wins by
    losses, which was a bug.
    """

    days_evaluated: int
    days_viable: int
    days_entered: int
    average_profit: float | None  # mean daily profit over entered days
    median_profit: float | None  # median daily profit over entered days
    net_profit: float  # sum over all days
    entry_ratio: float | None  # round trips / entry attempts
    win_ratio: float | None  # entered days with profit > 0 / entered days

    def to_dict(self) -> dict[str, float | int | None]:
        """Return the figures as a JSON-ready dict keyed by field name."""
        return {field.name: getattr(self, field.name) for field in fields(self)}


@dataclass(frozen=True, slots=True, kw_only=True)
class PerformanceMetrics:
    """The standard performance set; each figure is defined in ``docs/METRICS.md``."""

    total_return: float  # final / initial - 1
    cagr: float | None
    sharpe: float | None
    sortino: float | None
    max_drawdown: float  # positive fraction of the running peak, 0 when none
    max_drawdown_duration: int  # longest run of periods below a previous peak
    profit_factor: float | None  # gross profit / gross loss over trades
    expectancy: float | None  # mean trade P&L, dollars
    sqn: float | None  # sqrt(N) * mean(pnl) / sample std(pnl)
    exposure: float  # fraction of simulated time with a position
    trade_count: int

    def to_dict(self) -> dict[str, float | int | None]:
        """Return the figures as a JSON-ready dict keyed by field name."""
        return {field.name: getattr(self, field.name) for field in fields(self)}


@dataclass(frozen=True, slots=True, kw_only=True)
class EquityCurve:
    """End-of-day equity and its drawdown, one entry per simulated day in date order."""

    days: tuple[date, ...]
    equity: tuple[float, ...]  # end-of-day equity, dollars
    drawdown: tuple[float, ...]  # fraction below the running peak (>= 0), the start included

    def to_dict(self) -> dict[str, list[str] | list[float]]:
        """Return the curve as a JSON-ready dict, days as ISO date strings."""
        return {
            "days": [day.isoformat() for day in self.days],
            "equity": list(self.equity),
            "drawdown": list(self.drawdown),
        }


def tc2_metrics(outcomes: Sequence[DayOutcome]) -> Tc2Metrics:
    """Compute TC2's original evaluation figures over ``outcomes``.

    Parameters
    ----------
    outcomes
        The simulated days, in any order.

    Returns
    -------
    Tc2Metrics
        Averages and ratios are ``None`` when their denominator is empty (no entered day, no
        entry attempt).
    """
    entered = np.array([o.profit for o in outcomes if o.entered], dtype=np.float64)
    attempts = sum(o.entry_attempts for o in outcomes)
    round_trips = sum(o.round_trips for o in outcomes)
    has_entries = len(entered) > 0
    return Tc2Metrics(
        days_evaluated=len(outcomes),
        days_viable=sum(1 for o in outcomes if o.viable),
        days_entered=len(entered),
        average_profit=float(np.mean(entered)) if has_entries else None,
        median_profit=float(np.median(entered)) if has_entries else None,
        # fsum: exactly rounded, so the total does not depend on the order of the days.
        net_profit=math.fsum(o.profit for o in outcomes),
        entry_ratio=round_trips / attempts if attempts else None,
        win_ratio=float(np.count_nonzero(entered > 0)) / len(entered) if has_entries else None,
    )


def equity_curve(*, outcomes: Sequence[DayOutcome], initial_equity: float) -> EquityCurve:
    """Build the end-of-day equity curve: each day's equity is the previous one plus its profit.

    Parameters
    ----------
    outcomes
        The simulated days, in any order; they are sorted by date.
    initial_equity
        Equity before the first day, dollars.

    Returns
    -------
    EquityCurve
        One entry per day; drawdowns are measured from the running peak, ``initial_equity``
        included.

    Raises
    ------
    ValueError
        If ``initial_equity`` is not a finite number > 0, two outcomes share a day, or the
        equity overflows.
    """
    _check_initial_equity(initial_equity)
    ordered = _sorted_by_day(outcomes)
    path = _equity_path(ordered, initial_equity)
    return EquityCurve(
        days=tuple(o.day for o in ordered),
        equity=tuple(float(e) for e in path[1:]),
        drawdown=tuple(float(d) for d in _drawdowns(path)[1:]),
    )


def sharpe_ratio(
    returns: npt.ArrayLike, *, risk_free_rate: float = 0.0, periods_per_year: int = 252
) -> float | None:
    """Compute the annualised Sharpe ratio of periodic simple returns.

    ``mean(r - rf / periods_per_year) / std(r - rf / periods_per_year, ddof=1)
    * sqrt(periods_per_year)``.

    Parameters
    ----------
    returns
        Simple returns per period, as fractions (0.01 = 1 %).
    risk_free_rate
        Annual risk-free rate as a fraction, spread evenly over the periods (not compounded).
    periods_per_year
        Periods in a year: 252 for trading days.

    Returns
    -------
    float | None
        ``None`` with fewer than two returns or when the excess returns do not vary.

    Raises
    ------
    ValueError
        If ``returns`` is not 1-D or holds a non-finite value, ``risk_free_rate`` is not finite
        or ``periods_per_year`` is not > 0.
    """
    excess = _excess_returns(returns, risk_free_rate, periods_per_year)
    if excess is None:
        return None
    with np.errstate(over="ignore", invalid="ignore"):
        spread = float(np.std(excess, ddof=1))
        if _is_zero(spread, excess):
            return None
        return _finite_or_none(float(np.mean(excess)) / spread * math.sqrt(periods_per_year))


def sortino_ratio(
    returns: npt.ArrayLike, *, risk_free_rate: float = 0.0, periods_per_year: int = 252
) -> float | None:
    """Compute the annualised Sortino ratio of periodic simple returns.

    With ``x = r - rf / periods_per_year``: ``mean(x) / sqrt(mean(min(x, 0) ** 2))
    * sqrt(periods_per_year)``; the downside deviation averages over every period, not only
    the losing ones (target downside deviation, the rf rate being the target).

    Parameters
    ----------
    returns
        Simple returns per period, as fractions.
    risk_free_rate
        Annual risk-free rate as a fraction, spread evenly over the periods (not compounded).
    periods_per_year
        Periods in a year: 252 for trading days; 1 gives the per-period (unannualised) ratio.

    Returns
    -------
    float | None
        ``None`` with fewer than two returns or when no period falls below the target.

    Raises
    ------
    ValueError
        If ``returns`` is not 1-D or holds a non-finite value, ``risk_free_rate`` is not finite
        or ``periods_per_year`` is not > 0.
    """
    excess = _excess_returns(returns, risk_free_rate, periods_per_year)
    if excess is None:
        return None
    with np.errstate(over="ignore", invalid="ignore"):
        downside = float(np.sqrt(np.mean(np.minimum(excess, 0.0) ** 2)))
        if _is_zero(downside, excess):
            return None
        return _finite_or_none(float(np.mean(excess)) / downside * math.sqrt(periods_per_year))


def max_drawdown(equity: npt.ArrayLike) -> tuple[float, int]:
    """Measure the deepest drawdown of an equity series and the longest time spent in one.

    Parameters
    ----------
    equity
        Equity per period, oldest first; the first value is the starting equity.

    Returns
    -------
    tuple[float, int]
        ``(depth, duration)``: the largest ``(peak - equity) / peak`` over the running peak, as a
        positive fraction (0.0 when the equity never falls), and the longest run of consecutive
        periods below a previous peak (a period back at the peak ends the run; a run still open
        at the end counts to the end).

    Raises
    ------
    ValueError
        If ``equity`` is not 1-D, holds a non-finite value or starts at or below 0.
    """
    path = _series(equity, "equity")
    if len(path) == 0:
        return 0.0, 0
    if path[0] <= 0:
        raise ValueError(f"equity must start > 0, was {float(path[0])!r}")
    drawdowns = _drawdowns(path)
    return float(np.max(drawdowns)), _longest_run(drawdowns > 0)


def performance_metrics(
    *,
    outcomes: Sequence[DayOutcome],
    initial_equity: float,
    risk_free_rate: float = 0.0,
    periods_per_year: int = 252,
) -> PerformanceMetrics:
    """Compute the standard performance set over ``outcomes``, one day being one period.

    Parameters
    ----------
    outcomes
        The simulated days, in any order; they are sorted by date.
    initial_equity
        Equity before the first day, dollars; the first day's return is measured from it.
    risk_free_rate
        Annual risk-free rate as a fraction, for the Sharpe and Sortino ratios.
    periods_per_year
        Periods (days) in a year, for annualising the CAGR and the Sharpe and Sortino ratios.

    Returns
    -------
    PerformanceMetrics
        Ratios that are undefined for these outcomes are ``None``; see ``docs/METRICS.md``.

    Raises
    ------
    ValueError
        If ``initial_equity`` is not a finite number > 0, two outcomes share a day, the equity
        overflows, ``risk_free_rate`` is not finite or ``periods_per_year`` is not > 0.
    """
    _check_rate_args(risk_free_rate, periods_per_year)
    _check_initial_equity(initial_equity)
    ordered = _sorted_by_day(outcomes)
    path = _equity_path(ordered, initial_equity)
    returns = _returns(path)
    depth, duration = max_drawdown(path)
    pnls = np.array([pnl for o in ordered for pnl in o.trade_pnls], dtype=np.float64)
    sharpe: float | None = None
    sortino: float | None = None
    if returns is not None:
        sharpe = sharpe_ratio(
            returns, risk_free_rate=risk_free_rate, periods_per_year=periods_per_year
        )
        sortino = sortino_ratio(
            returns, risk_free_rate=risk_free_rate, periods_per_year=periods_per_year
        )
    session = math.fsum(o.session_seconds for o in ordered)
    exposed = math.fsum(o.exposure_seconds for o in ordered)
    return PerformanceMetrics(
        total_return=float(path[-1] / initial_equity - 1.0),
        cagr=_cagr(path, periods_per_year),
        sharpe=sharpe,
        sortino=sortino,
        max_drawdown=depth,
        max_drawdown_duration=duration,
        profit_factor=_profit_factor(pnls),
        expectancy=float(np.mean(pnls)) if len(pnls) else None,
        sqn=_sqn(pnls),
        exposure=exposed / session if session > 0 else 0.0,
        trade_count=len(pnls),
    )


def _check_initial_equity(initial_equity: float) -> None:
    if not (math.isfinite(initial_equity) and initial_equity > 0):
        raise ValueError(f"initial_equity must be a finite number > 0, was {initial_equity!r}")


def _excess_returns(
    returns: npt.ArrayLike, risk_free_rate: float, periods_per_year: int
) -> FloatArray | None:
    """Returns over the per-period risk-free rate; None when fewer than two."""
    _check_rate_args(risk_free_rate, periods_per_year)
    excess = _series(returns, "returns") - risk_free_rate / periods_per_year
    return excess if len(excess) >= 2 else None


def _check_rate_args(risk_free_rate: float, periods_per_year: int) -> None:
    if not math.isfinite(risk_free_rate):
        raise ValueError(f"risk_free_rate must be finite, was {risk_free_rate!r}")
    if periods_per_year <= 0:
        raise ValueError(f"periods_per_year must be > 0, was {periods_per_year!r}")


def _series(values: npt.ArrayLike, name: str) -> FloatArray:
    series = np.asarray(values, dtype=np.float64)
    if series.ndim != 1:
        raise ValueError(f"{name} must be 1-D, was {series.ndim}-D")
    if not np.all(np.isfinite(series)):
        raise ValueError(f"{name} must all be finite, found {series[~np.isfinite(series)][:3]}")
    return series


def _sorted_by_day(outcomes: Sequence[DayOutcome]) -> list[DayOutcome]:
    ordered = sorted(outcomes, key=lambda o: o.day)
    for before, after in pairwise(ordered):
        if before.day == after.day:
            raise ValueError(f"outcomes must have one entry per day, {after.day} appears twice")
    return ordered


def _equity_path(ordered: Sequence[DayOutcome], initial_equity: float) -> FloatArray:
    # cumsum adds left to right, so each entry is exactly "previous equity + that day's profit".
    steps = np.array([initial_equity] + [o.profit for o in ordered], dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        path = np.cumsum(steps)
    if not np.all(np.isfinite(path)):
        raise ValueError("equity overflowed; profits are too large to add up")
    return path


def _drawdowns(path: FloatArray) -> FloatArray:
    # The running peak is >= path[0] > 0, so the division is safe.
    peaks = np.maximum.accumulate(path)
    drawdowns: FloatArray = (peaks - path) / peaks
    return drawdowns


def _returns(path: FloatArray) -> FloatArray | None:
    # Once equity reaches 0 or below, a return from it has no meaning.
    if np.any(path[:-1] <= 0):
        return None
    returns: FloatArray = path[1:] / path[:-1] - 1.0
    return returns


def _cagr(path: FloatArray, periods_per_year: int) -> float | None:
    periods = len(path) - 1
    final, initial = float(path[-1]), float(path[0])
    if periods < 2 or final <= 0:
        return None
    try:
        return _finite_or_none((final / initial) ** (periods_per_year / periods) - 1.0)
    except OverflowError:  # a growth rate beyond any float (tiny periods, huge gain): undefined
        return None


def _profit_factor(pnls: FloatArray) -> float | None:
    gross_loss = -float(np.sum(pnls[pnls < 0]))
    if gross_loss == 0:
        return None
    return _finite_or_none(float(np.sum(pnls[pnls > 0])) / gross_loss)


def _sqn(pnls: FloatArray) -> float | None:
    if len(pnls) < 2:
        return None
    with np.errstate(over="ignore", invalid="ignore"):
        spread = float(np.std(pnls, ddof=1))
        if _is_zero(spread, pnls):
            return None
        return _finite_or_none(math.sqrt(len(pnls)) * float(np.mean(pnls)) / spread)


def _is_zero(spread: float, values: FloatArray) -> bool:
    return spread <= _ZERO_SPREAD * max(1.0, float(np.max(np.abs(values))))


def _longest_run(flags: npt.NDArray[np.bool_]) -> int:
    longest = current = 0
    for flag in flags:
        current = current + 1 if flag else 0
        longest = max(longest, current)
    return longest


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None
