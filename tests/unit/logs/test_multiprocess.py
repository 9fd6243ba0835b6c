from __future__ import annotations

import multiprocessing
import re
from collections.abc import Callable
from pathlib import Path

from tc2.logs import LINE_PATTERN, LogFeed, LogReader

from ._workers import write_small_files, write_through_default_writer

API = LogFeed.API
_MESSAGE = re.compile(r"(?P<component>p[0-9]) line (?P<index>[0-9]+)")


def _run_processes(target: Callable[..., None], logs_dir: Path, *extra: object) -> None:
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    processes = [
        context.Process(target=target, args=(str(logs_dir), f"p{number}", 700, start, *extra))
        for number in range(3)
    ]
    for process in processes:
        process.start()
    # Released together so the three really compete for the feed lock and its rollovers.
    start.set()
    for process in processes:
        process.join(60)
    assert [process.exitcode for process in processes] == [0, 0, 0]


def _check_feed(logs_dir: Path, lines_per_file: int) -> None:
    reader = LogReader(logs_dir)
    names = reader.filenames(API)
    files = {name: reader.read(API, name) for name in names}

    assert sum(len(lines) for lines in files.values()) == 2_100
    assert all(len(lines) <= lines_per_file for lines in files.values())
    # Within a day every file but the newest is exactly full (a run may straddle midnight).
    for day in {name.split("_")[0] for name in names}:
        sizes = [len(files[name]) for name in names if name.startswith(f"{day}_")]
        assert all(size == lines_per_file for size in sizes[:-1])

    seen: dict[str, list[int]] = {"p0": [], "p1": [], "p2": []}
    for lines in files.values():
        for line in lines:
            parsed = LINE_PATTERN.fullmatch(line)
            assert parsed is not None, f"torn or interleaved line: {line!r}"
            message = _MESSAGE.fullmatch(parsed["message"])
            assert message is not None, f"torn or interleaved line: {line!r}"
            assert parsed["component"] == message["component"]
            seen[message["component"]].append(int(message["index"]))
    # Each process's lines arrive once each and in the order it logged them.
    assert all(indexes == list(range(700)) for indexes in seen.values())


class MultiProcessTests:
    def test_three_processes_share_one_feed_with_correct_rotation(self, tmp_path: Path) -> None:
        logs_dir = tmp_path / "logs"

        _run_processes(write_through_default_writer, logs_dir)

        _check_feed(logs_dir, lines_per_file=1_000)

    def test_constant_rollovers_across_processes_never_overfill_a_file(
        self, tmp_path: Path
    ) -> None:
        logs_dir = tmp_path / "logs"

        _run_processes(write_small_files, logs_dir, 37)

        _check_feed(logs_dir, lines_per_file=37)
