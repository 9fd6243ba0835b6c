"""Indicators and signals are causal: changing later bars never changes an earlier value."""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tc2.analysis.indicators import atr, bollinger, ema, macd, regime, rsi, sma, true_range, vwap
from tc2.analysis.signals import CrossAbove, CrossBelow, Price, Sma
from tc2.data.bars import Resolution
from tc2.data.store import BarSeries


def _bars(closes: np.ndarray) -> BarSeries:
    t = np.arange(closes.shape[0], dtype=np.int64) * 60
    return BarSeries(
        symbol="XYZ",
        resolution=Resolution.MINUTE,
        t=t,
        o=closes,
        h=closes + 0.05,
        l=closes - 0.05,
        c=closes,
        v=np.full(closes.shape[0], 100.0),
    )


Columns = dict[str, np.ndarray]


def _ohlcv(rng: np.random.Generator, n: int, level: float, step: float) -> Columns:
    close = level + np.cumsum(rng.normal(0, step, n))
    return {
        "h": close + rng.uniform(0, 2 * step, n),
        "l": close - rng.uniform(0, 2 * step, n),
        "c": close,
        "v": rng.integers(100, 10_000, n).astype(np.float64),
    }


CAUSAL_INDICATORS: dict[str, Callable[[Columns], tuple[np.ndarray, ...]]] = {
    "ema": lambda bars: (ema(bars["c"], 10),),
    "rsi": lambda bars: (rsi(bars["c"], 14),),
    "true_range": lambda bars: (true_range(bars["h"], bars["l"], bars["c"]),),
    "atr": lambda bars: (atr(bars["h"], bars["l"], bars["c"], 14),),
    "bollinger": lambda bars: bollinger(bars["c"], 20, 2.0),
    "macd": lambda bars: macd(bars["c"], 12, 26, 9),
    "vwap": lambda bars: (vwap(bars["h"], bars["l"], bars["c"], bars["v"]),),
}


INDICATORS = Path(__file__).resolve().parents[4] / "shared" / "data" / "indicators"
"""Expected values published by other projects (``shared/data/SOURCES.md``, "indicators/")."""


def _reference(name: str, *columns: str) -> list[np.ndarray]:
    """Return the named columns of a reference file as float arrays; a blank cell is NaN."""
    with (INDICATORS / name).open(newline="") as file:
        rows = list(csv.DictReader(file))
    assert rows, name
    return [
        np.array([float(row[column]) if row[column].strip() else np.nan for row in rows])
        for column in columns
    ]


def _assert_matches(
    result: np.ndarray, expected: np.ndarray, *, same_warmup: bool = True, **tolerance: float
) -> None:
    """Compare every row from the reference's first value on (its blank rows only lead).

    ``same_warmup`` also checks that ``result`` is NaN exactly on the reference's blank rows;
    turn it off where the reference leaves rows blank that the indicator already defines.
    """
    defined = ~np.isnan(expected)
    first = int(np.argmax(defined))
    assert defined.any() and defined[first:].all()
    if same_warmup:
        assert np.isnan(result[:first]).all()
    assert result[first:] == pytest.approx(expected[first:], **tolerance)


class SmaTests:
    def test_values_by_hand(self) -> None:
        result = sma(np.array([1.0, 2.0, 3.0, 4.0, 6.0]), 3)

        assert math.isnan(result[0]) and math.isnan(result[1])
        assert result[2:].tolist() == [2.0, 3.0, 13 / 3]

    def test_no_drift_on_a_long_series(self) -> None:
        values = np.full(1_000_000, 130.17)

        assert np.all(sma(values, 30)[29:] == sma(values[:30], 30)[29])

    def test_period_must_be_positive(self) -> None:
        with pytest.raises(ValueError, match="period must be >= 1, was 0"):
            sma(np.ones(3), 0)


class RegimeTests:
    def test_hysteresis_keeps_the_last_side_inside_the_band(self) -> None:
        slow = np.full(6, 100.0)
        fast = np.array([np.nan, 100.0, 100.5, 100.005, 99.0, 100.005])

        assert regime(fast, slow, band=0.001).tolist() == [0, 0, 1, 1, -1, -1]


class EmaTests:
    def test_matches_lean(self) -> None:
        close, expected = _reference("lean/spy_ema.csv", "close", "EMA14")

        _assert_matches(ema(close, 14), expected, rel=1e-12)

    def test_matches_pyalgotrade(self) -> None:
        """The first value (bar 9) is the SMA of the first ten inputs: the SMA seed."""
        values, expected = _reference("pyalgotrade/sc-ema-10.csv", "Input", "Expected")

        _assert_matches(ema(values, 10), expected, abs=1e-5)

    def test_values_by_hand(self) -> None:
        result = ema(np.array([1.0, 2.0, 3.0, 6.0, 2.0]), 3)

        assert np.isnan(result[:2]).all()
        assert result[2:].tolist() == [2.0, 4.0, 3.0]

    def test_period_must_be_positive(self) -> None:
        with pytest.raises(ValueError, match="period must be >= 1, was 0"):
            ema(np.ones(3), 0)


class RsiTests:
    def test_matches_pyalgotrade(self) -> None:
        """Wilder's own example: 70.53 at bar 14.

        ``ta/cs-rsi.csv`` has the same closes but follows the ta library's own smoothing (71.86
        at bar 14), not Wilder's, so it is not used.
        """
        values, expected = _reference("pyalgotrade/rsi-test.csv", "Input", "Expected")

        _assert_matches(rsi(values, 14), expected, abs=1e-7)

    def test_matches_lean_wilder(self) -> None:
        """Lean's "RSI 14 Wilder" column; its "RSI 14" column uses simple averages instead."""
        close, expected = _reference("lean/spy_with_indicators.txt", "Close", "RSI 14 Wilder")

        _assert_matches(rsi(close, 14), expected, abs=1e-5)

    def test_one_sided_and_flat_windows(self) -> None:
        assert rsi(np.arange(6.0), 3)[3:].tolist() == [100.0, 100.0, 100.0]
        assert rsi(-np.arange(6.0), 3)[3:].tolist() == [0.0, 0.0, 0.0]
        assert rsi(np.full(6, 7.0), 3)[3:].tolist() == [50.0, 50.0, 50.0]

    def test_period_must_be_positive(self) -> None:
        with pytest.raises(ValueError, match="period must be >= 1, was 0"):
            rsi(np.ones(3), 0)


class TrueRangeTests:
    def test_matches_lean(self) -> None:
        """Lean leaves the first bar blank (no previous close); the rest must match."""
        high, low, close, expected = _reference("lean/spy_tr.txt", "High", "Low", "Close", "TR")

        result = true_range(high, low, close)

        _assert_matches(result, expected, same_warmup=False, rel=1e-12)
        assert result[0] == high[0] - low[0]

    def test_matches_ta_including_the_first_bar(self) -> None:
        high, low, close, expected = _reference("ta/cs-atr.csv", "High", "Low", "Close", "TR")

        _assert_matches(true_range(high, low, close), expected, rel=1e-12)

    def test_gaps_stretch_the_range(self) -> None:
        high = np.array([10.0, 12.0, 8.0])
        low = np.array([9.0, 11.5, 7.0])
        close = np.array([9.5, 11.75, 7.5])

        assert true_range(high, low, close).tolist() == [1.0, 2.5, 4.75]

    def test_columns_must_have_the_same_length(self) -> None:
        with pytest.raises(ValueError, match="columns must have the same length, were 3, 3, 2"):
            true_range(np.ones(3), np.ones(3), np.ones(2))


class AtrTests:
    def test_matches_lean_wilder(self) -> None:
        high, low, close, expected = _reference(
            "lean/spy_atr_wilder.txt", "High", "Low", "Close", "Average True Range 14"
        )

        _assert_matches(atr(high, low, close, 14), expected, abs=1e-5)

    @pytest.mark.parametrize(("name", "period"), [("ta/cs-atr.csv", 14), ("ta/cs-atr2.csv", 10)])
    def test_matches_ta(self, name: str, period: int) -> None:
        """ta writes 0 on the rows before the first ATR; those zeros mean "no value yet"."""
        high, low, close, expected = _reference(name, "High", "Low", "Close", "ATR")
        assert not expected[: period - 1].any()
        expected[: period - 1] = np.nan

        _assert_matches(atr(high, low, close, period), expected, rel=1e-9)

    def test_period_must_be_positive(self) -> None:
        with pytest.raises(ValueError, match="period must be >= 1, was 0"):
            atr(np.ones(3), np.ones(3), np.ones(3), 0)


class BollingerTests:
    BANDS = ("Moving Average 20", "Bollinger Bands® 20 2 Top", "Bollinger Bands® 20 2 Bottom")

    def test_matches_lean(self) -> None:
        close, *expected = _reference("lean/spy_bollinger_bands.txt", "Close", *self.BANDS)

        for result, band in zip(bollinger(close, 20, 2.0), expected, strict=True):
            _assert_matches(result, band, abs=1e-4)

    def test_matches_ta(self) -> None:
        close, *expected = _reference(
            "ta/cs-bbands.csv", "Close", "MiddleBand", "HighBand", "LowBand"
        )

        for result, band in zip(bollinger(close, 20, 2.0), expected, strict=True):
            _assert_matches(result, band, abs=1e-6)

    def test_population_standard_deviation(self) -> None:
        middle, upper, lower = bollinger(np.array([1.0, 3.0, 1.0, 3.0]), 2, 1.5)

        assert np.isnan(middle[0]) and np.isnan(upper[0]) and np.isnan(lower[0])
        assert middle[1:].tolist() == [2.0, 2.0, 2.0]
        assert upper[1:].tolist() == [3.5, 3.5, 3.5]
        assert lower[1:].tolist() == [0.5, 0.5, 0.5]

    def test_k_must_not_be_negative(self) -> None:
        with pytest.raises(ValueError, match=r"k must be >= 0, was -1\.0"):
            bollinger(np.ones(3), 2, -1.0)


class MacdTests:
    def test_matches_lean(self) -> None:
        """Lean's file is blank before 2003-01 although the line exists from bar 25; from there
        on all three columns match an EMA run from the first bar.

        ``ta/cs-macd.csv`` seeds its EMAs with the first close instead of an SMA, so it is not
        used.
        """
        close, *expected = _reference(
            "lean/spy_with_macd.txt", "Close", "MACD", "Signal", "Histogram"
        )

        for result, column in zip(macd(close, 12, 26, 9), expected, strict=True):
            _assert_matches(result, column, same_warmup=False, rel=1e-6, abs=1e-5)

    def test_the_line_and_signal_start_after_their_averages(self) -> None:
        closes = 100 + np.cumsum(np.random.default_rng(5).normal(0, 1, 60))

        line, signal, histogram = macd(closes, 12, 26, 9)

        assert np.isnan(line[:25]).all() and not np.isnan(line[25:]).any()
        assert np.isnan(signal[:33]).all() and not np.isnan(signal[33:]).any()
        assert line[25:].tolist() == pytest.approx((ema(closes, 12) - ema(closes, 26))[25:])
        assert signal[33] == pytest.approx(line[25:34].mean())
        assert np.array_equal(histogram, line - signal, equal_nan=True)


class VwapTests:
    def test_matches_ta_over_each_window(self) -> None:
        """ta's VWAP is a rolling 14-bar one, so each row is the cumulative VWAP of the 14 bars
        that end there (of all bars so far for the first 13 rows).

        ``lean/spy_with_vwap.txt`` weights (open + high + low + close) / 4 over 50 bars, not the
        typical price, so it is not used.
        """
        high, low, close, volume, expected = _reference(
            "ta/cs-vwap.csv", "High", "Low", "Close", "Volume", "vwap"
        )
        starts = [max(0, end - 13) for end in range(expected.shape[0])]

        result = np.array(
            [
                vwap(high[s : e + 1], low[s : e + 1], close[s : e + 1], volume[s : e + 1])[-1]
                for e, s in enumerate(starts)
            ]
        )

        _assert_matches(result, expected, rel=1e-12)
        assert vwap(high, low, close, volume)[:14] == pytest.approx(expected[:14], rel=1e-12)

    def test_nan_until_volume_trades(self) -> None:
        result = vwap(np.full(3, 11.0), np.full(3, 8.0), np.full(3, 8.0), np.array([0, 2, 1.0]))

        assert math.isnan(result[0])
        assert result[1:].tolist() == [9.0, 9.0]


class CausalityTests:
    @pytest.mark.parametrize(
        "signal",
        [
            CrossAbove(Sma(5), Sma(13), 0.0001),
            CrossBelow(Sma(5), Sma(13), 0.0001),
            CrossAbove(Price("c"), Sma(8)),
        ],
        ids=["cross_above", "cross_below", "price_above_sma"],
    )
    def test_the_future_does_not_change_the_past(self, signal: CrossAbove) -> None:
        rng = np.random.default_rng(11)
        closes = 100 + np.cumsum(rng.normal(0, 0.1, 2_000))
        full = signal.compute(_bars(closes))
        assert full.sum() > 10  # the signal fires often enough for the check to mean something

        for cut in (50, 400, 1_337, 1_999):
            changed = closes.copy()
            changed[cut:] = 100 + np.cumsum(rng.normal(0, 0.5, closes.shape[0] - cut))
            assert np.array_equal(signal.compute(_bars(changed))[:cut], full[:cut])
            assert np.array_equal(signal.compute(_bars(closes[:cut])), full[:cut])

    @pytest.mark.parametrize("indicator", CAUSAL_INDICATORS.values(), ids=CAUSAL_INDICATORS.keys())
    def test_the_future_does_not_change_an_indicator_past(
        self, indicator: Callable[[Columns], tuple[np.ndarray, ...]]
    ) -> None:
        rng = np.random.default_rng(11)
        bars = _ohlcv(rng, 2_000, 100.0, 0.1)
        full = indicator(bars)
        assert not any(np.isnan(output[-1]) for output in full)

        for cut in (20, 50, 400, 1_337, 1_999):
            changed = {name: column.copy() for name, column in bars.items()}
            for name, future in _ohlcv(rng, 2_000 - cut, 150.0, 0.5).items():
                changed[name][cut:] = future
            shown = indicator(changed)
            cut_off = indicator({name: column[:cut] for name, column in bars.items()})
            for before, after, short in zip(full, shown, cut_off, strict=True):
                assert not np.allclose(after[cut:], before[cut:], equal_nan=True)  # it did change
                assert np.array_equal(after[:cut], before[:cut], equal_nan=True)
                assert np.array_equal(short, before[:cut], equal_nan=True)

    def test_a_shared_memo_gives_the_same_answer(self) -> None:
        closes = 100 + np.cumsum(np.random.default_rng(3).normal(0, 0.1, 500))
        bars = _bars(closes)
        memo: dict[object, np.ndarray] = {}

        up = CrossAbove(Sma(5), Sma(13)).compute(bars, memo)
        down = CrossBelow(Sma(5), Sma(13)).compute(bars, memo)

        assert np.array_equal(up, CrossAbove(Sma(5), Sma(13)).compute(bars))
        assert np.array_equal(down, CrossBelow(Sma(5), Sma(13)).compute(bars))
        assert not np.any(up & down)
        assert Sma(5) in memo and Sma(13) in memo
