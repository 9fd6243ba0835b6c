"""Start health checks as jobs, keep each check's latest result, and run them all nightly."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from tc2.errors import ValidationFailed
from tc2.logs import LogFeed, feed_logger
from tc2.program.checks import HealthCheckType, nightly_checks, nightly_window_start
from webpanel.configuration.selectors import trading_settings_get
from webpanel.core.errors import Conflict, ServiceUnavailable
from webpanel.health.models import HealthCheckResult
from webpanel.health.selectors import default_symbol
from webpanel.jobs.models import Job
from webpanel.jobs.services import job_submit

HEALTH_CHECK_JOB_TYPE = "health_check"

_log = feed_logger(LogFeed.HEALTH, "refresher")


def health_check_submit(*, params: Mapping[str, Any], user: AbstractBaseUser | None) -> Job:
    """Queue one health check after filling what the settings give.

    A per-symbol check without a symbol checks the first symbol of the settings; ALPACA checks
    the endpoint the settings choose (paper or live). Empty values count as absent.

    Raises
    ------
    ValidationFailed
        Naming every bad field (422); nothing is recorded or queued.
    Conflict
        The same check is already queued or running (409).
    ServiceUnavailable
        Redis refused the job (503); the job is kept as failed with the reason.
    """
    request = {key: value for key, value in params.items() if value not in (None, "")}
    check = HealthCheckType.named(request.get("check_type"))
    if check is not None and check.takes_symbol and "symbol" not in request:
        symbol = default_symbol()
        if symbol is not None:
            request["symbol"] = symbol
    if check is HealthCheckType.ALPACA:
        request["alpaca_endpoint"] = trading_settings_get().settings.alpaca_endpoint.value
    return job_submit(job_type=HEALTH_CHECK_JOB_TYPE, params=request, user=user)


def health_check_store_result(*, job_id: str, result: Mapping[str, Any]) -> None:
    """Result sink of ``health_check``: the report becomes its (check, symbol)'s latest result."""
    HealthCheckResult.objects.update_or_create(
        check_type=str(result["check_type"]),
        symbol=str(result.get("symbol") or ""),
        defaults={
            "status": str(result["status"]),
            "debug_messages": list(result.get("debug_messages") or []),
            "figures": dict(result.get("figures") or {}),
            "params": dict(result.get("params") or {}),
            "checked_at": datetime.fromisoformat(str(result["checked_at"])),
            "duration_s": result.get("duration_s"),
            "job_id": job_id,
        },
    )


def health_checks_nightly_submit(*, now: datetime) -> list[Job]:
    """Between 18:00 and 06:00 New York, queue every check not yet run since 18:00.

    Every check without a symbol runs once, every other once per symbol of the settings. A
    check that ran tonight (the refresher's or a user's) is not queued again, so calling this
    every minute queues each check once per night, across program restarts too.

    Returns
    -------
    list[Job]
        The jobs queued now (empty outside the window or when all ran tonight).
    """
    night = nightly_window_start(now)
    if night is None:
        return []
    done = {
        _key(params)
        for params in Job.objects.filter(
            type=HEALTH_CHECK_JOB_TYPE, created_at__gte=night
        ).values_list("params", flat=True)
    }
    submitted: list[Job] = []
    for request in nightly_checks(trading_settings_get().settings.symbols):
        if _key(request) in done:
            continue
        try:
            submitted.append(health_check_submit(params=request, user=None))
        except Conflict:
            continue  # the same check is queued or running: it reports tonight
        except ValidationFailed as error:
            _log.warning(f"nightly {_label(request)} refused: {error.field_errors}")
        except ServiceUnavailable as error:
            _log.warning(f"nightly health checks paused: {error.message}")
            break
    if submitted:
        _log.info(
            f"Night of {night.date()}: queued {len(submitted)} health checks "
            f"({', '.join(_label(job.params) for job in submitted)})"
        )
    return submitted


def _key(params: Mapping[str, Any]) -> tuple[str, str]:
    check = HealthCheckType.named(params.get("check_type"))
    return (check.value if check else "", str(params.get("symbol") or ""))


def _label(params: Mapping[str, Any]) -> str:
    check, symbol = _key(params)
    return f"{check} {symbol}" if symbol else check
