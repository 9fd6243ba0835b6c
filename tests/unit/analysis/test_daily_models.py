"""VOLATILITY, DIP_10, DIP_45 and the forgetful-model rules, on hand-built days."""

from __future__ import annotations

from datetime import date, time

import numpy as np
import pytest

from tc2.analysis.daily_models import Dip10Model, Dip45Model, VolatilityModel
from tc2.analysis.forgetful import Feeding
from tc2.analysis.grades import Grade
from tc2.analysis.model_state import MemoryModelStateStore
from tc2.data.bars import Resolution, SymbolDay
from tc2.env.market_calendar import MarketCalendar, new_york_epoch

MONDAY, TUESDAY, WEDNESDAY = (date(2024, 3, d) for d in (4, 5, 6))


@pytest.fixture(scope="module")
def calendar() -> MarketCalendar:
    return MarketCalendar.xnys()


def minute_day(
    day: date, *, price: float = 100.0, lows: dict[time, float] | None = None, spread: float = 0.0
) -> SymbolDay:
    """A regular session of flat minute bars at ``price``; ``lows`` lowers some bars' lows and
    ``spread`` widens the first bar to high ``price + spread``."""
    start = new_york_epoch(day, time(9, 30))
    t = start + 60 * np.arange(390, dtype=np.int64)
    o = np.full(390, price)
    h, l, c = o.copy(), o.copy(), o.copy()  # noqa: E741
    h[0] = price + spread
    for wall, low in (lows or {}).items():
        l[(new_york_epoch(day, wall) - start) // 60] = low
    return SymbolDay(
        symbol="XYZ",
        day=day,
        resolution=Resolution.MINUTE,
        t=t,
        o=o,
        h=h,
        l=l,
        c=c,
        v=np.full(390, 1000.0),
    )


class VolatilityTests:
    def test_the_day_value_is_the_spread_over_the_open(self, calendar: MarketCalendar) -> None:
        model = VolatilityModel(store=MemoryModelStateStore(), calendar=calendar)

        assert model.day_value(minute_day(MONDAY, spread=1.5)) == pytest.approx(0.015)

    def test_rolling_average_and_the_pass_line(self, calendar: MarketCalendar) -> None:
        model = VolatilityModel(store=MemoryModelStateStore(), calendar=calendar)
        model.feed(minute_day(MONDAY, spread=1.0))  # 1 %
        model.feed(minute_day(TUESDAY, spread=0.0))  # 0 %: 1 % x 0.8 = 0.8 %

        grade = model.grade("XYZ")

        assert grade.output["value"] == pytest.approx(0.008)
        assert grade.grade is Grade.PASS
        model.feed(minute_day(WEDNESDAY, spread=0.0))  # 0.64 %
        assert model.grade("XYZ").grade is Grade.FAIL
        assert "0.640% < 0.8%" in model.grade("XYZ").reason


class DipTests:
    def test_the_dip_is_measured_from_the_1030_bar(self, calendar: MarketCalendar) -> None:
        model = Dip10Model(store=MemoryModelStateStore(), calendar=calendar)
        # A deeper low at 09:45 is before 10:30 and must not count (the original's bug).
        day = minute_day(MONDAY, lows={time(9, 45): 98.0, time(10, 30): 99.9, time(10, 35): 99.7})

        assert model.day_value(day) == pytest.approx(100 * 0.2 / 99.9)

    def test_only_the_next_10_or_45_minutes_count(self, calendar: MarketCalendar) -> None:
        day = minute_day(MONDAY, lows={time(10, 40): 99.8, time(10, 41): 99.5, time(11, 15): 99.0})
        store = MemoryModelStateStore()

        assert Dip10Model(store=store, calendar=calendar).day_value(day) == pytest.approx(0.2)
        assert Dip45Model(store=store, calendar=calendar).day_value(day) == pytest.approx(1.0)

    def test_a_day_without_a_dip_leaves_the_average_alone(self, calendar: MarketCalendar) -> None:
        model = Dip10Model(store=MemoryModelStateStore(), calendar=calendar)
        model.feed(minute_day(MONDAY, lows={time(10, 35): 99.8}))
        model.feed(minute_day(TUESDAY))

        state = model.state("XYZ")

        assert state is not None and state.value == pytest.approx(0.2) and state.days == 1
        assert state.last == TUESDAY

    @pytest.mark.parametrize(
        ("dip", "grade"),
        [
            (0.02, Grade.FAIL),
            (0.025, Grade.RISKY),
            (0.06, Grade.UNPROMISING),
            (0.1, Grade.GOOD),
            (0.14, Grade.GREAT),
            (0.2, Grade.EXCELLENT),
            (0.46, Grade.RISKY),
            (0.51, Grade.FAIL),
        ],
    )
    def test_dip_10_bands(self, calendar: MarketCalendar, dip: float, grade: Grade) -> None:
        model = Dip10Model(store=MemoryModelStateStore(), calendar=calendar)

        assert model.grade_value(dip)[0] is grade

    @pytest.mark.parametrize(
        ("dip", "grade"),
        [
            (0.04, Grade.FAIL),
            (0.07, Grade.RISKY),
            (0.1, Grade.UNPROMISING),
            (0.4, Grade.GREAT),
            (0.7, Grade.UNPROMISING),
            (0.85, Grade.RISKY),
            (0.95, Grade.FAIL),
        ],
    )
    def test_dip_45_bands_have_the_typo_fixed(
        self, calendar: MarketCalendar, dip: float, grade: Grade
    ) -> None:
        model = Dip45Model(store=MemoryModelStateStore(), calendar=calendar)

        assert model.grade_value(dip)[0] is grade


class FeedingRuleTests:
    def test_an_untrained_symbol_fails_with_a_reason(self, calendar: MarketCalendar) -> None:
        grade = VolatilityModel(store=MemoryModelStateStore(), calendar=calendar).grade("XYZ")

        assert grade.grade is Grade.FAIL and grade.reason == "not trained yet for XYZ"

    def test_feeding_a_day_twice_changes_nothing(self, calendar: MarketCalendar) -> None:
        model = VolatilityModel(store=MemoryModelStateStore(), calendar=calendar)
        model.feed(minute_day(MONDAY, spread=1.0))

        outcome = model.feed(minute_day(MONDAY, spread=3.0))

        assert outcome.feeding is Feeding.SKIPPED
        assert model.grade("XYZ").output["value"] == pytest.approx(0.01)

    def test_a_gap_starts_training_again(self, calendar: MarketCalendar) -> None:
        model = VolatilityModel(store=MemoryModelStateStore(), calendar=calendar)
        model.feed(minute_day(MONDAY, spread=1.0))

        outcome = model.feed(minute_day(WEDNESDAY, spread=2.0))

        assert outcome.feeding is Feeding.STARTED
        assert "previous session was 2024-03-05" in outcome.reason
        state = model.state("XYZ")
        assert state is not None and state.start == WEDNESDAY and state.value == pytest.approx(0.02)

    def test_a_partial_day_is_undone_before_the_complete_one(
        self, calendar: MarketCalendar
    ) -> None:
        model = VolatilityModel(store=MemoryModelStateStore(), calendar=calendar)
        model.feed(minute_day(MONDAY, spread=1.0))
        model.feed(minute_day(TUESDAY, spread=5.0), stable=False)  # from the stream, mid-day

        model.feed(minute_day(TUESDAY, spread=2.0))

        state = model.state("XYZ")
        assert state is not None and state.value == pytest.approx(0.01 * 0.8 + 0.02 * 0.2)
        assert state.days == 2 and state.stable

    def test_incremental_training_equals_training_in_one_go(self, calendar: MarketCalendar) -> None:
        days = [
            minute_day(d, spread=s)
            for d, s in zip((MONDAY, TUESDAY, WEDNESDAY), (1, 2, 0.5), strict=True)
        ]
        whole = VolatilityModel(store=MemoryModelStateStore(), calendar=calendar)
        for day in days:
            whole.feed(day)
        stepwise = VolatilityModel(store=MemoryModelStateStore(), calendar=calendar)
        stepwise.feed(days[0])
        stepwise.feed(days[1], stable=False)
        stepwise.feed(days[1])
        stepwise.feed(days[2])

        assert stepwise.state("XYZ") == whole.state("XYZ")

    def test_a_snapshot_reverts_exactly(self, calendar: MarketCalendar) -> None:
        model = VolatilityModel(store=MemoryModelStateStore(), calendar=calendar)
        model.feed(minute_day(MONDAY, spread=1.0))
        before = model.state("XYZ")
        model.feed(minute_day(TUESDAY, spread=4.0), stable=False)

        after = model.revert_to_snapshot("XYZ")

        assert after == before == model.state("XYZ")
        assert model.grade("XYZ").trained_through == MONDAY

    def test_reset_forgets_the_symbol(self, calendar: MarketCalendar) -> None:
        model = VolatilityModel(store=MemoryModelStateStore(), calendar=calendar)
        model.feed(minute_day(MONDAY, spread=1.0))

        model.reset("XYZ")

        assert model.state("XYZ") is None and model.trained_through("XYZ") is None
