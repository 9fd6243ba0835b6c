"""``manage.py simulate`` and ``manage.py evaluate`` on synthetic bars in the test's LIVE store."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import date
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from tc2.data.bars import Resolution
from tc2.data.synthetic import SyntheticMarket
from tc2.env import EnvType, EpochClock, ExecEnv, MarketCalendar
from tc2.simulation.simulator import (
    DAY_NOT_ON_FILE_MESSAGE,
    DayRequest,
    SimulationSettings,
    StrategySimulator,
)
from tc2.strategy.builtin.cycle import CycleStrategy
from tc2.strategy.registry import strategy_library
from webpanel.data.selectors import live_store
from webpanel.strategy.management.commands._strategy_job import describe_not_viable

CALENDAR = MarketCalendar.xnys()
START, DAY = date(2026, 3, 2), date(2026, 3, 6)  # CycleStrategy trades SPY on DAY (seed 3)
PROJECT_DIR = Path(__file__).resolve().parents[2]
TROUBLED = PROJECT_DIR / "tests/unit/simulation/troubled/troubled_strategies.py"
FINGERPRINT_LINE = re.compile(r"^fingerprint: ([0-9a-f]{64})$", re.MULTILINE)


@pytest.fixture
def seeded() -> None:
    market = SyntheticMarket(seed=3, calendar=CALENDAR)
    store = live_store()
    for symbol in ("SPY", "QQQ"):
        for day in CALENDAR.sessions_in_range(START, DAY):
            for resolution in (Resolution.SECOND, Resolution.MINUTE):
                store.save_day(market.day_bars(symbol=symbol, day=day, resolution=resolution))


def _run(command: str, *args: str) -> str:
    out = StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def _with_strategy(arguments: tuple[str, ...], strategy: str) -> tuple[str, ...]:
    return tuple(
        strategy if previous == "--strategy" else argument
        for previous, argument in zip(("", *arguments[:-1]), arguments, strict=True)
    )


def _printed_fingerprint(text: str) -> str:
    found = FINGERPRINT_LINE.findall(text)
    assert len(found) == 1, text
    return str(found[0])


# Without the model filters: PROFITABILITY needs 100 sessions this store does not have.
SIMULATE_CYCLE = (
    "--strategy",
    "CycleStrategy",
    "--symbol",
    "SPY",
    "--day",
    DAY.isoformat(),
    "--no-model-filters",
)
EVALUATE_CYCLE = (
    "--strategy",
    "CycleStrategy",
    "--symbols",
    "SPY,QQQ",
    "--start",
    START.isoformat(),
    "--end",
    DAY.isoformat(),
    "--no-model-filters",
)


class SimulateCommandTests:
    def test_summary_and_json_print_the_same_stable_fingerprint_as_the_engine(self, seeded: None):
        summary = _run("simulate", *SIMULATE_CYCLE)
        again = _run("simulate", *SIMULATE_CYCLE)
        record = json.loads(_run("simulate", *SIMULATE_CYCLE, "--json"))

        env = ExecEnv(env_type=EnvType.SIMULATION, clock=EpochClock(0), calendar=CALENDAR)
        direct = StrategySimulator(store=live_store(), calendar=CALENDAR, exec_env=env)
        engine = direct.simulate_day(
            DayRequest(
                strategy_class=CycleStrategy,
                symbols=("SPY",),
                day=DAY,
                settings=SimulationSettings(model_filters=False),
            )
        )
        assert engine.fills, "the day must trade, or the fingerprint proves little"
        assert _printed_fingerprint(summary) == _printed_fingerprint(again)
        assert _printed_fingerprint(summary) == record["fingerprint"] == engine.fingerprint
        assert summary.startswith(
            f"CycleStrategy (day, 1s bars) on SPY, {DAY}, fill model realistic, split prices"
        )
        assert f"fills: {len(engine.fills)}," in summary
        assert f"profit: {engine.profit:,.2f} (fees {engine.fees:,.2f})" in summary
        assert f"stop: {engine.stop_reason}" in summary

    def test_the_command_line_loads_a_path_and_a_library_file_the_api_refuses_paths(
        self, seeded: None, tmp_path: Path
    ):
        # The user on the machine owns its files: the command line may run a path.
        path = tmp_path / "my_cycle.py"
        path.write_text(
            "from tc2.strategy.builtin.cycle import CycleStrategy\n"
            "class MyCycle(CycleStrategy):\n    pass\n"
        )
        by_path = json.loads(
            _run("simulate", *_with_strategy(SIMULATE_CYCLE, f"{path}:MyCycle"), "--json")
        )
        strategy_library().add(name="my_cycle.py", content=path.read_bytes())
        by_name = json.loads(_run("simulate", *_with_strategy(SIMULATE_CYCLE, "MyCycle"), "--json"))
        builtin = json.loads(_run("simulate", *SIMULATE_CYCLE, "--json"))

        assert by_path["strategy"] == by_name["strategy"] == "MyCycle"
        assert by_path["fills"] == by_name["fills"] == builtin["fills"] != []

    def test_a_minute_strategy_with_params_and_another_fill_model(self, seeded: None):
        record = json.loads(
            _run(
                "simulate",
                "--strategy",
                "SmaCrossStrategy",
                "--symbol",
                "QQQ",
                "--day",
                DAY.isoformat(),
                "--params",
                '{"qty": 10, "fast": 5}',
                "--fill-model",
                "backtrader",
                "--adjustment",
                "raw",
                "--json",
            )
        )
        assert record["resolution"] == "1m" and record["symbols"] == ["QQQ"]
        assert record["params"]["qty"] == 10 and record["params"]["fast"] == 5
        assert record["fill_model"] == "backtrader" and record["adjustment"] == "raw"
        assert record["fills"] and all(fill["qty"] == 10 for fill in record["fills"])

    def test_bad_input_is_a_command_error_listing_every_problem(self, seeded: None):
        with pytest.raises(CommandError) as raised:
            _run(
                "simulate",
                "--strategy",
                "CycleStrategy",
                "--symbol",
                "SPY",
                "--day",
                "2026-03-09",
                "--params",
                '{"lower_buy_pct": 5}',
                "--fill-model",
                "magic",
            )
        message = str(raised.value)
        assert "params.lower_buy_pct: lower_buy_pct must be <= 0.05, was 5" in message
        assert "fill_model: fill model must be one of" in message
        assert "strategy" not in message.split("\n", 1)[1]  # the strategy itself is fine

    def test_a_day_the_models_rule_out_names_each_model_and_its_reason(self, seeded: None):
        # With the filters on, five sessions are too few for PROFITABILITY's 100.
        summary = _run("simulate", *SIMULATE_CYCLE[:-1])
        record = json.loads(_run("simulate", *SIMULATE_CYCLE[:-1], "--json"))

        reasons = record["not_viable"]
        assert record["viable"] is False and record["fills"] == []
        assert {"symbol": "SPY", "model": "PROFITABILITY"}.items() <= reasons[-1].items()
        assert "PROFITABILITY needs 100 sessions of SPY" in reasons[-1]["reason"]
        assert f"never started: not viable: {describe_not_viable(reasons)}" in summary
        assert f"SPY PROFITABILITY needs 100 sessions of SPY before {DAY}" in summary
        assert describe_not_viable(reasons) in record["stop_reason"]

    def test_a_day_without_bars_names_what_to_do(self, seeded: None):
        with pytest.raises(CommandError) as raised:
            _run(
                "simulate", "--strategy", "CycleStrategy", "--symbol", "SPY", "--day", "2026-03-09"
            )
        assert DAY_NOT_ON_FILE_MESSAGE.format(
            resolution="1s", symbol="SPY", day="2026-03-09"
        ) in str(raised.value)
        # ... and where it looked: the data directory `make run` shares with the CLI.
        assert f"the data directory {settings.TC2_CONFIG.data_dir} " in str(raised.value)

    def test_params_that_are_not_json_are_refused(self, seeded: None):
        with pytest.raises(CommandError, match="--params must be a JSON object"):
            _run("simulate", *SIMULATE_CYCLE, "--params", "{qty: 10}")

    def test_the_process_exits_non_zero_and_prints_nothing_on_stdout(
        self, seeded: None, settings: Any
    ):
        env = {
            **os.environ,
            "TC2_DATA_DIR": str(settings.TC2_CONFIG.data_dir),
            "TC2_ENV_FILE": "",
            "DJANGO_SETTINGS_MODULE": "webpanel.settings.test",
        }
        done = subprocess.run(
            [sys.executable, "manage.py", "simulate", *SIMULATE_CYCLE[:4], "--day", "2026-03-07"],
            cwd=PROJECT_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 1
        assert "2026-03-07 is not a trading session" in done.stderr
        assert done.stdout == ""

    def test_before_setup_it_names_the_data_directory_and_writes_no_secret_key(
        self, tmp_path: Path
    ):
        fresh = tmp_path / "never-set-up"
        env = {**os.environ, "TC2_DATA_DIR": str(fresh), "TC2_ENV_FILE": ""}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        env.pop("TC2_SECRET_KEY", None)

        done = subprocess.run(
            [sys.executable, "manage.py", "simulate", *SIMULATE_CYCLE[:4], "--day", "2026-03-09"],
            cwd=PROJECT_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

        assert done.returncode == 1
        assert "no 1s bars of SPY on file for 2026-03-09" in done.stderr
        assert f"the data directory {fresh} " in done.stderr
        assert not (fresh / "secret_key").exists()


class EvaluateCommandTests:
    def test_summary_and_json_print_the_same_stable_fingerprint(
        self, seeded: None, monkeypatch: pytest.MonkeyPatch
    ):
        monkeypatch.setenv("TC2_SIM_PROCESSES", "1")
        summary = _run("evaluate", *EVALUATE_CYCLE)
        evaluation = json.loads(_run("evaluate", *EVALUATE_CYCLE, "--json"))

        assert evaluation["tc2_metrics"]["days_entered"] > 0
        assert _printed_fingerprint(summary) == evaluation["fingerprint"]
        assert evaluation["symbols"] == ["SPY", "QQQ"] and len(evaluation["days"]) == 10
        assert "symbol-days: 10 (10 simulated, 0 skipped, 0 failed)" in summary
        assert "fill model realistic, 1s bars, split prices" in summary
        assert evaluation["adjustment"] == "split"
        net = evaluation["tc2_metrics"]["net_profit"]
        assert f"net profit: {net:,.2f}" in summary

    def test_two_processes_give_the_fingerprint_of_one(
        self, seeded: None, monkeypatch: pytest.MonkeyPatch
    ):
        monkeypatch.setenv("TC2_SIM_PROCESSES", "1")
        alone = json.loads(_run("evaluate", *EVALUATE_CYCLE, "--json"))
        monkeypatch.setenv("TC2_SIM_PROCESSES", "2")
        shared = json.loads(_run("evaluate", *EVALUATE_CYCLE, "--json"))
        assert shared["fingerprint"] == alone["fingerprint"]
        assert shared["days"] == alone["days"]

    def test_skipped_days_are_listed_with_their_reason(
        self, seeded: None, monkeypatch: pytest.MonkeyPatch
    ):
        monkeypatch.setenv("TC2_SIM_PROCESSES", "1")
        live_store().delete_day("QQQ", date(2026, 3, 4), Resolution.SECOND)
        summary = _run("evaluate", *EVALUATE_CYCLE)
        assert "symbol-days: 10 (9 simulated, 1 skipped, 0 failed)" in summary
        assert "skipped 2026-03-04 QQQ: no 1s bars of QQQ on file for 2026-03-04" in summary

    def test_failed_days_are_listed_with_their_error_and_stop_fails_the_run(
        self, seeded: None, monkeypatch: pytest.MonkeyPatch
    ):
        monkeypatch.setenv("TC2_SIM_PROCESSES", "2")
        troubled = _with_strategy(EVALUATE_CYCLE, f"{TROUBLED}:RaisesErrors")
        summary = _run("evaluate", *troubled)

        assert "symbol-days: 10 (7 simulated, 0 skipped, 3 failed)" in summary
        assert "failed 2026-03-03 QQQ: HoldsALock: " in summary
        assert "the lock stays in the worker (at " in summary
        assert "failed 2026-03-05 QQQ: OrderRejected: order " in summary
        # In one process the first failure is the first in order of chunks: SPY comes first.
        monkeypatch.setenv("TC2_SIM_PROCESSES", "1")
        with pytest.raises(CommandError, match=r"SPY on 2026-03-04: CarriesALambda: the lambda"):
            _run("evaluate", *troubled, "--on-error", "stop")
        with pytest.raises(CommandError, match=r"on_error: must be one of continue, stop"):
            _run("evaluate", *troubled, "--on-error", "ignore")

    def test_a_shared_account_and_the_benchmark_line(
        self, seeded: None, monkeypatch: pytest.MonkeyPatch
    ):
        monkeypatch.setenv("TC2_SIM_PROCESSES", "1")
        shared = (*EVALUATE_CYCLE, "--accounts", "shared", "--benchmark", "QQQ")
        summary = _run("evaluate", *shared)
        evaluation = json.loads(_run("evaluate", *shared, "--json"))

        assert evaluation["accounts"] == "shared" == evaluation["equity_curve"]["accounts"]
        assert evaluation["initial_equity"] == 30_000.0
        assert {tuple(day["symbols"]) for day in evaluation["days"]} == {("QQQ", "SPY")}
        benchmark = evaluation["benchmark"]
        assert (
            benchmark["symbol"] == "QQQ" and benchmark["days"] == evaluation["equity_curve"]["days"]
        )
        assert (
            f"benchmark QQQ buy-and-hold: total return {benchmark['total_return']:.2%}" in summary
        )
        assert f"beta {benchmark['beta']:.2f}" in summary
        missing = _run("evaluate", *EVALUATE_CYCLE, "--benchmark", "DIA")
        assert "benchmark warning: no bars of benchmark DIA on file from 2026-03-02" in missing
        with pytest.raises(CommandError, match="accounts: must be one of per_symbol, shared"):
            _run("evaluate", *EVALUATE_CYCLE, "--accounts", "pooled")

    def test_days_the_models_rule_out_are_listed_with_each_model_and_reason(
        self, seeded: None, monkeypatch: pytest.MonkeyPatch
    ):
        monkeypatch.setenv("TC2_SIM_PROCESSES", "1")
        summary = _run("evaluate", *EVALUATE_CYCLE[:-1])
        evaluation = json.loads(_run("evaluate", *EVALUATE_CYCLE[:-1], "--json"))

        days = evaluation["days"]
        assert len(days) == 10 and not any(day["viable"] for day in days)
        for day in days:
            assert any(reason["model"] == "PROFITABILITY" for reason in day["not_viable"])
            line = f"not viable {day['day']}: {describe_not_viable(day['not_viable'])}"
            assert line in summary
        assert "SPY PROFITABILITY needs 100 sessions of SPY before 2026-03-02" in summary

    def test_end_before_start_and_bad_params_are_refused_before_running(self, seeded: None):
        with pytest.raises(CommandError) as raised:
            _run(
                "evaluate",
                "--strategy",
                "CycleStrategy",
                "--symbols",
                "SPY, QQQ",
                "--start",
                DAY.isoformat(),
                "--end",
                START.isoformat(),
                "--params",
                '{"nope": 1}',
            )
        message = str(raised.value)
        assert f"end: must not be before start {DAY}, was {START}" in message
        assert "params.nope: unknown parameter 'nope'" in message

    def test_a_bad_process_count_is_named(self, seeded: None, monkeypatch: pytest.MonkeyPatch):
        monkeypatch.setenv("TC2_SIM_PROCESSES", "many")
        with pytest.raises(CommandError, match="TC2_SIM_PROCESSES must be an integer"):
            _run("evaluate", *EVALUATE_CYCLE)


BROKER_ORDERS_STRATEGY = '''
from datetime import time

from tc2.data.bars import Resolution
from tc2.strategy import ActiveWindow, Strategy, StrategyKind


class NotionalFlip(Strategy):
    """$2,500 of SPY bought by notional and sold whole, then 10 bought and 20 sold: short 10."""

    kind = StrategyKind.SWING
    resolution = Resolution.MINUTE
    active_windows = (ActiveWindow(time(9, 30), time(16)),)
    default_symbols = ("SPY",)

    def on_start(self):
        self.step = 0

    def on_bar(self, symbol, bar):
        if self.env.account.open_orders(symbol):
            return
        held = self.position_qty(symbol)
        if self.step == 0:
            self.buy(symbol, notional=2500.0)
        elif self.step == 1 and held:
            self.sell(symbol, held)
        elif self.step == 2 and not held:
            self.buy(symbol, 10)
        elif self.step == 3 and held == 10:
            self.sell(symbol, 20)
        else:
            return
        self.step += 1
'''


class BrokerOrderCommandTests:
    """Notional orders, close-and-reverse, short selling and the end of a swing run from the
    command line, on a strategy file (the path form only the command line takes)."""

    @pytest.fixture
    def flip(self, tmp_path: Path) -> str:
        path = tmp_path / "notional_flip.py"
        path.write_text(BROKER_ORDERS_STRATEGY)
        return f"{path}:NotionalFlip"

    def _simulate(self, flip: str, *options: str) -> str:
        return _run("simulate", "--strategy", flip, "--symbol", "SPY", "--day", str(DAY), *options)

    def test_notional_fractional_fills_a_reversal_and_the_end_of_the_run(
        self, seeded: None, flip: str
    ):
        marked = json.loads(self._simulate(flip, "--allow-short", "--json"))
        closed = json.loads(self._simulate(flip, "--allow-short", "--close-at-end", "--json"))
        summary = self._simulate(flip, "--allow-short", "--close-at-end")

        bought, sold, whole, reverse = marked["fills"]
        assert marked["orders"][0]["notional"] == 2500.0
        assert bought["qty"] != int(bought["qty"]) and bought["qty"] * bought["price"] <= 2500.0
        assert sold["qty"] == bought["qty"]
        assert (whole["qty"], reverse["side"], reverse["qty"]) == (10, "sell", 20)
        assert marked["allow_short"] is True
        assert marked["end_of_run"] == "marked_to_market"
        assert [p["qty"] for p in marked["positions"]] == [-10]
        assert closed["end_of_run"] == "closed_at_last_close"
        assert [p["qty"] for p in closed["positions"]] == [0]
        assert closed["fills"][-1]["side"] == "buy" and closed["fills"][-1]["qty"] == 10
        assert "short selling allowed; positions at the end: closed at the last bar's" in summary
        assert "SPY -10 unrealized" in self._simulate(flip, "--allow-short")

    def test_reversing_without_short_selling_is_refused_naming_the_rule_and_figures(
        self, seeded: None, flip: str
    ):
        with pytest.raises(CommandError) as raised:
            self._simulate(flip)

        message = str(raised.value)
        assert message.startswith("OrderRejected: order sim-000004 rejected: insufficient shares")
        assert "sell 20 SPY" in message and "holding 10" in message
        assert "so 10 shares would be sold short; short selling is disabled" in message

    def test_an_evaluation_with_a_risk_free_rate_states_it_and_how_the_run_ended(
        self, seeded: None, flip: str, monkeypatch: pytest.MonkeyPatch
    ):
        monkeypatch.setenv("TC2_SIM_PROCESSES", "1")
        arguments = ("--strategy", flip, "--symbols", "SPY", "--start", str(START))
        arguments += ("--end", str(DAY), "--allow-short", "--risk-free-rate", "0.05")

        evaluation = json.loads(_run("evaluate", *arguments, "--json"))
        summary = _run("evaluate", *arguments)

        assert evaluation["risk_free_rate"] == 0.05
        assert evaluation["end_of_run"] == "marked_to_market"
        assert "(risk-free rate 5.00%)" in summary
        assert "positions at the end: still open, marked to market at the last close" in summary

    @pytest.mark.parametrize(
        ("option", "message"),
        [
            (("--risk-free-rate", "-0.01"), "risk_free_rate: must be an annual rate from 0 to 0.2"),
            (("--risk-free-rate", "nan"), "risk_free_rate: must be an annual rate"),
            (("--risk-free-rate", "0.3"), "was 0.3"),
        ],
    )
    def test_bad_options_are_refused_before_running(
        self, seeded: None, flip: str, option: tuple[str, ...], message: str
    ):
        arguments = ("--strategy", flip, "--symbols", "SPY", "--start", str(START))
        with pytest.raises(CommandError, match=re.escape(message)):
            _run("evaluate", *arguments, "--end", str(DAY), *option)


@pytest.mark.parametrize("command", ["simulate", "evaluate"])
def test_help_lists_every_option_even_with_a_percent_sign_in_its_description(
    command: str, capsys: pytest.CaptureFixture[str]
):
    # argparse formats help text with %: "0.04 = 4 %)" in a description once crashed --help.
    with pytest.raises(SystemExit) as exited:
        call_command(command, "--help")

    printed = capsys.readouterr().out
    assert exited.value.code == 0
    assert "backtesting, backtrader, pyalgotrade, realistic, tc2" in " ".join(printed.split())
