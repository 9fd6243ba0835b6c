"""Process entry points for the multi-process tests (spawned, so importable and picklable)."""

from __future__ import annotations

from multiprocessing.synchronize import Event
from pathlib import Path

from tc2.logs import LogFeed, LogLevel, LogWriter, configure_logs, feed_logger, flush_logs


def write_through_default_writer(logs_dir: str, component: str, count: int, start: Event) -> None:
    """Log ``count`` lines to the api feed via the public API, flushing every 10 lines."""
    configure_logs(Path(logs_dir))
    log = feed_logger(LogFeed.API, component)
    start.wait(30)
    for index in range(count):
        log.info(f"{component} line {index}")
        if index % 10 == 9 and not flush_logs(30):
            raise SystemExit(2)
    if not flush_logs(30):
        raise SystemExit(1)


def write_small_files(
    logs_dir: str, component: str, count: int, start: Event, lines_per_file: int
) -> None:
    """Log ``count`` lines into tiny files so the processes roll over files constantly."""
    writer = LogWriter(Path(logs_dir), lines_per_file=lines_per_file)
    start.wait(30)
    for index in range(count):
        writer.write(LogFeed.API, LogLevel.INFO, component, f"{component} line {index}")
        if index % 7 == 6 and not writer.flush(30):
            raise SystemExit(2)
    if not writer.close(30):
        raise SystemExit(1)
