"""TC2Program: the one long-running program of a deployment.

It holds the deployment's program lock in Redis (so a second start is refused), supervises the
registered components (job workers, the job janitor, later data collection, trading, streams,
refreshers), publishes its status for the API, and obeys commands sent through Redis (restart).
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import redis

from tc2.env import NEW_YORK, ExecEnv
from tc2.logs import FeedLogger, LogFeed, feed_logger
from tc2.program.components import ComponentExit, ComponentKind, ComponentSpec, ComponentStatus
from tc2.program.lock import LockOwner, ProgramLock
from tc2.program.supervisor import Supervisor

LOCK_TTL_S = 15.0
STATUS_TTL_S = 10
STATUS_INTERVAL_S = 2.0
TICK_S = 0.25
# Components get this long to stop before they are killed; with lock release and log flush the
# program exits well inside the launcher's 8 s and compose's 10 s budgets.
COMPONENT_STOP_TIMEOUT_S = 6.0
RESTART_COMMAND = "restart"


class ProgramState(StrEnum):
    STARTING = "starting"
    RUNNING = "running"
    RESTARTING = "restarting"
    STOPPING = "stopping"
    STOPPED = "stopped"


def status_key(env: ExecEnv) -> str:
    return env.key("program", "status")


def lock_key(env: ExecEnv) -> str:
    return env.key("program", "lock")


def commands_key(env: ExecEnv) -> str:
    return env.key("program", "commands")


def publish_status_forever(context: Any) -> None:
    """Component target of the status publisher thread: publish every STATUS_INTERVAL_S."""
    publish: Callable[[], None] = context.options["publish"]
    while not context.should_stop():
        publish()
        context.heartbeat()
        context.wait(STATUS_INTERVAL_S)


class TC2Program:
    """Run until ``stop`` is set: lock, supervise ``components``, publish status, obey commands.

    Parameters
    ----------
    env
        The LIVE execution environment (clock, calendar, Redis).
    symbols, alpaca_endpoint
        From the settings; reported at start-up.
    components
        What to supervise; a status publisher thread is added to them.
    logs_dir
        Where spawned component processes write their log feeds.
    on_component_exit
        Called once for every component death (e.g. to fail the job a dead worker was running).

    Raises
    ------
    ProgramAlreadyRunning
        From ``run`` when another program holds the lock and is alive.
    """

    def __init__(
        self,
        *,
        env: ExecEnv,
        symbols: Sequence[str],
        alpaca_endpoint: str,
        components: Sequence[ComponentSpec] = (),
        logs_dir: Path | None = None,
        on_component_exit: Callable[[ComponentExit], None] | None = None,
        log: FeedLogger | None = None,
    ) -> None:
        self.env = env
        self.symbols = tuple(symbols)
        self.alpaca_endpoint = alpaca_endpoint
        self.log = log or feed_logger(LogFeed.PROGRAM, "program")
        self.state = ProgramState.STARTING
        self.started_at = env.clock.timestamp()
        self.owner: LockOwner | None = None
        self._status_lock = threading.Lock()
        self._redis_lost_at: float | None = None
        publisher = ComponentSpec(
            name="status-publisher",
            kind=ComponentKind.THREAD,
            target="tc2.program.program:publish_status_forever",
            heartbeat_timeout_s=STATUS_INTERVAL_S * 10,
            options={"publish": self.publish_status},
        )
        self.supervisor = Supervisor(
            [*components, publisher],
            log=self.log,
            logs_dir=logs_dir,
            on_exit=on_component_exit,
            stop_timeout_s=COMPONENT_STOP_TIMEOUT_S,
        )
        self.lock = ProgramLock(env.redis, lock_key(env), ttl_s=LOCK_TTL_S)

    def run(self, stop: threading.Event) -> None:
        """Take the lock (or raise ProgramAlreadyRunning), then supervise until ``stop``."""
        self.owner = self.lock.acquire()
        try:
            self._start_up()
            self._supervise(stop)
        finally:
            self.state = ProgramState.STOPPING
            self.supervisor.stop_all()
            self.state = ProgramState.STOPPED
            self._clear_status()
            self.lock.release()
            self.log.info("TC2Program stopped")

    def _start_up(self) -> None:
        self.log.info(f"TC2Program starting (pid {os.getpid()}, env {self.env.env_type.value})")
        self._report_redis()
        self.log.info(
            f"Symbols: {', '.join(self.symbols)}; Alpaca endpoint: {self.alpaca_endpoint}"
        )
        self.log.info(self._market_status())
        # A restart asked for while no program ran is stale: the start is that restart.
        self.env.redis.delete(commands_key(self.env))
        self.supervisor.start()
        self.state = ProgramState.RUNNING
        names = ", ".join(status.name for status in self.supervisor.status())
        self.log.info(f"TC2Program running; components: {names}")

    def _supervise(self, stop: threading.Event) -> None:
        next_renewal = time.monotonic() + self.lock.renew_interval_s
        while not stop.wait(TICK_S):
            self.supervisor.tick()
            try:
                if time.monotonic() >= next_renewal:
                    if not self.lock.renew():
                        self.log.error("Lost the program lock (another program took it); stopping")
                        return
                    next_renewal = time.monotonic() + self.lock.renew_interval_s
                self._obey_commands()
            except redis.RedisError as exc:
                self._redis_away(exc)
            else:
                self._redis_back()

    def _redis_away(self, exc: redis.RedisError) -> None:
        # Redis crashed or restarts: the components keep running and reconnect on their own;
        # the lock is renewed (or taken back, see ProgramLock.renew) once Redis answers again.
        if self._redis_lost_at is None:
            self._redis_lost_at = time.monotonic()
            self.log.warning(f"Redis unavailable ({exc}); components keep running, retrying")

    def _redis_back(self) -> None:
        if self._redis_lost_at is not None:
            away_s = time.monotonic() - self._redis_lost_at
            self._redis_lost_at = None
            self.log.info(f"Redis is back after {away_s:.1f} s")

    def _obey_commands(self) -> None:
        raw = self.env.redis.lpop(commands_key(self.env))
        if not isinstance(raw, bytes | str):
            return  # empty list (None); LPOP with a count would return a list, never used here
        try:
            command = json.loads(raw)
        except ValueError:
            self.log.warning(f"Ignored a malformed program command: {raw!r}")
            return
        if command.get("command") == RESTART_COMMAND:
            self.state = ProgramState.RESTARTING
            self.supervisor.restart_all(f"restart requested by {command.get('by', 'unknown')}")
            self.state = ProgramState.RUNNING
        else:
            self.log.warning(f"Ignored an unknown program command: {command!r}")

    def status(self) -> dict[str, Any]:
        """The program's state and its components' (what GET /api/program/status shows)."""
        components: list[ComponentStatus] = self.supervisor.status()
        return {
            "state": self.state.value,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started_at": self.started_at,
            "lock_owner": self.owner.describe() if self.owner else None,
            "conditions": sorted(self.supervisor.conditions()),
            "components": [component.to_dict() for component in components],
            "updated_at": self.env.clock.timestamp(),
        }

    def publish_status(self) -> None:
        with self._status_lock:
            try:
                self.env.redis.set(status_key(self.env), json.dumps(self.status()), ex=STATUS_TTL_S)
            except Exception as exc:  # Redis away: the API reports the program as unknown
                self.log.warning(f"Status not published: {exc}")

    def _clear_status(self) -> None:
        try:
            self.env.redis.delete(status_key(self.env))
        except Exception as exc:  # shutting down anyway; the key expires on its own
            self.log.warning(f"Status not cleared: {exc}")

    def _report_redis(self) -> None:
        info = self.env.redis.info("server")
        self.log.info(f"Redis {info.get('redis_version', '?')} connected")

    def _market_status(self) -> str:
        now = self.env.clock.now()
        calendar = self.env.calendar
        session = calendar.session_for(now)
        if session is not None:
            close = calendar.session_close(session).astimezone(NEW_YORK)
            return f"Market is open; session {session} closes at {close:%H:%M} New York time"
        wait_s = calendar.seconds_to_open(now)
        opens = (now + timedelta(seconds=wait_s)).astimezone(NEW_YORK)
        return (
            f"Market is closed; next session opens {opens:%Y-%m-%d %H:%M} New York time "
            f"(in {wait_s / 3600:.1f} h)"
        )
