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


def ema(values: FloatArray, period: int) -> FloatArray:
    """Return the exponential moving average (alpha = 2 / (period + 1)); NaN for the first bars.

    The first value, at bar ``period - 1``, is the SMA of the first ``period`` values; seeding
    with the first value instead would make the start depend on one bar's noise.

    Raises
    ------
    ValueError
        If ``period`` < 1.
    """
    _check_period(period)
    return _smoothed(np.asarray(values, dtype=np.float64), period, 2.0 / (period + 1))


def rsi(values: FloatArray, period: int = 14) -> FloatArray:
    """Return Wilder's relative strength index (0..100); NaN until ``period`` changes exist.

    Average gain and average loss are Wilder-smoothed (alpha = 1 / period), each seeded with the
    mean of the first ``period`` changes, so the first value is at bar ``period``. A window with
    no movement at all (both averages zero) is 50: it has no direction, and 100 would read as
    a strong up-move.

    Raises
    ------
    ValueError
        If ``period`` < 1.
    """
    _check_period(period)
    values = np.asarray(values, dtype=np.float64)
    changes = np.diff(values)
    gain = _smoothed(np.maximum(changes, 0.0), period, 1.0 / period)
    loss = _smoothed(np.maximum(-changes, 0.0), period, 1.0 / period)
    total = gain + loss
    # 100 x G / (G + L) is 100 - 100 / (1 + G / L) without a division by a zero loss.
    with np.errstate(invalid="ignore", divide="ignore"):
        strength = 100.0 * gain / total
    strength[total == 0.0] = 50.0
    # Change j is bar j + 1 minus bar j, so bar 0 (no change yet) stays NaN.
    out = np.full(values.shape[0], np.nan)
    out[1:] = strength
    return out


def true_range(high: FloatArray, low: FloatArray, close: FloatArray) -> FloatArray:
    """Return the true range: the bar's range stretched to include the previous close.

    The first bar has no previous close, so its true range is its high minus its low (as in
    Wilder's and StockCharts' tables) rather than NaN, which lets ``atr`` use it.

    Raises
    ------
    ValueError
        If the columns differ in length.
    """
    high, low, close = _columns(high, low, close)
    out = high - low
    prev_close = close[:-1]
    out[1:] = np.maximum.reduce(
        [out[1:], np.abs(high[1:] - prev_close), np.abs(low[1:] - prev_close)]
    )
    return out


def atr(high: FloatArray, low: FloatArray, close: FloatArray, period: int = 14) -> FloatArray:
    """Return Wilder's average true range; NaN until ``period`` bars exist.

    The first value, at bar ``period - 1``, is the mean of the first ``period`` true ranges;
    after that each bar moves it 1 / ``period`` of the way to the bar's true range.

    Raises
    ------
    ValueError
        If ``period`` < 1 or the columns differ in length.
    """
    _check_period(period)
    return _smoothed(true_range(high, low, close), period, 1.0 / period)


def bollinger(
    values: FloatArray, period: int = 20, k: float = 2.0
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Return Bollinger bands (middle, upper, lower); NaN until ``period`` bars exist.

    The middle band is the SMA; the outer bands are ``k`` population standard deviations (ddof
    0, Bollinger's own definition) of the same window away from it.

    Raises
    ------
    ValueError
        If ``period`` < 1 or ``k`` < 0.
    """
    _check_period(period)
    if not k >= 0:  # written so that a NaN k is refused too
        raise ValueError(f"k must be >= 0, was {k}")
    values = np.asarray(values, dtype=np.float64)
    middle = sma(values, period)
    width = np.full(values.shape[0], np.nan)
    if values.shape[0] >= period:
        width[period - 1 :] = k * sliding_window_view(values, period).std(axis=1)
    return middle, middle + width, middle - width


def macd(
    values: FloatArray, fast: int = 12, slow: int = 26, signal: int = 9
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Return (MACD line, signal line, histogram) from SMA-seeded EMAs.

    The line (EMA ``fast`` minus EMA ``slow``) starts once both averages exist, at bar
    ``max(fast, slow) - 1``; the signal line is the EMA ``signal`` of the line from there, so it
    starts ``signal - 1`` bars later. The histogram is the line minus the signal line.

    Raises
    ------
    ValueError
        If a period is < 1.
    """
    values = np.asarray(values, dtype=np.float64)
    line = ema(values, fast) - ema(values, slow)
    start = max(fast, slow) - 1
    signal_line = np.full(values.shape[0], np.nan)
    # The signal EMA is seeded from the line's first defined values, not from its NaN warm-up.
    signal_line[start:] = ema(line[start:], signal)
    return line, signal_line, line - signal_line


def vwap(high: FloatArray, low: FloatArray, close: FloatArray, volume: FloatArray) -> FloatArray:
    """Return the cumulative volume-weighted typical price (high + low + close) / 3.

    The average runs from the first bar given, so pass one session's bars for a session VWAP.
    It is NaN until some volume has traded (there is nothing to weight before that).

    Raises
    ------
    ValueError
        If the columns differ in length.
    """
    high, low, close, volume = _columns(high, low, close, volume)
    traded = np.cumsum(volume)
    weighted = np.cumsum((high + low + close) / 3.0 * volume)
    out = np.full(high.shape[0], np.nan)
    np.divide(weighted, traded, out=out, where=traded > 0)
    return out


def _check_period(period: int) -> None:
    if period < 1:
        raise ValueError(f"period must be >= 1, was {period}")


def _columns(*columns: FloatArray) -> list[FloatArray]:
    arrays = [np.asarray(column, dtype=np.float64) for column in columns]
    if len({array.shape for array in arrays}) > 1:
        shapes = ", ".join(str(array.shape[0]) for array in arrays)
        raise ValueError(f"columns must have the same length, were {shapes}")
    return arrays


def _smoothed(values: FloatArray, period: int, alpha: float) -> FloatArray:
    """Return the recursive average seeded at bar ``period - 1`` with the SMA of the first bars.

    Each later value moves ``alpha`` of the way to the new input (EMA: 2 / (period + 1), Wilder:
    1 / period). A plain loop: the recursion does not vectorise in numpy, and the closed form
    through powers of (1 - alpha) underflows on a long series. A NaN input makes every later
    value NaN, as it should: the average after a missing bar is unknown.
    """
    out = np.full(values.shape[0], np.nan)
    if values.shape[0] < period:
        return out
    level = float(values[:period].sum()) / period
    levels = [level]
    for value in values[period:].tolist():
        level += alpha * (value - level)
        levels.append(level)
    out[period - 1 :] = levels
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
