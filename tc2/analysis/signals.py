"""Signals a strategy can be woken by, computed by the engine so they are causal by construction.

A strategy that wants to sleep until, say, a moving-average crossover does not get the crossover
array (it would see the future); it hands the engine a spec such as
``CrossAbove(Sma(10), Sma(30), band=0.0001)``. The engine computes the whole array with
``compute`` (causal functions only), finds the next bar where it fires with a search, and shows
the strategy only values of bars that have ended. Specs are frozen and hashable, so each is
computed once per symbol and run. A strategy may write its own ``Series`` or ``Signal``; the
simulator never hands such user code a bar that has not ended, and refuses one whose past values
change as bars arrive (``tc2.simulation.causal``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from tc2.analysis.indicators import regime, sma
from tc2.data.bars import FloatArray
from tc2.data.search import BoolArray
from tc2.data.store import BarSeries

PRICE_COLUMNS = ("o", "h", "l", "c", "v")


class Series(ABC):
    """A causal per-bar number (a price column or an indicator of one)."""

    @abstractmethod
    def compute(self, bars: BarSeries) -> FloatArray:
        """Return one value per bar of ``bars``; value *i* depends on bars 0..*i* only."""


Memo = dict[object, np.ndarray]
"""Arrays already computed on one series of bars, shared by the signals built on them."""


class Signal(ABC):
    """A causal per-bar event; the strategy is woken at the end of each bar where it fires."""

    @abstractmethod
    def compute(self, bars: BarSeries, memo: Memo | None = None) -> BoolArray:
        """Return whether the signal fires at each bar of ``bars``, from bars 0..*i* only.

        ``memo`` (for the same ``bars`` only) lets signals share what they compute: a cross
        above and a cross below of the same averages compute those averages once.
        """


@dataclass(frozen=True, slots=True)
class Price(Series):
    """One bar column: ``o``, ``h``, ``l``, ``c`` or ``v``."""

    column: str = "c"

    def __post_init__(self) -> None:
        if self.column not in PRICE_COLUMNS:
            raise ValueError(f"column must be one of {PRICE_COLUMNS}, was {self.column!r}")

    def compute(self, bars: BarSeries) -> FloatArray:
        return np.asarray(getattr(bars, self.column), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class Sma(Series):
    """Simple moving average of a column over ``period`` bars (NaN until it has them)."""

    period: int
    column: str = "c"

    def __post_init__(self) -> None:
        if self.period < 1:
            raise ValueError(f"Sma period must be >= 1, was {self.period}")
        Price(self.column)

    def compute(self, bars: BarSeries) -> FloatArray:
        return sma(Price(self.column).compute(bars), self.period)


@dataclass(frozen=True, slots=True)
class CrossAbove(Signal):
    """Fires where ``fast`` turns above ``slow`` by more than ``band`` (a fraction of ``slow``).

    Uses ``regime``'s hysteresis: after a cross above, the next one needs a cross below first.
    """

    fast: Series
    slow: Series
    band: float = 0.0

    def compute(self, bars: BarSeries, memo: Memo | None = None) -> BoolArray:
        return _turns(_regime(self.fast, self.slow, self.band, bars, memo), 1)


@dataclass(frozen=True, slots=True)
class CrossBelow(Signal):
    """Fires where ``fast`` turns below ``slow`` by more than ``band`` (see ``CrossAbove``)."""

    fast: Series
    slow: Series
    band: float = 0.0

    def compute(self, bars: BarSeries, memo: Memo | None = None) -> BoolArray:
        return _turns(_regime(self.fast, self.slow, self.band, bars, memo), -1)


def _regime(
    fast: Series, slow: Series, band: float, bars: BarSeries, memo: Memo | None
) -> np.ndarray:
    if not 0 <= band < 1:
        raise ValueError(f"band must be in [0, 1), was {band}")
    memo = {} if memo is None else memo
    key = ("regime", fast, slow, band)
    if key not in memo:
        memo[key] = regime(_values(fast, bars, memo), _values(slow, bars, memo), band=band)
    return memo[key]


def _values(series: Series, bars: BarSeries, memo: Memo) -> FloatArray:
    if series not in memo:
        memo[series] = series.compute(bars)
    return memo[series]


def _turns(states: np.ndarray, to: int) -> BoolArray:
    previous = np.concatenate(([0], states[:-1])) if states.size else states
    return np.asarray((states == to) & (previous != to), dtype=np.bool_)
