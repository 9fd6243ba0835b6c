from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tc2.logs import LINES_PER_FILE, LogWriter
from tc2.logs.writer import DEFAULT_QUEUE_SIZE

WriterFactory = Callable[..., LogWriter]


@pytest.fixture
def logs_dir(tmp_path: Path) -> Path:
    return tmp_path / "logs"


@pytest.fixture
def make_writer(logs_dir: Path) -> Iterator[WriterFactory]:
    """Build writers (writing to ``logs_dir`` unless told otherwise); stop them after the test."""
    created: list[LogWriter] = []

    def make(
        folder: Path | None = logs_dir,
        *,
        queue_size: int = DEFAULT_QUEUE_SIZE,
        lines_per_file: int = LINES_PER_FILE,
    ) -> LogWriter:
        writer = LogWriter(folder, queue_size=queue_size, lines_per_file=lines_per_file)
        created.append(writer)
        return writer

    yield make
    for writer in created:
        writer.close(timeout=5)
