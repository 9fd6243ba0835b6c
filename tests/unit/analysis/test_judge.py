"""ModelJudge: learned models retrained weekly on a calendar schedule, from earlier days only."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from tc2.analysis.grades import Grade
from tc2.analysis.judge import ModelJudge
from tc2.analysis.spot import ModelData
from tc2.data.bars import Resolution
from tc2.data.price_stores import price_store_for
from tc2.data.session_cache import SessionCache
from tc2.data.store import PriceStore
from tc2.data.synthetic import SyntheticMarket
from tc2.env import EnvType, MarketCalendar
from tc2.env.market_calendar import new_york_epoch

CALENDAR = MarketCalendar.xnys()
WEDNESDAY, THURSDAY = date(2025, 6, 4), date(2025, 6, 5)
MONDAY = date(2025, 6, 2)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> PriceStore:
    store = price_store_for(EnvType.LIVE, data_dir=Path(tmp_path_factory.mktemp("data")))
    market = SyntheticMarket(seed=3, calendar=CALENDAR)
    days = [*CALENDAR.sessions_before(MONDAY, 90), MONDAY, date(2025, 6, 3), WEDNESDAY, THURSDAY]
    store.save_days(
        market.day_bars(symbol="SPY", day=day, resolution=Resolution.MINUTE) for day in days
    )
    return store


def _rally(store: PriceStore, day: date, judge: ModelJudge) -> dict[str, object]:
    data = ModelData(
        store=store, calendar=CALENDAR, day=day, now_t=new_york_epoch(day, time(10, 30))
    )
    (grade,) = [g for g in judge.grades("SPY", data) if g.model == "RALLY"]
    assert grade.grade is not Grade.FAIL, grade.reason
    assert isinstance(grade.output, dict)
    return grade.output


class LearnedModelJudgeTests:
    def test_days_of_one_week_share_the_model_trained_before_it(self, store: PriceStore) -> None:
        judge = ModelJudge(names=["RALLY"], sessions=SessionCache(store, CALENDAR))

        wednesday = _rally(store, WEDNESDAY, judge)
        thursday = _rally(store, THURSDAY, judge)

        before_monday = CALENDAR.previous_session(MONDAY).isoformat()
        assert wednesday["trained_through"] == thursday["trained_through"] == before_monday
        assert 0 <= float(wednesday["validation_accuracy"]) <= 1  # type: ignore[arg-type]

    def test_the_same_day_gets_the_same_answer_whatever_came_before(
        self, store: PriceStore
    ) -> None:
        fresh = ModelJudge(names=["RALLY"], sessions=SessionCache(store, CALENDAR))
        used = ModelJudge(names=["RALLY"], sessions=SessionCache(store, CALENDAR))
        _rally(store, WEDNESDAY, used)

        assert _rally(store, THURSDAY, fresh) == _rally(store, THURSDAY, used)

    def test_too_little_history_fails_with_the_reason(self, tmp_path: Path) -> None:
        store = price_store_for(EnvType.LIVE, data_dir=tmp_path)
        market = SyntheticMarket(seed=3, calendar=CALENDAR)
        store.save_days(
            market.day_bars(symbol="SPY", day=day, resolution=Resolution.MINUTE)
            for day in [*CALENDAR.sessions_before(MONDAY, 10), WEDNESDAY]
        )
        judge = ModelJudge(names=["RALLY"], sessions=SessionCache(store, CALENDAR))
        data = ModelData(
            store=store,
            calendar=CALENDAR,
            day=WEDNESDAY,
            now_t=new_york_epoch(WEDNESDAY, time(10, 30)),
        )

        (grade,) = judge.grades("SPY", data)

        assert grade.grade is Grade.FAIL and "RALLY" in grade.reason and "60" in grade.reason
