"""Backtest versus live reconciliation: queue the engine's job for a traded day, keep its
reports (``ReconciliationReport``, one per run), and produce them every night.

The engine reads no database, so the job's params carry the runs (``run_document``): the
strategy, its recorded parameters, symbols, settings and start, the orders (rejections with
their reasons) and the fills, as the trade tables hold them. A report row is written with the
job that computes it; the result sink fills the rows of that job only, so a
``trading_reconcile`` job submitted through ``/api/jobs`` (any params) stores no report.

Roles: reconciling is research (issue 14: reading and running research is for every signed-in
user). It reads the trade records and writes only a report derived from them; asked again, it
gives the same report, so no user can change what another sees by asking.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from tc2.env import MarketCalendar
from tc2.env.market_calendar import NEW_YORK
from tc2.errors import ValidationFailed
from tc2.logs import LogFeed, feed_logger
from webpanel.core.errors import BadRequest, Conflict, NotFound, ServiceUnavailable
from webpanel.data.selectors import parse_day
from webpanel.jobs.models import ACTIVE_STATUSES, Job, JobStatus
from webpanel.jobs.services import job_submit
from webpanel.trading.models import AlgoRun, Mode, ReconciliationReport
from webpanel.trading.selectors import MAX_RUN_ID, parse_mode, parse_name

RECONCILE_JOB_TYPE = "trading_reconcile"
TRADED_MODES = (Mode.REPLAY, Mode.PAPER, Mode.LIVE)
NO_RUNS_MESSAGE = "no ended {what} run on {day} to reconcile (modes REPLAY, PAPER, LIVE)"
NOT_A_SESSION_MESSAGE = "{day} is not a trading session"
# After the close, the nightly producer waits this long (the day trader is flat 15 minutes
# before the close; the collector stores the session's bars after it).
AFTER_CLOSE = timedelta(minutes=30)
# A run whose re-run failed for want of bars is tried again this much later, for a week.
RETRY_AFTER = timedelta(hours=1)
RETRY_DAYS = 7


class ReportStatus:
    QUEUED = "queued"  # its job has not finished yet (an older report may be shown meanwhile)
    DONE = "done"
    FAILED = "failed"  # the run could not be re-run (``error``), or the job failed


REPORT_STATUSES = (ReportStatus.QUEUED, ReportStatus.DONE, ReportStatus.FAILED)

_log = feed_logger(LogFeed.LIVE_TRADING, "reconciler")


def _epoch(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp())


def run_document(run: AlgoRun) -> dict[str, Any]:
    """A run as the reconciliation job takes it (``tc2.program.reconciliation_jobs``)."""
    return {
        "run_id": run.pk,
        "strategy": run.strategy,
        "parameters": dict(run.parameters),
        "mode": run.mode,
        "symbols": list(run.symbols),
        "day": run.start.astimezone(NEW_YORK).date().isoformat(),
        "start_t": _epoch(run.start),
        "end_t": _epoch(run.end),
        "stop_reason": run.stop_reason,
        "settings": dict(run.settings or {}),
        "batch_id": run.batch_id,
        "orders": [
            {
                "client_order_id": order.client_order_id,
                "symbol": order.symbol,
                "side": order.side,
                "qty": None if order.qty is None else float(order.qty),
                "type": order.type,
                "status": order.status,
                "reason": order.reason,
                "t": _epoch(order.created_at),
            }
            for order in run.orders.order_by("created_at", "id")
        ],
        "fills": [
            {
                "fill_id": fill.fill_id,
                "client_order_id": fill.client_order_id,
                "symbol": fill.symbol,
                "side": fill.side,
                "qty": float(fill.qty),
                "price": float(fill.price),
                "fee": float(fill.fee),
                "t": _epoch(fill.t),
            }
            for fill in run.fills.order_by("t", "id")
        ],
    }


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, datetime.min.time(), tzinfo=NEW_YORK)
    return start, start + timedelta(days=1)


def traded_runs(
    *, day: date, run_id: int | None = None, strategy: str | None = None
) -> QuerySet[AlgoRun]:
    """The ended REPLAY, PAPER and LIVE runs that started on New York ``day``."""
    start, end = _day_bounds(day)
    rows = AlgoRun.objects.filter(
        mode__in=TRADED_MODES, start__gte=start, start__lt=end, end__isnull=False
    )
    if run_id is not None:
        rows = rows.filter(pk=run_id)
    if strategy is not None:
        rows = rows.filter(strategy=strategy)
    return rows.order_by("start", "id")


def reconciliation_submit(*, params: Mapping[str, Any], user: AbstractBaseUser | None) -> Job:
    """Queue the reconciliation of a day's traded runs (or of one run, or one strategy's).

    ``params``: ``day`` (YYYY-MM-DD, New York), optional ``run`` (an ``algo_run`` id) and
    ``strategy``.

    Raises
    ------
    ValidationFailed
        A bad field, a day that is not a session, or no ended traded run matches (422).
    Conflict
        The same reconciliation is queued or running (409).
    ServiceUnavailable
        Redis refused the job (503).
    """
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(params) - {"day", "run", "strategy"})
    for key in unknown:
        errors[str(key)] = ["unknown parameter"]
    day = _field(errors, "day", lambda: parse_day(_text(params.get("day")), "day"))
    if day is None and "day" not in errors:
        errors["day"] = ["is required (YYYY-MM-DD, New York)"]
    if day is not None and not MarketCalendar.xnys().is_session(day):
        errors["day"] = [NOT_A_SESSION_MESSAGE.format(day=day)]
    run_id = params.get("run")
    if run_id is not None and (
        not isinstance(run_id, int) or isinstance(run_id, bool) or not 0 < run_id <= MAX_RUN_ID
    ):
        errors["run"] = [f"must be an algo_run id (a whole number), was {run_id!r}"]
    strategy = _field(
        errors, "strategy", lambda: parse_name(_text(params.get("strategy")), "strategy")
    )
    if errors:
        raise ValidationFailed("The reconciliation request is invalid.", errors)
    assert day is not None
    runs = list(traded_runs(day=day, run_id=run_id, strategy=strategy))
    if not runs:
        what = f"run {run_id}" if run_id is not None else strategy or "traded"
        message = NO_RUNS_MESSAGE.format(what=what, day=day)
        raise ValidationFailed(message, {"run" if run_id is not None else "day": [message]})
    return _submit(day=day, runs=runs, user=user)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _field(errors: dict[str, list[str]], name: str, parse: Callable[[], Any]) -> Any:
    try:
        return parse()
    except BadRequest as error:
        errors[name] = [error.message]
        return None


def _submit(*, day: date, runs: Iterable[AlgoRun], user: AbstractBaseUser | None) -> Job:
    runs = list(runs)
    now = timezone.now()
    with transaction.atomic():
        job = job_submit(
            job_type=RECONCILE_JOB_TYPE,
            params={"day": day.isoformat(), "runs": [run_document(run) for run in runs]},
            user=user,
        )
        for run in runs:
            # An older report stays readable until this job replaces it.
            ReconciliationReport.objects.update_or_create(
                run=run, defaults={"day": day, "job": job, "requested_at": now}
            )
    return job


def reconciliation_store_result(*, job_id: str, result: Mapping[str, Any]) -> None:
    """Result sink of ``trading_reconcile``: each run's report (or why it could not be re-run)
    into the row written with this job."""
    now = timezone.now()
    for entry in result.get("reports", ()):
        rows = ReconciliationReport.objects.filter(job_id=job_id, run_id=entry.get("run_id"))
        if "error" in entry:
            rows.update(error=str(entry["error"]), report=None, generated_at=now)
        else:
            rows.update(report=dict(entry), error="", generated_at=now)


# -- reading ----------------------------------------------------------------------------------


def report_status(row: ReconciliationReport) -> str:
    """``queued`` while its job runs, ``done`` with a report, ``failed`` otherwise."""
    job = row.job
    if job is not None and job.status in ACTIVE_STATUSES:
        return ReportStatus.QUEUED
    if row.report is not None:
        return ReportStatus.DONE
    return ReportStatus.FAILED


def report_error(row: ReconciliationReport) -> str:
    if row.error:
        return row.error
    job = row.job
    if row.report is None and job is not None and job.status not in ACTIVE_STATUSES:
        return job.error or f"the reconciliation job ended {job.status}"
    return ""


def reconciliations_list(
    *, day: str | None, strategy: str | None = None, mode: str | None = None
) -> QuerySet[ReconciliationReport]:
    """The reports of a New York day (all days without one), by run start. Raises BadRequest
    naming a bad filter."""
    rows = ReconciliationReport.objects.select_related("run", "job")
    session = parse_day(day, "day")
    if session is not None:
        rows = rows.filter(day=session)
    if parse_name(strategy, "strategy") is not None:
        rows = rows.filter(run__strategy=strategy)
    if parse_mode(mode) is not None:
        rows = rows.filter(run__mode=mode)
    return rows.order_by("-day", "run__start", "run_id")


def reconciliation_get(*, report_id: str) -> ReconciliationReport:
    """One report by id. Raises NotFound (an id that is not a number names no report)."""
    if not re.fullmatch(r"[0-9]{1,12}", report_id):
        raise NotFound(f"no reconciliation report {report_id[:50]!r}")
    row = ReconciliationReport.objects.select_related("run", "job").filter(pk=report_id).first()
    if row is None:
        raise NotFound(f"no reconciliation report {report_id}")
    return row


# -- the nightly producer ---------------------------------------------------------------------


def _due_runs(now: datetime) -> QuerySet[AlgoRun]:
    """Ended traded runs without a report, or whose last attempt failed long enough ago."""
    retry_before = now - RETRY_AFTER
    failed_job = Q(reconciliation__job__status__in=(JobStatus.FAILED, JobStatus.CANCELED)) | Q(
        reconciliation__job__isnull=True
    )
    retry = (
        Q(reconciliation__report__isnull=True)
        & Q(reconciliation__requested_at__lt=retry_before)
        & Q(start__gte=now - timedelta(days=RETRY_DAYS))
        & (
            Q(reconciliation__error__startswith="DataError")
            | (failed_job & Q(reconciliation__error=""))
        )
    )
    return AlgoRun.objects.filter(mode__in=TRADED_MODES, end__isnull=False).filter(
        Q(reconciliation__isnull=True) | retry
    )


def reconciliations_nightly_submit(*, now: datetime) -> list[Job]:
    """Queue the reconciliation of every traded day whose session closed ``AFTER_CLOSE`` ago
    and that has an ended run without a report: one job per day, its runs lacking one.

    Idempotent: a run with a report, or whose job is queued or running, is not queued again, so
    calling this every minute reconciles each run once (a failure for want of bars is retried
    hourly for a week).
    """
    calendar = MarketCalendar.xnys()
    by_day: dict[date, list[AlgoRun]] = {}
    for run in _due_runs(now).order_by("start", "id"):
        day = run.start.astimezone(NEW_YORK).date()
        by_day.setdefault(day, []).append(run)
    submitted: list[Job] = []
    for day, runs in sorted(by_day.items()):
        if not calendar.is_session(day) or now < calendar.session_close(day) + AFTER_CLOSE:
            continue
        try:
            submitted.append(_submit(day=day, runs=runs, user=None))
        except Conflict:
            continue
        except ValidationFailed as error:
            _log.warning(f"reconciliation of {day} refused: {error.field_errors}")
        except ServiceUnavailable as error:
            _log.warning(f"reconciliations paused: {error.message}")
            break
    if submitted:
        days = ", ".join(str(job.params["day"]) for job in submitted)
        _log.info(f"queued the reconciliation of {len(submitted)} traded days ({days})")
    return submitted
