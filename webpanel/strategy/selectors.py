"""Read strategy runs, and the strategies there are."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet

from tc2.strategy.registry import builtin_descriptions
from webpanel.core.errors import BadRequest, NotFound
from webpanel.strategy.models import RunKind, StrategyRun

MAX_LIST = 500
# Heavy columns a run's summary or its job's status never needs.
_JOB_PAYLOAD = ("job__params", "job__result", "job__traceback")


def strategy_list() -> list[dict[str, Any]]:
    """Every built-in strategy: id, kind (day, then swing), docstring, windows, parameters."""
    return builtin_descriptions()


def strategy_run_list(*, kind: str | None = None, limit: int = 50) -> QuerySet[StrategyRun]:
    """Run summaries (no result payload), newest first, optionally of one kind."""
    runs = StrategyRun.objects.select_related("job", "job__requested_by").defer(
        "result", *_JOB_PAYLOAD
    )
    if kind is not None:  # given empty is not "any": the schema's enum has no ""
        if kind not in RunKind.values:
            raise BadRequest(
                f"kind must be one of {', '.join(RunKind.values)}, was {kind!r}", {"kind": kind}
            )
        runs = runs.filter(kind=kind)
    return runs.order_by("-created_at")[: max(1, min(limit, MAX_LIST))]


def strategy_run_get(*, run_id: str) -> StrategyRun:
    """One run with its result (null until its job succeeded) and its job's status."""
    try:
        key = uuid.UUID(str(run_id))
    except ValueError:
        raise NotFound(f"No strategy run {run_id}") from None
    run = (
        StrategyRun.objects.select_related("job", "job__requested_by")
        .defer(*_JOB_PAYLOAD)
        .filter(id=key)
        .first()
    )
    if run is None:
        raise NotFound(f"No strategy run {run_id}")
    return run
