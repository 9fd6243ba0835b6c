"""The visuals refresher: a program thread that keeps the main visuals fresh.

Every minute it asks ``visuals_refresh_submit``, which queues each symbol's PRICE_GRAPH (of the
trading settings) and the simulated RUN_HISTORY when their stored JSON is older than 30 minutes
or missing; the job workers generate them and the results land in ``VisualResult``. It starts
once the data collector's catch-up is done (``data_loaded``), so the first price graphs show
the collected days. Its lines go to the ``visuals`` log feed.
"""

from __future__ import annotations

from typing import Any

import redis
from django.db import DatabaseError, close_old_connections
from django.utils import timezone

from tc2.logs import LogFeed, feed_logger
from webpanel.core.errors import ServiceUnavailable
from webpanel.visuals.services import REFRESH_INTERVAL, visuals_refresh_submit

CHECK_INTERVAL_S = 60.0

_log = feed_logger(LogFeed.VISUALS, "refresher")


def run_visuals_refresher(context: Any) -> None:
    """Component target: look for stale visuals every CHECK_INTERVAL_S until asked to stop."""
    minutes = int(REFRESH_INTERVAL.total_seconds() // 60)
    _log.info(f"Visuals refresher started: PRICE_GRAPH and RUN_HISTORY every {minutes} minutes")
    try:
        while not context.should_stop():
            try:
                visuals_refresh_submit(now=timezone.now())
            # The database or the job queue (Redis) is back by the next pass, or not.
            except (DatabaseError, ServiceUnavailable, redis.RedisError) as error:
                _log.warning(f"could not queue the visual refresh: {error}")
            finally:
                close_old_connections()
            context.heartbeat()
            context.wait(CHECK_INTERVAL_S)
    finally:
        close_old_connections()
