"""Uploads and imports on the launched system: streamed, bounded in memory, all or nothing.

A generated bar file of ~23 MB is uploaded to the real gunicorn; its worker's peak RSS (VmHWM)
must stay under 300 MB (``bench/bench_upload.py`` measures a ~200 MB one). Its import job is
then killed with SIGKILL mid-import: the job fails, and the program's janitor puts every
symbol-day it had replaced back and removes the upload, so the store is exactly as before, on
the file store and on MongoDB alike.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import signal
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import psutil
import pytest

from tc2.env import MarketCalendar
from tests.integration.system import RunningSystem, running_system, wait_for

pytestmark = pytest.mark.system

PASSWORD = secrets.token_urlsafe(18)  # made per run: no password in the repository
MAX_WORKER_RSS_MB = 300
FIRST, LAST = date(2012, 1, 3), date(2015, 12, 31)  # ~1,000 sessions, ~23 MB of minute bars
KEPT = (date(2012, 1, 3), date(2012, 1, 4), date(2012, 1, 5))  # on file before, replaced by it


def write_ninjatrader(path: Path, days: list[date], *, price: float) -> int:
    """A NinjaTrader minute file (bar-end labels, UTC) of the regular sessions; its size."""
    calendar = MarketCalendar.xnys()
    with path.open("w") as file:
        for day in days:
            open_s = int(calendar.session_open(day).timestamp())
            close_s = int(calendar.session_close(day).timestamp())
            file.writelines(
                f"{datetime.fromtimestamp(t + 60, tz=UTC):%Y%m%d %H%M%S};{_row(price, t)}\n"
                for t in range(open_s, close_s, 60)
            )
    return path.stat().st_size


def write_csv(path: Path, days: list[date], *, price: float) -> int:
    """A generic CSV minute file (a header, bar-start epoch seconds); its size."""
    calendar = MarketCalendar.xnys()
    with path.open("w") as file:
        file.write("timestamp,open,high,low,close,volume\n")
        for day in days:
            open_s = int(calendar.session_open(day).timestamp())
            close_s = int(calendar.session_close(day).timestamp())
            file.writelines(f"{t},{_row(price, t, ',')}\n" for t in range(open_s, close_s, 60))
    return path.stat().st_size


def _row(price: float, t: int, separator: str = ";") -> str:
    level = price + (t % 89) / 100
    values = (f"{level:.4f}", f"{level + 1:.4f}", f"{level - 1:.4f}", f"{level:.4f}")
    return separator.join((*values, str(100_000 + t % 5000)))


def _part(boundary: str, disposition: str, headers: str = "") -> bytes:
    return (
        f"--{boundary}\r\nContent-Disposition: form-data; {disposition}\r\n{headers}\r\n".encode()
    )


def upload(system: RunningSystem, token: str, path: Path, **fields: str) -> tuple[int, Any]:
    """POST the file as multipart, streamed from disk (the client holds none of it)."""
    boundary = uuid.uuid4().hex
    head = b"".join(
        _part(boundary, f'name="{name}"') + f"{value}\r\n".encode()
        for name, value in fields.items()
    ) + _part(boundary, f'name="file"; filename="{path.name}"', "Content-Type: text/plain\r\n")
    tail = f"\r\n--{boundary}--\r\n".encode()
    connection = http.client.HTTPConnection("127.0.0.1", system.port, timeout=600)
    try:
        connection.putrequest("POST", "/api/data/import")
        connection.putheader("Authorization", f"Bearer {token}")
        connection.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
        connection.putheader("Content-Length", str(len(head) + path.stat().st_size + len(tail)))
        connection.endheaders()
        connection.send(head)
        with path.open("rb") as file:
            while chunk := file.read(1024 * 1024):
                connection.send(chunk)
        connection.send(tail)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def web_workers(system: RunningSystem) -> list[psutil.Process]:
    """gunicorn's worker processes (the children of its master) under the launcher."""
    everything = psutil.Process(system.process.pid).children(recursive=True)
    masters = [p for p in everything if "gunicorn" in " ".join(p.cmdline()) and p.children()]
    return [child for master in masters for child in master.children()]


def peak_rss_mb(process: psutil.Process) -> float:
    status = Path(f"/proc/{process.pid}/status").read_text()
    (line,) = [line for line in status.splitlines() if line.startswith("VmHWM:")]
    return int(line.split()[1]) / 1024


def job(system: RunningSystem, token: str, job_id: str) -> dict[str, Any]:
    return dict(system.request("GET", f"/api/jobs/{job_id}", token=token)[2])


def bars(system: RunningSystem, token: str, day: date) -> dict[str, Any]:
    return dict(system.request("GET", f"/api/data/bars/SPY?day={day}", token=token)[2])


def spy_dates(system: RunningSystem, token: str) -> list[str]:
    return list(system.request("GET", "/api/data/dates/SPY", token=token)[2]["dates"])


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("upload") / "spy-minutes.txt"
    write_ninjatrader(path, MarketCalendar.xnys().sessions_in_range(FIRST, LAST), price=200.0)
    return path


@pytest.fixture(scope="module", params=["files", "mongodb"])
def system(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningSystem]:
    extra = {"TC2_JOB_WORKERS": "1"}
    server = None
    if request.param == "mongodb":
        from mongo_server import MongoServerUnavailable, start_mongo_server

        try:
            server = start_mongo_server(tmp_path_factory.mktemp("nx-27017-imports"))
        except MongoServerUnavailable as error:
            if os.environ.get("CI", "").lower() == "true":
                pytest.fail(str(error))
            pytest.skip(str(error))
        extra["TC2_PRICE_STORE"] = f"{server.url}tc2imports"
    data_dir = tmp_path_factory.mktemp(f"imports-{request.param}") / "data"
    try:
        with running_system(data_dir, admin_password=PASSWORD, extra_env=extra) as running:
            yield running
    finally:
        if server is not None:
            server.stop()


def test_a_killed_import_leaves_the_store_as_before_and_no_upload(
    system: RunningSystem, big_file: Path, tmp_path: Path, request: pytest.FixtureRequest
):
    token = system.token(PASSWORD)
    small = tmp_path / "kept.txt"
    write_ninjatrader(small, list(KEPT), price=50.0)
    status, first = upload(system, token, small, format="ninjatrader", symbol="SPY")
    assert status == 202, first
    assert wait_for(lambda: job(system, token, first["id"])["status"] == "succeeded", 60)
    before = {day: bars(system, token, day) for day in KEPT}
    dates_before = spy_dates(system, token)
    workers = web_workers(system)

    status, big = upload(system, token, big_file, format="ninjatrader", symbol="SPY")

    assert status == 202, big
    peak = max(peak_rss_mb(worker) for worker in workers)
    print(
        f"\n{request.node.callspec.id}: {big_file.stat().st_size / 2**20:.0f} MB upload, "
        f"web worker peak RSS {peak:.0f} MB"
    )
    assert peak <= MAX_WORKER_RSS_MB
    saving = wait_for(
        lambda: (lambda j: j if j["status"] == "running" and j["progress"] > 0 else None)(
            job(system, token, big["id"])
        ),
        timeout=120,
    )
    assert saving, job(system, token, big["id"])
    worker_pid = int(saving["worker"].rsplit(":", 1)[1])
    os.kill(worker_pid, signal.SIGKILL)

    failed = wait_for(
        lambda: (lambda j: j if j["status"] == "failed" else None)(job(system, token, big["id"])),
        timeout=60,
    )
    assert failed and "stopped while running" in failed["error"], failed
    imports = system.data_dir / "imports"
    assert wait_for(lambda: not any(imports.iterdir()), timeout=30), list(imports.iterdir())
    assert spy_dates(system, token) == dates_before
    assert {day: bars(system, token, day) for day in KEPT} == before

    def janitor_said_so() -> bool:
        lines = system.request("GET", "/api/logs/data", token=token)[2]["lines"]
        return any("removed the orphaned upload" in line and "put back" in line for line in lines)

    assert wait_for(janitor_said_so, timeout=15)
