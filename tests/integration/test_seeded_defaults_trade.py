"""Defaults that trade: on what ``make run`` seeds, every built-in strategy trades.

The store is filled by the data collector's own seeding code (``seed_plan``/``collect_plan``
with the default seed, sessions and universe), at a fixed "now": the synthetic market is a pure
function of (seed, symbol, day), so this is exactly the data a first start on that day has.
Each built-in then runs through the evaluator over the last five seeded sessions with its
default parameters and its analysis models on, on its default symbols (the seeded universe for
those that have none), and must fill at least one order. No Redis, no database: the engine and
the file store only.

The models are TC2's, unweakened, so whether they approve a given week depends on that week's
market, as with real data: NOW is a week in which each built-in's models approve at least one
day. How often each trades across the five-session windows of 2026 is measured in
docs/ARCHITECTURE.md ("Defaults that trade"); CycleStrategy, gated by PROFITABILITY, trades in
about a quarter of them.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tc2.data.collection import DayCollector, Outcome
from tc2.data.price_stores import price_store_for
from tc2.data.synthetic import SyntheticMarket
from tc2.env import EnvType, MarketCalendar
from tc2.env.config import RuntimeConfig
from tc2.env.trading_settings import DEFAULT_SYMBOLS
from tc2.program.data_collector import collect_plan, seed_plan
from tc2.simulation.evaluator import (
    Evaluation,
    EvaluationRequest,
    StoreLocation,
    StrategyEvaluator,
)
from tc2.strategy.registry import BUILTIN_STRATEGIES

CALENDAR = MarketCalendar.xnys()
NOW = datetime(2026, 11, 11, 12, 0, tzinfo=UTC)  # 07:00 New York: 2026-11-10 is the last session
DEFAULTS = RuntimeConfig.from_environ({})
LAST_SESSIONS = 5
PROJECT_DIR = Path(__file__).resolve().parents[2]
README_EVALUATE = re.compile(r"^\.venv/bin/python manage\.py (evaluate .*)$", re.MULTILINE)
TRADES = re.compile(r"\btrades (\d+)$", re.MULTILINE)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[date]]]:
    data_dir = tmp_path_factory.mktemp("seeded")
    store = price_store_for(EnvType.LIVE, data_dir=data_dir)
    plan = seed_plan(
        CALENDAR,
        NOW,
        sessions=DEFAULTS.seed_sessions,
        minute_sessions=DEFAULTS.seed_minute_sessions,
    )
    collector = DayCollector(
        store=store,
        source=SyntheticMarket(seed=DEFAULTS.synthetic_seed, calendar=CALENDAR),
        calendar=CALENDAR,
    )
    outcomes = collect_plan(collector, DEFAULT_SYMBOLS, plan)
    last = list(plan[-1].days[-LAST_SESSIONS:])
    # The sessions simulated are on file at every resolution (how early closes fare is
    # another test's business).
    assert not [
        (o.symbol, o.day, o.resolution, o.reasons)
        for o in outcomes
        if o.day in last and o.outcome is not Outcome.SAVED
    ]
    yield data_dir, last


@pytest.fixture(scope="module")
def evaluations(seeded: tuple[Path, list[date]]) -> dict[str, Evaluation]:
    data_dir, last = seeded
    evaluator = StrategyEvaluator(
        store=StoreLocation(data_dir=data_dir), calendar=CALENDAR, processes=2
    )
    return {
        name: evaluator.evaluate(
            EvaluationRequest(
                strategy=name,
                symbols=strategy.default_symbols or DEFAULT_SYMBOLS,
                start=last[0],
                end=last[-1],
            )
        )
        for name, strategy in BUILTIN_STRATEGIES.items()
    }


def test_the_last_sessions_are_the_ones_before_now(seeded: tuple[Path, list[date]]) -> None:
    _, last = seeded
    assert last == CALENDAR.sessions_in_range(date(2026, 11, 4), date(2026, 11, 10))


@pytest.mark.parametrize("name", sorted(BUILTIN_STRATEGIES))
def test_every_built_in_strategy_trades_with_its_defaults_and_models(
    name: str, evaluations: dict[str, Evaluation]
) -> None:
    evaluation = evaluations[name]
    fills = sum(day.fills for day in evaluation.days)
    why = [
        f"{day.day} {','.join(day.symbols)}: {day.stop_reason}"
        for day in evaluation.days
        if not day.fills
    ]

    assert not evaluation.skipped, [day.skipped for day in evaluation.skipped]
    assert fills >= 1, why
    # Every day that was not viable says which model (or the strategy's check) and why.
    for day in evaluation.days:
        if not day.viable:
            assert day.not_viable and all(r.model and r.reason for r in day.not_viable), day


# The built-in defaults' examples (the daily one further on is test_readme's to run).
README_EXAMPLES = [
    found
    for found in README_EVALUATE.findall((PROJECT_DIR / "README.md").read_text())
    if "--resolution" not in found
]


def test_the_readme_has_evaluate_examples_of_the_seeded_data() -> None:
    assert README_EXAMPLES


@pytest.mark.parametrize("example", README_EXAMPLES)
def test_the_readmes_evaluate_examples_print_trades(
    seeded: tuple[Path, list[date]], example: str
) -> None:
    data_dir, _ = seeded
    env = {
        **os.environ,
        "TC2_DATA_DIR": str(data_dir),
        "TC2_ENV_FILE": "",
        "TC2_SIM_PROCESSES": "2",
        "DJANGO_SETTINGS_MODULE": "webpanel.settings.test",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", *shlex.split(example)],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )

    assert done.returncode == 0, done.stderr
    (trades,) = TRADES.findall(done.stdout)
    assert int(trades) >= 1, done.stdout
    assert ", 0 skipped, 0 failed)" in done.stdout, done.stdout  # every day on file, none failed
