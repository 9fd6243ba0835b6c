"""Run a data job function in the foreground with a progress bar (collect, patch, heal)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tc2.errors import ValidationFailed
from tc2.program.data_jobs import check_symbols_exist, parse_range_params
from webpanel.data.management.progress import ProgressBar
from webpanel.jobs.services import job_context


def run_data_job(
    command: BaseCommand,
    *,
    parse: Callable[[Mapping[str, Any]], dict[str, Any]],
    run: Callable[..., dict[str, Any]],
    params: dict[str, Any],
    as_json: bool,
) -> None:
    try:
        parsed = parse(params)
        # The same rule as the API: no symbol the data source does not have.
        check_symbols_exist(parsed, job_context())
    except ValidationFailed as exc:
        raise CommandError(describe_validation(exc)) from None
    bar = ProgressBar(enabled=not as_json)
    result = run(params=parsed, progress=bar)
    bar.done()
    if as_json:
        command.stdout.write(json.dumps(result))
        return
    command.stdout.write(
        f"{result['sessions']} sessions: {result['saved']} saved, {result['on_file']} already "
        f"valid, {result['invalid']} invalid, {result['failed']} failed"
    )
    for problem in result["problems"]:
        command.stdout.write(
            f"  {problem['symbol']} {problem['day']} {problem['resolution']} "
            f"{problem['outcome']}: {'; '.join(problem['reasons'])}"
        )


def describe_validation(error: ValidationFailed) -> str:
    """A refusal as lines: the message, then each bad field's reasons."""
    lines = [error.message]
    for field, messages in error.field_errors.items():
        lines.extend(f"  {field}: {message}" for message in messages)
    return "\n".join(lines)


class RangeJobCommand(BaseCommand):
    """A data job over symbols and a date range; subclasses name the job function and help."""

    job: Callable[..., dict[str, Any]]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--symbols", nargs="+", required=True)
        parser.add_argument("--start-date", required=True, help="YYYY-MM-DD")
        parser.add_argument("--end-date", help="YYYY-MM-DD (default: the last completed session)")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        params = {"symbols": options["symbols"], "start_date": options["start_date"]}
        if options["end_date"]:
            params["end_date"] = options["end_date"]
        run_data_job(
            self,
            parse=parse_range_params,
            run=type(self).job,
            params=params,
            as_json=options["json"],
        )
