"""API reads under load: ``GET /api/program/status`` and one day's bars at 200 requests/s.

Launches the embedded system as ``make run`` does (tests/integration/system.py), waits for the
data catch-up, then drives each route with Debian's ``wrk`` (scripts/install-wrk.sh) on loopback,
paced to RATE requests per second for DURATION_S seconds (bench/wrk_paced.lua). Reports the
latency p50 and p99 (target: p99 <= 50 ms), the rate reached, and the web workers' CPU time per
request, which does not depend on what else the machine is doing.

wrk keeps CONNECTIONS connections, each pausing between an answer and its next request; a
warm-up run at the nominal pause (CONNECTIONS / RATE) measures the rate reached, and the measured
run shortens the pause by the time the answers took, so it offers RATE requests per second.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import emit
from tests.integration.system import RunningSystem, running_system, wait_for

BENCH_DIR = Path(__file__).resolve().parent
RATE = 200
CONNECTIONS = 20
DURATION_S = int(os.environ.get("TC2_BENCH_LOAD_S", "30"))
WARM_UP_S = 3


def main() -> None:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("bench_api_load: wrk is missing; run scripts/install-wrk.sh")
    password = secrets.token_urlsafe(18)
    with (
        tempfile.TemporaryDirectory(prefix="tc2-bench-") as tmp,
        running_system(Path(tmp) / "data", admin_password=password) as system,
    ):
        token = system.token(password)
        assert wait_for(lambda: _loaded(system, token), timeout=120), "no data_loaded"
        # The visuals refresher draws its graphs once the data is in: measure after them.
        assert wait_for(lambda: _idle(system, token), timeout=180), "jobs never finished"
        day = system.request("GET", "/api/data/dates/SPY", token=token)[2]["dates"][-1]
        routes = {
            "program_status": "/api/program/status",
            "data_bars": f"/api/data/bars/SPY?day={day}",
        }
        for name, path in routes.items():
            pause_ms = 1000 * CONNECTIONS / RATE
            warm_up = _run_wrk(wrk, system, token, path, WARM_UP_S, pause_ms)
            reached = warm_up["requests"] / (warm_up["duration_us"] / 1e6)
            pause_ms = max(0.0, pause_ms - 1000 * CONNECTIONS * (1 / reached - 1 / RATE))
            workers = _web_workers(system)
            cpu_before = _cpu_s(workers)
            result = _run_wrk(wrk, system, token, path, DURATION_S, pause_ms)
            cpu_ms = (_cpu_s(workers) - cpu_before) * 1000 / max(1, result["requests"])
            if result["non_2xx"] or result["socket_errors"]:
                raise SystemExit(f"bench_api_load: {path} answered errors: {result}")
            case = f"GET {path.split('?')[0]} at {RATE} req/s, {DURATION_S} s, loopback (wrk)"
            seconds = result["duration_us"] / 1e6
            for metric, value, unit in (
                ("p50", result["p50_us"] / 1000, "ms"),
                ("p99", result["p99_us"] / 1000, "ms"),
                ("rate_reached", result["requests"] / seconds, "req/s"),
                ("web_cpu_per_request", cpu_ms, "ms"),
            ):
                emit(
                    bench="api_load",
                    case=case,
                    metric=f"{name}_{metric}",
                    value=round(value, 1 if unit == "ms" else 0),
                    unit=unit,
                )


def _run_wrk(
    wrk: str, system: RunningSystem, token: str, path: str, seconds: int, pause_ms: float
) -> Any:
    threads = 2
    completed = subprocess.run(
        [
            wrk,
            f"--threads={threads}",
            f"--connections={CONNECTIONS}",
            f"--duration={seconds}s",
            "--timeout=5s",
            f"--script={BENCH_DIR / 'wrk_paced.lua'}",
            f"--header=Authorization: Bearer {token}",
            system.base + path,
        ],
        env={**os.environ, "TC2_PAUSE_MS": f"{pause_ms:.3f}"},
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 30,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _loaded(system: RunningSystem, token: str) -> bool:
    code, _, body = system.request("GET", "/api/program/status", token=token)
    return code == 200 and "data_loaded" in body.get("conditions", [])


def _idle(system: RunningSystem, token: str) -> bool:
    return all(
        not system.request("GET", f"/api/jobs?status={status}", token=token)[2]["jobs"]
        for status in ("queued", "running")
    )


def _web_workers(system: RunningSystem) -> list[psutil.Process]:
    launcher = psutil.Process(system.process.pid)
    return [
        process
        for process in launcher.children(recursive=True)
        if "gunicorn" in " ".join(process.cmdline())
    ]


def _cpu_s(processes: list[psutil.Process]) -> float:
    total = 0.0
    for process in processes:
        times = process.cpu_times()
        total += times.user + times.system
    return total


if __name__ == "__main__":
    main()
