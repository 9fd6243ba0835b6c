"""Job system latency and Redis crash recovery on the embedded profile.

What a user feels when starting work from the panel: the API writes the row and queues it, a
worker claims it (submit -> running, from the row's own created_at and started_at), runs it,
records the result, and the next poll sees it (submit -> succeeded). Jobs come with idle gaps of
up to 6 s between them, as from a person at the panel: an idle worker must take the next job at
once (the target is a submit -> running p99 of 1 s).

Then the embedded redis-server is killed with SIGKILL: the time until the program's status is
healthy again (every component running, a status published after the kill) is the recovery.
"""

from __future__ import annotations

import secrets
import signal
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import emit
from tests.integration.system import RunningSystem, running_system, wait_for

JOBS = 40
IDLE_GAPS_S = (0.0, 0.5, 2.0, 6.0)


def main() -> None:
    password = secrets.token_urlsafe(18)
    to_running: list[float] = []
    to_succeeded: list[float] = []
    with (
        tempfile.TemporaryDirectory(prefix="tc2-bench-") as tmp,
        running_system(Path(tmp) / "data", admin_password=password) as system,
    ):
        token = system.token(password)
        assert wait_for(lambda: _healthy(system, token), timeout=90), "program never healthy"
        for index in range(JOBS):
            time.sleep(IDLE_GAPS_S[index % len(IDLE_GAPS_S)])
            started = time.perf_counter()
            _, _, job = system.request(
                "POST",
                "/api/jobs",
                {
                    "type": "worker_check",
                    "params": {"steps": 1, "step_seconds": 0, "label": str(index)},
                },
                token=token,
            )
            while (job := _job(system, token, job["id"]))["status"] != "succeeded":
                time.sleep(0.01)
            to_succeeded.append(time.perf_counter() - started)
            to_running.append(_seconds(job["started_at"]) - _seconds(job["created_at"]))
        recovery_s = _redis_kill_recovery(system, token)

    case = f"{JOBS} one-step worker_check jobs, idle gaps of {'/'.join(map(str, IDLE_GAPS_S))} s"
    for metric, values, share in (
        ("submit_to_running_p50", to_running, 0.5),
        ("submit_to_running_p99", to_running, 0.99),
        ("submit_to_succeeded_median", to_succeeded, 0.5),
        ("submit_to_succeeded_p90", to_succeeded, 0.9),
    ):
        emit(
            bench="jobs",
            case=case,
            metric=metric,
            value=round(_percentile(values, share) * 1000, 1),
            unit="ms",
        )
    emit(
        bench="jobs",
        case="kill -9 of the embedded redis-server",
        metric="redis_kill_to_program_healthy",
        value=round(recovery_s, 2),
        unit="s",
    )


def _redis_kill_recovery(system: RunningSystem, token: str) -> float:
    launcher = psutil.Process(system.process.pid)
    server = next(p for p in launcher.children() if "redis-server" in " ".join(p.cmdline()))
    killed_at = time.monotonic()
    killed_wall = time.time()
    server.send_signal(signal.SIGKILL)
    assert wait_for(
        lambda: (status := _healthy(system, token)) and status["updated_at"] > killed_wall,
        timeout=120,
    ), "the program did not recover from the Redis kill"
    return time.monotonic() - killed_at


def _healthy(system: RunningSystem, token: str) -> dict[str, Any] | None:
    code, _, body = system.request("GET", "/api/program/status", token=token)
    if code != 200 or body["state"] != "running":
        return None
    return body if {c["state"] for c in body["components"]} == {"running"} else None


def _job(system: RunningSystem, token: str, job_id: str) -> dict[str, Any]:
    return dict(system.request("GET", f"/api/jobs/{job_id}", token=token)[2])


def _seconds(timestamp: str) -> float:
    return datetime.fromisoformat(timestamp).timestamp()


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


if __name__ == "__main__":
    main()
