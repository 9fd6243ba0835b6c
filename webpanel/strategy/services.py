"""Start strategy simulations and evaluations as jobs; keep each run's result with its request."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from webpanel.jobs.services import job_submit
from webpanel.strategy.models import RunKind, StrategyRun

SIMULATE_JOB_TYPE = "strategy_simulate"
EVALUATE_JOB_TYPE = "strategy_evaluate"


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
