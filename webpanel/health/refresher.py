"""The health check refresher: a program thread that queues every health check once a night.

Every minute it asks ``health_checks_nightly_submit``, which between 18:00 and 06:00 New York
queues each check (per symbol of the settings where the check takes one) not yet run since
18:00; the job workers run them and the results land in ``HealthCheckResult``. Its own lines
and every check's outcome go to the ``health`` log feed.
"""

from __future__ import annotations

from typing import Any

import redis
from django.db import DatabaseError, close_old_connections
from django.utils import timezone

from tc2.logs import LogFeed, feed_logger
from webpanel.core.errors import ServiceUnavailable
from webpanel.health.services import health_checks_nightly_submit

REFRESH_INTERVAL_S = 60.0

_log = feed_logger(LogFeed.HEALTH, "refresher")


def run_health_refresher(context: Any) -> None:
    """Component target: look for due checks every REFRESH_INTERVAL_S until asked to stop."""
    _log.info("Health check refresher started: every check once a night, 18:00-06:00 New York")
    try:
        while not context.should_stop():
            try:
                health_checks_nightly_submit(now=timezone.now())
            # The database or the job queue (Redis) is back by the next pass, or not.
            except (DatabaseError, ServiceUnavailable, redis.RedisError) as error:
                _log.warning(f"could not queue the nightly health checks: {error}")
            finally:
                close_old_connections()
            context.heartbeat()
            context.wait(REFRESH_INTERVAL_S)
    finally:
        close_old_connections()
