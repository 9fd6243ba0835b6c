"""Helpers shared by the log-feed tests (no pytest import: spawned workers import this too)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from tc2.logs import LINE_PATTERN, LogFeed, LogReader
from tc2.logs.line_format import NEW_YORK


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll ``condition`` until it holds; fail the test if it never does."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.005)


def feed_lines(logs_dir: Path, feed: LogFeed) -> list[str]:
    """Return every line of ``feed``, files oldest first."""
    reader = LogReader(logs_dir)
    return [line for name in reader.filenames(feed) for line in reader.read(feed, name)]


def messages(logs_dir: Path, feed: LogFeed) -> list[str]:
    """Return the message part of every line of ``feed``, checking each line parses."""
    found = []
    for line in feed_lines(logs_dir, feed):
        match = LINE_PATTERN.fullmatch(line)
        assert match is not None, line
        found.append(match["message"])
    return found


def epoch(year: int, month: int, day: int, hour: int, minute: int, second: float) -> float:
    """Return the ``time.time()`` value of a New York wall-clock moment."""
    whole = int(second)
    micro = round((second - whole) * 1_000_000)
    moment = datetime(year, month, day, hour, minute, whole, micro, tzinfo=NEW_YORK)
    return moment.timestamp()


def file_line_counts(logs_dir: Path, feed: LogFeed) -> dict[str, int]:
    """Return name -> number of lines for each file of ``feed``."""
    reader = LogReader(logs_dir)
    return {name: len(reader.read(feed, name)) for name in reader.filenames(feed)}
