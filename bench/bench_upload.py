"""Uploading a large bar file to the launched system: the web worker's peak RSS and the time.

A ~200 MB file of minute bars (the size that took a gunicorn worker to 2.9 GB when uploads were
read whole), NinjaTrader and generic CSV, is generated, posted to ``/api/data/import`` streamed
from disk, and checked by the web worker as a stream. Reported: the upload's size, the web
workers' peak RSS (``VmHWM`` of each gunicorn worker, the highest), the request's duration
(upload and check), and how long the import job took to save it all.
"""

from __future__ import annotations

import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import emit
from tc2.env import MarketCalendar
from tests.integration.system import running_system, wait_for
from tests.integration.test_system_imports import (
    job,
    peak_rss_mb,
    upload,
    web_workers,
    write_csv,
    write_ninjatrader,
)

FIRST, LAST = date(1991, 3, 1), date(2026, 10, 30)  # ~8,970 sessions: ~3.5 M bars, ~197 MB


def main() -> None:
    sessions = MarketCalendar.xnys().sessions_in_range(FIRST, LAST)
    _case("ninjatrader", lambda path: write_ninjatrader(path, sessions, price=200.0))
    _case("csv", lambda path: write_csv(path, sessions, price=200.0))


def _case(file_format: str, write: Callable[[Path], int]) -> None:
    password = secrets.token_urlsafe(18)
    with tempfile.TemporaryDirectory(prefix="tc2-bench-upload-") as tmp:
        path = Path(tmp) / f"spy-minutes.{file_format}"
        size = write(path)
        with running_system(Path(tmp) / "data", admin_password=password) as system:
            token = system.token(password)
            workers = web_workers(system)
            before = max(peak_rss_mb(worker) for worker in workers)
            started = time.perf_counter()
            status, body = upload(system, token, path, format=file_format, symbol="SPY")
            request_s = time.perf_counter() - started
            assert status == 202, body
            peak = max(peak_rss_mb(worker) for worker in workers)
            done = wait_for(
                lambda: job(system, token, body["id"])["status"] not in ("queued", "running"),
                timeout=1800,
            )
            imported_s = time.perf_counter() - started
            final = job(system, token, body["id"])
            assert done and final["status"] == "succeeded", final
    case = f"{size / 2**20:.0f} MB {file_format} minute file, {final['result']['bars']:,} bars"
    emit(bench="upload", case=case, metric="web_worker_peak_rss", value=round(peak), unit="MB")
    emit(
        bench="upload",
        case=case,
        metric="web_worker_peak_rss_before_upload",
        value=round(before),
        unit="MB",
    )
    emit(bench="upload", case=case, metric="upload_and_check", value=round(request_s, 1), unit="s")
    emit(
        bench="upload", case=case, metric="upload_to_imported", value=round(imported_s, 1), unit="s"
    )


if __name__ == "__main__":
    main()
