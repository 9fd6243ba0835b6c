"""Indicators and signals are causal: changing later bars never changes an earlier value."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tc2.analysis.indicators import regime, sma
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
