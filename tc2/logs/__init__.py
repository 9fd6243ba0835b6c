"""TC2's log feeds: timestamped text files per feed, safe to write from many processes at once.

Write with ``feed_logger(LogFeed.PROGRAM, "scheduler").info("...")`` after ``configure_logs`` (lines
logged earlier wait in memory); read, list and clear with ``LogReader``; send stdlib ``logging``
records to a feed with ``FeedHandler``. Layout: ``<logs_dir>/<feed>/<YYYY-MM-DD>_<n>.txt``, at most
1,000 lines per file, each line ``YYYY-MM-DD HH:MM:SS.mmm LEVEL [component] message`` in New York
time.
"""

from tc2.logs.errors import InvalidLogFilename, LogFileNotFound, UnknownLogFeed
from tc2.logs.feed_logger import FeedLogger, feed_logger
from tc2.logs.feeds import LogFeed, LogLevel, parse_feed
from tc2.logs.files import LINES_PER_FILE
from tc2.logs.handler import FeedHandler
from tc2.logs.line_format import LINE_PATTERN
from tc2.logs.reader import LogReader
from tc2.logs.writer import LogWriter, close_logs, configure_logs, flush_logs

__all__ = [
    "LINES_PER_FILE",
    "LINE_PATTERN",
    "FeedHandler",
    "FeedLogger",
    "InvalidLogFilename",
    "LogFeed",
    "LogFileNotFound",
    "LogLevel",
    "LogReader",
    "LogWriter",
    "UnknownLogFeed",
    "close_logs",
    "configure_logs",
    "feed_logger",
    "flush_logs",
    "parse_feed",
]
