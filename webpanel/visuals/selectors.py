"""Read stored visuals, the visual types there are, and the strategy runs visuals show.

A visual's key says what it shows: the symbol (PRICE_GRAPH, DAY_SPREAD), ``symbol:day:HH:MM``
(BREAKOUT1_SETUP), ``run:<strategy run id>`` (SINGLE_RUN, EQUITY_CURVE) or the mode
(RUN_HISTORY). Requests name it with query fields; ``visual_request`` also reads the original
TC2's names (``check_moment=YYYY/MM/DD_HH:MM:SS``, ``paper``).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from django.db.models import QuerySet

from tc2.errors import ValidationFailed
from tc2.program.jobs import date_param
from tc2.program.visuals import (
    DEFAULT_SETUP_TIME,
    VisualType,
    run_mode_param,
    visual_symbol_param,
    wall_time_param,
)
from webpanel.jobs.models import JobStatus
from webpanel.strategy.models import RunKind, StrategyRun
from webpanel.visuals.models import VisualResult

# The query fields a request may have (the engine's, a run id, and the original names).
REQUEST_FIELDS = (
    "visual_type",
    "symbol",
    "day",
    "days",
    "time",
    "mode",
    "limit",
    "run_id",
    "check_moment",
    "paper",
)
VISUAL_TYPE_NAMES = [kind.value for kind in VisualType]
# The fields that name a stored visual; BREAKOUT1_SETUP's time defaults to 11:00.
KEY_FIELDS: dict[VisualType, tuple[str, ...]] = {
    VisualType.PRICE_GRAPH: ("symbol",),
    VisualType.RUN_HISTORY: ("mode",),
    VisualType.SINGLE_RUN: ("run_id",),
    VisualType.DAY_SPREAD: ("symbol",),
    VisualType.BREAKOUT1_SETUP: ("symbol", "day", "time"),
    VisualType.EQUITY_CURVE: ("run_id",),
}
DESCRIPTIONS: dict[VisualType, str] = {
    VisualType.PRICE_GRAPH: "Daily candles and each session's minute coverage (valid minutes of "
    "the session's minutes), sessions without data marked missing; days (default 90), day "
    "(last session, default the latest on file).",
    VisualType.RUN_HISTORY: "Profit per strategy run over time, per strategy; mode paper, live "
    "or simulated, the limit most recent runs (default 30).",
    VisualType.SINGLE_RUN: "One simulated day (run_id of a simulate run): minute candles with "
    "buy and sell markers, the orders and the strategy's timeline.",
    VisualType.DAY_SPREAD: "Histogram of the day spreads ((high - low) / open) of the days "
    "(default 60) sessions up to day.",
    VisualType.BREAKOUT1_SETUP: "A day's minute candles up to time (HH:MM New York, default "
    "11:00) with BREAKOUT1's support and resistance lines and its steps.",
    VisualType.EQUITY_CURVE: "An evaluation's (run_id of an evaluate run) daily equity and "
    "drawdown, with its performance figures.",
}
# The run each stored-run visual shows.
RUN_VISUALS: dict[VisualType, RunKind] = {
    VisualType.SINGLE_RUN: RunKind.SIMULATE,
    VisualType.EQUITY_CURVE: RunKind.EVALUATE,
}
# Strategy runs that RUN_HISTORY shows for each mode (paper and live trading keep no runs yet).
HISTORY_RUN_KINDS: dict[str, RunKind] = {"simulated": RunKind.SIMULATE}

INVALID_VISUAL_MESSAGE = "The visual request is invalid; nothing was generated."
NEEDS_MESSAGE = "{visual_type} needs {field}"
NO_RUN_MESSAGE = "no strategy run {run_id}"
NOT_A_RUN_ID_MESSAGE = "must be a strategy run id (a UUID), was {run_id!r}"
WRONG_RUN_KIND_MESSAGE = (
    "{visual_type} needs a run of kind {needed}; run {run_id} is of kind {kind}"
)
RUN_WITHOUT_RESULT_MESSAGE = "run {run_id} has no result: its job is {status}"

_CHECK_MOMENT = re.compile(r"(\d{4})/(\d{2})/(\d{2})_(\d{2}:\d{2}(?::\d{2})?)")
_PAPER = {"paper": "paper", "true": "paper", "1": "paper", "live": "live", "false": "live"}


def visual_request(params: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """A request's given fields (empty ones dropped), the original names translated.

    Returns
    -------
    tuple[dict, dict]
        The request, and errors naming ``check_moment`` or ``paper`` when they cannot be read.
    """
    request = {key: value for key, value in params.items() if value not in (None, "")}
    errors: dict[str, list[str]] = {}
    moment = request.pop("check_moment", None)
    if moment is not None:
        match = _CHECK_MOMENT.fullmatch(str(moment))
        if match is None:
            errors["check_moment"] = [f"must be YYYY/MM/DD_HH:MM[:SS] New York, was {moment!r}"]
        else:
            request.setdefault("day", f"{match[1]}-{match[2]}-{match[3]}")
            request.setdefault("time", match[4])
    paper = request.pop("paper", None)
    if paper is not None:
        mode = _PAPER.get(str(paper).lower())
        if mode is None:
            errors["paper"] = [f"must be paper, live, true or false, was {paper!r}"]
        else:
            request.setdefault("mode", mode)
    return request, errors


def visual_type_named(value: Any, errors: dict[str, list[str]]) -> VisualType | None:
    """The visual type named ``value``; None, with ``errors['visual_type']`` saying why."""
    try:
        return VisualType(value)
    except ValueError:
        errors["visual_type"] = [f"must be one of {', '.join(VisualType)}, was {value!r}"]
        return None


def visual_key(
    visual_type: VisualType,
    *,
    symbol: str | None = None,
    day: str | None = None,
    time: str | None = None,
    mode: str | None = None,
    run_id: str | None = None,
) -> str:
    """The key of a visual from its checked fields (see the module docstring)."""
    if visual_type in (VisualType.PRICE_GRAPH, VisualType.DAY_SPREAD):
        return str(symbol)
    if visual_type is VisualType.BREAKOUT1_SETUP:
        return f"{symbol}:{day}:{time or DEFAULT_SETUP_TIME.strftime('%H:%M')}"
    if visual_type is VisualType.RUN_HISTORY:
        return str(mode)
    return f"run:{run_id}"


def visual_result_get(*, params: Mapping[str, Any]) -> VisualResult | None:
    """The stored visual a request names; None when it was never generated.

    Raises
    ------
    ValidationFailed
        If the visual type is unknown, or a field of its key is missing or malformed (422).
    """
    request, errors = visual_request(params)
    kind = visual_type_named(request.get("visual_type"), errors)
    if kind is None:
        raise _invalid(errors)
    fields: dict[str, str | None] = {}
    for name in KEY_FIELDS[kind]:
        value = request.get(name)
        if value is None and name != "time":
            errors[name] = [NEEDS_MESSAGE.format(visual_type=kind.value, field=name)]
        else:
            fields[name] = _KEY_CHECKS[name](value, errors)
    if errors:
        raise _invalid(errors)
    return VisualResult.objects.filter(
        visual_type=kind.value, key=visual_key(kind, **fields)
    ).first()


def visual_result_list() -> QuerySet[VisualResult]:
    """Every stored visual, by type and key, without its JSON."""
    return VisualResult.objects.defer("visual").order_by("visual_type", "key")


def visual_types() -> list[dict[str, Any]]:
    """Every visual type: its name, the fields of its key, what it shows."""
    return [
        {
            "visual_type": kind.value,
            "key_fields": list(KEY_FIELDS[kind]),
            "description": DESCRIPTIONS[kind],
        }
        for kind in VisualType
    ]


def visual_run_get(
    *, run_id: Any, visual_type: VisualType, errors: dict[str, list[str]]
) -> StrategyRun | None:
    """The succeeded strategy run a stored-run visual shows; None, with ``errors['run_id']``."""
    if run_id is None:
        errors["run_id"] = [NEEDS_MESSAGE.format(visual_type=visual_type.value, field="run_id")]
        return None
    key = _run_id(run_id, errors)
    if key is None:
        return None
    run = (
        StrategyRun.objects.select_related("job")
        .defer("job__params", "job__result", "job__traceback")  # the run's result is enough
        .filter(id=key)
        .first()
    )
    needed = RUN_VISUALS[visual_type]
    if run is None:
        errors["run_id"] = [NO_RUN_MESSAGE.format(run_id=key)]
    elif run.kind != needed:
        errors["run_id"] = [
            WRONG_RUN_KIND_MESSAGE.format(
                visual_type=visual_type.value, needed=needed.value, run_id=key, kind=run.kind
            )
        ]
    elif run.job.status != JobStatus.SUCCEEDED or run.result is None:
        errors["run_id"] = [RUN_WITHOUT_RESULT_MESSAGE.format(run_id=key, status=run.job.status)]
    else:
        return run
    return None


def visual_history_runs(*, mode: Any, limit: Any) -> list[dict[str, Any]]:
    """RUN_HISTORY's runs of ``mode``: the ``limit`` most recent by day, as the engine reads them.

    A run's ``run_id`` is its strategy run's id (a UUID), so the panel can open SINGLE_RUN of it.
    Paper and live trading keep no runs yet, and an unknown mode has none: an empty list (the
    engine names a bad mode).
    """
    kind = HISTORY_RUN_KINDS.get(str(mode))
    if kind is None:
        return []
    rows = StrategyRun.objects.filter(kind=kind).order_by("created_at", "id")
    runs = [
        {
            "run_id": str(run_id),
            "strategy": strategy,
            "mode": str(mode),
            "day": day.isoformat(),
            "profit": profit,
        }
        for run_id, strategy, day, profit, status in rows.values_list(
            "id", "strategy", "day", "profit", "job__status"
        )
        if status == JobStatus.SUCCEEDED and profit is not None and day is not None
    ]
    runs.sort(key=lambda run: run["day"])  # stable, as the engine picks the most recent
    if isinstance(limit, int) and limit > 0:
        runs = runs[-limit:]
    return runs


def _invalid(errors: dict[str, list[str]]) -> ValidationFailed:
    return ValidationFailed(INVALID_VISUAL_MESSAGE, errors)


def _day(value: Any, errors: dict[str, list[str]]) -> str | None:
    day = date_param(value, "day", errors)
    return day.isoformat() if day is not None else None


def _run_id(value: Any, errors: dict[str, list[str]]) -> str | None:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        errors["run_id"] = [NOT_A_RUN_ID_MESSAGE.format(run_id=value)]
        return None


_KEY_CHECKS: dict[str, Callable[[Any, dict[str, list[str]]], str | None]] = {
    "symbol": visual_symbol_param,
    "day": _day,
    "time": wall_time_param,
    "mode": run_mode_param,
    "run_id": _run_id,
}
