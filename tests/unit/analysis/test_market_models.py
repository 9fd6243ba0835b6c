"""OSCILLATION and LS_FAVOR on hand-built SPY seconds and SPXL / SPXS minutes in a real store."""

from __future__ import annotations

import json
from datetime import date, time
from pathlib import Path

import numpy as np
import pytest

from tc2.analysis.grades import Grade, ModelGrade
from tc2.analysis.market_models import (
    LEGS_DISAGREE_MESSAGE,
    NOT_SP500_MESSAGE,
    NOT_SPY_MESSAGE,
    LongShortFavor,
    LsFavorModel,
    OscillationModel,
    fit_sine,
    linear_fit,
    turning_points,
)
from tc2.analysis.spot import ModelData
from tc2.data.bars import FloatArray, IntArray, Resolution, SymbolDay
from tc2.data.price_stores import price_store_for
from tc2.data.store import BarSeries, PriceStore
from tc2.env import EnvType, MarketCalendar
from tc2.env.market_calendar import new_york_epoch

DAY = date(2024, 7, 1)  # a Monday, a full session
NOW = new_york_epoch(DAY, time(11, 0))
WINDOW_START = NOW - 360  # OSCILLATION's window: [NOW - 360, NOW)
SECONDS_FROM = NOW - 600  # the SPY seconds on file start here and run past NOW
X = np.arange(840.0) - 240  # each second on file, counted from the window's start
MINUTE_END = NOW  # LS_FAVOR's windows end here (now is 11:00:30, rounded down to the minute)
MINUTES_FROM = MINUTE_END - 30 * 60
STEP_NAMES = [
    "range wide enough",
    "prices inside the range",
    "no breakout",
    "no trend",
    "turns both ways",
    "sine fitted",
    "two peaks",
    "amplitude",
    "close fit",
]


@pytest.fixture(scope="module")
def calendar() -> MarketCalendar:
    return MarketCalendar.xnys()


@pytest.fixture
def store(tmp_path: Path) -> PriceStore:
    return price_store_for(EnvType.LIVE, data_dir=tmp_path)


def bars_of(symbol: str, resolution: Resolution, t: IntArray, closes: FloatArray) -> SymbolDay:
    """Bars closing at ``closes``, each opening at the previous close (the first at its own)."""
    o = np.concatenate([closes[:1], closes[:-1]])
    return SymbolDay(
        symbol=symbol,
        day=DAY,
        resolution=resolution,
        t=t,
        o=o,
        h=np.maximum(o, closes),
        l=np.minimum(o, closes),
        c=closes,
        v=np.full(closes.size, 100.0),
    )


def spy_seconds(closes: FloatArray, *, every: int = 1) -> SymbolDay:
    """SPY's seconds from 10:50:00 on, closing at ``closes`` (one per second, taken every
    ``every`` seconds)."""
    t = SECONDS_FROM + np.arange(closes.size, dtype=np.int64)
    return bars_of("SPY", Resolution.SECOND, t[::every], closes[::every])


def sine(period: float, *, phase: float = 0.3) -> FloatArray:
    """A clean wave of +-0.2 around 500 over the seconds on file."""
    return 500 + 0.2 * np.sin(2 * np.pi * X / period + phase)


def minute_series(closes: FloatArray, *, highs: FloatArray | None = None) -> BarSeries:
    bars = bars_of("SPXL", Resolution.MINUTE, MINUTES_FROM + 60 * np.arange(closes.size), closes)
    return BarSeries(
        symbol="SPXL",
        resolution=Resolution.MINUTE,
        t=bars.t,
        o=bars.o,
        h=bars.h if highs is None else highs,
        l=bars.l,
        c=bars.c,
        v=bars.v,
    )


def model_data(store: PriceStore, calendar: MarketCalendar, now_t: int = NOW) -> ModelData:
    return ModelData(store=store, calendar=calendar, day=DAY, now_t=now_t)


def oscillation(store: PriceStore, calendar: MarketCalendar, closes: FloatArray) -> ModelGrade:
    store.save_day(spy_seconds(closes))
    return OscillationModel().evaluate("SPY", model_data(store, calendar))


class OscillationTests:
    def test_a_clean_sine_passes_with_its_period(
        self, store: PriceStore, calendar: MarketCalendar
    ) -> None:
        grade = oscillation(store, calendar, sine(period=90))

        assert grade.grade is Grade.PASS, grade.reason
        output = grade.output
        assert output["status"] == "OSCILLATING"
        assert output["value"] == pytest.approx(1.0, abs=1e-6)
        assert [step["step"] for step in output["steps"]] == STEP_NAMES
        assert all(step["passed"] for step in output["steps"])
        figures = {key: value for step in output["steps"] for key, value in step.items()}
        assert figures["period"] == pytest.approx(90.0, rel=1e-6)
        assert figures["peaks"] == pytest.approx(4.0, rel=1e-6)
        assert figures["amplitude"] == pytest.approx(0.2, rel=1e-6)  # dollars
        assert output["window"] == {"start_t": WINDOW_START, "end_t": NOW, "seconds": 360}
        assert json.loads(json.dumps(output)) == output  # JSON-ready for the panel

    def test_a_rise_under_the_swings_fails_the_trend_rule(
        self, store: PriceStore, calendar: MarketCalendar
    ) -> None:
        # Up 0.72 over the window under swings of +-0.2; the window ends in a dip, inside the range.
        grade = oscillation(store, calendar, sine(period=90, phase=0.0) + 0.002 * X)

        assert grade.grade is Grade.FAIL
        assert grade.reason == "not oscillating: no trend failed, trend 71% of the range > 50%"
        assert grade.output["steps"][-1]["trend"] > 0.5
        assert grade.output["value"] is None

    def test_a_ramp_breaks_out_of_its_range(
        self, store: PriceStore, calendar: MarketCalendar
    ) -> None:
        grade = oscillation(store, calendar, 500 + 0.002 * X)

        assert grade.grade is Grade.FAIL
        assert grade.reason.startswith("not oscillating: no breakout failed, latest median close")
        assert "above the range" in grade.reason

    def test_a_flat_price_fails_the_range_rule(
        self, store: PriceStore, calendar: MarketCalendar
    ) -> None:
        grade = oscillation(store, calendar, np.full(840, 500.0))

        assert grade.grade is Grade.FAIL
        assert grade.reason == (
            "not oscillating: range wide enough failed, range 0.0000% of price < 0.032%"
        )

    def test_a_slow_wave_has_too_few_peaks(
        self, store: PriceStore, calendar: MarketCalendar
    ) -> None:
        grade = oscillation(store, calendar, sine(period=200, phase=1.0))

        assert grade.grade is Grade.FAIL
        assert (
            grade.reason == "not oscillating: two peaks failed, 1.80 cycles in 360 s (at least 2)"
        )
        assert grade.output["steps"][-1]["period"] == pytest.approx(200.0, rel=1e-6)

    def test_noise_without_a_wave_fails_on_the_amplitude(
        self, store: PriceStore, calendar: MarketCalendar
    ) -> None:
        noise = 500 + np.random.default_rng(7).normal(0.0, 0.1, 840)

        grade = oscillation(store, calendar, noise)

        assert grade.grade is Grade.FAIL
        assert grade.reason.startswith("not oscillating: amplitude failed, the sine covers")

    def test_a_value_below_the_pass_line_fails_and_is_shown(
        self, store: PriceStore, calendar: MarketCalendar
    ) -> None:
        class Strict(OscillationModel):
            PASSING_VALUE = 1.01

        store.save_day(spy_seconds(sine(period=90)))

        grade = Strict().evaluate("SPY", model_data(store, calendar))

        assert grade.grade is Grade.FAIL
        assert grade.reason == "not oscillating: close fit failed, value 1.000 < 1.01"
        assert grade.output["value"] == pytest.approx(1.0, abs=1e-6)

    def test_a_fit_that_runs_out_of_evaluations_fails(
        self, store: PriceStore, calendar: MarketCalendar
    ) -> None:
        class Hasty(OscillationModel):
            MAX_FIT_EVALUATIONS = 1

        store.save_day(spy_seconds(sine(period=90)))

        grade = Hasty().evaluate("SPY", model_data(store, calendar))

        assert grade.grade is Grade.FAIL
        assert grade.reason == "not oscillating: sine fitted failed, curve_fit found no sine"

    def test_too_few_seconds_fail_with_the_count(
        self, store: PriceStore, calendar: MarketCalendar
    ) -> None:
        store.save_day(spy_seconds(sine(period=90), every=2))

        grade = OscillationModel().evaluate("SPY", model_data(store, calendar))

        assert grade.grade is Grade.FAIL and grade.output is None
        assert grade.reason == (
            "OSCILLATION needs 300 1-second bars of SPY in the 360 s before "
            "2024-07-01 11:00:00, found 180"
        )

    def test_other_symbols_fail(self, store: PriceStore, calendar: MarketCalendar) -> None:
        grade = OscillationModel().evaluate("QQQ", model_data(store, calendar))

        assert grade.grade is Grade.FAIL and grade.reason == NOT_SPY_MESSAGE

    def test_seconds_after_now_change_nothing(
        self, tmp_path: Path, calendar: MarketCalendar
    ) -> None:
        stores = [price_store_for(EnvType.LIVE, data_dir=tmp_path / name) for name in "ab"]
        stores[0].save_day(spy_seconds(sine(period=90)))
        # The same past; from NOW on (bars ending after now) the price crashes.
        stores[1].save_day(spy_seconds(np.where(X >= 360, 450.0, sine(period=90))))

        first, second = (
            OscillationModel().evaluate("SPY", model_data(store, calendar)) for store in stores
        )

        assert first.grade is second.grade is Grade.PASS
        assert first.output == second.output


class OscillationPartsTests:
    def test_linear_fit_gives_the_slope_and_r_squared(self) -> None:
        slope, r_squared = linear_fit(np.arange(4.0), np.array([100.0, 101.0, 101.0, 102.0]))

        # dx = -1.5 .. 1.5, dy = -1, 0, 0, 1: slope 3 / 5; residuals +-0.1, +-0.3 of SS 2.
        assert slope == pytest.approx(0.6) and r_squared == pytest.approx(0.9)
        assert linear_fit(np.arange(3.0), np.full(3, 5.0)) == (0.0, 0.0)

    def test_turning_points_are_turns_merged_inside_the_window(self) -> None:
        x = np.arange(60.0)
        prices = np.zeros(60)
        prices[20:22] = -1.0  # a turn that lingers two seconds: one turn, the earlier second
        prices[40] = 1.0  # a peak; the flat ground at its foot is no minimum
        prices[2] = -2.0  # too near the edge to be judged

        minima, maxima = turning_points(x, prices, half_window=4, period=60, share=0.97)

        assert minima == [20] and maxima == [40]

    def test_a_flat_stretch_is_no_turn(self) -> None:
        minima, maxima = turning_points(
            np.arange(30.0), np.zeros(30), half_window=4, period=30, share=0.97
        )

        assert minima == [] and maxima == []

    def test_fit_sine_recovers_a_wave(self) -> None:
        x = np.arange(360.0)

        fit = fit_sine(
            x,
            0.4 * np.sin(2 * np.pi * x / 72 - 1.0) + 0.1,
            period=360,
            max_evaluations=2000,
            min_period=2.0,
        )

        assert fit is not None
        assert fit.amplitude == pytest.approx(0.4) and 1 / fit.frequency == pytest.approx(72.0)
        assert fit.phase == pytest.approx(-1.0) and fit.offset == pytest.approx(0.1)


def ramp(*knots: tuple[int, float]) -> FloatArray:
    """Closes of the 30 minute bars before 11:00, oldest first, joining (minutes before 11:00,
    price) knots with straight lines: the bar starting at 10:59 closes at minute 0."""
    before = 29 - np.arange(30)
    ks, prices = zip(*knots, strict=True)
    return np.interp(-before, [-k for k in ks], prices)


def save_legs(store: PriceStore, spxl: FloatArray, spxs: FloatArray) -> None:
    for symbol, closes in (("SPXL", spxl), ("SPXS", spxs)):
        t = MINUTES_FROM + 60 * np.arange(closes.size, dtype=np.int64)
        store.save_day(bars_of(symbol, Resolution.MINUTE, t, closes))


def favor(
    store: PriceStore, calendar: MarketCalendar, spxl: FloatArray, spxs: FloatArray
) -> ModelGrade:
    save_legs(store, spxl, spxs)
    return LsFavorModel().evaluate("SPY", model_data(store, calendar, MINUTE_END + 30))


# Down 1.5 from 10:30 to 10:49, then up 1.0 by 11:00: a fresh rise after a fall.
FRESH_RISE = ramp((29, 100.0), (10, 98.5), (0, 99.5))
# Flat to 10:34, up 0.5 to 10:49, down 0.7 to 10:56, up 0.3 in the last three minutes.
LATE_TICK_UP = ramp((29, 100.0), (25, 100.0), (10, 100.5), (3, 99.8), (0, 100.1))


class LsFavorTests:
    @pytest.mark.parametrize(
        ("spxl", "spxs", "verdict", "favored", "factor"),
        [
            (FRESH_RISE, 200 - FRESH_RISE, "SPXL_STRONGLY_FAVORED", "SPXL", 1.14),
            (LATE_TICK_UP, 200 - LATE_TICK_UP, "SPXL_FAVORED", "SPXL", 1.08),
            (200 - FRESH_RISE, FRESH_RISE, "SPXS_STRONGLY_FAVORED", "SPXS", 1.14),
            (200 - LATE_TICK_UP, LATE_TICK_UP, "SPXS_FAVORED", "SPXS", 1.08),
        ],
    )
    def test_verdicts_and_share_factors(
        self,
        store: PriceStore,
        calendar: MarketCalendar,
        spxl: FloatArray,
        spxs: FloatArray,
        verdict: str,
        favored: str,
        factor: float,
    ) -> None:
        grade = favor(store, calendar, spxl, spxs)

        assert grade.grade is Grade.PASS
        assert grade.output["verdict"] == verdict and grade.output["favored"] == favored
        assert grade.output["share_factor"] == factor
        assert grade.reason.startswith(f"{verdict}: {favored}'s shares x{factor:.2f}")

    def test_the_strengths_of_clean_moves(
        self, store: PriceStore, calendar: MarketCalendar
    ) -> None:
        grade = favor(store, calendar, FRESH_RISE, 200 - FRESH_RISE)

        strengths = grade.output["strengths"]
        # 3 and 10 minutes: straight lines across their ranges; 25: a V, no trend to speak of.
        assert strengths["SPXL"][:2] == [1.0, 1.0] and abs(strengths["SPXL"][2]) < 0.05
        assert strengths["SPXS"][:2] == [-1.0, -1.0]
        assert grade.output["minutes"] == [3, 10, 25]
        assert json.loads(json.dumps(grade.output)) == grade.output  # JSON-ready for the panel

    def test_a_quiet_market_is_neutral(self, store: PriceStore, calendar: MarketCalendar) -> None:
        zigzag = 100 + 0.05 * (np.arange(30) % 2)

        grade = favor(store, calendar, zigzag, zigzag)

        assert grade.grade is Grade.PASS
        assert grade.output["verdict"] == "NEUTRAL" and grade.output["favored"] is None
        assert grade.output["share_factor"] == 1.0
        assert grade.reason.startswith("NEUTRAL: no leg scaled")

    def test_a_move_25_minutes_old_is_not_favoured(
        self, store: PriceStore, calendar: MarketCalendar
    ) -> None:
        steady = ramp((29, 97.0), (0, 100.0))

        grade = favor(store, calendar, steady, 200 - steady)

        assert grade.output["strengths"]["SPXL"] == pytest.approx([1.0, 1.0, 1.0])
        assert grade.output["verdict"] == "NEUTRAL"

    def test_both_legs_rising_fails_with_the_window(
        self, store: PriceStore, calendar: MarketCalendar
    ) -> None:
        grade = favor(store, calendar, FRESH_RISE, FRESH_RISE)

        assert grade.grade is Grade.FAIL
        assert grade.reason == LEGS_DISAGREE_MESSAGE.format(minutes=3, spxl=1.0, spxs=1.0)
        assert grade.output["status"] == "LEGS_DISAGREE" and grade.output["verdict"] is None

    @pytest.mark.parametrize(
        ("spxl", "spxs", "verdict"),
        [
            ((0.66, 0.66, 0.49), (0.0, 0.0, 0.0), LongShortFavor.SPXL_STRONGLY_FAVORED),
            ((0.65, 0.66, 0.49), (0.0, 0.0, 0.0), LongShortFavor.SPXL_FAVORED),
            ((0.66, 0.65, -0.9), (0.0, 0.0, 0.0), LongShortFavor.SPXL_FAVORED),
            ((0.66, 0.66, 0.5), (0.0, 0.0, 0.0), LongShortFavor.NEUTRAL),
            ((0.65, 0.65, 0.0), (0.0, 0.0, 0.0), LongShortFavor.NEUTRAL),
            ((0.0, 0.0, 0.0), (0.7, 0.7, 0.0), LongShortFavor.SPXS_STRONGLY_FAVORED),
            # Each leg favoured in its own window: contradictory, so no favour.
            ((0.9, 0.2, 0.1), (0.3, 0.9, 0.1), LongShortFavor.NEUTRAL),
        ],
    )
    def test_the_rules_at_their_thresholds(
        self, spxl: tuple[float, ...], spxs: tuple[float, ...], verdict: LongShortFavor
    ) -> None:
        assert LsFavorModel.verdict(spxl, spxs) is verdict

    def test_trend_strength_weighs_the_fit_and_the_range(self) -> None:
        closes = np.array([100.0, 101.0, 101.0, 102.0])  # slope 0.6 a minute, R^2 0.9

        # The line rises 0.6 x 4 = 2.4 against a range of 2: capped at 1, times R^2.
        assert LsFavorModel.trend_strength(minute_series(closes)) == pytest.approx(0.9)
        # A wick to 104.8 makes the range 4.8: 2.4 / 4.8 = 0.5, times R^2.
        wick = np.array([100.0, 101.0, 104.8, 102.0])
        assert LsFavorModel.trend_strength(minute_series(closes, highs=wick)) == pytest.approx(0.45)
        assert LsFavorModel.trend_strength(minute_series(204 - closes)) == pytest.approx(-0.9)

    def test_a_cent_drift_counts_against_a_tenth_of_a_percent(self) -> None:
        series = minute_series(np.array([100.0, 100.01, 100.02]))

        # Rise 0.01 x 3 = 0.03 against the floor 0.1 % of 100.02, R^2 1.
        assert LsFavorModel.trend_strength(series) == pytest.approx(0.03 / 0.10002)

    def test_fewer_than_three_bars_make_no_trend(self) -> None:
        assert LsFavorModel.trend_strength(minute_series(np.array([100.0, 101.0]))) == 0.0

    @pytest.mark.parametrize("symbol", ["SPXL", "SPXS"])
    def test_the_legs_get_the_market_verdict(
        self, store: PriceStore, calendar: MarketCalendar, symbol: str
    ) -> None:
        save_legs(store, FRESH_RISE, 200 - FRESH_RISE)
        data = model_data(store, calendar, MINUTE_END + 30)

        grade = LsFavorModel().evaluate(symbol, data)

        assert grade.output == LsFavorModel().evaluate("SPY", data).output

    def test_other_symbols_fail(self, store: PriceStore, calendar: MarketCalendar) -> None:
        grade = LsFavorModel().evaluate("QQQ", model_data(store, calendar))

        assert grade.grade is Grade.FAIL and grade.reason == NOT_SP500_MESSAGE

    def test_fewer_than_25_minutes_fail(self, store: PriceStore, calendar: MarketCalendar) -> None:
        save_legs(store, FRESH_RISE, (200 - FRESH_RISE)[:20])  # SPXS stops at 10:50

        grade = LsFavorModel().evaluate("SPY", model_data(store, calendar, MINUTE_END + 30))

        assert grade.grade is Grade.FAIL
        assert grade.reason == (
            "LS_FAVOR needs 25 minute bars of SPXS in the 30 minutes before "
            "2024-07-01 11:00:30, found 20"
        )

    def test_a_feed_that_stopped_is_missing_data(
        self, store: PriceStore, calendar: MarketCalendar
    ) -> None:
        save_legs(store, FRESH_RISE, 200 - FRESH_RISE)  # bars up to 11:00

        grade = LsFavorModel().evaluate("SPY", model_data(store, calendar, MINUTE_END + 630))

        assert grade.grade is Grade.FAIL
        assert grade.reason.startswith("LS_FAVOR needs 25 minute bars of SPXL")
        assert grade.reason.endswith("2024-07-01 11:10:30, found 20")

    def test_minutes_after_now_change_nothing(
        self, tmp_path: Path, calendar: MarketCalendar
    ) -> None:
        stores = [price_store_for(EnvType.LIVE, data_dir=tmp_path / name) for name in "ab"]
        save_legs(stores[0], FRESH_RISE, 200 - FRESH_RISE)
        # The 11:00 bar ends at 11:01, after now (11:00:30): SPXL soars, SPXS collapses in it.
        save_legs(stores[1], np.append(FRESH_RISE, 150.0), np.append(200 - FRESH_RISE, 50.0))

        first, second = (
            LsFavorModel().evaluate("SPY", model_data(store, calendar, MINUTE_END + 30))
            for store in stores
        )

        assert first.output == second.output
        assert first.output["verdict"] == "SPXL_STRONGLY_FAVORED"
