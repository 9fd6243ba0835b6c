"""Start and stop a throwaway MongoDB wire-protocol server (nx-27017) for tests and benchmarks.

nx-27017 is a pure-Python server speaking MongoDB's wire protocol over SQLite, installed from PyPI
with the dev dependencies. It is started as a subprocess of this Python on a free local port, with
its data, pid and log files in a folder of the caller's, and reached through the real pymongo
driver. It is not MongoDB: it is here so the MongoDB store's tests need no server installed, and
its speed says nothing about a real MongoDB's.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pymongo import MongoClient
from pymongo.errors import PyMongoError

START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
PORT_ATTEMPTS = 3
_LAUNCH = "import sys; from nx_27017.nx_27017 import main; sys.exit(main())"


class MongoServerUnavailable(RuntimeError):
    """nx-27017 could not be started or did not answer a ping in time."""


@dataclass(frozen=True)
class MongoServer:
    """A running nx-27017; ``url`` names no database, so append ``<database>`` to it."""

    url: str
    process: subprocess.Popen[bytes]
    folder: Path

    def client(self, **options: Any) -> MongoClient[dict[str, Any]]:
        return MongoClient(self.url, **options)

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL if it lingers)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(STOP_TIMEOUT_S)


def start_mongo_server(folder: Path, *, timeout_s: float = START_TIMEOUT_S) -> MongoServer:
    """Start nx-27017 with its files in ``folder`` and return once pymongo can ping it.

    Raises
    ------
    MongoServerUnavailable
        If the server exits, or does not answer within ``timeout_s``, on every port tried.
    """
    folder.mkdir(parents=True, exist_ok=True)
    failures = []
    for attempt in range(PORT_ATTEMPTS):
        # The port is free when chosen; another process may still take it before the server
        # binds, in which case the server exits and the next attempt picks another.
        port = _free_port()
        try:
            return _start(folder / f"attempt-{attempt}", port, timeout_s)
        except MongoServerUnavailable as error:
            failures.append(f"port {port}: {error}")
    raise MongoServerUnavailable("nx-27017 did not start: " + "; ".join(failures))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(folder: Path, port: int, timeout_s: float) -> MongoServer:
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    log = folder / "nx-27017.log"
    command = [
        sys.executable,
        "-c",
        _LAUNCH,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--data-dir",
        str(data),
        "--pid-file",
        str(folder / "nx-27017.pid"),
        "--log-file",
        str(log),
    ]
    try:
        with (folder / "nx-27017.out").open("wb") as output:
            process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT
            )
    except OSError as error:
        raise MongoServerUnavailable(f"cannot run {sys.executable}: {error}") from error
    server = MongoServer(url=f"mongodb://127.0.0.1:{port}/", process=process, folder=folder)
    deadline = time.monotonic() + timeout_s
    while True:
        if process.poll() is not None:
            raise MongoServerUnavailable(
                f"exited with status {process.returncode}: {_tail(folder / 'nx-27017.out')}"
            )
        if _answers_ping(server):
            return server
        if time.monotonic() > deadline:
            server.stop()
            raise MongoServerUnavailable(f"no answer to ping within {timeout_s:g} s")
        time.sleep(0.1)


def _answers_ping(server: MongoServer) -> bool:
    client = server.client(serverSelectionTimeoutMS=200, connectTimeoutMS=200)
    try:
        client.admin.command("ping")
        return True
    except PyMongoError:
        return False
    finally:
        client.close()


def _tail(path: Path, lines: int = 5) -> str:
    try:
        text = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return "no output"
    return " | ".join(text[-lines:]) or "no output"
