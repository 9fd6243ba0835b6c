"""TC2Program: the one long-running program of a deployment.

This first version starts up, reports what it sees to the program feed and publishes a heartbeat.
The supervisor of processes and threads (job workers, data collection, trading, streams) is
registered into it by the program-runtime issue through the same ``run``/``stop`` life cycle.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta

from tc2.env import NEW_YORK, ExecEnv
from tc2.logs import FeedLogger, LogFeed, feed_logger

HEARTBEAT_TTL_S = 30


class TC2Program:
    """Run until ``stop`` is set, heart-beating into Redis every ``heartbeat_interval_s``.

    Parameters
    ----------
    env
        The LIVE execution environment (clock, calendar, Redis).
    symbols
        The trader's symbol universe, from the settings.
    alpaca_endpoint
        "paper" or "live", from the settings; reported at start-up.
    """

    def __init__(
        self,
        *,
        env: ExecEnv,
        symbols: Sequence[str],
        alpaca_endpoint: str,
        heartbeat_interval_s: float = 5.0,
        log: FeedLogger | None = None,
    ) -> None:
        self.env = env
        self.symbols = tuple(symbols)
        self.alpaca_endpoint = alpaca_endpoint
        self.heartbeat_interval_s = heartbeat_interval_s
        self.log = log or feed_logger(LogFeed.PROGRAM, "program")
        self.started_at: datetime | None = None

    def run(self, stop: threading.Event) -> None:
        """Start up, then heart-beat until ``stop`` is set."""
        self.started_at = self.env.clock.now()
        self.log.info(f"TC2Program starting (pid {os.getpid()}, env {self.env.env_type.value})")
        self._report_redis()
        self.log.info(
            f"Symbols: {', '.join(self.symbols)}; Alpaca endpoint: {self.alpaca_endpoint}"
        )
        self.log.info(self._market_status())
        self._heartbeat()
        self.log.info("TC2Program running")
        while not stop.wait(self.heartbeat_interval_s):
            self._heartbeat()
        self._clear_heartbeat()
        self.log.info("TC2Program stopped")

    def _report_redis(self) -> None:
        try:
            info = self.env.redis.info("server")
        except Exception as exc:  # the program keeps running and reports; Redis may come back
            self.log.error(f"Redis unreachable: {exc}")
            return
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

    def _heartbeat(self) -> None:
        beat = {"pid": os.getpid(), "at": self.env.clock.timestamp()}
        if self.started_at is not None:
            beat["started_at"] = self.started_at.timestamp()
        try:
            self.env.redis.set(
                self.env.key("program", "heartbeat"), json.dumps(beat), ex=HEARTBEAT_TTL_S
            )
        except Exception as exc:  # a missed beat is reported, not fatal
            self.log.warning(f"Heartbeat not published: {exc}")

    def _clear_heartbeat(self) -> None:
        try:
            self.env.redis.delete(self.env.key("program", "heartbeat"))
        except Exception as exc:  # shutting down anyway; say why the key lingers
            self.log.warning(f"Heartbeat not cleared: {exc}")
