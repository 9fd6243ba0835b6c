"""Change the log feeds."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

from tc2.logs import LogFeed, feed_logger
from webpanel.logs.selectors import log_reader


def logs_clear(*, user: AbstractBaseUser) -> None:
    """Delete every log file of every feed, then record who did it in the program feed."""
    log_reader().clear(None)
    feed_logger(LogFeed.PROGRAM, "logs").info(f"{user.get_username()} cleared all log feeds")
