"""Scale-out: ``manage.py runworker`` joins the pool of a running deployment.

The program here runs no workers of its own (TC2_JOB_WORKERS=0), so a job can only run on the
worker started from outside. The outside worker shares the deployment's Redis and database, as a
worker on another machine would through TC2_REDIS_URL and TC2_DATABASE_URL.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import psutil
import pytest

from tests.integration.system import PROJECT_DIR, RunningSystem, running_system, wait_for

pytestmark = pytest.mark.system

PASSWORD = secrets.token_urlsafe(18)  # made per run: no password in the repository


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    data_dir = tmp_path_factory.mktemp("scale") / "data"
    with running_system(
        data_dir, admin_password=PASSWORD, extra_env={"TC2_JOB_WORKERS": "0"}
    ) as running:
        yield running


@pytest.fixture(scope="module")
def token(system: RunningSystem) -> str:
    return system.token(PASSWORD)


def _job(system: RunningSystem, token: str, job_id: str) -> dict[str, Any]:
    return dict(system.request("GET", f"/api/jobs/{job_id}", token=token)[2])


def _submit(system: RunningSystem, token: str, **params: Any) -> dict[str, Any]:
    status, _, body = system.request(
        "POST", "/api/jobs", {"type": "worker_check", "params": params}, token=token
    )
    assert status == 202, body
    return dict(body)


# A new `runworker` process starts Django and imports the engine first (10-25 s on a loaded
# 2-core machine): the waits for its first job allow for that, not the 15 s default.
WORKER_START_S = 60.0


def _runworker(system: RunningSystem) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TC2_")}
    env.update({"TC2_DATA_DIR": str(system.data_dir), "TC2_ENV_FILE": ""})
    return subprocess.Popen(
        [sys.executable, "manage.py", "runworker", "--workers", "1"],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_a_job_waits_for_a_worker_and_runworker_runs_it(system: RunningSystem, token: str):
    job = _submit(system, token, steps=2, step_seconds=0.1, label="outside")
    time.sleep(2)
    assert _job(system, token, job["id"])["status"] == "queued"  # no worker in the program
    worker = _runworker(system)
    try:
        done = wait_for(
            lambda: (j := _job(system, token, job["id"]))["status"] == "succeeded" and j,
            timeout=WORKER_START_S,
        )
        assert done, _job(system, token, job["id"])
        worker_children = {child.pid for child in psutil.Process(worker.pid).children()}
        assert done["result"]["pid"] in worker_children
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=15)
    assert worker.returncode == 0, output


def test_a_killed_outside_worker_has_its_job_failed_by_the_janitor(
    system: RunningSystem, token: str
):
    worker = _runworker(system)
    try:
        job = _submit(system, token, steps=400, step_seconds=0.1, label="remote-victim")
        running = wait_for(
            lambda: (j := _job(system, token, job["id"]))["status"] == "running" and j,
            timeout=WORKER_START_S,
        )
        assert running, _job(system, token, job["id"])
        os.kill(int(running["worker"].rsplit(":", 1)[1]), signal.SIGKILL)
        # No local supervisor tells the program: the liveness key expires (15 s), then the
        # janitor (every 2 s) fails the job.
        failed = wait_for(
            lambda: (j := _job(system, token, job["id"]))["status"] == "failed" and j, timeout=30
        )
        assert failed, _job(system, token, job["id"])
        assert "stopped while running" in failed["error"]
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.communicate(timeout=15)
