"""Component targets for the supervisor tests; spawned children import them by name."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tc2.program.components import ComponentContext

BEAT_INTERVAL_S = 0.05


def _record_pid(context: ComponentContext) -> None:
    pid_file = context.options.get("pid_file")
    if pid_file is not None:
        with Path(pid_file).open("a") as file:
            file.write(f"{os.getpid()}\n")


def beat(context: ComponentContext) -> None:
    """Heart-beat until asked to stop."""
    _record_pid(context)
    while not context.should_stop():
        context.heartbeat()
        context.wait(BEAT_INTERVAL_S)


def crash(context: ComponentContext) -> None:
    """Raise at once."""
    _record_pid(context)
    raise ValueError("boom")


def fall_silent(context: ComponentContext) -> None:
    """Heart-beat a few times, then stop heart-beating (but keep running until stopped)."""
    _record_pid(context)
    for _ in range(3):
        context.heartbeat()
        context.wait(BEAT_INTERVAL_S)
    context.wait(3600)


def signal_later(context: ComponentContext) -> None:
    """Signal ``options["condition"]`` after ``options["delay_s"]``, then heart-beat."""
    if not context.wait(float(context.options["delay_s"])):
        context.signal(str(context.options["condition"]))
    beat(context)


def ignore_sigterm(context: ComponentContext) -> None:
    """Ignore SIGTERM and every stop request, heart-beating forever."""
    _record_pid(context)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    context.signal(str(context.options["ready"]))
    while True:
        context.heartbeat()
        time.sleep(BEAT_INTERVAL_S)
