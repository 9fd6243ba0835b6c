"""Run a data job function in the foreground with a progress bar (collect, patch, heal)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tc2.errors import ValidationFailed
from webpanel.data.management.progress import ProgressBar


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
    except ValidationFailed as exc:
        raise CommandError(f"{exc.message} {exc.field_errors}") from None
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
