"""Read strategy runs, the strategies there are, and the strategy files staff added."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet

from tc2.strategy.library import UnknownStrategyFile
from tc2.strategy.registry import (
    builtin_descriptions,
    library_descriptions,
    strategy_library,
)
from webpanel.core.errors import BadRequest, NotFound
from webpanel.strategy.models import RunKind, StrategyRun

MAX_LIST = 500
# Heavy columns a run's summary or its job's status never needs.
_JOB_PAYLOAD = ("job__params", "job__result", "job__traceback")


def strategy_list() -> list[dict[str, Any]]:
    """Every registered strategy: the built-ins (day, then swing), then the uploaded ones by file;
    id, kind, docstring, windows, parameters, and where it comes from.

    Uploaded files are read without running them (their declarations, statically).
    """
    return [
        *({**described, "origin": "builtin", "file": None} for described in builtin_descriptions()),
        *({**described, "origin": "uploaded"} for described in library_descriptions()),
    ]


def strategy_file_list() -> list[dict[str, Any]]:
    """The strategy files staff added, by name: size, sha256, strategies, problems."""
    return [found.to_dict() for found in strategy_library().files()]


def strategy_file_get(*, name: str) -> dict[str, Any]:
    """One strategy file with its source. Raises NotFound."""
    library = strategy_library()
    try:
        return {**library.file(name).to_dict(), "source": library.source(name)}
    except UnknownStrategyFile as error:
        raise NotFound(str(error)) from None


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
