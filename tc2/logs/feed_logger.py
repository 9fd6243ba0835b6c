"""The object engine code logs through: one feed, one component name."""

from __future__ import annotations

import sys
import time
import traceback

from tc2.logs.feeds import LogFeed, LogLevel, parse_feed
from tc2.logs.writer import LogWriter, default_writer


class FeedLogger:
    """Log lines into one feed under one component name; every method returns at once.

    Parameters
    ----------
    feed
        Feed the lines go to.
    component
        Who logs, shown as ``[component]``.
    writer
        Writer to use; None uses the process's writer (see ``configure_logs``).
    """

    __slots__ = ("_writer", "component", "feed")

    def __init__(self, feed: LogFeed, component: str, *, writer: LogWriter | None = None) -> None:
        self.feed = parse_feed(feed)
        self.component = component
        self._writer = writer

    def log(self, level: LogLevel, message: str) -> None:
        """Queue ``message`` at ``level``, stamped with the current wall time."""
        timestamp = time.time()
        writer = default_writer() if self._writer is None else self._writer
        writer.write(self.feed, level, self.component, message, timestamp=timestamp)

    def debug(self, message: str) -> None:
        """Queue a DEBUG message."""
        self.log(LogLevel.DEBUG, message)

    def info(self, message: str) -> None:
        """Queue an INFO message."""
        self.log(LogLevel.INFO, message)

    def warning(self, message: str) -> None:
        """Queue a WARNING message."""
        self.log(LogLevel.WARNING, message)

    def error(self, message: str) -> None:
        """Queue an ERROR message."""
        self.log(LogLevel.ERROR, message)

    def exception(self, message: str) -> None:
        """Queue an ERROR message followed by the traceback of the exception being handled.

        Outside an ``except`` block it logs ``message`` alone.
        """
        error = sys.exception()
        if error is not None:
            trace = "".join(traceback.format_exception(error)).rstrip("\n")
            message = f"{message}\n{trace}"
        self.log(LogLevel.ERROR, message)


def feed_logger(feed: LogFeed, component: str) -> FeedLogger:
    """Return a logger writing to ``feed`` as ``component`` through the process's writer.

    Parameters
    ----------
    feed
        Feed the lines go to.
    component
        Who logs, shown as ``[component]`` (e.g. ``"scheduler"``, ``"request"``).

    Returns
    -------
    FeedLogger
        A cheap object; create one per component and keep it.

    Raises
    ------
    UnknownLogFeed
        If ``feed`` is not a ``LogFeed`` value.
    """
    return FeedLogger(feed, component)
