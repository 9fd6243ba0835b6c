"""MOMENTUM, PROFITABILITY, HIGH_96_PCT and VOLUME_50 on hand-built days in a real price store."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, time
from pathlib import Path

import numpy as np
import pytest

from tc2.analysis.grades import Grade
from tc2.analysis.spot import ModelData
from tc2.analysis.spot_models import (
    High96PctModel,
    MomentumModel,
    Outcome,
    ProfitabilityModel,
    Volume50Model,
)
from tc2.data.bars import FloatArray, Resolution, SymbolDay
from tc2.data.price_stores import price_store_for
from tc2.data.store import PriceStore
from tc2.env import EnvType, MarketCalendar
from tc2.env.market_calendar import new_york_epoch

# A Monday; none of the 100 sessions before it closes early, so every session has 390 minutes.
JUDGED = date(2024, 7, 1)
YESTERDAY = date(2024, 6, 28)
BARS = 390
OPEN = time(9, 30)
TARGETS = [0.25, 0.31, 0.34, 0.36, 0.39, 0.42, 0.45, 0.49, 0.52, 0.57, 0.61]


@pytest.fixture(scope="module")
def calendar() -> MarketCalendar:
    return MarketCalendar.xnys()


@pytest.fixture
def store(tmp_path: Path) -> PriceStore:
    return price_store_for(EnvType.LIVE, data_dir=tmp_path)


def minute(wall: time) -> int:
    """The index of the minute bar starting at ``wall`` in a regular session."""
    return (wall.hour * 60 + wall.minute) - (OPEN.hour * 60 + OPEN.minute)


def minute_day(
    day: date,
    *,
    price: float | FloatArray = 100.0,
    volume: float | FloatArray = 1000.0,
    highs: dict[time, float] | None = None,
    lows: dict[time, float] | None = None,
) -> SymbolDay:
    """A regular session of minute bars with o = h = l = c = ``price`` (a number or one per
    bar); ``highs`` raises and ``lows`` lowers single bars' extremes."""
    o = np.broadcast_to(np.asarray(price, dtype=np.float64), (BARS,)).copy()
    h, l, c = o.copy(), o.copy(), o.copy()  # noqa: E741
    for wall, high in (highs or {}).items():
        h[minute(wall)] = high
    for wall, low in (lows or {}).items():
        l[minute(wall)] = low
    return SymbolDay(
        symbol="XYZ",
        day=day,
        resolution=Resolution.MINUTE,
        t=new_york_epoch(day, OPEN) + 60 * np.arange(BARS, dtype=np.int64),
        o=o,
        h=h,
        l=l,
        c=c,
        v=np.broadcast_to(np.asarray(volume, dtype=np.float64), (BARS,)).copy(),
    )


def model_data(store: PriceStore, calendar: MarketCalendar, now: time = time(16, 0)) -> ModelData:
    return ModelData(store=store, calendar=calendar, day=JUDGED, now_t=new_york_epoch(JUDGED, now))


def with_bar(values: float, wall: time, value: float) -> FloatArray:
    """``BARS`` copies of ``values`` but ``value`` in the bar starting at ``wall``."""
    column = np.full(BARS, values)
    column[minute(wall)] = value
    return column


# MOMENTUM is judged at 10:15: the 45 bars 09:30-10:14 have ended, 44 changes, the newest j = 1.
MOMENTUM_NOW = time(10, 15)
NEWEST = time(10, 14)


class MomentumTests:
    def test_a_one_basis_point_rise_on_usual_volume(
        self, store: PriceStore, calendar: MarketCalendar
    ) -> None:
        # Constant volume: no change is unusual (std 0), so each weighs 1.8.
        store.save_day(minute_day(JUDGED, price=with_bar(100.0, NEWEST, 100.01)))

        output = MomentumModel().compute("XYZ", model_data(store, calendar, MOMENTUM_NOW))

        # 1 bp x 1.8 x e^(-3/44), halved; the original dropped this newest change.
        assert output["value"] == pytest.approx(0.9 * math.exp(-3 / 44))

    def test_the_oldest_change_counts_at_e_to_the_minus_3(
        self, store: PriceStore, calendar: MarketCalendar
    ) -> None:
        # 09:30 at 100, every later bar at 100.01: the only change is the oldest, j = 44.
        store.save_day(minute_day(JUDGED, price=with_bar(100.01, OPEN, 100.0)))

        output = MomentumModel().compute("XYZ", model_data(store, calendar, MOMENTUM_NOW))

        assert output["value"] == pytest.approx(0.9 * math.exp(-3))

    def test_a_volume_spike_weighs_in_and_the_sum_reverts_by_2_while_above_3(
        self, store: PriceStore, calendar: MarketCalendar
    ) -> None:
        # Volume changes: 43 zeros and 5000, so median 0, std 5000 / sqrt(44), z = sqrt(44).
        store.save_day(
            minute_day(
                JUDGED,
                price=with_bar(100.0, NEWEST, 100.01),
                volume=with_bar(1000.0, NEWEST, 6000.0),
            )
        )

        output = MomentumModel().compute("XYZ", model_data(store, calendar, MOMENTUM_NOW))

        # The sum (sqrt(44) + 1.8) e^(-3/44) = 7.88 is above 3, so 2 comes off at that step and
        # at each next one while it stays above 3 (the older changes are 0): 5.88, 3.88, 1.88.
        expected = ((math.sqrt(44) + 1.8) * math.exp(-3 / 44) - 3 * 2) / 2
        assert output["value"] == pytest.approx(expected)
        assert output["value"] == pytest.approx(0.9387, abs=1e-4)

    def test_a_fall_below_minus_3_reverts_by_only_0_2_a_step(
        self, store: PriceStore, calendar: MarketCalendar
    ) -> None:
        store.save_day(
            minute_day(
                JUDGED,
                price=with_bar(100.0, NEWEST, 99.99),
                volume=with_bar(1000.0, NEWEST, 6000.0),
            )
        )

        grade = MomentumModel().evaluate("XYZ", model_data(store, calendar, MOMENTUM_NOW))

        # -7.88 gains 0.2 at each of the next steps until it is at least -3: 25 steps, -2.88.
        expected = (-(math.sqrt(44) + 1.8) * math.exp(-3 / 44) + 25 * 0.2) / 2
        assert grade.output["value"] == pytest.approx(expected)
        assert grade.output["value"] == pytest.approx(-1.4387, abs=1e-4)
        assert grade.grade is Grade.FAIL

    def test_a_move_on_thin_volume_counts_for_nothing(
        self, store: PriceStore, calendar: MarketCalendar
    ) -> None:
        # The newest volume change is z = -sqrt(44): weight max(0, -6.63 + 1.8) = 0.
        store.save_day(
            minute_day(
                JUDGED,
                price=with_bar(100.0, NEWEST, 100.01),
                volume=with_bar(10_000.0, NEWEST, 5000.0),
            )
        )

        grade = MomentumModel().evaluate("XYZ", model_data(store, calendar, MOMENTUM_NOW))

        assert grade.output == {"value": 0.0}
        assert grade.grade is Grade.SATISFACTORY

    def test_fewer_than_45_bars_fail_with_the_count(
        self, store: PriceStore, calendar: MarketCalendar
    ) -> None:
        store.save_day(minute_day(JUDGED))

        grade = MomentumModel().evaluate("XYZ", model_data(store, calendar, time(10, 14)))

        assert grade.grade is Grade.FAIL
        assert grade.reason == (
            "MOMENTUM needs 45 minute bars of XYZ by 2024-07-01 10:14, found 44"
        )

    def test_bars_not_ended_by_now_change_nothing(
        self, store: PriceStore, calendar: MarketCalendar
    ) -> None:
        model = MomentumModel()
        price = with_bar(100.0, NEWEST, 100.01)
        store.save_day(minute_day(JUDGED, price=price))
        before = model.compute("XYZ", model_data(store, calendar, MOMENTUM_NOW))
        # A crash on a flood of volume from 10:15 on, the bar that ends at 10:16 included.
        later = np.arange(BARS) >= minute(MOMENTUM_NOW)
        store.save_day(
            minute_day(
                JUDGED,
                price=np.where(later, 50.0, price),
                volume=np.where(later, 1e7, 1000.0),
            )
        )

        after = model.compute("XYZ", model_data(store, calendar, MOMENTUM_NOW))

        assert after == before

    @pytest.mark.parametrize(
        ("value", "grade"),
        [
            (-0.51, Grade.FAIL),
            (-0.5, Grade.RISKY),
            (-0.21, Grade.RISKY),
            (-0.2, Grade.UNPROMISING),
            (-0.1, Grade.UNPROMISING),
            (-0.09, Grade.SATISFACTORY),
            (0.089, Grade.SATISFACTORY),
            (0.09, Grade.GOOD),
            (0.149, Grade.GOOD),
            (0.15, Grade.GREAT),
            (0.499, Grade.GREAT),
            (0.5, Grade.UNPROMISING),
        ],
    )
    def test_bands(self, value: float, grade: Grade) -> None:
        assert MomentumModel().grade_output({"value": value})[0] is grade


PROFIT3 = [Outcome.PROFIT] * 3  # a high of 100.35 reaches 0.25, 0.31 and 0.34 %, not 0.36 %


class ProfitabilityDayTests:
    """One day's simulation: buy at the 10:30 open (100), stop at 99.15."""

    @pytest.mark.parametrize(
        ("highs", "lows", "outcomes"),
        [
            ({}, {time(11, 0): 99.1}, [Outcome.LOSS] * 11),
            ({time(11, 0): 100.35}, {}, PROFIT3 + [Outcome.NEVER_SOLD] * 8),
            ({time(11, 0): 100.35}, {time(12, 0): 99.1}, PROFIT3 + [Outcome.LOSS] * 8),
            # Stop and every target in one bar: the stop is checked first.
            ({time(11, 0): 100.7}, {time(11, 0): 99.1}, [Outcome.LOSS] * 11),
            ({time(12, 0): 100.7}, {time(11, 0): 99.1}, [Outcome.LOSS] * 11),
            ({}, {time(11, 0): 99.2}, [Outcome.NEVER_SOLD] * 11),
            # The buy bar's own range does not count; the day's last bar does.
            ({time(10, 30): 100.7}, {time(10, 30): 99.1}, [Outcome.NEVER_SOLD] * 11),
            ({time(15, 59): 100.35}, {}, PROFIT3 + [Outcome.NEVER_SOLD] * 8),
        ],
    )
    def test_outcomes(
        self, highs: dict[time, float], lows: dict[time, float], outcomes: list[Outcome]
    ) -> None:
        # Every open stays at 100: the original's open >= target rule would never sell.
        day = minute_day(JUDGED, highs=highs, lows=lows)

        assert ProfitabilityModel.simulate_day(day) == outcomes

    def test_the_buy_is_the_1030_open_not_the_first_bar(self) -> None:
        # At 90 until 10:30 (a first-bar buy would reach every target), 100 after.
        price = np.where(np.arange(BARS) < minute(time(10, 30)), 90.0, 100.0)

        outcomes = ProfitabilityModel.simulate_day(minute_day(JUDGED, price=price))

        assert outcomes == [Outcome.NEVER_SOLD] * 11

    def test_a_day_without_a_1030_bar_is_skipped(self) -> None:
        day = minute_day(JUDGED)
        gap = day.select(day.t != new_york_epoch(JUDGED, time(10, 30)))

        assert ProfitabilityModel.simulate_day(gap) is None

    def test_realized_percent_per_outcome(self) -> None:
        outcomes = PROFIT3 + [Outcome.NEVER_SOLD] * 4 + [Outcome.LOSS] * 4

        realized = ProfitabilityModel.realized(outcomes)

        assert realized == [0.25, 0.31, 0.34] + [-0.1] * 4 + [-0.85] * 4

    def test_recency_weights_rise_from_a_half(self) -> None:
        assert ProfitabilityModel.recency_weights(4).tolist() == [0.5, 0.75, 1.0, 1.25]


def stop_day(day: date) -> SymbolDay:
    return minute_day(day, lows={time(11, 0): 99.1})


def target_day(day: date, high: float = 100.35) -> SymbolDay:
    return minute_day(day, highs={time(11, 0): high})


def profit_output(average: float | Sequence[float], median: float = 0.3) -> dict[str, object]:
    averages = [average] * 11 if isinstance(average, float) else list(average)
    return {"average": averages, "median": [median] * 11, "days": 100}


class ProfitabilityTests:
    def test_weighted_averages_and_medians_over_100_days(
        self, store: PriceStore, calendar: MarketCalendar
    ) -> None:
        days = calendar.sessions_before(JUDGED, 100)
        # The oldest 50 hit the stop (weights 0.50-0.99, sum 37.25); the newest 50 reach three
        # targets (weights 1.00-1.49, sum 62.25); all weights sum to 99.5.
        store.save_days([stop_day(d) for d in days[:50]] + [target_day(d) for d in days[50:]])

        output = ProfitabilityModel().compute("XYZ", model_data(store, calendar))

        loss = -0.85 * 37.25
        assert output["days"] == 100
        assert output["average"] == pytest.approx(
            [(t * 62.25 + loss) / 99.5 for t in TARGETS[:3]] + [(-0.1 * 62.25 + loss) / 99.5] * 8
        )
        assert output["average"][0] == pytest.approx(-16.1 / 99.5)
        # Medians are of the realized values: halfway between -0.85 and the newer days' value.
        assert output["median"] == pytest.approx([-0.3, -0.27, -0.255] + [-0.475] * 8)

    def test_days_without_a_1030_bar_are_skipped_within_the_100(
        self, store: PriceStore, calendar: MarketCalendar
    ) -> None:
        days = calendar.sessions_before(JUDGED, 101)
        # Six targets every day (a high of 100.43); one of the 100 lacks its 10:30 bar, and a
        # 101st, older stop day is outside the window.
        gap = target_day(days[60], high=100.43)
        store.save_days(
            [stop_day(days[0])]
            + [target_day(d, high=100.43) for d in days[1:]]
            + [gap.select(gap.t != new_york_epoch(days[60], time(10, 30)))]
        )

        grade = ProfitabilityModel().evaluate("XYZ", model_data(store, calendar))

        realized = [0.25, 0.31, 0.34, 0.36, 0.39, 0.42] + [-0.1] * 5
        assert grade.output["days"] == 99
        assert grade.output["average"] == pytest.approx(realized)
        assert grade.output["median"] == pytest.approx(realized)
        assert grade.grade is Grade.EXCELLENT  # the 6th of the 11 sorted averages is 0.25

    def test_fewer_than_100_sessions_fail_with_the_count(
        self, store: PriceStore, calendar: MarketCalendar
    ) -> None:
        store.save_days(target_day(d) for d in calendar.sessions_before(JUDGED, 99))

        grade = ProfitabilityModel().evaluate("XYZ", model_data(store, calendar))

        assert grade.grade is Grade.FAIL
        assert "PROFITABILITY needs 100 sessions of XYZ before 2024-07-01, found 99" in grade.reason

    def test_the_judged_day_and_later_change_nothing(
        self, store: PriceStore, calendar: MarketCalendar
    ) -> None:
        model = ProfitabilityModel()
        store.save_days(target_day(d) for d in calendar.sessions_before(JUDGED, 100))
        before = model.compute("XYZ", model_data(store, calendar))
        store.save_days([stop_day(JUDGED), stop_day(calendar.next_session(JUDGED))])

        after = model.compute("XYZ", model_data(store, calendar, time(15, 0)))

        assert after == before

    @pytest.mark.parametrize(
        ("output", "grade"),
        [
            (profit_output(0.3, median=0.0499), Grade.FAIL),
            (profit_output(0.0499), Grade.FAIL),
            (profit_output(0.05), Grade.RISKY),
            (profit_output(0.0699), Grade.RISKY),
            (profit_output(0.07), Grade.UNPROMISING),
            (profit_output(0.09), Grade.SATISFACTORY),
            (profit_output(0.12), Grade.GOOD),
            (profit_output(0.15), Grade.GREAT),
            (profit_output(0.1999), Grade.GREAT),
            (profit_output(0.2), Grade.EXCELLENT),
            # The median of the 11 averages, not their mean (which is -2.2).
            (profit_output([-5.0] * 5 + [0.1] * 6), Grade.SATISFACTORY),
        ],
    )
    def test_bands(self, output: dict[str, object], grade: Grade) -> None:
        assert ProfitabilityModel().grade_output(output)[0] is grade


# HIGH_96_PCT is judged at 10:30: 60 bars today, so the 720 take all of yesterday's 390 and the
# day before's last 270, from 11:30 on.
HIGH_NOW = time(10, 30)


@pytest.fixture
def high_store(store: PriceStore, calendar: MarketCalendar) -> PriceStore:
    """76 flat sessions at 100, and the judged day: the oldest dips to 50 (outside the 75), the
    next to 90, the one after peaks at 110, so low75 = 90, high75 = 110 and the line is 109.2."""
    days = calendar.sessions_before(JUDGED, 76)
    store.save_days(
        [minute_day(days[0], lows={time(12, 0): 50.0})]
        + [minute_day(days[1], lows={time(12, 0): 90.0})]
        + [minute_day(days[2], highs={time(12, 0): 110.0})]
        + [minute_day(d) for d in [*days[3:], JUDGED]]
    )
    return store


def save_day_before_yesterday(store: PriceStore, calendar: MarketCalendar, high_at: time) -> None:
    store.save_day(minute_day(calendar.previous_session(YESTERDAY), highs={high_at: 109.5}))


class High96PctTests:
    def test_a_high_in_the_window_above_the_line_passes(
        self, high_store: PriceStore, calendar: MarketCalendar
    ) -> None:
        save_day_before_yesterday(high_store, calendar, time(11, 30))

        grade = High96PctModel().evaluate("XYZ", model_data(high_store, calendar, HIGH_NOW))

        assert grade.output == pytest.approx(
            {"low75": 90.0, "high75": 110.0, "line": 109.2, "recent_high": 109.5}
        )
        assert grade.grade is Grade.PASS

    def test_a_high_one_minute_before_the_window_fails(
        self, high_store: PriceStore, calendar: MarketCalendar
    ) -> None:
        save_day_before_yesterday(high_store, calendar, time(11, 29))

        grade = High96PctModel().evaluate("XYZ", model_data(high_store, calendar, HIGH_NOW))

        assert grade.grade is Grade.FAIL
        assert grade.reason == (
            "720-minute high 100.0000 < 109.2000, 96% up the 75-session range 90.0000-110.0000"
        )

    def test_todays_ended_bars_count_in_the_window_not_in_the_range(
        self, high_store: PriceStore, calendar: MarketCalendar
    ) -> None:
        high_store.save_day(minute_day(JUDGED, highs={time(10, 29): 130.0}))

        output = High96PctModel().compute("XYZ", model_data(high_store, calendar, HIGH_NOW))

        assert output == pytest.approx(
            {"low75": 90.0, "high75": 110.0, "line": 109.2, "recent_high": 130.0}
        )

    def test_todays_bars_not_ended_by_now_change_nothing(
        self, high_store: PriceStore, calendar: MarketCalendar
    ) -> None:
        model = High96PctModel()
        before = model.compute("XYZ", model_data(high_store, calendar, HIGH_NOW))
        # The 10:30 bar ends at 10:31, after now.
        high_store.save_day(minute_day(JUDGED, highs={time(10, 30): 130.0, time(15, 0): 140.0}))

        after = model.compute("XYZ", model_data(high_store, calendar, HIGH_NOW))

        assert after == before
        assert model.grade_output(after)[0] is Grade.FAIL

    def test_fewer_than_75_sessions_fail_with_the_count(
        self, store: PriceStore, calendar: MarketCalendar
    ) -> None:
        store.save_days(minute_day(d) for d in calendar.sessions_before(JUDGED, 74))

        grade = High96PctModel().evaluate("XYZ", model_data(store, calendar, HIGH_NOW))

        assert grade.grade is Grade.FAIL
        assert "HIGH_96_PCT needs 75 sessions of XYZ before 2024-07-01, found 74" in grade.reason

    @pytest.mark.parametrize(("recent", "grade"), [(109.2, Grade.PASS), (109.19, Grade.FAIL)])
    def test_the_line_itself_passes(self, recent: float, grade: Grade) -> None:
        output = {"low75": 90.0, "high75": 110.0, "line": 109.2, "recent_high": recent}

        assert High96PctModel().grade_output(output)[0] is grade


def save_volumes(store: PriceStore, calendar: MarketCalendar, yesterday_per_bar: float) -> None:
    """52 sessions: the oldest heavy (outside the 50), then 25 at 100 a bar (39,000 a day) and
    25 at 300 (117,000), so the 50-session mean is 78,000 and 1.25 x it is 97,500 = 250 a bar;
    yesterday trades ``yesterday_per_bar`` a bar."""
    days = calendar.sessions_before(JUDGED, 52)
    store.save_days(
        [minute_day(days[0], volume=10_000.0)]
        + [minute_day(d, volume=100.0) for d in days[1:26]]
        + [minute_day(d, volume=300.0) for d in days[26:51]]
        + [minute_day(days[51], volume=yesterday_per_bar)]
    )


class Volume50Tests:
    def test_exactly_1_25_times_the_mean_passes(
        self, store: PriceStore, calendar: MarketCalendar
    ) -> None:
        save_volumes(store, calendar, 250.0)

        grade = Volume50Model().evaluate("XYZ", model_data(store, calendar))

        assert grade.output == {"day": "2024-06-28", "yesterday": 97_500.0, "average50": 78_000.0}
        assert grade.grade is Grade.PASS

    def test_less_fails_with_the_numbers(self, store: PriceStore, calendar: MarketCalendar) -> None:
        save_volumes(store, calendar, 249.0)

        grade = Volume50Model().evaluate("XYZ", model_data(store, calendar))

        assert grade.grade is Grade.FAIL
        assert grade.reason == (
            "volume on 2024-06-28 97,110 < 97,500, 1.25 x the 50-session average 78,000"
        )

    def test_todays_volume_changes_nothing(
        self, store: PriceStore, calendar: MarketCalendar
    ) -> None:
        model = Volume50Model()
        save_volumes(store, calendar, 249.0)
        before = model.compute("XYZ", model_data(store, calendar, time(12, 0)))
        store.save_day(minute_day(JUDGED, volume=1e6))

        after = model.compute("XYZ", model_data(store, calendar, time(12, 0)))

        assert after == before

    def test_fewer_than_51_sessions_fail_with_the_count(
        self, store: PriceStore, calendar: MarketCalendar
    ) -> None:
        store.save_days(minute_day(d) for d in calendar.sessions_before(JUDGED, 50))

        grade = Volume50Model().evaluate("XYZ", model_data(store, calendar))

        assert grade.grade is Grade.FAIL
        assert "VOLUME_50 needs 51 sessions of XYZ before 2024-07-01, found 50" in grade.reason

    def test_yesterday_must_be_on_file(self, store: PriceStore, calendar: MarketCalendar) -> None:
        save_volumes(store, calendar, 250.0)
        store.delete_day("XYZ", YESTERDAY, Resolution.MINUTE)

        grade = Volume50Model().evaluate("XYZ", model_data(store, calendar))

        assert grade.grade is Grade.FAIL
        assert grade.reason == (
            "VOLUME_50 needs the previous session 2024-06-28 of XYZ on file, "
            "the latest is 2024-06-27"
        )

    def test_no_volume_never_passes(self) -> None:
        output = {"day": "2024-06-28", "yesterday": 0.0, "average50": 0.0}

        grade, reason = Volume50Model().grade_output(output)

        assert grade is Grade.FAIL and reason.startswith("no volume: ")
