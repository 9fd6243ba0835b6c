"""Run a strategy job function in the foreground with a progress bar (simulate, evaluate)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tc2.errors import TC2Error, ValidationFailed
from tc2.program.job_params import ParamKind, ParamSet
from tc2.simulation.records import NotViable
from tc2.simulation.records import describe_not_viable as describe_reasons
from webpanel.data.management.progress import ProgressBar

ON_FILE = " on file"
END_OF_RUN = {  # a result's end_of_run, in words
    "flattened_at_close": "flattened at the close (a day strategy)",
    "closed_at_last_close": "closed at the last bar's close, with fees (close_at_end)",
    "marked_to_market": "still open, marked to market at the last close (no exit fees)",
}
DATA_DIRECTORY_NOTE = "bars are read from the data directory {data_dir} (TC2_DATA_DIR moves it)"


def json_params(raw: str | None) -> Any:
    """The ``--params`` option: a JSON object of strategy parameters (None when not given)."""
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise CommandError(
            f"--params must be a JSON object such as '{{\"qty\": 10}}', was {raw!r}: {exc}"
        ) from None


def add_param_arguments(parser: CommandParser, params: ParamSet) -> None:
    """One option per declared parameter (``--warmup-days``), typed and explained as declared;
    lists are comma-separated, objects JSON, and a boolean is ``--<name>`` / ``--no-<name>``
    (left out: the request's default)."""
    for param in params:
        flag = "--" + param.name.replace("_", "-")
        # argparse formats help with %: a declared "4 %" would make --help itself fail.
        described = param.description.replace("%", "%%")
        if param.kind is ParamKind.BOOLEAN:
            parser.add_argument(
                flag,
                dest=param.name,
                action=argparse.BooleanOptionalAction,
                default=None,
                help=described,
            )
            continue
        parser.add_argument(
            flag,
            dest=param.name,
            required=param.required,
            # Values are checked by the request's parser, which names every bad one at once.
            type=_OPTION_TYPES.get(param.kind, str),
            help=described
            + (f" One of {', '.join(param.choices)}." if param.choices else "")
            + _OPTION_FORMS.get(param.kind, ""),
        )


def param_values(options: Mapping[str, Any], params: ParamSet) -> dict[str, Any]:
    """The declared parameters the command line gave, in the request's shape."""
    values: dict[str, Any] = {}
    for param in params:
        value = options.get(param.name)
        if value is None:
            continue
        if param.kind is ParamKind.TICKERS:
            value = [symbol.strip() for symbol in str(value).split(",") if symbol.strip()]
        elif param.kind is ParamKind.OBJECT:
            value = json_params(str(value))
        values[param.name] = value
    return values


_OPTION_TYPES: dict[ParamKind, Callable[[str], Any]] = {
    ParamKind.INTEGER: int,
    ParamKind.NUMBER: float,
}
_OPTION_FORMS = {
    ParamKind.TICKERS: " Comma-separated, e.g. SPY,QQQ.",
    ParamKind.OBJECT: " As JSON, e.g. '{\"qty\": 10}'.",
}


def run_strategy_job(
    command: BaseCommand,
    *,
    parse: Callable[[Mapping[str, Any]], dict[str, Any]],
    run: Callable[..., dict[str, Any]],
    params: dict[str, Any],
    as_json: bool,
    summary: Callable[[Mapping[str, Any]], list[str]],
) -> None:
    """Check ``params`` whole (nothing runs when one is bad), run, print the result."""
    try:
        parsed = parse(params)
    except ValidationFailed as exc:
        raise CommandError(describe_validation(exc)) from None
    except TC2Error as exc:  # e.g. a bad TC2_* setting
        raise CommandError(f"{type(exc).__name__}: {exc}") from None
    bar = ProgressBar(enabled=not as_json)
    try:
        result = run(params=parsed, progress=bar)
    except TC2Error as exc:
        raise CommandError(f"{type(exc).__name__}: {exc}") from None
    finally:
        bar.done()
    if as_json:
        command.stdout.write(json.dumps(result))
        return
    for line in summary(result):
        command.stdout.write(line)


def describe_validation(error: ValidationFailed) -> str:
    lines = [error.message]
    for field, messages in error.field_errors.items():
        lines.extend(f"  {field}: {message}" for message in messages)
    if any(ON_FILE in message for messages in error.field_errors.values() for message in messages):
        # The CLI reads the data directory of `make run` unless TC2_DATA_DIR says otherwise: name
        # it, so a day "not on file" that the panel shows points at the directory mix-up.
        lines.append(DATA_DIRECTORY_NOTE.format(data_dir=settings.TC2_CONFIG.data_dir))
    return "\n".join(lines)


def describe_not_viable(reasons: Sequence[Mapping[str, str]]) -> str:
    """A result's ``not_viable`` list in one line, as the engine words it."""
    return describe_reasons(
        [NotViable(symbol=r["symbol"], model=r["model"], reason=r["reason"]) for r in reasons]
    )


def number(value: Any, spec: str = ",.2f") -> str:
    """Format a figure that may be missing (None: not enough trades or days)."""
    return "n/a" if value is None else format(value, spec)
