from __future__ import annotations

import os
import re
import threading
import time
from pathlib import Path

import pytest

from tc2.errors import ConfigurationError
from tc2.logs import (
    LINE_PATTERN,
    FeedLogger,
    LogFeed,
    LogLevel,
    LogWriter,
    configure_logs,
    feed_logger,
    flush_logs,
)
from tc2.logs.files import feed_dir, feed_lock
from tc2.logs.line_format import DROPPED_MESSAGE

from ._support import epoch, feed_lines, file_line_counts, messages, wait_until
from .conftest import WriterFactory

PROGRAM = LogFeed.PROGRAM


def _block_writer(writer: LogWriter, logs_dir: Path) -> None:
    """With the program feed's lock held by the caller, park the writer thread on that lock.

    The writer takes its whole batch under its own lock before it asks for the feed lock, so
    once the first line has left the queue the thread is stuck on the feed lock holding exactly
    that line, and nothing else leaves the queue until the caller releases the lock.
    """
    writer.write(PROGRAM, LogLevel.INFO, "test", "first")
    wait_until(lambda: writer.pending == 0)


class RotationTests:
    def test_2501_lines_fill_files_of_1000(
        self, make_writer: WriterFactory, logs_dir: Path
    ) -> None:
        writer = make_writer()
        day = epoch(2026, 11, 21, 10, 0, 0)

        for index in range(2501):
            writer.write(PROGRAM, LogLevel.INFO, "rotation", f"line {index}", timestamp=day)
        assert writer.flush(10)

        assert file_line_counts(logs_dir, PROGRAM) == {
            "2026-11-21_0": 1000,
            "2026-11-21_1": 1000,
            "2026-11-21_2": 501,
        }
        assert messages(logs_dir, PROGRAM) == [f"line {index}" for index in range(2501)]

    def test_rotation_counts_lines_already_on_disk(
        self, make_writer: WriterFactory, logs_dir: Path
    ) -> None:
        folder = feed_dir(logs_dir, PROGRAM)
        folder.mkdir(parents=True)
        existing = "2026-11-21 09:00:00.000 INFO [earlier] old\n" * 990
        (folder / "2026-11-21_0.txt").write_text(existing)
        writer = make_writer()

        for index in range(15):
            writer.write(
                PROGRAM, LogLevel.INFO, "c", f"new {index}", timestamp=epoch(2026, 11, 21, 10, 0, 0)
            )
        assert writer.flush(10)

        assert file_line_counts(logs_dir, PROGRAM) == {"2026-11-21_0": 1000, "2026-11-21_1": 5}

    def test_lines_appended_by_another_process_are_counted(
        self, make_writer: WriterFactory, logs_dir: Path
    ) -> None:
        writer = make_writer(lines_per_file=10)
        moment = epoch(2026, 11, 21, 10, 0, 0)
        for index in range(4):
            writer.write(PROGRAM, LogLevel.INFO, "mine", f"a{index}", timestamp=moment)
        assert writer.flush(10)
        folder = feed_dir(logs_dir, PROGRAM)
        with feed_lock(folder), (folder / "2026-11-21_0.txt").open("a") as stream:
            stream.write("2026-11-21 10:00:00.000 INFO [other] x\n" * 5)

        for index in range(3):
            writer.write(PROGRAM, LogLevel.INFO, "mine", f"b{index}", timestamp=moment)
        assert writer.flush(10)

        assert file_line_counts(logs_dir, PROGRAM) == {"2026-11-21_0": 10, "2026-11-21_1": 2}

    def test_half_written_line_is_terminated_before_appending(
        self, make_writer: WriterFactory, logs_dir: Path
    ) -> None:
        folder = feed_dir(logs_dir, PROGRAM)
        folder.mkdir(parents=True)
        (folder / "2026-11-21_0.txt").write_text("2026-11-21 09:00:00.000 INFO [x] whole\n2026-11")
        writer = make_writer()

        writer.write(PROGRAM, LogLevel.INFO, "c", "next", timestamp=epoch(2026, 11, 21, 10, 0, 0))
        assert writer.flush(10)

        lines = feed_lines(logs_dir, PROGRAM)
        assert lines[1] == "2026-11"
        assert lines[2].endswith("INFO [c] next")

    def test_lines_go_to_the_file_of_their_new_york_date(
        self, make_writer: WriterFactory, logs_dir: Path
    ) -> None:
        writer = make_writer()

        writer.write(
            PROGRAM, LogLevel.INFO, "c", "late", timestamp=epoch(2026, 11, 21, 23, 59, 59.999)
        )
        writer.write(PROGRAM, LogLevel.INFO, "c", "early", timestamp=epoch(2026, 11, 22, 0, 0, 0))
        assert writer.flush(10)

        assert file_line_counts(logs_dir, PROGRAM) == {"2026-11-21_0": 1, "2026-11-22_0": 1}

    def test_multi_line_message_is_written_as_prefixed_lines(
        self, make_writer: WriterFactory, logs_dir: Path
    ) -> None:
        writer = make_writer()

        writer.write(PROGRAM, LogLevel.ERROR, "c", "Traceback:\n  File x\nValueError: bad")
        assert writer.flush(10)

        lines = feed_lines(logs_dir, PROGRAM)
        assert len(lines) == 3
        assert all(LINE_PATTERN.fullmatch(line) for line in lines)
        assert messages(logs_dir, PROGRAM) == ["Traceback:", "  File x", "ValueError: bad"]


class QueueTests:
    def test_lines_logged_before_configuration_are_written_once_configured(
        self, make_writer: WriterFactory, logs_dir: Path
    ) -> None:
        writer = make_writer(None)
        writer.write(PROGRAM, LogLevel.INFO, "early", "one")
        writer.write(PROGRAM, LogLevel.INFO, "early", "two")

        assert writer.flush(0.1) is False
        assert writer.pending == 2

        writer.configure(logs_dir)
        assert writer.flush(10)
        assert messages(logs_dir, PROGRAM) == ["one", "two"]

    def test_reconfiguring_flushes_to_the_old_folder_first(
        self, make_writer: WriterFactory, tmp_path: Path
    ) -> None:
        writer = make_writer(tmp_path / "old")
        writer.write(PROGRAM, LogLevel.INFO, "c", "to old")

        writer.configure(tmp_path / "new")
        writer.write(PROGRAM, LogLevel.INFO, "c", "to new")
        assert writer.flush(10)

        assert messages(tmp_path / "old", PROGRAM) == ["to old"]
        assert messages(tmp_path / "new", PROGRAM) == ["to new"]

    def test_unusable_folder_is_a_configuration_error(self, tmp_path: Path) -> None:
        blocker = tmp_path / "file"
        blocker.write_text("")

        with pytest.raises(ConfigurationError, match="logs_dir"):
            LogWriter(blocker / "logs")

    def test_full_queue_drops_and_reports_the_count_per_feed(
        self, make_writer: WriterFactory, logs_dir: Path
    ) -> None:
        writer = make_writer(queue_size=4)
        with feed_lock(feed_dir(logs_dir, PROGRAM)):
            _block_writer(writer, logs_dir)
            for index in range(4):
                writer.write(PROGRAM, LogLevel.INFO, "c", f"kept {index}")
            writer.write(PROGRAM, LogLevel.ERROR, "c", "three\nline\nmessage")
            writer.write(PROGRAM, LogLevel.INFO, "c", "dropped a")
            writer.write(PROGRAM, LogLevel.INFO, "c", "dropped b")
            writer.write(LogFeed.DATA, LogLevel.INFO, "c", "dropped c")
        assert writer.flush(10)

        assert messages(logs_dir, PROGRAM) == [
            "first",
            *(f"kept {index}" for index in range(4)),
            DROPPED_MESSAGE.format(count=5),
        ]
        assert messages(logs_dir, LogFeed.DATA) == [DROPPED_MESSAGE.format(count=1)]
        notice = feed_lines(logs_dir, PROGRAM)[-1]
        assert " WARNING [logs] 5 log lines were dropped because the writer fell behind" in notice

    def test_write_never_waits_for_a_blocked_writer(
        self, make_writer: WriterFactory, logs_dir: Path
    ) -> None:
        writer = make_writer(queue_size=100)
        lock_held = threading.Event()
        with feed_lock(feed_dir(logs_dir, PROGRAM)):
            lock_held.set()
            _block_writer(writer, logs_dir)
            for index in range(10_000):
                writer.write(PROGRAM, LogLevel.INFO, "burst", f"burst {index}")
            # Reaching this line at all, with the feed lock still held, is the point.
            still_held = lock_held.is_set()
            queued = writer.pending
        assert still_held
        assert queued == 100
        assert writer.flush(10)

        assert messages(logs_dir, PROGRAM) == [
            "first",
            *(f"burst {index}" for index in range(100)),
            DROPPED_MESSAGE.format(count=9_900),
        ]

    def test_flush_gives_up_after_its_timeout_while_the_feed_is_locked(
        self, make_writer: WriterFactory, logs_dir: Path
    ) -> None:
        writer = make_writer()
        with feed_lock(feed_dir(logs_dir, PROGRAM)):
            writer.write(PROGRAM, LogLevel.INFO, "c", "waiting")
            flushed_while_locked = writer.flush(0.1)

        assert flushed_while_locked is False
        assert writer.flush(10)
        assert messages(logs_dir, PROGRAM) == ["waiting"]

    def test_disk_errors_are_counted_and_reported_and_the_writer_recovers(
        self, make_writer: WriterFactory, logs_dir: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        writer = make_writer()
        obstacle = feed_dir(logs_dir, PROGRAM)
        obstacle.write_text("a file where the feed folder should be")
        for index in range(3):
            writer.write(PROGRAM, LogLevel.INFO, "c", f"lost {index}")
        assert writer.flush(10)
        assert "cannot write the program log" in capsys.readouterr().err

        obstacle.unlink()
        writer.write(PROGRAM, LogLevel.INFO, "c", "after")
        assert writer.flush(10)

        # The notice may come before or after "after": the thread retries on its own tick too.
        found = sorted(messages(logs_dir, PROGRAM))
        assert len(found) == 2
        assert re.fullmatch(r"3 log lines were lost because writing them failed: .+", found[0])
        assert found[1] == "after"

    def test_close_stops_the_thread_and_a_later_line_restarts_it(
        self, make_writer: WriterFactory, logs_dir: Path
    ) -> None:
        writer = make_writer()
        writer.write(PROGRAM, LogLevel.INFO, "c", "one")
        started = writer.running

        closed = writer.close(10)
        stopped = not writer.running

        writer.write(PROGRAM, LogLevel.INFO, "c", "two")
        restarted = writer.running
        assert (started, closed, stopped, restarted) == (True, True, True, True)
        assert writer.flush(10)
        assert messages(logs_dir, PROGRAM) == ["one", "two"]


class ForkTests:
    def test_child_neither_duplicates_nor_loses_lines(
        self, make_writer: WriterFactory, logs_dir: Path
    ) -> None:
        writer = make_writer()
        with feed_lock(feed_dir(logs_dir, PROGRAM)):
            for index in range(50):
                writer.write(PROGRAM, LogLevel.INFO, "parent", f"parent {index}")
            pid = os.fork()
            if pid == 0:  # pragma: no cover - runs in the child
                status = 1
                try:
                    writer.write(PROGRAM, LogLevel.INFO, "child", "child line")
                    status = 0 if writer.flush(20) else 3
                finally:
                    os._exit(status)
        _, wait_status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(wait_status) == 0
        assert writer.flush(10)

        found = messages(logs_dir, PROGRAM)
        assert sorted(found) == sorted([*(f"parent {index}" for index in range(50)), "child line"])


class PublicApiTests:
    def test_feed_logger_writes_through_the_process_writer(self, logs_dir: Path) -> None:
        configure_logs(logs_dir)
        log = feed_logger(LogFeed.LIVE_TRADING, "orders")

        log.debug("d")
        log.info("i")
        log.warning("w")
        log.error("e")
        try:
            raise ValueError("bad price")
        except ValueError:
            log.exception("order failed")
        assert flush_logs(10)

        # The process's writer is shared: lines other tests logged before it was configured
        # here may come first, so only this component's lines are read.
        matches = [
            LINE_PATTERN.fullmatch(line) for line in feed_lines(logs_dir, LogFeed.LIVE_TRADING)
        ]
        parsed = [match for match in matches if match and match["component"] == "orders"]
        levels = [match["level"] for match in parsed]
        found = [match["message"] for match in parsed]
        assert levels[:5] == ["DEBUG", "INFO", "WARNING", "ERROR", "ERROR"]
        assert set(levels[4:]) == {"ERROR"}
        assert found[:5] == ["d", "i", "w", "e", "order failed"]
        assert found[5] == "Traceback (most recent call last):"
        assert found[-1] == "ValueError: bad price"

    def test_exception_outside_a_handler_logs_the_message_alone(
        self, make_writer: WriterFactory, logs_dir: Path
    ) -> None:
        writer = make_writer()

        FeedLogger(PROGRAM, "c", writer=writer).exception("no error here")
        assert writer.flush(10)

        assert messages(logs_dir, PROGRAM) == ["no error here"]

    def test_time_is_taken_when_the_caller_logs(self, make_writer: WriterFactory) -> None:
        stamps: list[float] = []

        class Recorder(LogWriter):
            def write(
                self, *args: object, timestamp: float | None = None, **options: object
            ) -> None:
                assert timestamp is not None
                stamps.append(timestamp)

        before = time.time()
        FeedLogger(PROGRAM, "c", writer=Recorder()).info("now")
        after = time.time()

        assert before <= stamps[0] <= after

    def test_unknown_feed_is_rejected(self) -> None:
        with pytest.raises(LookupError):
            feed_logger("nope", "c")  # type: ignore[arg-type]
