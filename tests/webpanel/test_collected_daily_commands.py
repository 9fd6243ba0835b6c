"""The command line on the collector's own data: minute sessions collected from the synthetic
market (as ``make run`` and ``seed-demo`` collect them) carry their daily bars, so
``evaluate --resolution 1d --adjustment split`` runs on them with no import."""

from __future__ import annotations

import json
import os
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from tc2.data.bars import Resolution
from tc2.data.collection import DayCollector
from tc2.data.price_stores import price_store_for
from tc2.data.synthetic import SyntheticMarket
from tc2.env import EnvType, MarketCalendar
from webpanel.strategy.management.commands.evaluate import Command as EvaluateCommand
from webpanel.strategy.management.commands.simulate import Command as SimulateCommand

pytestmark = pytest.mark.django_db

CALENDAR = MarketCalendar.xnys()
SESSIONS = CALENDAR.sessions_in_range(date(2025, 7, 1), date(2025, 9, 30))


def _run(command: str, *args: str) -> str:
    out = StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def collected() -> list[date]:
    """The sessions' minute bars of SPY, collected as the collector does (no daily import)."""
    store = price_store_for(EnvType.LIVE, data_dir=Path(os.environ["TC2_DATA_DIR"]))
    collector = DayCollector(
        store=store, source=SyntheticMarket(seed=3, calendar=CALENDAR), calendar=CALENDAR
    )
    collector.collect_range(["SPY"], SESSIONS, (Resolution.MINUTE,))
    assert store.dates_on_file("SPY", resolution=Resolution.DAY) == SESSIONS
    return SESSIONS


def test_a_daily_split_adjusted_evaluation_runs_on_collected_sessions(collected: list[date]):
    arguments = (
        "--strategy", "SmaCrossStrategy", "--symbols", "SPY",
        "--start", str(collected[0]), "--end", str(collected[-1]),
        "--resolution", "1d", "--adjustment", "split", "--warmup-days", "0",
        "--params", json.dumps({"fast": 5, "slow": 20, "qty": 10}),
    )  # fmt: skip

    summary = _run("evaluate", *arguments)
    evaluation = json.loads(_run("evaluate", *arguments, "--json"))

    assert "1d bars" in summary
    assert evaluation["resolution"] == "1d" and evaluation["adjustment"] == "split"
    assert [day["day"] for day in evaluation["days"]] == [str(day) for day in collected]
    assert sum(day["fills"] for day in evaluation["days"]) > 0  # the crosses were traded


@pytest.mark.parametrize(
    ("command", "described"),
    [(EvaluateCommand, "(0.04 = 4 %)"), (SimulateCommand, "--warmup-days")],
)
def test_the_run_commands_explain_their_options(command: type, described: str) -> None:
    # Declared descriptions hold "%" ("0.04 = 4 %"), which argparse reads as a format.
    text = " ".join(command().create_parser("manage.py", "run").format_help().split())

    assert "--resolution" in text and "--adjustment" in text
    assert described in text
