"""Read, list and clear log files for the API; nothing outside the logs folder can be reached.

Filenames arriving from HTTP requests are checked against the only shape the writer produces
(``<feed>/<YYYY-MM-DD>_<n>``) before any path is built, and the resolved path is checked again to
lie inside the feed's folder, so ``..``, absolute paths and symlinks cannot leave ``logs_dir``.
"""

from __future__ import annotations

import re
from pathlib import Path

from tc2.logs.errors import InvalidLogFilename, LogFileNotFound
from tc2.logs.feeds import LogFeed, parse_feed
from tc2.logs.files import SUFFIX, feed_dir, feed_lock, file_name, list_files, parse_name

_RELATIVE_PATTERN = re.compile(r"(?P<feed>[a-z_]{1,40})/(?P<name>[0-9_-]{1,40}?)(?:\.txt)?")
_SHAPE = "<feed>/<YYYY-MM-DD>_<n> (e.g. program/2026-11-21_0)"


class LogReader:
    """List, read and clear the log files under one logs folder.

    Parameters
    ----------
    logs_dir
        Folder holding one sub-folder per feed (``RuntimeConfig.logs_dir``).
    """

    def __init__(self, logs_dir: Path) -> None:
        self.logs_dir = Path(logs_dir)

    @staticmethod
    def parse_feed(name: str) -> LogFeed:
        """Return the feed called ``name``.

        Raises
        ------
        UnknownLogFeed
            If ``name`` is not the value of any ``LogFeed``.
        """
        return parse_feed(name)

    @staticmethod
    def parse_relative(filename: str) -> tuple[LogFeed, str]:
        """Split an API filename ``<feed>/<YYYY-MM-DD>_<n>`` (``.txt`` optional) into its parts.

        Parameters
        ----------
        filename
            The ``filename`` query parameter, already percent-decoded.

        Returns
        -------
        tuple[LogFeed, str]
            The feed and the file name without ``.txt`` (e.g. ``"2026-11-21_0"``).

        Raises
        ------
        InvalidLogFilename
            If ``filename`` has any other shape: unknown feed, ``..``, absolute path, extra or
            back slashes, NUL bytes, a leading-zero number, an impossible date, other characters.
        """
        match = _RELATIVE_PATTERN.fullmatch(filename) if isinstance(filename, str) else None
        if match is None:
            raise InvalidLogFilename(f"filename must be {_SHAPE}, was {filename!r:.100}")
        try:
            feed = parse_feed(match["feed"])
        except LookupError:
            known = ", ".join(feed.value for feed in LogFeed)
            raise InvalidLogFilename(
                f"filename must start with a log feed ({known}), was {filename!r:.100}"
            ) from None
        return feed, _checked_name(match["name"], shown=filename)

    def filenames(self, feed: LogFeed) -> list[str]:
        """Return the names (without ``.txt``) of ``feed``'s files, oldest first.

        Files sort by date, then numerically by ``n`` (``_10`` after ``_9``). A feed that never
        logged has none.

        Raises
        ------
        UnknownLogFeed
            If ``feed`` is not a ``LogFeed`` value.
        """
        directory = feed_dir(self.logs_dir, parse_feed(feed))
        return [file_name(day, number) for day, number in list_files(directory)]

    def newest(self, feed: LogFeed) -> str | None:
        """Return the name of ``feed``'s newest file, or None if it has none.

        Raises
        ------
        UnknownLogFeed
            If ``feed`` is not a ``LogFeed`` value.
        """
        names = self.filenames(feed)
        return names[-1] if names else None

    def read(self, feed: LogFeed, name: str) -> list[str]:
        """Return the lines (without newlines) of one log file.

        A last line still being written (no newline yet) is left out; it shows on the next read.

        Parameters
        ----------
        feed
            Feed the file belongs to.
        name
            File name as listed by ``filenames`` (``.txt`` optional).

        Returns
        -------
        list[str]
            The file's complete lines, oldest first.

        Raises
        ------
        UnknownLogFeed
            If ``feed`` is not a ``LogFeed`` value.
        InvalidLogFilename
            If ``name`` is not ``<YYYY-MM-DD>_<n>`` or would resolve outside the feed's folder.
        LogFileNotFound
            If the file does not exist.
        """
        checked_feed = parse_feed(feed)
        checked = _checked_name(name.removesuffix(SUFFIX) if isinstance(name, str) else "", name)
        root = feed_dir(self.logs_dir.resolve(), checked_feed)
        path = (root / f"{checked}{SUFFIX}").resolve()
        # The name cannot contain a separator, but a symlink planted in the folder could point
        # anywhere; only files really inside the feed folder are served.
        if path.parent != root.resolve() or not path.is_relative_to(self.logs_dir.resolve()):
            raise InvalidLogFilename(f"log file {checked_feed.value}/{checked} is not a log file")
        try:
            data = path.read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise LogFileNotFound(
                f"log file {checked_feed.value}/{checked} does not exist"
            ) from None
        lines = data.decode("utf-8", errors="replace").split("\n")
        # After the last newline comes either nothing or a line still being appended.
        return lines[:-1]

    def clear(self, feed: LogFeed | None = None) -> int:
        """Delete the log files of ``feed``, or of every feed when None.

        Each feed is cleared under its lock, so no writer is mid-append; writers then start
        again at ``_0``. Only files named like log files are removed.

        Parameters
        ----------
        feed
            Feed to clear; None clears all feeds.

        Returns
        -------
        int
            Number of files deleted.

        Raises
        ------
        UnknownLogFeed
            If ``feed`` is not a ``LogFeed`` value.
        OSError
            If a file or lock cannot be removed or taken (e.g. permissions).
        """
        feeds = list(LogFeed) if feed is None else [parse_feed(feed)]
        removed = 0
        for each in feeds:
            directory = feed_dir(self.logs_dir, each)
            if not directory.is_dir():
                continue
            with feed_lock(directory):
                for day, number in list_files(directory):
                    try:
                        (directory / f"{file_name(day, number)}{SUFFIX}").unlink()
                    except FileNotFoundError:
                        continue
                    removed += 1
        return removed


def _checked_name(name: str, shown: object) -> str:
    if parse_name(name) is None:
        raise InvalidLogFilename(
            f"log file name must be <YYYY-MM-DD>_<n> with a real date and no leading zeros in n, "
            f"was {shown!r:.100}"
        )
    return name
