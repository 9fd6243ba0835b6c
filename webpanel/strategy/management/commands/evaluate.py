import functools
from collections.abc import Mapping
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tc2.program.strategy_jobs import evaluate, parse_evaluate_params
from webpanel.strategy.management.commands._strategy_job import (
    describe_not_viable,
    json_params,
    number,
    run_strategy_job,
)

SKIPPED_SHOWN = 10
NOT_VIABLE_SHOWN = 10


class Command(BaseCommand):
    help = (
        "Evaluate a strategy on symbols over a date range of LIVE bars, in the foreground, over "
        "TC2_SIM_PROCESSES processes (default: every core); prints the metrics and the "
        "evaluation's trade fingerprint."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--strategy",
            required=True,
            help="a registered name (built-in or uploaded) or path/to/file.py:ClassName",
        )
        parser.add_argument("--symbols", required=True, help="comma-separated, e.g. SPY,QQQ")
        parser.add_argument("--start", required=True, help="YYYY-MM-DD")
        parser.add_argument("--end", required=True, help="YYYY-MM-DD")
        parser.add_argument("--params", help="strategy parameters as JSON, e.g. '{\"qty\": 10}'")
        parser.add_argument("--fill-model", help="realistic (default), tc2 or backtrader")
        parser.add_argument("--warmup-days", type=int, help="earlier sessions visible (0-10)")
        parser.add_argument("--starting-cash", type=float, help="dollars per symbol run")
        parser.add_argument(
            "--no-model-filters",
            action="store_true",
            help="run without the strategy's analysis models (its mechanics alone)",
        )
        parser.add_argument("--json", action="store_true", help="print the whole evaluation")

    def handle(self, *args: Any, **options: Any) -> None:
        params = {
            "strategy": options["strategy"],
            "symbols": [s.strip() for s in options["symbols"].split(",") if s.strip()],
            "start": options["start"],
            "end": options["end"],
            "params": json_params(options["params"]),
            "fill_model": options["fill_model"],
            "warmup_days": options["warmup_days"],
            "starting_cash": options["starting_cash"],
            "model_filters": False if options["no_model_filters"] else None,
        }
        run_strategy_job(
            self,
            # The user on the machine owns its files: the command line may load a path.
            parse=functools.partial(parse_evaluate_params, allow_paths=True),
            run=evaluate,
            params={name: value for name, value in params.items() if value is not None},
            as_json=options["json"],
            summary=summary,
        )


def summary(evaluation: Mapping[str, Any]) -> list[str]:
    """An evaluation in a few lines: TC2's figures, the standard ones, skipped days, fingerprint."""
    days = evaluation["days"]
    tc2 = evaluation["tc2_metrics"]
    performance = evaluation["performance"] or {}
    skipped = [day for day in days if day["skipped"]]
    lines = [
        f"{evaluation['strategy']} ({evaluation['kind']}) on {', '.join(evaluation['symbols'])} "
        f"from {evaluation['start']} to {evaluation['end']}, fill model "
        f"{evaluation['fill_model']}",
        f"  symbol-days: {len(days)} ({len(days) - len(skipped)} simulated, {len(skipped)} "
        f"skipped); viable {tc2['days_viable']}, entered {tc2['days_entered']}",
        f"  net profit: {number(tc2['net_profit'])} (fees {number(sum(d['fees'] for d in days))})"
        f", average per entered day {number(tc2['average_profit'])}, win ratio "
        f"{number(tc2['win_ratio'], '.2f')}",
        f"  total return {number(performance.get('total_return'), '.2%')}, Sharpe "
        f"{number(performance.get('sharpe'), '.2f')}, max drawdown "
        f"{number(performance.get('max_drawdown'), '.2%')}, trades "
        f"{performance.get('trade_count', 0)}",
    ]
    for day in skipped[:SKIPPED_SHOWN]:
        lines.append(f"  skipped {day['day']} {','.join(day['symbols'])}: {day['skipped']}")
    if len(skipped) > SKIPPED_SHOWN:
        lines.append(f"  ... and {len(skipped) - SKIPPED_SHOWN} more skipped")
    not_viable = [day for day in days if day["not_viable"]]
    for day in not_viable[:NOT_VIABLE_SHOWN]:
        lines.append(f"  not viable {day['day']}: {describe_not_viable(day['not_viable'])}")
    if len(not_viable) > NOT_VIABLE_SHOWN:
        lines.append(f"  ... and {len(not_viable) - NOT_VIABLE_SHOWN} more not viable")
    lines.append(f"fingerprint: {evaluation['fingerprint']}")
    return lines
