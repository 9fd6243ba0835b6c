from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest

from tc2.logs import FeedLogger, LogFeed, LogLevel
from tc2.program.components import ComponentSpec
from tc2.program.supervisor import Supervisor


class RecordingLog(FeedLogger):
    """A program-feed logger that keeps (monotonic time, level, message) in memory."""

    def __init__(self) -> None:
        super().__init__(LogFeed.PROGRAM, "supervisor")
        self.records: list[tuple[float, LogLevel, str]] = []

    def log(self, level: LogLevel, message: str) -> None:
        self.records.append((time.monotonic(), level, message))

    def messages(self) -> list[str]:
        return [message for _, _, message in list(self.records)]


SupervisorFactory = Callable[..., Supervisor]


@pytest.fixture
def log() -> RecordingLog:
    return RecordingLog()


@pytest.fixture
def make_supervisor(log: RecordingLog) -> Iterator[SupervisorFactory]:
    """Build supervisors logging to ``log``; stop every one after the test."""
    created: list[Supervisor] = []

    def make(specs: Sequence[ComponentSpec], **kwargs: Any) -> Supervisor:
        kwargs.setdefault("log", log)
        supervisor = Supervisor(specs, **kwargs)
        created.append(supervisor)
        return supervisor

    yield make
    for supervisor in created:
        supervisor.stop_all()
