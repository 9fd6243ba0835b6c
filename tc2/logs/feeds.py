"""The log feeds TC2 writes and the levels a line can carry."""

from __future__ import annotations

from enum import StrEnum

from tc2.logs.errors import UnknownLogFeed


class LogFeed(StrEnum):
    """One stream of log lines, stored in its own folder ``<logs_dir>/<feed>/``."""

    PROGRAM = "program"
    DATA = "data"
    LIVE_TRADING = "live_trading"
    OPTIMIZATION = "optimization"
    SIMULATION = "simulation"
    HEALTH = "health"
    VISUALS = "visuals"
    API = "api"


class LogLevel(StrEnum):
    """Severity written after the timestamp of every line."""

    DEBUG = "DEBUG"
    INFO = "INFO"
    WARNING = "WARNING"
    ERROR = "ERROR"


def parse_feed(name: str) -> LogFeed:
    """Return the feed called ``name`` (its value, e.g. ``"live_trading"``).

    Parameters
    ----------
    name
        A feed value as used in folder names and the API's ``logfeed`` parameter.

    Returns
    -------
    LogFeed
        The matching feed.

    Raises
    ------
    UnknownLogFeed
        If ``name`` is not the value of any ``LogFeed``.
    """
    try:
        return LogFeed(name)
    except ValueError:
        known = ", ".join(feed.value for feed in LogFeed)
        raise UnknownLogFeed(f"log feed must be one of {known}, was {name!r:.80}") from None
