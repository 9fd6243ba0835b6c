"""The reconciler: a program thread that produces the backtest-versus-live report of every
traded day after its close.

Every minute it asks ``reconciliations_nightly_submit``, which queues one ``trading_reconcile``
job per traded day whose session closed 30 minutes ago and that has an ended REPLAY, PAPER or
LIVE run without a report; the job workers re-run the runs and the result sink stores the
reports. A run with a report (or a job under way) is never queued again, so restarts repeat
nothing. Its lines go to the ``live_trading`` log feed.
"""

from __future__ import annotations

from typing import Any

import redis
from django.db import DatabaseError, close_old_connections
from django.utils import timezone

from tc2.logs import LogFeed, feed_logger
from webpanel.core.errors import ServiceUnavailable
from webpanel.trading.reconciliations import reconciliations_nightly_submit

REFRESH_INTERVAL_S = 60.0

_log = feed_logger(LogFeed.LIVE_TRADING, "reconciler")


def run_reconciler(context: Any) -> None:
    """Component target: queue the due reconciliations every REFRESH_INTERVAL_S until asked to
    stop."""
    _log.info("Reconciler started: every traded day is reconciled after its close")
    try:
        while not context.should_stop():
            try:
                reconciliations_nightly_submit(now=timezone.now())
            # The database or the job queue (Redis) is back by the next pass, or not.
            except (DatabaseError, ServiceUnavailable, redis.RedisError) as error:
                _log.warning(f"could not queue the reconciliations: {error}")
            finally:
                close_old_connections()
            context.heartbeat()
            context.wait(REFRESH_INTERVAL_S)
    finally:
        close_old_connections()
