"""The embedded Redis under ``make run``: an idle job worker keeps listening, and a kill -9 of
``redis-server`` is survived (the launcher restarts it, everything reconnects, queued jobs run).

One system serves both tests, in this order: the idle test needs the worker as it first started.
"""

from __future__ import annotations

import secrets
import signal
import time
from collections.abc import Iterator
from typing import Any

import psutil
import pytest

from tests.integration.system import RunningSystem, running_system, wait_for

pytestmark = pytest.mark.system

PASSWORD = secrets.token_urlsafe(18)  # made per run: no password in the repository
# redis-py's default socket timeout (5 s) used to cut the worker's blocking dequeue: after this
# long idle the worker had logged the timeout and was backing off (1, 2, 4 ... 60 s).
IDLE_PAST_OLD_TIMEOUT_S = 7.0
RQ_CONNECTION_ERROR = "could not connect to Redis instance"


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    data_dir = tmp_path_factory.mktemp("redis") / "data"
    with running_system(data_dir, admin_password=PASSWORD) as running:
        yield running


@pytest.fixture(scope="module")
def token(system: RunningSystem) -> str:
    return system.token(PASSWORD)


def _healthy(system: RunningSystem, token: str) -> dict[str, Any] | None:
    code, _, body = system.request("GET", "/api/program/status", token=token)
    if code != 200 or body["state"] != "running" or body.get("age_s", 99) > 5:
        return None
    return body if {c["state"] for c in body["components"]} == {"running"} else None


def _submit(system: RunningSystem, token: str, **params: Any) -> str:
    code, _, body = system.request(
        "POST", "/api/jobs", {"type": "worker_check", "params": params}, token=token
    )
    assert code == 202, body
    return str(body["id"])


def _in_append_only_file(system: RunningSystem, job_id: str) -> bool:
    files = (system.data_dir / "redis").rglob("*.aof")
    return any(job_id.encode() in path.read_bytes() for path in files)


def _job(system: RunningSystem, token: str, job_id: str) -> dict[str, Any]:
    return dict(system.request("GET", f"/api/jobs/{job_id}", token=token)[2])


def _until_job(system: RunningSystem, token: str, job_id: str, *statuses: str) -> dict[str, Any]:
    job = wait_for(
        lambda: (j := _job(system, token, job_id))["status"] in statuses and j, timeout=60
    )
    assert job, _job(system, token, job_id)
    return dict(job)


def _redis_server(system: RunningSystem) -> psutil.Process:
    launcher = psutil.Process(system.process.pid)
    return next(p for p in launcher.children() if "redis-server" in " ".join(p.cmdline()))


def test_an_idle_worker_takes_a_job_at_once(system: RunningSystem, token: str):
    assert wait_for(lambda: _healthy(system, token), timeout=60), "the program never got healthy"
    # A first job makes the worker go through its connections, as in use; then it idles.
    first = _submit(system, token, steps=1, step_seconds=0, label="first")
    _until_job(system, token, first, "succeeded")
    time.sleep(IDLE_PAST_OLD_TIMEOUT_S)

    submitted = time.monotonic()
    job_id = _submit(system, token, steps=1, step_seconds=0, label="after idling")
    job = wait_for(lambda: (j := _job(system, token, job_id))["status"] != "queued" and j, 10)
    waited_s = time.monotonic() - submitted

    assert job and job["status"] in ("running", "succeeded"), job
    # Typically 20-60 ms; the old backoff kept jobs queued for seconds to a minute.
    assert waited_s < 3, f"the job waited {waited_s:.2f} s in the queue"
    assert RQ_CONNECTION_ERROR not in system.output()


def test_a_killed_redis_is_restarted_and_queued_jobs_survive(system: RunningSystem, token: str):
    assert wait_for(lambda: _healthy(system, token), timeout=60)
    # The one worker is busy with the first job, so the second stays queued in Redis.
    busy = _submit(system, token, steps=30, step_seconds=0.1, label="busy")
    _until_job(system, token, busy, "running")
    queued = _submit(system, token, steps=1, step_seconds=0, label="queued")
    # Written to the append-only file (everysec: Redis may hold the write up to 2 s while an
    # earlier fsync runs, longer on a loaded machine), so a kill -9 cannot lose it.
    assert wait_for(lambda: _in_append_only_file(system, queued), timeout=15)
    assert _job(system, token, queued)["status"] == "queued"

    server = _redis_server(system)
    killed_at = time.monotonic()
    server.send_signal(signal.SIGKILL)
    # Gone before the first probe: on a loaded machine the dying server could still answer it.
    server.wait(timeout=10)
    outage_answers: list[tuple[int, Any]] = []

    def recovered() -> dict[str, Any] | None:
        code, _, body = system.request("GET", "/api/program/status", token=token)
        if code != 200:
            outage_answers.append((code, body))
            return None
        if "redis restarted (restart 1)" not in system.output():
            return None  # an answer from before the launcher saw the death
        return body if _healthy(system, token) and body["updated_at"] > time.time() - 3 else None

    assert wait_for(recovered, timeout=60), system.output()[-3000:]
    recovery_s = time.monotonic() - killed_at
    print(f"Redis kill -9 -> program status healthy: {recovery_s:.1f} s")

    assert system.process.poll() is None  # the launcher kept everything else running
    output = system.output()
    assert "redis exited with code -9; restarting in 1 s" in output
    assert "redis restarted (restart 1)" in output
    # While Redis was down the API answered with the error contract, never a bare 500.
    for code, body in outage_answers:
        assert code == 503, (code, body)
        assert body["error"]["code"] == "service_unavailable"
    assert _until_job(system, token, queued, "succeeded", "failed")["status"] == "succeeded"
    assert _until_job(system, token, busy, "succeeded", "failed")["status"] == "succeeded"
    # The queued job came back from Redis's append-only file, not from the janitor's re-queue.
    logs = "".join(p.read_text() for p in (system.data_dir / "logs").rglob("*") if p.is_file())
    assert "were missing from Redis" not in logs
    # New work runs as before.
    after = _submit(system, token, steps=1, step_seconds=0, label="after")
    assert _until_job(system, token, after, "succeeded", "failed")["status"] == "succeeded"
