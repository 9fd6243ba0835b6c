"""Append lines to a feed's files with rotation that stays correct when many processes write.

Every append happens under the feed's ``flock``: find the newest file of the day, learn how many
lines it holds, fill it up to ``LINES_PER_FILE``, then continue in the next file. Line counts are
cached per process as (file, byte size) -> lines, so a batch only reads the bytes other processes
appended since this process last looked, never whole files.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tc2.logs.files import LINES_PER_FILE, SUFFIX, feed_lock, file_name, list_files

_READ_CHUNK = 1 << 20
_NEWLINE = b"\n"


@dataclass(frozen=True, slots=True)
class AppendOutcome:
    """How an append went: lines now on disk, and the error that stopped the rest, if any."""

    written: int
    error: OSError | None


@dataclass(frozen=True, slots=True)
class _FileState:
    day: str
    number: int
    path: Path
    inode: int
    size: int
    lines: int
    ends_with_newline: bool


class FeedAppender:
    """Write batches of lines into feed folders; one instance per writer thread (not thread-safe).

    Parameters
    ----------
    lines_per_file
        Most lines one file may hold before the next one is started.
    """

    def __init__(self, *, lines_per_file: int = LINES_PER_FILE) -> None:
        if lines_per_file < 1:
            raise ValueError(f"lines_per_file must be >= 1, was {lines_per_file}")
        self._lines_per_file = lines_per_file
        # Feed folder -> the file this process last appended to there.
        self._current: dict[Path, _FileState] = {}

    def append(self, directory: Path, days: Sequence[tuple[str, Sequence[str]]]) -> AppendOutcome:
        """Append lines grouped by New York day into ``directory`` under its lock.

        Parameters
        ----------
        directory
            The feed folder (created if missing).
        days
            ``(YYYY-MM-DD, lines)`` groups in the order they should appear; lines have no newline.

        Returns
        -------
        AppendOutcome
            How many lines reached the files, and the ``OSError`` that stopped the rest.
        """
        written = 0
        try:
            with feed_lock(directory):
                for day, lines in days:
                    written += self._append_day(directory, day, lines)
        except _Stopped as stopped:
            self._current.pop(directory, None)
            return AppendOutcome(written=written + stopped.written, error=stopped.error)
        except OSError as error:
            # What this process believed about the folder may be stale now; recount next time.
            self._current.pop(directory, None)
            return AppendOutcome(written=written, error=error)
        return AppendOutcome(written=written, error=None)

    def forget(self) -> None:
        """Drop the cached line counts, so the next append recounts from the files."""
        self._current.clear()

    def _append_day(self, directory: Path, day: str, lines: Sequence[str]) -> int:
        offset = 0
        try:
            state = self._locate(directory, day)
            while offset < len(lines):
                free = self._lines_per_file - state.lines
                if free <= 0:
                    state = self._measure(directory, day, state.number + 1)
                    continue
                chunk = lines[offset : offset + free]
                state = self._write(state, chunk)
                offset += len(chunk)
        except _Stopped as stopped:
            raise _Stopped(offset + stopped.written, stopped.error) from stopped.error
        except OSError as error:
            raise _Stopped(offset, error) from error
        self._current[directory] = state
        return len(lines)

    def _locate(self, directory: Path, day: str) -> _FileState:
        cached = self._current.get(directory)
        if cached is not None and cached.day == day and cached.path.exists():
            number = cached.number
            # Other processes may have rolled over since; follow their files forward.
            while _path(directory, day, number + 1).exists():
                number += 1
            return self._measure(directory, day, number)
        numbers = [number for found_day, number in list_files(directory) if found_day == day]
        return self._measure(directory, day, max(numbers, default=0))

    def _measure(self, directory: Path, day: str, number: int) -> _FileState:
        path = _path(directory, day, number)
        try:
            stat = path.stat()
        except FileNotFoundError:
            return _FileState(day, number, path, inode=-1, size=0, lines=0, ends_with_newline=True)
        cached = self._current.get(directory)
        if (
            cached is not None
            and cached.path == path
            and cached.inode == stat.st_ino
            and cached.size <= stat.st_size
        ):
            start, lines, ends_with_newline = cached.size, cached.lines, cached.ends_with_newline
        else:
            start, lines, ends_with_newline = 0, 0, True
        if stat.st_size > start:
            added, ends_with_newline = _count_lines(path, start)
            lines += added
        state = _FileState(day, number, path, stat.st_ino, stat.st_size, lines, ends_with_newline)
        if not ends_with_newline:
            # A write cut short (disk full) left half a line; end it so ours start on their own.
            state = self._write(state, [], terminate=True)
        return state

    def _write(
        self, state: _FileState, chunk: Sequence[str], *, terminate: bool = False
    ) -> _FileState:
        text = "".join(f"{line}\n" for line in chunk)
        data = (_NEWLINE if terminate else b"") + text.encode("utf-8", "backslashreplace")
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC
        descriptor = os.open(state.path, flags, 0o644)
        try:
            done = 0
            try:
                while done < len(data):
                    done += os.write(descriptor, data[done:])
            except OSError as error:
                # Lines that made it whole are on disk and must not be reported as lost.
                whole = data[:done].count(_NEWLINE) - (1 if terminate and done else 0)
                raise _Stopped(whole, error) from error
            stat = os.fstat(descriptor)
        finally:
            os.close(descriptor)
        return _FileState(
            state.day,
            state.number,
            state.path,
            stat.st_ino,
            stat.st_size,
            state.lines + data.count(_NEWLINE),
            ends_with_newline=True,
        )


class _Stopped(Exception):
    """An append stopped after ``written`` whole lines because of ``error``."""

    def __init__(self, written: int, error: OSError) -> None:
        super().__init__(written, error)
        self.written = written
        self.error = error


def _path(directory: Path, day: str, number: int) -> Path:
    return directory / f"{file_name(day, number)}{SUFFIX}"


def _count_lines(path: Path, start: int) -> tuple[int, bool]:
    """Return newlines in ``path`` from byte ``start`` on, and whether it ends with a newline."""
    count = 0
    last = b"\n"
    with path.open("rb") as stream:
        stream.seek(start)
        while block := stream.read(_READ_CHUNK):
            count += block.count(_NEWLINE)
            last = block[-1:]
    return count, last == _NEWLINE
