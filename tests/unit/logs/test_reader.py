from __future__ import annotations

from pathlib import Path

import pytest

from tc2.errors import TC2Error
from tc2.logs import (
    InvalidLogFilename,
    LogFeed,
    LogFileNotFound,
    LogLevel,
    LogReader,
    UnknownLogFeed,
    parse_feed,
)
from tc2.logs.files import LOCK_NAME, feed_dir

from ._support import epoch, file_line_counts
from .conftest import WriterFactory

PROGRAM = LogFeed.PROGRAM


def _touch(logs_dir: Path, feed: LogFeed, *names: str, text: str = "") -> Path:
    folder = feed_dir(logs_dir, feed)
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_text(text)
    return folder


class ParseRelativeTests:
    @pytest.mark.parametrize(
        ("filename", "expected"),
        [
            ("program/2026-11-21_0", (LogFeed.PROGRAM, "2026-11-21_0")),
            ("live_trading/2026-11-21_12.txt", (LogFeed.LIVE_TRADING, "2026-11-21_12")),
            ("api/2024-02-29_999", (LogFeed.API, "2024-02-29_999")),
        ],
    )
    def test_accepts_feed_slash_date_and_number(
        self, filename: str, expected: tuple[LogFeed, str]
    ) -> None:
        assert LogReader.parse_relative(filename) == expected

    @pytest.mark.parametrize(
        "filename",
        [
            "../../etc/passwd",
            "program/../../x",
            "program/../program/2026-11-21_0",
            "/etc/passwd",
            "/program/2026-11-21_0",
            "bogus/2026-01-01_0",
            "PROGRAM/2026-01-01_0",
            "program/2026-01-01_0/x",
            "program//2026-01-01_0",
            "program\\..\\x",
            "program\\2026-01-01_0",
            "program/2026-01-01_0\x00",
            "program/2026-01-01_0\n",
            " program/2026-01-01_0",
            "program/2026-13-45_0",
            "program/2026-02-30_0",
            "program/2026-01-01_01",
            "program/2026-01-01_-1",
            "program/2026-01-01",
            "program/2026-01-01_0.txt.txt",
            "program/2026-01-01_0.log",
            "program/.lock",
            "program/\uff12\uff10\uff12\uff16-01-01_0",
            "program",
            "program/",
            "",
        ],
    )
    def test_rejects_everything_else(self, filename: str) -> None:
        with pytest.raises(InvalidLogFilename):
            LogReader.parse_relative(filename)

    def test_error_is_a_value_error_from_the_tc2_hierarchy_naming_the_input(self) -> None:
        with pytest.raises(InvalidLogFilename) as caught:
            LogReader.parse_relative("bogus/2026-01-01_0")

        assert isinstance(caught.value, ValueError)
        assert isinstance(caught.value, TC2Error)
        assert "'bogus/2026-01-01_0'" in str(caught.value)
        assert "live_trading" in str(caught.value)


class ParseFeedTests:
    def test_known_feed(self) -> None:
        assert parse_feed("live_trading") is LogFeed.LIVE_TRADING
        assert LogReader.parse_feed("api") is LogFeed.API

    def test_unknown_feed_is_a_lookup_error_from_the_tc2_hierarchy(self) -> None:
        with pytest.raises(UnknownLogFeed, match="'bogus'") as caught:
            parse_feed("bogus")

        assert isinstance(caught.value, LookupError)
        assert isinstance(caught.value, TC2Error)


class FilenamesTests:
    def test_sorted_by_date_then_number(self, logs_dir: Path) -> None:
        _touch(
            logs_dir,
            PROGRAM,
            "2026-11-21_10.txt",
            "2026-11-21_2.txt",
            "2026-11-21_0.txt",
            "2026-11-20_5.txt",
            "2026-11-21_9.txt",
        )

        assert LogReader(logs_dir).filenames(PROGRAM) == [
            "2026-11-20_5",
            "2026-11-21_0",
            "2026-11-21_2",
            "2026-11-21_9",
            "2026-11-21_10",
        ]
        assert LogReader(logs_dir).newest(PROGRAM) == "2026-11-21_10"

    def test_ignores_files_that_are_not_log_files(self, logs_dir: Path) -> None:
        _touch(logs_dir, PROGRAM, LOCK_NAME, "notes.txt", "2026-11-21_03.txt", "2026-11-21_1")

        assert LogReader(logs_dir).filenames(PROGRAM) == []

    def test_feed_without_files(self, logs_dir: Path) -> None:
        assert LogReader(logs_dir).filenames(LogFeed.HEALTH) == []
        assert LogReader(logs_dir).newest(LogFeed.HEALTH) is None


class ReadTests:
    def test_returns_lines_without_newlines(self, logs_dir: Path) -> None:
        _touch(logs_dir, PROGRAM, "2026-11-21_0.txt", text="one\ntwo\n")

        assert LogReader(logs_dir).read(PROGRAM, "2026-11-21_0") == ["one", "two"]
        assert LogReader(logs_dir).read(PROGRAM, "2026-11-21_0.txt") == ["one", "two"]

    def test_leaves_out_a_line_still_being_written(self, logs_dir: Path) -> None:
        _touch(logs_dir, PROGRAM, "2026-11-21_0.txt", text="one\ntw")

        assert LogReader(logs_dir).read(PROGRAM, "2026-11-21_0") == ["one"]

    def test_missing_file(self, logs_dir: Path) -> None:
        with pytest.raises(LogFileNotFound):
            LogReader(logs_dir).read(PROGRAM, "2026-11-21_0")

    @pytest.mark.parametrize("name", ["../x", "/etc/passwd", "2026-11-21_0/..", ".lock", "x"])
    def test_rejects_names_that_are_not_log_files(self, logs_dir: Path, name: str) -> None:
        with pytest.raises(InvalidLogFilename):
            LogReader(logs_dir).read(PROGRAM, name)

    def test_symlink_out_of_the_folder_is_not_followed(
        self, logs_dir: Path, tmp_path: Path
    ) -> None:
        secret = tmp_path / "secret.txt"
        secret.write_text("secret\n")
        folder = _touch(logs_dir, PROGRAM)
        (folder / "2026-11-21_0.txt").symlink_to(secret)

        with pytest.raises(InvalidLogFilename):
            LogReader(logs_dir).read(PROGRAM, "2026-11-21_0")

    def test_feed_folder_symlinked_elsewhere_is_not_followed(
        self, logs_dir: Path, tmp_path: Path
    ) -> None:
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        (elsewhere / "2026-11-21_0.txt").write_text("secret\n")
        logs_dir.mkdir()
        feed_dir(logs_dir, PROGRAM).symlink_to(elsewhere)

        with pytest.raises(InvalidLogFilename):
            LogReader(logs_dir).read(PROGRAM, "2026-11-21_0")


class ClearTests:
    def test_clears_one_feed_and_keeps_the_lock_and_other_files(self, logs_dir: Path) -> None:
        folder = _touch(logs_dir, PROGRAM, "2026-11-21_0.txt", "2026-11-21_1.txt", "notes.md")
        _touch(logs_dir, LogFeed.API, "2026-11-21_0.txt")
        reader = LogReader(logs_dir)

        assert reader.clear(PROGRAM) == 2

        assert reader.filenames(PROGRAM) == []
        assert reader.filenames(LogFeed.API) == ["2026-11-21_0"]
        assert sorted(path.name for path in folder.iterdir()) == [LOCK_NAME, "notes.md"]

    def test_clears_every_feed(self, logs_dir: Path) -> None:
        _touch(logs_dir, PROGRAM, "2026-11-21_0.txt")
        _touch(logs_dir, LogFeed.API, "2026-11-21_0.txt", "2026-11-21_1.txt")
        reader = LogReader(logs_dir)

        assert reader.clear() == 3

        assert all(reader.filenames(feed) == [] for feed in LogFeed)

    def test_a_running_writer_starts_again_at_file_zero(
        self, make_writer: WriterFactory, logs_dir: Path
    ) -> None:
        writer = make_writer(lines_per_file=10)
        moment = epoch(2026, 11, 21, 10, 0, 0)
        for index in range(25):
            writer.write(PROGRAM, LogLevel.INFO, "c", f"before {index}", timestamp=moment)
        assert writer.flush(10)

        LogReader(logs_dir).clear(PROGRAM)
        for index in range(5):
            writer.write(PROGRAM, LogLevel.INFO, "c", f"after {index}", timestamp=moment)
        assert writer.flush(10)

        assert file_line_counts(logs_dir, PROGRAM) == {"2026-11-21_0": 5}
