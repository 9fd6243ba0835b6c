"""Log feeds: what a caller pays per line, and how fast lines reach disk (single process)."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import emit
from tc2.logs import LogFeed, LogWriter
from tc2.logs.feed_logger import FeedLogger

LINES = 200_000


def main() -> None:
    with tempfile.TemporaryDirectory() as logs_dir:
        writer = LogWriter(Path(logs_dir), queue_size=LINES + 10)
        log = FeedLogger(LogFeed.DATA, "bench", writer=writer)
        started = time.perf_counter()
        for i in range(LINES):
            log.info(f"bar {i} saved for SPY")
        enqueued = time.perf_counter() - started
        assert writer.flush(timeout=120)
        on_disk = time.perf_counter() - started
        writer.close()
    emit(
        bench="log_feeds",
        case=f"{LINES} lines, one process",
        metric="write_call",
        value=round(enqueued / LINES * 1e6, 2),
        unit="us/line",
    )
    emit(
        bench="log_feeds",
        case=f"{LINES} lines, one process",
        metric="to_disk",
        value=round(LINES / on_disk),
        unit="lines/s",
    )


if __name__ == "__main__":
    main()
