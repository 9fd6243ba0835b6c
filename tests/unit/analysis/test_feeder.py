"""ModelFeeder trains from the price store in date order and warms only on earlier sessions."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from tc2.analysis.feeder import ModelFeeder
from tc2.analysis.forgetful import Feeding
from tc2.analysis.grades import Grade
from tc2.analysis.model_state import MemoryModelStateStore
from tc2.data.bars import Resolution
from tc2.data.price_stores import price_store_for
from tc2.data.store import PriceStore
from tc2.data.synthetic import SyntheticMarket
from tc2.env import EnvType, MarketCalendar
from tests.unit.analysis.test_daily_models import minute_day

DAYS = [date(2024, 3, d) for d in (4, 5, 6, 7, 8)]


@pytest.fixture(scope="module")
def calendar() -> MarketCalendar:
    return MarketCalendar.xnys()


@pytest.fixture
def store(tmp_path: Path) -> PriceStore:
    store = price_store_for(EnvType.LIVE, data_dir=tmp_path)
    # 1 % spread every day, and a 0.2 % dip at 10:35.
    store.save_days(minute_day(day, spread=1.0, lows={time(10, 35): 99.8}) for day in DAYS)
    return store


def feeder(store: PriceStore, calendar: MarketCalendar) -> ModelFeeder:
    return ModelFeeder(model_store=MemoryModelStateStore(), price_store=store, calendar=calendar)


class FeederTests:
    def test_feeding_days_trains_every_model_in_date_order(
        self, store: PriceStore, calendar: MarketCalendar
    ) -> None:
        models = feeder(store, calendar)

        outcomes = models.feed_days([("XYZ", DAYS[2]), ("XYZ", DAYS[0]), ("XYZ", DAYS[1])])

        assert [o.feeding for o in outcomes if o.model == "VOLATILITY"] == [
            Feeding.STARTED,
            Feeding.CONTINUED,
            Feeding.CONTINUED,
        ]
        grades = {model.name: model.grade("XYZ") for model in models.models}
        assert grades["VOLATILITY"].grade is Grade.PASS
        assert grades["DIP_10"].output["value"] == pytest.approx(0.2)
        assert all(grade.trained_through == DAYS[2] for grade in grades.values())

    def test_a_day_not_on_file_is_skipped_with_the_reason(
        self, store: PriceStore, calendar: MarketCalendar
    ) -> None:
        outcomes = feeder(store, calendar).feed("XYZ", date(2024, 3, 11))

        assert {o.feeding for o in outcomes} == {Feeding.SKIPPED}
        assert outcomes[0].reason == "no minute bars of XYZ on 2024-03-11 on file"

    def test_warming_never_reaches_the_simulated_day(
        self, store: PriceStore, calendar: MarketCalendar
    ) -> None:
        models = feeder(store, calendar)

        models.warm("XYZ", before=DAYS[4], sessions=3)

        volatility = models.models[0]
        state = volatility.state("XYZ")
        assert state is not None and (state.start, state.last) == (DAYS[1], DAYS[3])

    def test_reset_forgets_the_symbol(self, store: PriceStore, calendar: MarketCalendar) -> None:
        models = feeder(store, calendar)
        models.feed("XYZ", DAYS[0])

        models.reset("XYZ")

        assert all(model.state("XYZ") is None for model in models.models)


class RetrainTests:
    def test_learned_models_retrain_weekly_and_say_so(
        self, tmp_path: Path, calendar: MarketCalendar
    ) -> None:
        store = price_store_for(EnvType.LIVE, data_dir=tmp_path / "prices")
        market = SyntheticMarket(seed=3, calendar=calendar)
        today = date(2025, 6, 2)
        store.save_days(
            market.day_bars(symbol="SPY", day=day, resolution=Resolution.MINUTE)
            for day in calendar.sessions_before(today, 80)
        )
        models = ModelFeeder(
            model_store=MemoryModelStateStore(),
            price_store=store,
            calendar=calendar,
            learned_dir=tmp_path / "models",
        )

        first = models.retrain(["SPY", "QQQ"], today=today)
        again = models.retrain(["SPY"], today=date(2025, 6, 5))
        week_later = models.retrain(["SPY"], today=date(2025, 6, 6))

        assert first[0].startswith("RALLY of SPY trained on ")
        assert "through 2025-05-30: validation accuracy" in first[0]
        assert first[1].startswith("RALLY of QQQ not trained: ")
        assert again == []  # its data ends 2025-05-30: six days old, not yet a week
        assert len(week_later) == 1 and week_later[0].startswith("RALLY of SPY trained on ")
