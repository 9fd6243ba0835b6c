"""ModelData hands spot models only the past, and SpotModel.evaluate turns failures into FAILs."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tc2.analysis.grades import Grade
from tc2.analysis.spot import InsufficientData, ModelData, SpotModel
from tc2.data.bars import Resolution, SymbolDay
from tc2.data.price_stores import price_store_for
from tc2.data.store import PriceStore
from tc2.env import EnvType, MarketCalendar
from tc2.env.market_calendar import new_york_epoch

DAYS = [date(2024, 3, d) for d in (4, 5, 6, 7, 8, 11)]  # Mon-Fri, then the next Monday


@pytest.fixture(scope="module")
def calendar() -> MarketCalendar:
    return MarketCalendar.xnys()


def session(day: date, price: float) -> SymbolDay:
    start = new_york_epoch(day, time(9, 30))
    t = start + 60 * np.arange(390, dtype=np.int64)
    prices = np.full(390, price)
    return SymbolDay(
        symbol="XYZ",
        day=day,
        resolution=Resolution.MINUTE,
        t=t,
        o=prices,
        h=prices,
        l=prices,
        c=prices,
        v=np.full(390, 100.0),
    )


@pytest.fixture
def store(tmp_path: Path) -> PriceStore:
    store = price_store_for(EnvType.LIVE, data_dir=tmp_path)
    # Wednesday (DAYS[2]) is missing on purpose; each day's price is its index.
    store.save_days(session(day, 10.0 + i) for i, day in enumerate(DAYS) if i != 2)
    return store


class ModelDataTests:
    def test_sessions_before_the_day_oldest_first_skipping_missing(
        self, store: PriceStore, calendar: MarketCalendar
    ) -> None:
        data = ModelData(store=store, calendar=calendar, day=DAYS[4], now_t=0)

        days = data.sessions_before("XYZ", 10)

        assert [d.day for d in days] == [DAYS[0], DAYS[1], DAYS[3]]
        assert [d.day for d in data.sessions_before("XYZ", 2)] == [DAYS[1], DAYS[3]]

    def test_require_sessions_names_what_is_missing(
        self, store: PriceStore, calendar: MarketCalendar
    ) -> None:
        data = ModelData(store=store, calendar=calendar, day=DAYS[4], now_t=0)

        with pytest.raises(
            InsufficientData, match="needs 5 sessions of XYZ before 2024-03-08, found 3"
        ):
            data.require_sessions("TEST", "XYZ", 5)

    def test_today_holds_only_bars_ended_by_now(
        self, store: PriceStore, calendar: MarketCalendar
    ) -> None:
        now = new_york_epoch(DAYS[5], time(10, 0))
        data = ModelData(store=store, calendar=calendar, day=DAYS[5], now_t=now)

        bars = data.today("XYZ")

        assert len(bars) == 30 and int(bars.t[-1]) + 60 == now
        assert float(bars.c[0]) == 15.0

    def test_a_day_not_on_file_has_no_bars_today(
        self, store: PriceStore, calendar: MarketCalendar
    ) -> None:
        data = ModelData(store=store, calendar=calendar, day=DAYS[2], now_t=2**40)

        assert len(data.today("XYZ")) == 0


class Exploding(SpotModel):
    name = "EXPLODING"

    def compute(self, symbol: str, data: ModelData) -> Any:
        raise ZeroDivisionError("division by zero")

    def grade_output(self, output: Any) -> tuple[Grade, str]:
        return Grade.PASS, ""


class EvaluateTests:
    def test_a_crashing_model_fails_the_symbol_with_the_reason(
        self, store: PriceStore, calendar: MarketCalendar
    ) -> None:
        data = ModelData(store=store, calendar=calendar, day=DAYS[4], now_t=0)

        grade = Exploding().evaluate("XYZ", data)

        assert grade.grade is Grade.FAIL
        assert grade.reason == "ZeroDivisionError: division by zero"
