"""Generate visuals as jobs, keep each visual's latest JSON, and keep the main ones fresh."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tc2.errors import ValidationFailed
from tc2.logs import LogFeed, feed_logger
from tc2.program.jobs import live_store_from_environ
from tc2.program.visuals import DEFAULT_RUN_HISTORY, VisualType, parse_visual_params
from webpanel.configuration.selectors import trading_settings_get
from webpanel.core.errors import Conflict, ServiceUnavailable
from webpanel.jobs.models import ACTIVE_STATUSES, Job
from webpanel.jobs.services import job_submit
from webpanel.visuals.models import VisualRequest, VisualResult
from webpanel.visuals.selectors import (
    INVALID_VISUAL_MESSAGE,
    RUN_VISUALS,
    visual_history_runs,
    visual_key,
    visual_request,
    visual_run_get,
    visual_type_named,
)

VISUAL_JOB_TYPE = "visual_generate"
# The refresher keeps every symbol's PRICE_GRAPH and the simulated RUN_HISTORY this fresh.
REFRESH_INTERVAL = timedelta(minutes=30)
REFRESHED_HISTORY_MODE = "simulated"
# The engine params that carry run data: the web layer fills them, a request never names them.
_RUN_DATA = ("record", "evaluation", "runs")
_COUNT = re.compile(r"[0-9]{1,6}")

_log = feed_logger(LogFeed.VISUALS, "refresher")


def visual_generate_submit(*, params: Mapping[str, Any], user: AbstractBaseUser | None) -> Job:
    """Queue one visual after giving it the run data it shows.

    SINGLE_RUN and EQUITY_CURVE get the result of the strategy run ``run_id`` (a succeeded
    simulate or evaluate run); RUN_HISTORY gets the mode's runs (``simulated``: the succeeded
    simulate runs; paper and live keep none yet: an empty history). ``days`` and ``limit``
    given as query strings count as whole numbers; empty values count as absent.

    Raises
    ------
    ValidationFailed
        Naming every bad field (422); nothing is recorded or queued.
    Conflict
        The same visual is already queued or running (409).
    ServiceUnavailable
        Redis refused the job (503); the job is kept as failed with the reason.
    """
    request, errors = visual_request(params)
    kind = visual_type_named(request.get("visual_type"), {})  # the engine names a bad one
    run_id = request.pop("run_id", None)
    run = None
    if kind in RUN_VISUALS:
        run = visual_run_get(run_id=run_id, visual_type=kind, errors=errors)
        if run is not None:
            request["evaluation" if kind is VisualType.EQUITY_CURVE else "record"] = run.result
    for name in ("days", "limit"):
        if isinstance(request.get(name), str) and _COUNT.fullmatch(request[name]):
            request[name] = int(request[name])
    if kind is VisualType.RUN_HISTORY:
        request["runs"] = visual_history_runs(
            mode=request.get("mode"), limit=request.get("limit", DEFAULT_RUN_HISTORY)
        )
    try:
        parsed = parse_visual_params(request)
    except ValidationFailed as error:
        # Missing run data is the run_id's fault, already named.
        named = {field: m for field, m in error.field_errors.items() if field not in _RUN_DATA}
        raise ValidationFailed(error.message, {**named, **errors}) from None
    if errors or kind is None:
        raise ValidationFailed(INVALID_VISUAL_MESSAGE, errors)
    run_key = str(run.id) if run is not None else None
    key = visual_key(
        kind,
        symbol=parsed.get("symbol"),
        day=parsed.get("day"),
        time=parsed.get("time"),
        mode=parsed.get("mode"),
        run_id=run_key,
    )
    shown = {name: value for name, value in parsed.items() if name not in _RUN_DATA}
    if run_key is not None:
        shown["run_id"] = run_key
    with transaction.atomic():
        job = job_submit(job_type=VISUAL_JOB_TYPE, params=parsed, user=user)
        VisualRequest.objects.create(job=job, visual_type=kind.value, key=key, params=shown)
    return job


def visual_store_result(*, job_id: str, result: Mapping[str, Any]) -> None:
    """Result sink of ``visual_generate``: the JSON becomes its (type, key)'s latest visual.

    A visual job submitted through /api/jobs has no request; its result stays on the job only.
    """
    request = VisualRequest.objects.filter(job_id=job_id).first()
    if request is None:
        return
    VisualResult.objects.update_or_create(
        visual_type=request.visual_type,
        key=request.key,
        defaults={
            "visual": dict(result),
            "params": request.params,
            "generated_at": timezone.now(),
            "job_id": job_id,
        },
    )


def visuals_refresh_submit(*, now: datetime) -> list[Job]:
    """Queue each symbol's PRICE_GRAPH and the simulated RUN_HISTORY when they are stale.

    A visual is stale when its stored JSON is older than ``REFRESH_INTERVAL`` or missing, and
    no job for it (the refresher's or a user's) was queued within the interval or is still
    queued or running; a job that failed is retried an interval later.

    Returns
    -------
    list[Job]
        The jobs queued now (empty while everything is fresh).
    """
    cutoff = now - REFRESH_INTERVAL
    fresh = set(
        VisualResult.objects.filter(generated_at__gte=cutoff).values_list("visual_type", "key")
    )
    asked = set(
        VisualRequest.objects.filter(
            Q(job__created_at__gte=cutoff) | Q(job__status__in=ACTIVE_STATUSES)
        ).values_list("visual_type", "key")
    )
    on_file = set(live_store_from_environ().symbols())  # a chart of no bars is refused
    wanted = [
        ({"visual_type": VisualType.PRICE_GRAPH.value, "symbol": symbol}, symbol)
        for symbol in trading_settings_get().settings.symbols
        if symbol in on_file
    ]
    wanted.append(
        (
            {"visual_type": VisualType.RUN_HISTORY.value, "mode": REFRESHED_HISTORY_MODE},
            REFRESHED_HISTORY_MODE,
        )
    )
    submitted: list[Job] = []
    for request, key in wanted:
        if (request["visual_type"], key) in fresh | asked:
            continue
        try:
            submitted.append(visual_generate_submit(params=request, user=None))
        except Conflict:
            continue  # the same visual is queued or running
        except ValidationFailed as error:
            _log.warning(f"{request['visual_type']} {key} refused: {error.field_errors}")
        except ServiceUnavailable as error:
            _log.warning(f"visual refresh paused: {error.message}")
            break
    if submitted:
        _log.info(
            f"queued {len(submitted)} visuals: "
            + ", ".join(f"{job.params['visual_type']} {_label(job.params)}" for job in submitted)
        )
    return submitted


def _label(params: Mapping[str, Any]) -> str:
    return str(params.get("symbol") or params.get("mode") or "")
