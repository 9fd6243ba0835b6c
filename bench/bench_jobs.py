"""Job system latency on the embedded profile: submit -> succeeded for a one-step job.

What a user feels when starting work from the panel: the API writes the row and queues it, a
worker claims it, runs it, records the result, and the next poll sees it.
"""

from __future__ import annotations

import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import emit
from tests.integration.system import running_system, wait_for

JOBS = 30


def main() -> None:
    password = secrets.token_urlsafe(18)
    latencies: list[float] = []
    with (
        tempfile.TemporaryDirectory(prefix="tc2-bench-") as tmp,
        running_system(Path(tmp) / "data", admin_password=password) as system,
    ):
        token = system.token(password)
        # Wait until the program's worker is up before timing anything.
        assert wait_for(
            lambda: (
                system.request("GET", "/api/program/status", token=token)[2]["state"] == "running"
            ),
            timeout=30,
        )
        for index in range(JOBS):
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
            while (
                system.request("GET", f"/api/jobs/{job['id']}", token=token)[2]["status"]
                != "succeeded"
            ):
                time.sleep(0.01)
            latencies.append(time.perf_counter() - started)
    emit(
        bench="jobs",
        case=f"{JOBS} one-step worker_check jobs, 10 ms polling",
        metric="submit_to_succeeded_median",
        value=round(statistics.median(latencies) * 1000, 1),
        unit="ms",
    )
    emit(
        bench="jobs",
        case=f"{JOBS} one-step worker_check jobs, 10 ms polling",
        metric="submit_to_succeeded_p90",
        value=round(sorted(latencies)[int(JOBS * 0.9) - 1] * 1000, 1),
        unit="ms",
    )


if __name__ == "__main__":
    main()
