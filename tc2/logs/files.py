"""Where a feed's files live, what they are called, and the lock every process takes to touch them.

A feed folder holds ``<YYYY-MM-DD>_<n>.txt`` files (New York date, ``n`` from 0, at most
``LINES_PER_FILE`` lines each) and one ``.lock`` file. The lock file is never deleted: a process
holding a lock on a deleted file would no longer exclude a process that created a new one.
"""

from __future__ import annotations

import fcntl
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from tc2.logs.feeds import LogFeed

LINES_PER_FILE = 1_000
LOCK_NAME = ".lock"
SUFFIX = ".txt"

# Canonical names only (no leading zeros in n, ASCII digits) so one file has exactly one name.
NAME_PATTERN = re.compile(r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})_(?P<number>0|[1-9][0-9]{0,8})")


def file_name(day: str, number: int) -> str:
    """Return the name (without ``.txt``) of file ``number`` of ``day`` (``YYYY-MM-DD``)."""
    return f"{day}_{number}"


def parse_name(name: str) -> tuple[str, int] | None:
    """Return ``(day, number)`` of a canonical file name without ``.txt``, else None."""
    match = NAME_PATTERN.fullmatch(name)
    if match is None:
        return None
    day = match["date"]
    try:
        date.fromisoformat(day)
    except ValueError:
        return None
    return day, int(match["number"])


def feed_dir(logs_dir: Path, feed: LogFeed) -> Path:
    """Return the folder of ``feed`` under ``logs_dir``."""
    return logs_dir / feed.value


def list_files(directory: Path) -> list[tuple[str, int]]:
    """Return ``(day, number)`` of every log file in a feed folder, oldest first.

    A missing folder has no files. Numbers sort numerically, so ``_10`` follows ``_9``.
    """
    try:
        entries = [entry.name for entry in directory.iterdir()]
    except (FileNotFoundError, NotADirectoryError):
        return []
    found: list[tuple[str, int]] = []
    for entry in entries:
        if not entry.endswith(SUFFIX):
            continue
        parsed = parse_name(entry.removesuffix(SUFFIX))
        if parsed is not None:
            found.append(parsed)
    found.sort()
    return found


@contextmanager
def feed_lock(directory: Path) -> Iterator[None]:
    """Hold the exclusive ``flock`` on ``<directory>/.lock``, creating the folder if needed.

    The lock file is opened anew each time rather than kept open: ``flock`` belongs to the open
    file description, which a forked child would share, so a long-lived descriptor would let a
    parent and child "both" hold the lock.

    Raises
    ------
    OSError
        If the folder or lock file cannot be created or locked.
    """
    directory.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(directory / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        try:
            yield
        finally:
            # Unlock explicitly: a child forked meanwhile holds a copy of the descriptor, and
            # closing ours alone would leave the lock held until that child exits.
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)
