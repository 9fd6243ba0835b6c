"""The benchmark line of an evaluation: buy-and-hold of one symbol, with alpha and beta.

Buy-and-hold puts the evaluation's initial equity into the benchmark at the first regular-hours
open of the first session of the equity curve (fractional shares, no fees) and marks it at each
session's last regular-hours close, so its line starts where the strategy's does and is read
the same way. Its session prices come from the benchmark's minute bars (or its 1-second bars
resampled).

Alpha and beta (``docs/METRICS.md``) regress the strategy's daily returns on the benchmark's,
over the sessions both have (the first session's returns are from the initial equity and the
first open):

- ``beta = cov(r_s, r_b) / var(r_b)`` (ordinary least squares slope);
- ``alpha = 252 x (mean(r_s) - beta x mean(r_b))``: the daily intercept, annualised by simple
  multiplication; returns are not in excess of a risk-free rate.

Both are None with fewer than two common sessions or a benchmark whose returns do not vary.

A benchmark not on file for some sessions is not an error (the evaluation stands on its own):
its line holds its last value over those sessions, the regression leaves them out, and
``warning`` names them; with none on file the line is empty and ``warning`` says why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from tc2.data.session_cache import SessionCache

DEFAULT_BENCHMARK = "SPY"
TRADING_DAYS_PER_YEAR = 252
MISSING_SHOWN = 5  # sessions named in a warning before "and N more"
_FLAT = 1e-12  # a variance this small is rounding noise: beta is undefined


@dataclass(frozen=True, slots=True)
class BenchmarkLine:
    """Buy-and-hold of ``symbol`` over an evaluation's sessions, and the strategy against it."""

    symbol: str
    days: tuple[date, ...]
    equity: tuple[float, ...]  # end-of-session value of the initial equity held in ``symbol``
    total_return: float | None
    alpha: float | None  # annualised, see the module docstring
    beta: float | None
    warning: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "symbol": self.symbol,
            "days": [day.isoformat() for day in self.days],
            "equity": list(self.equity),
            "total_return": self.total_return,
            "alpha": self.alpha,
            "beta": self.beta,
            "warning": self.warning,
        }


def session_prices(
    sessions: SessionCache, symbol: str, days: Sequence[date]
) -> dict[date, tuple[float, float]]:
    """``(first open, last close)`` of each of ``days`` with ``symbol``'s bars on file."""
    prices = {}
    for day in days:
        bars = sessions.minutes(symbol, day)
        if bars is not None and len(bars.t):
            prices[day] = (float(bars.o[0]), float(bars.c[-1]))
    return prices


def benchmark_line(
    *,
    symbol: str,
    days: Sequence[date],
    strategy_equity: Sequence[float],
    initial_equity: float,
    prices: Mapping[date, tuple[float, float]],
) -> BenchmarkLine:
    """Buy-and-hold of ``symbol`` over ``days`` (the strategy's equity curve), alpha and beta.

    ``prices`` holds ``(first open, last close)`` by session; sessions missing from it are
    carried over and named in the warning.
    """
    held = [day for day in days if day in prices]
    missing = [day for day in days if day not in prices]
    if not held:
        warning = (
            f"no bars of benchmark {symbol} on file from {days[0]} to {days[-1]}; "
            "collect or import them to compare"
            if days
            else None
        )
        return BenchmarkLine(
            symbol=symbol,
            days=(),
            equity=(),
            total_return=None,
            alpha=None,
            beta=None,
            warning=warning,
        )
    shares = initial_equity / prices[held[0]][0]
    equity: list[float] = []
    strategy_returns: list[float] = []
    benchmark_returns: list[float] = []
    previous_close: float | None = None
    previous_equity = initial_equity
    for day, value in zip(days, strategy_equity, strict=True):
        price = prices.get(day)
        if price is None:
            equity.append(equity[-1] if equity else initial_equity)
            previous_close = None  # the next session's return would span two: left out
        else:
            before = price[0] if day == held[0] else previous_close
            if before is not None:
                benchmark_returns.append(price[1] / before - 1.0)
                strategy_returns.append(value / previous_equity - 1.0)
            equity.append(shares * price[1])
            previous_close = price[1]
        previous_equity = value
    alpha, beta = alpha_beta(strategy_returns, benchmark_returns)
    return BenchmarkLine(
        symbol=symbol,
        days=tuple(days),
        equity=tuple(equity),
        total_return=equity[-1] / initial_equity - 1.0,
        alpha=alpha,
        beta=beta,
        warning=_missing_warning(symbol, missing),
    )


def alpha_beta(
    strategy_returns: Sequence[float], benchmark_returns: Sequence[float]
) -> tuple[float | None, float | None]:
    """Annualised alpha and beta of daily returns (module docstring); None when undefined."""
    if len(strategy_returns) < 2:
        return None, None
    r_s = np.asarray(strategy_returns, dtype=np.float64)
    r_b = np.asarray(benchmark_returns, dtype=np.float64)
    variance = float(np.mean((r_b - r_b.mean()) ** 2))
    if variance <= _FLAT * max(1.0, float(np.mean(r_b**2))):
        return None, None
    beta = float(np.mean((r_s - r_s.mean()) * (r_b - r_b.mean()))) / variance
    alpha = TRADING_DAYS_PER_YEAR * (float(r_s.mean()) - beta * float(r_b.mean()))
    return alpha, beta


def _missing_warning(symbol: str, missing: Sequence[date]) -> str | None:
    if not missing:
        return None
    named = ", ".join(str(day) for day in missing[:MISSING_SHOWN])
    more = f" and {len(missing) - MISSING_SHOWN} more" if len(missing) > MISSING_SHOWN else ""
    return (
        f"benchmark {symbol} has no bars on file for {len(missing)} of the sessions "
        f"({named}{more}); its line holds its last value there and alpha and beta leave them out"
    )
