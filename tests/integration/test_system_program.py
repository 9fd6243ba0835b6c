"""The program runtime under faults, with real processes and real Redis (the embedded one).

Everything goes through a system launched like ``make run``: the launcher, gunicorn, the program
supervising two job workers and the janitor.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import psutil
import pytest

from tests.integration.system import (
    PROJECT_DIR,
    RunningSystem,
    running_system,
    still_running,
    wait_for,
)

pytestmark = pytest.mark.system

PASSWORD = secrets.token_urlsafe(18)  # made per run: no password in the repository


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    data_dir = tmp_path_factory.mktemp("prog") / "data"
    with running_system(
        data_dir, admin_password=PASSWORD, extra_env={"TC2_JOB_WORKERS": "2"}
    ) as running:
        yield running


@pytest.fixture(scope="module")
def token(system: RunningSystem) -> str:
    return system.token(PASSWORD)


def _status(system: RunningSystem, token: str) -> dict[str, Any]:
    status, _, body = system.request("GET", "/api/program/status", token=token)
    assert status == 200, body
    return dict(body)


def _component(status: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in status["components"] if c["name"] == name)


def _running(system: RunningSystem, token: str) -> dict[str, Any]:
    def ready() -> dict[str, Any] | None:
        status = _status(system, token)
        states = {c["state"] for c in status["components"]}
        return status if status["state"] == "running" and states == {"running"} else None

    status = wait_for(ready, timeout=30)
    assert status, _status(system, token)
    return status


def _submit(system: RunningSystem, token: str, **params: Any) -> dict[str, Any]:
    status, _, body = system.request(
        "POST", "/api/jobs", {"type": "worker_check", "params": params}, token=token
    )
    assert status == 202, body
    return dict(body)


def _job(system: RunningSystem, token: str, job_id: str) -> dict[str, Any]:
    return dict(system.request("GET", f"/api/jobs/{job_id}", token=token)[2])


def _until_job(system: RunningSystem, token: str, job_id: str, *statuses: str) -> dict[str, Any]:
    job = wait_for(
        lambda: (j := _job(system, token, job_id))["status"] in statuses and j, timeout=30
    )
    assert job, _job(system, token, job_id)
    return dict(job)


def _manage(system: RunningSystem, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TC2_")}
    env.update({"TC2_DATA_DIR": str(system.data_dir), "TC2_ENV_FILE": ""})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


class StatusTests:
    def test_status_shows_the_program_and_its_components(self, system: RunningSystem, token: str):
        status = _running(system, token)
        names = {c["name"] for c in status["components"]}
        assert names == {
            "job-worker-1",
            "job-worker-2",
            "job-janitor",
            "data-collector",
            "bar-streamer",
            "health-refresher",
            "visuals-refresher",
            "reconciler",
            "notifier",
            "day-trader",
            "swing-trader",
            "status-publisher",
        }
        worker = _component(status, "job-worker-1")
        assert worker["kind"] == "process" and psutil.pid_exists(worker["pid"])
        assert _component(status, "job-janitor")["thread_name"]
        assert f"pid {status['pid']}" in status["lock_owner"]

    def test_programstatus_check_is_the_compose_health_probe(self, system: RunningSystem):
        assert _manage(system, "programstatus", "--check").returncode == 0

    def test_a_second_runprogram_is_refused_and_the_first_is_unaffected(
        self, system: RunningSystem, token: str
    ):
        before = _running(system, token)
        second = _manage(system, "runprogram")
        assert second.returncode == 1
        assert "Another TC2Program is running" in second.stderr
        assert f"pid {before['pid']}" in second.stderr
        after = _status(system, token)
        assert after["pid"] == before["pid"] and after["state"] == "running"


class JobTests:
    def test_progress_moves_from_0_to_100_and_the_result_is_readable(
        self, system: RunningSystem, token: str
    ):
        _running(system, token)
        job = _submit(system, token, steps=8, step_seconds=0.25, label="progress")
        seen: list[float] = []

        def finished() -> dict[str, Any] | None:
            current = _job(system, token, job["id"])
            seen.append(current["progress"])
            return current if current["status"] == "succeeded" else None

        done = wait_for(finished, timeout=30)
        assert done, seen
        assert any(0 < p < 100 for p in seen), seen
        assert seen == sorted(seen)
        assert done["progress"] == 100 and done["result"]["steps"] == 8

    def test_cancel_a_running_job_stops_it_at_its_next_progress_point(
        self, system: RunningSystem, token: str
    ):
        job = _submit(system, token, steps=200, step_seconds=0.1, label="cancel-me")
        wait_for(lambda: _job(system, token, job["id"])["progress"] > 0)
        status, _, body = system.request("POST", f"/api/jobs/{job['id']}/cancel", token=token)
        assert status == 202 and body["cancel_requested"]
        canceled = _until_job(system, token, job["id"], "canceled", "failed", "succeeded")
        assert canceled["status"] == "canceled"
        assert canceled["progress"] < 100
        status, _, body = system.request("POST", f"/api/jobs/{job['id']}/cancel", token=token)
        assert status == 409

    def test_cancel_of_an_unknown_job_is_404(self, system: RunningSystem, token: str):
        status, _, _ = system.request(
            "POST", "/api/jobs/11111111-2222-3333-4444-555555555555/cancel", token=token
        )
        assert status == 404


class FaultTests:
    def test_kill_9_of_a_busy_worker_fails_its_job_and_the_worker_comes_back(
        self, system: RunningSystem, token: str
    ):
        _running(system, token)
        job = _submit(system, token, steps=300, step_seconds=0.1, label="victim")
        running = _until_job(system, token, job["id"], "running")
        worker_pid = int(running["worker"].rsplit(":", 1)[1])
        name = next(
            c["name"] for c in _status(system, token)["components"] if c["pid"] == worker_pid
        )
        restarts = _component(_status(system, token), name)["restarts"]
        os.kill(worker_pid, signal.SIGKILL)

        failed = _until_job(system, token, job["id"], "failed")
        assert "stopped while running" in failed["error"]

        def back() -> dict[str, Any] | None:
            component = _component(_status(system, token), name)
            fresh = component["state"] == "running" and component["pid"] != worker_pid
            return component if fresh and component["restarts"] == restarts + 1 else None

        component = wait_for(back, timeout=15)
        assert component, _component(_status(system, token), name)
        assert "-9" in (component["last_error"] or "")

    def test_kill_9_of_the_program_then_it_restarts_and_queued_jobs_still_run(
        self, system: RunningSystem, token: str
    ):
        before = _running(system, token)
        program = psutil.Process(before["pid"])
        workers = [psutil.Process(c["pid"]) for c in before["components"] if c["kind"] == "process"]
        program.kill()
        # Its workers do not outlive it.
        assert not still_running(workers, timeout=15)
        # Submitted while no program runs: recorded and queued, run once it is back.
        job = _submit(system, token, steps=2, step_seconds=0.1, label="while-down")

        def new_program() -> dict[str, Any] | None:
            status = _status(system, token)
            return (
                status if status["state"] == "running" and status["pid"] != before["pid"] else None
            )

        assert wait_for(new_program, timeout=30)
        done = _until_job(system, token, job["id"], "succeeded", "failed")
        assert done["status"] == "succeeded"


class RestartApiTests:
    def test_restart_restarts_every_component_and_the_web_keeps_serving(
        self, system: RunningSystem, token: str
    ):
        before = _running(system, token)
        old_pids = {c["name"]: c["pid"] for c in before["components"] if c["kind"] == "process"}
        status, _, body = system.request("POST", "/api/program/restart", token=token)
        assert status == 202 and body == {"status": "restart requested"}

        def restarted() -> dict[str, Any] | None:
            status = _status(system, token)
            pids = {c["name"]: c["pid"] for c in status["components"] if c["kind"] == "process"}
            moved = all(pids[name] != pid for name, pid in old_pids.items())
            states = {c["state"] for c in status["components"]}
            return status if moved and states == {"running"} else None

        after = wait_for(restarted, timeout=30)
        assert after, _status(system, token)
        assert after["pid"] == before["pid"]  # the program itself stayed
        for name in old_pids:
            assert _component(after, name)["restarts"] >= _component(before, name)["restarts"] + 1
        assert system.request("GET", "/healthz")[0] == 200

    def test_update_is_an_alias_and_both_are_staff_only(self, system: RunningSystem, token: str):
        _running(system, token)
        assert system.request("POST", "/api/update", token=token)[0] == 202
        status, _, _ = system.request("GET", "/api/update", token=token)
        assert status == 405
        status, _, _ = system.request("POST", "/api/program/restart")
        assert status == 401
