"""Route stdlib ``logging`` records (Django, libraries) into a TC2 log feed."""

from __future__ import annotations

import logging

from tc2.logs.feeds import LogFeed, LogLevel, parse_feed
from tc2.logs.writer import LogWriter, default_writer


class FeedHandler(logging.Handler):
    """A ``logging.Handler`` that queues each record into ``feed`` with component = logger name.

    CRITICAL maps to ERROR and levels below INFO to DEBUG. The record's creation time is the
    line's time. ``emit`` never raises; a record that cannot be formatted goes to
    ``logging.Handler.handleError`` like in any stdlib handler.

    Parameters
    ----------
    feed
        Feed the records go to.
    level
        Least severe record level handled.
    writer
        Writer to use; None uses the process's writer.

    Raises
    ------
    UnknownLogFeed
        If ``feed`` is not a ``LogFeed`` value.
    """

    def __init__(
        self, feed: LogFeed, level: int = logging.NOTSET, *, writer: LogWriter | None = None
    ) -> None:
        super().__init__(level)
        self.feed = parse_feed(feed)
        self._writer = writer

    def emit(self, record: logging.LogRecord) -> None:
        """Queue ``record`` (formatted, with any traceback) without blocking."""
        try:
            message = self.format(record)
            writer = default_writer() if self._writer is None else self._writer
            writer.write(
                self.feed, _level(record.levelno), record.name, message, timestamp=record.created
            )
        except Exception:
            self.handleError(record)


def _level(levelno: int) -> LogLevel:
    if levelno >= logging.ERROR:
        return LogLevel.ERROR
    if levelno >= logging.WARNING:
        return LogLevel.WARNING
    if levelno >= logging.INFO:
        return LogLevel.INFO
    return LogLevel.DEBUG
