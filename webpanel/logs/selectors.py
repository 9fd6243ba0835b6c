"""Read the log feeds written by every TC2 process."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings

from tc2.logs import InvalidLogFilename, LogFeed, LogFileNotFound, LogReader, UnknownLogFeed
from webpanel.core.errors import BadRequest, NotFound

# What the API documents a log file's name as: <feed>/<YYYY-MM-DD>_<n>[.txt].
LOG_FILENAME_PATTERN = re.compile(
    "("
    + "|".join(feed.value for feed in LogFeed)
    + r")/[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"_(0|[1-9][0-9]{0,8})(\.txt)?"
)


def log_reader() -> LogReader:
    return LogReader(settings.TC2_CONFIG.logs_dir)


def log_feed_tail(*, feed_name: str, since: int) -> dict[str, Any]:
    """Lines of the feed's newest file after line ``since`` (0 = all), for tailing.

    When ``filename`` differs from the one a client tailed before, the feed rolled over to a new
    file and the client should start again at 0.
    """
    reader = log_reader()
    feed = _feed(reader, feed_name)
    newest = reader.newest(feed)
    lines = reader.read(feed, newest) if newest else []
    return {
        "feed": feed.value,
        "filename": f"{feed.value}/{newest}" if newest else None,
        "total_lines": len(lines),
        "since": since,
        "lines": lines[since:],
    }


def log_feed_filenames(*, feed_name: str) -> dict[str, Any]:
    reader = log_reader()
    feed = _feed(reader, feed_name)
    return {"feed": feed.value, "filenames": reader.filenames(feed)}


def log_file_read(*, filename: str) -> dict[str, Any]:
    reader = log_reader()
    try:
        feed, name = reader.parse_relative(filename)
    except InvalidLogFilename as exc:
        if LOG_FILENAME_PATTERN.fullmatch(filename):  # the right shape: a date no file can have
            raise NotFound(f"No log file {filename} ({exc})") from None
        raise BadRequest(str(exc), {"filename": filename}) from None
    try:
        lines = reader.read(feed, name)
    except LogFileNotFound:
        raise NotFound(f"No log file {feed.value}/{name}") from None
    return {"filename": f"{feed.value}/{name}", "total_lines": len(lines), "lines": lines}


def _feed(reader: LogReader, feed_name: str) -> LogFeed:
    try:
        return reader.parse_feed(feed_name)
    except UnknownLogFeed as exc:
        raise NotFound(str(exc), {"feed": feed_name}) from None
