"""A crash-proof evaluator: whatever a strategy does in a worker, the evaluation ends.

The troubled strategies (``troubled/troubled_strategies.py``) fail on chosen symbol-days, each
in its own way; every other symbol-day of a two-process evaluation must complete, each bad one
be recorded with the error's type, message and where it was raised, or (``on_error="stop"``)
the evaluation must fail at once with the first error.
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest

from tc2.data.bars import Resolution
from tc2.data.price_stores import price_store_for
from tc2.data.synthetic import SyntheticMarket
from tc2.env import EnvType, MarketCalendar
from tc2.errors import StrategyError
from tc2.simulation.evaluator import (
    DayError,
    EvaluatedDay,
    EvaluationRequest,
    OnError,
    StoreLocation,
    StrategyEvaluator,
)
from tc2.simulation.simulator import SimulationSettings

CALENDAR = MarketCalendar.xnys()
START, END = date(2026, 3, 2), date(2026, 3, 6)  # five sessions, two symbols: ten symbol-days
STRATEGIES = Path(__file__).parent / "troubled" / "troubled_strategies.py"
RAISED = {
    ("QQQ", date(2026, 3, 3)): ("HoldsALock", "the lock stays in the worker"),
    ("SPY", date(2026, 3, 4)): ("CarriesALambda", "the lambda stays in the worker"),
    ("QQQ", date(2026, 3, 5)): ("OrderRejected", "rejected: "),
}


@pytest.fixture(scope="module")
def location(tmp_path_factory: pytest.TempPathFactory) -> StoreLocation:
    data_dir = Path(tmp_path_factory.mktemp("data"))
    store = price_store_for(EnvType.LIVE, data_dir=data_dir)
    market = SyntheticMarket(seed=5, calendar=CALENDAR)
    for symbol in ("SPY", "QQQ"):
        store.save_days(
            market.day_bars(symbol=symbol, day=day, resolution=Resolution.MINUTE)
            for day in CALENDAR.sessions_in_range(date(2026, 2, 27), END)
        )
    return StoreLocation(data_dir=data_dir)


def _evaluate(
    location: StoreLocation,
    name: str,
    *,
    processes: int = 2,
    on_error: OnError = OnError.CONTINUE,
    day_time_limit: float | None = None,
) -> tuple[EvaluatedDay, ...]:
    evaluator = StrategyEvaluator(
        store=location, calendar=CALENDAR, processes=processes, day_time_limit=day_time_limit
    )
    request = EvaluationRequest(
        strategy=f"{STRATEGIES}:{name}",
        symbols=("SPY", "QQQ"),
        start=START,
        end=END,
        settings=SimulationSettings(model_filters=False),
        on_error=on_error,
    )
    evaluation = evaluator.evaluate(request)
    assert len(evaluation.days) == 10
    assert evaluation.to_dict()["failed"] == len(evaluation.failed)
    # A failed day counts in no figure: its partial run is not a result.
    assert evaluation.tc2.days_evaluated == 10 - len(evaluation.failed)
    assert evaluation.equity is not None
    assert evaluation.equity.days == tuple(
        sorted({row.day for row in evaluation.days if row.simulated})
    )
    return evaluation.days


def _errors(rows: tuple[EvaluatedDay, ...]) -> dict[tuple[str, date], DayError]:
    assert all(row.skipped is None for row in rows)
    # Every day that did not fail ran to its end.
    assert all(row.session_seconds > 0 for row in rows if row.error is None)
    return {(row.symbols[0], row.day): row.error for row in rows if row.error is not None}


class StrategyExceptionTests:
    @pytest.mark.parametrize("processes", [1, 2])
    def test_each_failed_symbol_day_is_recorded_and_the_rest_completes(
        self, location: StoreLocation, processes: int
    ) -> None:
        errors = _errors(_evaluate(location, "RaisesErrors", processes=processes))

        assert set(errors) == set(RAISED)
        for key, (error_type, message) in RAISED.items():
            assert errors[key].type == error_type
            assert message in errors[key].message
            assert "troubled_strategies.py:" in errors[key].where
            assert errors[key].where.endswith(
                ("in raise_holds_a_lock", "in raise_carries_a_lambda", "in order_too_much")
            )

    def test_stop_fails_the_run_at_once_with_the_first_error(self, location: StoreLocation) -> None:
        with pytest.raises(
            StrategyError, match=r"on 2026-03-0\d: (HoldsALock|CarriesALambda|OrderRejected): "
        ):
            _evaluate(location, "RaisesErrors", on_error=OnError.STOP)


class DeadWorkerTests:
    def test_a_worker_that_dies_fails_its_symbol_day_only(self, location: StoreLocation) -> None:
        errors = _errors(_evaluate(location, "EndsItsProcess"))

        assert set(errors) == {*RAISED, ("SPY", date(2026, 3, 3)), ("QQQ", date(2026, 3, 6))}
        exited, killed = errors[("SPY", date(2026, 3, 3))], errors[("QQQ", date(2026, 3, 6))]
        assert (exited.type, killed.type) == ("WorkerDied", "WorkerDied")
        assert "the worker process died (exit code 3)" in exited.message
        assert "killed by signal SIGKILL" in killed.message
        assert errors[("QQQ", date(2026, 3, 3))].type == "HoldsALock"

    def test_a_symbol_day_past_the_time_limit_is_stopped(self, location: StoreLocation) -> None:
        began = time.monotonic()
        errors = _errors(_evaluate(location, "SleepsForever", day_time_limit=3))

        assert list(errors) == [("QQQ", date(2026, 3, 4))]
        assert errors[("QQQ", date(2026, 3, 4))].type == "TimeLimit"
        assert "time limit of 3 s" in errors[("QQQ", date(2026, 3, 4))].message
        assert time.monotonic() - began < 60
