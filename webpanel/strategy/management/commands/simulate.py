import functools
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tc2.env import NEW_YORK
from tc2.program.strategy_jobs import parse_simulate_params, simulate_day
from webpanel.strategy.management.commands._strategy_job import (
    describe_not_viable,
    json_params,
    number,
    run_strategy_job,
)


class Command(BaseCommand):
    help = (
        "Simulate a strategy on one day of LIVE bars, in the foreground; prints the result and "
        "its trade fingerprint (identical inputs, identical fingerprint)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--strategy",
            required=True,
            help="a registered name (built-in or uploaded) or path/to/file.py:ClassName",
        )
        parser.add_argument("--symbol", required=True)
        parser.add_argument("--day", required=True, help="YYYY-MM-DD, a session on file")
        parser.add_argument("--fill-model", help="realistic (default), tc2 or backtrader")
        parser.add_argument("--params", help="strategy parameters as JSON, e.g. '{\"qty\": 10}'")
        parser.add_argument("--start-time", help="HH:MM New York: start no earlier")
        parser.add_argument("--warmup-days", type=int, help="earlier sessions visible (0-10)")
        parser.add_argument("--starting-cash", type=float, help="dollars (default 30000)")
        parser.add_argument(
            "--no-model-filters",
            action="store_true",
            help="run without the strategy's analysis models (its mechanics alone)",
        )
        parser.add_argument("--json", action="store_true", help="print the whole run record")

    def handle(self, *args: Any, **options: Any) -> None:
        params = {
            "strategy": options["strategy"],
            "symbol": options["symbol"],
            "day": options["day"],
            "params": json_params(options["params"]),
            "fill_model": options["fill_model"],
            "start_time": options["start_time"],
            "warmup_days": options["warmup_days"],
            "starting_cash": options["starting_cash"],
            "model_filters": False if options["no_model_filters"] else None,
        }
        run_strategy_job(
            self,
            # The user on the machine owns its files: the command line may load a path.
            parse=functools.partial(parse_simulate_params, allow_paths=True),
            run=simulate_day,
            params={name: value for name, value in params.items() if value is not None},
            as_json=options["json"],
            summary=summary,
        )


def summary(record: Mapping[str, Any]) -> list[str]:
    """A run record in a few lines; the fingerprint always last."""
    started = record["started_t"]
    start = (
        f"started {datetime.fromtimestamp(started, NEW_YORK):%H:%M:%S}"
        if started is not None
        else "never started"
    )
    return [
        f"{record['strategy']} ({record['kind']}, {record['resolution']} bars) on "
        f"{', '.join(record['symbols'])}, {record['day']}, fill model {record['fill_model']}",
        f"  {start}; stop: {record['stop_reason']}"
        if not record["not_viable"]
        else f"  {start}: not viable: {describe_not_viable(record['not_viable'])}",
        f"  fills: {len(record['fills'])}, round trips: {record['round_trips']}, "
        f"entry attempts: {record['entry_attempts']}",
        f"  profit: {number(record['profit'])} (fees {number(record['fees'])}), equity "
        f"{number(record['starting_cash'])} -> {number(record['ending_equity'])}",
        f"fingerprint: {record['fingerprint']}",
    ]
