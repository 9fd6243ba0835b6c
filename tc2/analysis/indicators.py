"""Causal indicators over bar columns: the value at bar *i* uses bars up to and including *i*.

Whole arrays are computed at once (a day of 1-second bars in one numpy call), which is only safe
because every function here is causal: a strategy shown the value at bar *i* learns nothing about
later bars. ``tests/unit/analysis/test_indicators.py`` checks that property by changing the future
and watching the past stay put.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

from tc2.data.bars import FloatArray


def sma(values: FloatArray, period: int) -> FloatArray:
    """Return the simple moving average over ``period`` bars; NaN until ``period`` bars exist.

    Each window is summed on its own (not as a difference of running sums), so the result does
    not drift on long series and matches an exact per-window mean to the last few ulps.

    Raises
    ------
    ValueError
        If ``period`` < 1.
    """
    if period < 1:
        raise ValueError(f"period must be >= 1, was {period}")
    values = np.asarray(values, dtype=np.float64)
    out = np.full(values.shape[0], np.nan)
    if values.shape[0] >= period:
        out[period - 1 :] = sliding_window_view(values, period).sum(axis=1) / period
    return out


Int8Array = npt.NDArray[np.int8]


def regime(fast: FloatArray, slow: FloatArray, *, band: float) -> Int8Array:
    """Return +1 where ``fast`` is above ``slow``, -1 where below, 0 before either, with hysteresis.

    The regime turns +1 when fast > slow x (1 + band) and -1 when fast < slow x (1 - band); in
    between it keeps its last value. A band of a basis point keeps float ties (two averages equal
    to the cent) from flipping the regime on rounding noise.
    """
    with np.errstate(invalid="ignore"):
        up = fast > slow * (1 + band)
        down = fast < slow * (1 - band)
    state = np.where(up, 1, np.where(down, -1, 0)).astype(np.int8)
    decided = np.where(state != 0, np.arange(state.shape[0]), -1)
    if decided.size:
        decided = np.maximum.accumulate(decided)
    return np.where(decided >= 0, state[np.maximum(decided, 0)], 0).astype(np.int8)
