import functools
from collections.abc import Mapping
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tc2.program.strategy_jobs import EVALUATE_PARAMS, evaluate, parse_evaluate_params
from tc2.simulation.trade_runs import TRADE_RUNS_KEY
from webpanel.strategy.management.commands._strategy_job import (
    END_OF_RUN,
    add_param_arguments,
    describe_not_viable,
    number,
    param_values,
    run_strategy_job,
)

SKIPPED_SHOWN = 10
FAILED_SHOWN = 10
NOT_VIABLE_SHOWN = 10


class Command(BaseCommand):
    help = (
        "Evaluate a strategy on symbols over a date range of LIVE bars, in the foreground, over "
        "TC2_SIM_PROCESSES processes (default: every core); prints the metrics and the "
        "evaluation's trade fingerprint."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        # The options are the request's declared parameters (the API's body, field by field).
        add_param_arguments(parser, EVALUATE_PARAMS)
        parser.add_argument("--json", action="store_true", help="print the whole evaluation")

    def handle(self, *args: Any, **options: Any) -> None:
        run_strategy_job(
            self,
            # The user on the machine owns its files: the command line may load a path.
            parse=functools.partial(parse_evaluate_params, allow_paths=True),
            run=_evaluate,
            params=param_values(options, EVALUATE_PARAMS),
            as_json=options["json"],
            summary=summary,
        )


def _evaluate(**kwargs: Any) -> dict[str, Any]:
    """The evaluation as the API stores it: its fills go to the trade records only when it
    runs as a job (``trade_runs``), so they are not printed here either."""
    result = evaluate(**kwargs)
    result.pop(TRADE_RUNS_KEY, None)
    return result


def summary(evaluation: Mapping[str, Any]) -> list[str]:
    """An evaluation in a few lines: TC2's figures, the standard ones, skipped days, fingerprint."""
    days = evaluation["days"]
    tc2 = evaluation["tc2_metrics"]
    performance = evaluation["performance"] or {}
    skipped = [day for day in days if day["skipped"]]
    failed = [day for day in days if day.get("error")]
    lines = [
        f"{evaluation['strategy']} ({evaluation['kind']}) on {', '.join(evaluation['symbols'])} "
        f"from {evaluation['start']} to {evaluation['end']}, fill model "
        f"{evaluation['fill_model']}, {evaluation['resolution']} bars, "
        f"{evaluation.get('adjustment', 'raw')} prices",
        f"  symbol-days: {len(days)} ({len(days) - len(skipped) - len(failed)} simulated, "
        f"{len(skipped)} skipped, {len(failed)} failed); viable {tc2['days_viable']}, entered "
        f"{tc2['days_entered']}",
        f"  net profit: {number(tc2['net_profit'])} (fees {number(sum(d['fees'] for d in days))})"
        f", average per entered day {number(tc2['average_profit'])}, win ratio "
        f"{number(tc2['win_ratio'], '.2f')}",
        f"  total return {number(performance.get('total_return'), '.2%')}, Sharpe "
        f"{number(performance.get('sharpe'), '.2f')} (risk-free rate "
        f"{evaluation['risk_free_rate']:.2%}), max drawdown "
        f"{number(performance.get('max_drawdown'), '.2%')}, trades "
        f"{performance.get('trade_count', 0)}",
        f"  short selling {'allowed' if evaluation['allow_short'] else 'refused'}; positions at "
        f"the end: {END_OF_RUN[evaluation['end_of_run']]}",
    ]
    lines.extend(_benchmark_lines(evaluation.get("benchmark")))
    for day in skipped[:SKIPPED_SHOWN]:
        lines.append(f"  skipped {day['day']} {','.join(day['symbols'])}: {day['skipped']}")
    if len(skipped) > SKIPPED_SHOWN:
        lines.append(f"  ... and {len(skipped) - SKIPPED_SHOWN} more skipped")
    for day in failed[:FAILED_SHOWN]:
        error = day["error"]
        where = f" (at {error['where']})" if error["where"] else ""
        lines.append(
            f"  failed {day['day']} {','.join(day['symbols'])}: {error['type']}: "
            f"{error['message']}{where}"
        )
    if len(failed) > FAILED_SHOWN:
        lines.append(f"  ... and {len(failed) - FAILED_SHOWN} more failed")
    not_viable = [day for day in days if day["not_viable"]]
    for day in not_viable[:NOT_VIABLE_SHOWN]:
        lines.append(f"  not viable {day['day']}: {describe_not_viable(day['not_viable'])}")
    if len(not_viable) > NOT_VIABLE_SHOWN:
        lines.append(f"  ... and {len(not_viable) - NOT_VIABLE_SHOWN} more not viable")
    lines.append(f"fingerprint: {evaluation['fingerprint']}")
    return lines


def _benchmark_lines(benchmark: Mapping[str, Any] | None) -> list[str]:
    """Buy-and-hold of the benchmark and the strategy's alpha and beta against it."""
    if not benchmark:
        return []
    lines = []
    if benchmark["equity"]:
        lines.append(
            f"  benchmark {benchmark['symbol']} buy-and-hold: total return "
            f"{number(benchmark['total_return'], '.2%')}; strategy alpha "
            f"{number(benchmark['alpha'], '.2%')} a year, beta {number(benchmark['beta'], '.2f')}"
        )
    if benchmark["warning"]:
        lines.append(f"  benchmark warning: {benchmark['warning']}")
    return lines
