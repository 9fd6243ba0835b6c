import functools
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tc2.env import NEW_YORK
from tc2.program.strategy_jobs import SIMULATE_PARAMS, parse_simulate_params, simulate_day
from webpanel.strategy.management.commands._strategy_job import (
    END_OF_RUN,
    add_param_arguments,
    describe_not_viable,
    number,
    param_values,
    run_strategy_job,
)


class Command(BaseCommand):
    help = (
        "Simulate a strategy on one day of LIVE bars, in the foreground; prints the result and "
        "its trade fingerprint (identical inputs, identical fingerprint)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        # The options are the request's declared parameters (the API's body, field by field).
        add_param_arguments(parser, SIMULATE_PARAMS)
        parser.add_argument("--json", action="store_true", help="print the whole run record")

    def handle(self, *args: Any, **options: Any) -> None:
        run_strategy_job(
            self,
            # The user on the machine owns its files: the command line may load a path.
            parse=functools.partial(parse_simulate_params, allow_paths=True),
            run=simulate_day,
            params=param_values(options, SIMULATE_PARAMS),
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
        f"{', '.join(record['symbols'])}, {record['day']}, fill model {record['fill_model']}, "
        f"{record.get('adjustment', 'raw')} prices",
        f"  {start}; stop: {record['stop_reason']}"
        if not record["not_viable"]
        else f"  {start}: not viable: {describe_not_viable(record['not_viable'])}",
        f"  fills: {len(record['fills'])}, round trips: {record['round_trips']}, "
        f"entry attempts: {record['entry_attempts']}",
        f"  profit: {number(record['profit'])} (fees {number(record['fees'])}), equity "
        f"{number(record['starting_cash'])} -> {number(record['ending_equity'])}",
        f"  short selling {'allowed' if record['allow_short'] else 'refused'}; positions at the "
        f"end: {END_OF_RUN[record['end_of_run']]}{held_at_end(record['positions'])}",
        f"fingerprint: {record['fingerprint']}",
    ]


def held_at_end(positions: Sequence[Mapping[str, Any]]) -> str:
    """`` (SPY 10 unrealized +12.50)``: what is still held, with its unrealized P&L."""
    held = [
        f"{p['symbol']} {p['qty']} unrealized {number(p['unrealized_pnl'], '+,.2f')}"
        for p in positions
        if p["qty"]
    ]
    return f" ({'; '.join(held)})" if held else ""
