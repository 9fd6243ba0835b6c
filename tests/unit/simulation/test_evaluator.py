"""StrategyEvaluator over synthetic sessions: per-day rows, metrics, processes, bad requests."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pytest

from tc2.data.bars import Resolution
from tc2.data.price_stores import price_store_for
from tc2.data.synthetic import SyntheticMarket
from tc2.env import EnvType, MarketCalendar
from tc2.errors import ConfigurationError, DataError, ValidationFailed
from tc2.simulation.evaluator import (
    Accounts,
    EvaluationRequest,
    StoreLocation,
    StrategyEvaluator,
)
from tc2.simulation.simulator import SimulationSettings

CALENDAR = MarketCalendar.xnys()
START, END = date(2026, 3, 2), date(2026, 3, 13)  # ten sessions
MISSING = date(2026, 3, 10)  # QQQ's bars are not on file that day
HISTORY_SESSIONS = 100


@pytest.fixture(scope="module")
def location(tmp_path_factory: pytest.TempPathFactory) -> StoreLocation:
    data_dir = Path(tmp_path_factory.mktemp("data"))
    store = price_store_for(EnvType.LIVE, data_dir=data_dir)
    market = SyntheticMarket(seed=11, calendar=CALENDAR)
    days = CALENDAR.sessions_in_range(date(2026, 2, 27), END)
    # CycleStrategy's models read minute bars of the 100 sessions before each day.
    history = CALENDAR.sessions_before(days[0], HISTORY_SESSIONS)
    for symbol in ("SPY", "QQQ"):
        store.save_days(
            market.day_bars(symbol=symbol, day=day, resolution=Resolution.MINUTE) for day in history
        )
        for day in days:
            if symbol == "QQQ" and day == MISSING:
                continue
            for resolution in (Resolution.SECOND, Resolution.MINUTE):
                store.save_day(market.day_bars(symbol=symbol, day=day, resolution=resolution))
    return StoreLocation(data_dir=data_dir)


def _evaluator(location: StoreLocation, processes: int = 1) -> StrategyEvaluator:
    return StrategyEvaluator(store=location, calendar=CALENDAR, processes=processes)


def _request(strategy: str = "CycleStrategy", **changes: object) -> EvaluationRequest:
    # The synthetic market is a random walk, where CycleStrategy's PROFITABILITY model rightly
    # refuses every day; the mechanics are tested without the model filters, the filters on
    # their own (ModelFilterEvaluationTests).
    fields: dict[str, object] = {
        "strategy": strategy,
        "symbols": ("SPY", "QQQ"),
        "start": START,
        "end": END,
        "settings": SimulationSettings(model_filters=False),
    }
    fields.update(changes)
    return EvaluationRequest(**fields)  # type: ignore[arg-type]


class DayStrategyEvaluationTests:
    def test_every_symbol_day_is_a_row_and_the_metrics_add_up(
        self, location: StoreLocation
    ) -> None:
        seen: list[tuple[int, int]] = []
        evaluation = _evaluator(location).evaluate(
            _request(), progress=lambda done, total: seen.append((done, total))
        )

        rows = evaluation.days
        assert len(rows) == 20
        assert [(row.day, row.symbols) for row in rows] == sorted(
            (day, (symbol,))
            for day in CALENDAR.sessions_in_range(START, END)
            for symbol in ("QQQ", "SPY")
        )
        skipped = evaluation.skipped
        assert [(row.day, row.symbols) for row in skipped] == [(MISSING, ("QQQ",))]
        assert "no 1s bars of QQQ on file for 2026-03-10" in (skipped[0].skipped or "")
        simulated = [row for row in rows if row.skipped is None]
        assert evaluation.tc2.days_evaluated == 19
        assert evaluation.tc2.days_entered == sum(row.entered for row in simulated) > 0
        assert evaluation.tc2.net_profit == pytest.approx(math.fsum(r.profit for r in simulated))
        assert evaluation.initial_equity == 2 * 30_000.0  # one account per symbol
        assert evaluation.equity is not None and evaluation.performance is not None
        assert evaluation.equity.days == tuple(CALENDAR.sessions_in_range(START, END))
        assert evaluation.equity.equity[-1] == pytest.approx(
            evaluation.initial_equity + evaluation.tc2.net_profit
        )
        assert evaluation.performance.trade_count == sum(row.round_trips for row in simulated)
        assert seen[0] == (0, 20) and seen[-1] == (20, 20)
        assert [done for done, _ in seen] == sorted(done for done, _ in seen)

    def test_processes_do_not_change_the_result(self, location: StoreLocation) -> None:
        alone = _evaluator(location, processes=1).evaluate(_request())
        pooled = _evaluator(location, processes=2).evaluate(_request())

        assert pooled == alone  # the wall-clock time is not compared
        assert pooled.to_dict()["fingerprint"] == alone.fingerprint

    def test_parameters_and_fill_model_change_the_fingerprint(
        self, location: StoreLocation
    ) -> None:
        base = _evaluator(location).evaluate(_request())
        tuned = _evaluator(location).evaluate(_request(params={"lower_buy_pct": 0.001}))
        tc2_fills = _evaluator(location).evaluate(
            _request(settings=SimulationSettings(fill_model="tc2", model_filters=False))
        )

        assert tuned.params["lower_buy_pct"] == 0.001
        assert len({base.fingerprint, tuned.fingerprint, tc2_fills.fingerprint}) == 3
        assert tc2_fills.fill_model == "tc2"

    def test_fixed_symbols_run_once_per_session(self, location: StoreLocation) -> None:
        # LongShortStrategy always trades SPY, SPXL and SPXS: none of SPXL/SPXS is on file.
        # Every session skipped: the strategy would receive no bar, so the run fails saying why
        # (never an empty success).
        with pytest.raises(DataError) as raised:
            _evaluator(location).evaluate(_request("LongShortStrategy"))

        message = str(raised.value)
        assert "no symbol-day could be simulated, so the strategy received no bar" in message
        assert "no 1s bars of SPXL on file for 2026-03-02" in message
        assert "(10 symbol-days skipped)" in message


class ModelFilterEvaluationTests:
    def test_models_judge_every_day_alike_in_one_process_or_two(
        self, location: StoreLocation
    ) -> None:
        filtered = _request(settings=SimulationSettings())

        alone = _evaluator(location, processes=1).evaluate(filtered)
        pooled = _evaluator(location, processes=2).evaluate(filtered)

        assert pooled == alone
        simulated = [row for row in alone.days if row.skipped is None]
        assert len(simulated) == 19
        # PROFITABILITY fails this random walk on every day: nothing becomes viable.
        assert not any(row.viable or row.entered for row in simulated)
        assert alone.tc2.days_viable == 0


class SwingStrategyEvaluationTests:
    def test_a_swing_strategy_runs_across_the_range_per_symbol(
        self, location: StoreLocation
    ) -> None:
        evaluation = _evaluator(location).evaluate(
            _request("SmaCrossStrategy", symbols=("SPY",), params={"qty": 10})
        )

        assert evaluation.kind == "swing"
        assert [row.day for row in evaluation.days] == CALENDAR.sessions_in_range(START, END)
        assert sum(row.fills for row in evaluation.days) > 10
        # Profit per day is the change of marked equity: it adds up to the span's result.
        assert evaluation.equity is not None
        assert evaluation.equity.equity[-1] == pytest.approx(
            30_000.0 + math.fsum(row.profit for row in evaluation.days)
        )
        held_overnight = [row for row in evaluation.days if row.exposure_seconds > 0]
        assert held_overnight, "a swing strategy holds positions during sessions"


class BadEvaluationRequestTests:
    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"end": date(2026, 3, 1)}, "end"),
            ({"start": date(2026, 3, 7), "end": date(2026, 3, 8)}, "start"),  # a weekend
            ({"params": {"lower_buy_pct": 0.9}}, "params.lower_buy_pct"),
            ({"params": {"nope": 1}}, "params.nope"),
            ({"symbols": ()}, "symbols"),
        ],
    )
    def test_refused_before_anything_runs(
        self, location: StoreLocation, changes: dict[str, object], field: str
    ) -> None:
        calls: list[tuple[int, int]] = []
        with pytest.raises(ValidationFailed) as caught:
            _evaluator(location).evaluate(
                _request(**changes), progress=lambda done, total: calls.append((done, total))
            )

        assert field in caught.value.field_errors
        assert calls == []

    def test_an_unknown_strategy(self, location: StoreLocation) -> None:
        with pytest.raises(ConfigurationError, match="unknown strategy 'Nope'"):
            _evaluator(location).evaluate(_request("Nope"))


class BenchmarkEvaluationTests:
    def test_the_benchmark_is_bought_at_the_first_open_and_held_over_the_same_sessions(
        self, location: StoreLocation
    ) -> None:
        evaluation = _evaluator(location).evaluate(_request(symbols=("QQQ",), benchmark="SPY"))

        assert evaluation.equity is not None and evaluation.benchmark is not None
        line = evaluation.benchmark
        assert line.symbol == "SPY" and line.days == evaluation.equity.days
        store = location.open()
        first = store.load_day("SPY", START, Resolution.MINUTE)
        last = store.load_day("SPY", END, Resolution.MINUTE)
        opened = float(first.o[first.t >= int(CALENDAR.session_open(START).timestamp())][0])
        closed = float(last.c[last.t < int(CALENDAR.session_close(END).timestamp())][-1])
        assert line.equity[-1] == pytest.approx(30_000.0 * closed / opened)
        assert line.beta is not None and line.alpha is not None
        assert evaluation.to_dict()["benchmark"]["symbol"] == "SPY"

    def test_a_benchmark_not_on_file_warns_and_the_evaluation_stands(
        self, location: StoreLocation
    ) -> None:
        evaluation = _evaluator(location).evaluate(_request(benchmark="DIA"))

        assert evaluation.benchmark is not None and evaluation.benchmark.equity == ()
        assert "no bars of benchmark DIA on file" in (evaluation.benchmark.warning or "")
        assert evaluation.performance is not None


PORTFOLIO = Path(__file__).parent / "troubled" / "portfolio_strategies.py"


class SharedAccountEvaluationTests:
    def test_symbols_compete_for_one_account_and_the_result_says_so(
        self, location: StoreLocation
    ) -> None:
        strategy = f"{PORTFOLIO}:SixtyPercentEach"
        own = _evaluator(location).evaluate(_request(strategy))
        shared = _evaluator(location).evaluate(_request(strategy, accounts=Accounts.SHARED))

        assert own.initial_equity == 60_000.0 and shared.initial_equity == 30_000.0
        assert (
            shared.to_dict()["accounts"] == "shared" == shared.to_dict()["equity_curve"]["accounts"]
        )
        assert own.to_dict()["accounts"] == "per_symbol"
        # One run per session of both symbols, QQQ first (alphabetical)
        days = CALENDAR.sessions_in_range(START, END)
        assert [(row.day, row.symbols) for row in shared.days] == [
            (d, ("QQQ", "SPY")) for d in days
        ]
        # Per symbol, each buys and is flattened: two fills per symbol-day. Shared, the second
        # 60 % order does not fit the account: one buy and its flattening per session.
        assert {row.fills for row in own.days if row.simulated} == {2}
        assert {row.fills for row in shared.days if row.simulated} == {2}
        assert shared.performance is not None and shared.equity is not None

    def test_a_shared_account_is_the_same_in_one_process_or_two(
        self, location: StoreLocation
    ) -> None:
        request = _request("SmaCrossStrategy", params={"qty": 10}, accounts=Accounts.SHARED)

        alone = _evaluator(location, processes=1).evaluate(request)
        pooled = _evaluator(location, processes=2).evaluate(request)

        assert pooled == alone
        assert len(alone.days) == 10 and alone.initial_equity == 30_000.0
        assert sum(row.fills for row in alone.days) > 10
