"""Start the whole embedded system (``manage.py launch``) as ``make run`` does, for system tests."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parents[2]
READY_LINE = "TC2 is running at"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RunningSystem:
    process: subprocess.Popen[str]
    port: int
    output_path: Path
    data_dir: Path
    ready_after_s: float

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.output_path.read_text()

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        token: str | None = None,
        raw: bytes | None = None,
    ) -> tuple[int, dict[str, str], Any]:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, dict(response.headers), _decode(response.read())
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), _decode(error.read())

    def token(self, password: str, username: str = "admin") -> str:
        status, _, body = self.request(
            "POST", "/api/token", {"username": username, "password": password}
        )
        assert status == 200, body
        return str(body["access"])

    def wait_for_data_loaded(self, token: str, timeout: float = 120) -> dict[str, Any]:
        """The program status once the collector signalled ``data_loaded``; fail with the output
        when it does not within ``timeout`` seconds."""

        def loaded() -> dict[str, Any] | None:
            status = self.request("GET", "/api/program/status", token=token)[2]
            return status if "data_loaded" in status.get("conditions", []) else None

        status = wait_for(loaded, timeout=timeout)
        assert status, self.output()
        return dict(status)

    def stop(self, signum: int = signal.SIGTERM) -> tuple[int, float]:
        """Signal the launcher; return its exit code and how long it took to stop."""
        started = time.monotonic()
        self.process.send_signal(signum)
        code = self.process.wait(timeout=30)
        return code, time.monotonic() - started


def _decode(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")


def launch(data_dir: Path, *, extra_env: dict[str, str] | None = None) -> RunningSystem:
    """Run ``manage.py launch`` and wait until it says it is serving (or fail with its output)."""
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("TC2_") and key != "DJANGO_SETTINGS_MODULE"
    }
    # TC2_ENV_FILE="" keeps a developer's own .env out of the system under test.
    env.update(
        {
            "TC2_DATA_DIR": str(data_dir),
            "TC2_PORT": str(port),
            "TC2_ENV_FILE": "",
            # Two synthetic sessions keep each launch light; one test checks the full default
            # (and test_seeded_defaults_trade.py the default minute history, in-process).
            "TC2_SEED_SESSIONS": "2",
            "TC2_SEED_MINUTE_SESSIONS": "0",
            **(extra_env or {}),
        }
    )
    output_path = data_dir.parent / f"{data_dir.name}-launch-{port}.out"
    started = time.monotonic()
    with output_path.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "launch"],
            cwd=PROJECT_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
        )
    deadline = started + 90
    while time.monotonic() < deadline:
        text = output_path.read_text()
        if READY_LINE in text:
            return RunningSystem(process, port, output_path, data_dir, time.monotonic() - started)
        if process.poll() is not None:
            raise AssertionError(f"launcher exited with {process.returncode}:\n{text}")
        time.sleep(0.1)
    process.kill()
    raise AssertionError(f"launcher not serving after 90 s:\n{output_path.read_text()}")


@contextmanager
def running_system(
    data_dir: Path, *, admin_password: str, extra_env: dict[str, str] | None = None
) -> Iterator[RunningSystem]:
    """Launch with a known admin password; stop on exit unless the test already stopped it."""
    running = launch(
        data_dir, extra_env={"TC2_ADMIN_PASSWORD": admin_password, **(extra_env or {})}
    )
    try:
        yield running
    finally:
        if running.process.poll() is None:
            running.stop()


def still_running(processes: list[Any], timeout: float) -> list[Any]:
    """The processes (psutil) still running after ``timeout``; exited ones not yet reaped by
    their parent or init (zombies) have stopped and do not count."""
    import psutil

    _, alive = psutil.wait_procs(processes, timeout=timeout)
    running = []
    for process in alive:
        try:
            if process.status() != psutil.STATUS_ZOMBIE:
                running.append(process)
        except psutil.NoSuchProcess:
            pass
    return running


def wait_for(predicate: Any, timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)
