"""The ``health_check`` job: run one check, log and return its report."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from datetime import date
from typing import Any

from tc2.data.price_stores import price_store_for
from tc2.data.providers import history_provider_from_environ
from tc2.env import EnvType, MarketCalendar
from tc2.env.clock import LiveClock
from tc2.env.config import RuntimeConfig
from tc2.env.trading_settings import AlpacaEndpoint
from tc2.errors import ConfigurationError
from tc2.logs import LogFeed, feed_logger
from tc2.program.checks.alpaca import alpaca_probe_from_environ, check_alpaca
from tc2.program.checks.data import check_data
from tc2.program.checks.dip45 import check_dip45
from tc2.program.checks.model_feeding import check_model_feeding
from tc2.program.checks.provider import check_provider
from tc2.program.checks.report import (
    HealthCheckType,
    HealthReport,
    HealthStatus,
    describe_error,
    verdict,
)
from tc2.program.checks.sim_output import check_sim_output
from tc2.program.checks.sim_timings import check_sim_timings
from tc2.program.checks.store import check_store
from tc2.program.jobs import JobCanceled, JobInterrupted, Progress, live_store_from_environ

_log = feed_logger(LogFeed.HEALTH, "checks")

CHECK_RAISED_MESSAGE = "the check itself failed: {error}"
PROVIDER_CONFIGURATION_MESSAGE = "the market-data provider is misconfigured: {error}"


def perform_health_check(*, params: Mapping[str, Any], progress: Progress) -> dict[str, Any]:
    """Job function of ``health_check``: run one check; return its report as JSON.

    ``params`` are those ``parse_health_check_params`` returned. A check that raises is a FAILED
    report naming the error (only a cancel or a worker shutdown stops the job). The outcome is
    logged to the ``health`` feed.

    Returns
    -------
    dict
        ``HealthReport.to_dict()`` plus ``params``, ``checked_at`` (ISO, UTC) and ``duration_s``.
    """
    check = HealthCheckType(params["check_type"])
    symbol = params.get("symbol")
    label = f"{check.value} {symbol}" if symbol else check.value
    progress(0, f"checking {label}")
    started = time.perf_counter()
    try:
        report = _run_check(check, params, progress)
    except (JobCanceled, JobInterrupted):
        raise
    except Exception as error:  # a broken check is a failed check, with the reason
        message = CHECK_RAISED_MESSAGE.format(error=describe_error(error))
        report = HealthReport(
            check_type=check, status=HealthStatus.FAILED, messages=(message,), symbol=symbol
        )
    duration = time.perf_counter() - started
    progress(100, report.status.value)
    summary = f"{label}: {report.status.value} in {duration:.2f} s"
    if report.messages:
        summary += f" ({report.messages[0]})"
    if report.status is HealthStatus.FAILED:
        _log.warning(summary)
    else:
        _log.info(summary)
    return {
        **report.to_dict(),
        "symbol": symbol,
        "params": dict(params),
        "checked_at": LiveClock().now().isoformat(),
        "duration_s": round(duration, 3),
    }


def _run_check(
    check: HealthCheckType, params: Mapping[str, Any], progress: Progress
) -> HealthReport:
    calendar = MarketCalendar.xnys()
    symbol = str(params.get("symbol") or "")
    if check is HealthCheckType.STORE:
        config = RuntimeConfig.from_environ()
        sandbox = price_store_for(
            EnvType.HEALTH_CHECKING, data_dir=config.data_dir, url=config.price_store
        )
        try:
            return check_store(store=sandbox)
        finally:
            close = getattr(sandbox, "close", None)  # a MongoDB store holds a client
            if callable(close):
                close()
    if check is HealthCheckType.PROVIDER:
        try:
            provider = history_provider_from_environ(os.environ, calendar=calendar)
        except ConfigurationError as error:
            message = PROVIDER_CONFIGURATION_MESSAGE.format(error=error)
            return verdict(check, [message])
        return check_provider(provider=provider, calendar=calendar, now=LiveClock().now())
    if check is HealthCheckType.ALPACA:
        endpoint = AlpacaEndpoint(params.get("alpaca_endpoint") or AlpacaEndpoint.PAPER.value)
        probe = alpaca_probe_from_environ(os.environ, endpoint)
        return check_alpaca(probe=probe, endpoint=endpoint)
    store = live_store_from_environ()
    if check is HealthCheckType.DATA:
        return check_data(store=store, calendar=calendar, symbol=symbol, progress=progress)
    if check is HealthCheckType.DIP45:
        return check_dip45(store=store, calendar=calendar, symbol=symbol, progress=progress)
    if check is HealthCheckType.MODEL_FEEDING:
        return check_model_feeding(store=store, calendar=calendar, symbol=symbol, progress=progress)
    if check is HealthCheckType.SIM_TIMINGS:
        return check_sim_timings(store=store, calendar=calendar, symbol=symbol, progress=progress)
    day = params.get("day_date")
    return check_sim_output(
        store=store,
        calendar=calendar,
        symbol=symbol,
        day=date.fromisoformat(day) if day else None,
    )
