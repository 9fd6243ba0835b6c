"""Start strategy simulations and evaluations as jobs; keep each run's result with its request;
add and remove the strategy files staff upload."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from tc2.errors import ValidationFailed
from tc2.logs import LogFeed, feed_logger
from tc2.strategy.library import (
    INVALID_FILE_MESSAGE,
    MAX_FILE_BYTES,
    StrategyFileConflict,
    UnknownStrategyFile,
)
from tc2.strategy.registry import strategy_library
from webpanel.core.errors import Conflict, NotFound
from webpanel.jobs.services import job_submit
from webpanel.strategy.models import RunKind, StrategyRun

SIMULATE_JOB_TYPE = "strategy_simulate"
EVALUATE_JOB_TYPE = "strategy_evaluate"

_log = feed_logger(LogFeed.PROGRAM, "strategies")


def strategy_simulate_submit(*, params: Mapping[str, Any], user: AbstractBaseUser) -> StrategyRun:
    """Check a day simulation request, then record the run and queue its job.

    Raises
    ------
    ValidationFailed
        Naming every bad field (422); nothing is recorded or queued.
    ServiceUnavailable
        Redis refused the job (503); the run is kept, its job failed with the reason.
    """
    with transaction.atomic():
        job = job_submit(job_type=SIMULATE_JOB_TYPE, params=params, user=user)
        checked = job.params
        return StrategyRun.objects.create(
            kind=RunKind.SIMULATE,
            strategy=checked["strategy"],
            symbols=[checked["symbol"]],
            params=checked["params"],
            day=date.fromisoformat(checked["day"]),
            fill_model=checked["fill_model"],
            job=job,
        )


def strategy_evaluate_submit(*, params: Mapping[str, Any], user: AbstractBaseUser) -> StrategyRun:
    """Check an evaluation request, then record the run and queue its job.

    Raises
    ------
    ValidationFailed
        Naming every bad field (422); nothing is recorded or queued.
    ServiceUnavailable
        Redis refused the job (503); the run is kept, its job failed with the reason.
    """
    with transaction.atomic():
        job = job_submit(job_type=EVALUATE_JOB_TYPE, params=params, user=user)
        checked = job.params
        return StrategyRun.objects.create(
            kind=RunKind.EVALUATE,
            strategy=checked["strategy"],
            symbols=checked["symbols"],
            params=checked["params"],
            start=date.fromisoformat(checked["start"]),
            end=date.fromisoformat(checked["end"]),
            fill_model=checked["fill_model"],
            job=job,
        )


def strategy_run_store_result(*, job_id: str, result: Mapping[str, Any]) -> None:
    """Result sink of both strategy job types: keep the record, its fingerprint and profit.

    A strategy job submitted through /api/jobs has no run; its result stays on the job only.
    """
    run = StrategyRun.objects.filter(job_id=job_id).first()
    if run is None:
        return
    run.result = dict(result)
    run.fingerprint = str(result["fingerprint"])
    run.profit = _profit(run.kind, result)
    run.symbols = list(result.get("symbols") or run.symbols)  # a strategy may fix its symbols
    run.finished_at = timezone.now()
    run.save(update_fields=["result", "fingerprint", "profit", "symbols", "finished_at"])


def _profit(kind: str, result: Mapping[str, Any]) -> float | None:
    if kind == RunKind.SIMULATE:
        return float(result["profit"])
    net = (result.get("tc2_metrics") or {}).get("net_profit")
    return None if net is None else float(net)


def strategy_file_add(*, upload: UploadedFile | None, user: AbstractBaseUser) -> dict[str, Any]:
    """Store an uploaded strategy file in the library; its classes become registered strategies.

    The file is read, never run, here: the job worker runs it when a simulation asks for it.

    Raises
    ------
    ValidationFailed
        No file, too large, not UTF-8, a name that breaks the rule, a declaration that cannot
        be read statically, or no strategy class (422); nothing is stored.
    Conflict
        The file name exists, or a class name is already registered (409).
    """
    if upload is None:
        raise ValidationFailed(
            INVALID_FILE_MESSAGE, {"file": ["a strategy file is required (multipart field 'file')"]}
        )
    if upload.size is not None and upload.size > MAX_FILE_BYTES:
        raise ValidationFailed(
            INVALID_FILE_MESSAGE, {"file": [f"is larger than {MAX_FILE_BYTES // 1024} KB"]}
        )
    name = (upload.name or "").rsplit("/", 1)[-1]
    try:
        added = strategy_library().add(name=name, content=upload.read(MAX_FILE_BYTES + 1))
    except StrategyFileConflict as error:
        raise Conflict(str(error)) from None
    _log.info(
        f"{user.get_username()} added strategy file {added.name} (sha256 {added.sha256}): "
        f"{', '.join(strategy.name for strategy in added.strategies)}"
    )
    return added.to_dict()


def strategy_file_remove(*, name: str, user: AbstractBaseUser) -> None:
    """Delete a strategy file; its strategies are no longer registered (past runs stay).

    Raises NotFound (404) for a name not in the library.
    """
    try:
        removed = strategy_library().remove(name)
    except UnknownStrategyFile as error:
        raise NotFound(str(error)) from None
    _log.info(f"{user.get_username()} removed strategy file {removed.name} ({removed.sha256})")
