"""Worker processes that outlive the code they run: a crash, an exit or a hang loses one piece.

``concurrent.futures.ProcessPoolExecutor`` breaks as a whole (``BrokenProcessPool``) when one
worker dies, and loses or hangs on a result it cannot unpickle. ``run_pieces`` instead gives each
worker process a pipe of its own: the worker sends a batch of results as each unit of a piece is
done (an evaluation's unit is a symbol-day), so when a worker dies or overruns its time limit
the parent knows exactly which unit it was on. That unit is reported lost (``on_lost``), the
worker replaced, and the piece's remaining units handed out again (``remainder``). Everything a
worker sends is built by the engine from plain values, never an object of the user's.

Workers are started with ``spawn`` (nothing inherited can differ between machines).
"""

from __future__ import annotations

import contextlib
import signal
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing import get_context
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any

from tc2.errors import ConfigurationError

READY = "ready"
DONE = "done"
STOP_WAIT_S = 5.0  # how long a worker told to stop may take before it is killed
# Liveness is checked at least this often, whatever the pipes and sentinels say.
LIVENESS_CHECK_S = 1.0


@dataclass(frozen=True, slots=True)
class Lost:
    """A unit whose worker died or ran out of time: ``reason`` says which, for the user."""

    piece: Any
    unit: int  # index of the unit in the piece that was running
    kind: str  # "WorkerDied" or "TimeLimit"
    reason: str


Work = Callable[[Any, Any], Iterator[list[Any]]]
"""``work(piece, context)`` yields one list of results per unit of the piece, in order."""


def run_pieces(
    pieces: Sequence[Any],
    *,
    processes: int,
    work: Work,
    context: Any,
    units: Callable[[Any], int],
    remainder: Callable[[Any, int], Any | None],
    time_limit: Callable[[Any], float | None],
    on_results: Callable[[list[Any]], None],
    on_lost: Callable[[Lost], None],
) -> None:
    """Run ``work`` on every piece over ``processes`` worker processes.

    Parameters
    ----------
    work
        A module-level function (workers import it by name).
    context
        Passed to ``work`` in each worker (picklable; sent once per worker).
    units
        How many units a piece has (the worker reports results once per unit).
    remainder
        The piece made of a piece's units after ``unit`` (None when none is left), to hand out
        again after the worker running ``unit`` was lost.
    time_limit
        Seconds a unit of the piece may take (None: no limit); a worker past it is killed.
    on_results
        Called in this process with each batch of results, as they come.
    on_lost
        Called with each unit lost to a dead or stopped worker.

    Any exception raised by a callback stops the run: every worker is killed, and it propagates.
    """
    queue: deque[Any] = deque(pieces)
    workers: list[_Worker] = []
    try:
        while queue or any(worker.piece is not None for worker in workers):
            workers = [worker for worker in workers if worker.alive]
            while len(workers) < min(processes, len(queue) + _busy(workers)):
                workers.append(_Worker.start(work, context))
            for worker in workers:
                if worker.piece is None and worker.ready and queue:
                    piece = queue.popleft()
                    if not worker.give(piece, time_limit):
                        queue.appendleft(piece)  # it died idle: a new worker takes the piece
            _serve(workers, units, remainder, on_results, on_lost, queue)
    except BaseException:
        for worker in workers:
            if worker.alive:
                worker.kill()  # what they are running is no longer wanted
        raise
    for worker in workers:
        worker.stop()


def _busy(workers: Sequence[_Worker]) -> int:
    return sum(worker.piece is not None for worker in workers)


def _serve(
    workers: Sequence[_Worker],
    units: Callable[[Any], int],
    remainder: Callable[[Any, int], Any | None],
    on_results: Callable[[list[Any]], None],
    on_lost: Callable[[Lost], None],
    queue: deque[Any],
) -> None:
    """Wait for the next message, death or deadline, and act on it."""
    workers = [worker for worker in workers if worker.alive]
    deadline = min((w.deadline for w in workers if w.deadline is not None), default=None)
    timeout = LIVENESS_CHECK_S
    if deadline is not None:
        timeout = min(timeout, max(0.0, deadline - time.monotonic()))
    waitables: list[Any] = [w.connection for w in workers] + [w.process.sentinel for w in workers]
    wait(waitables, timeout=timeout)
    for worker in workers:
        lost: Lost | None = None
        _read(worker, units, on_results)
        # Asked once: the answer can change between two asks, and every branch below must see
        # the same one (a piece must be either still running or lost, never dropped).
        alive = worker.process.is_alive()
        if not alive:
            # What it sent before it died may have come after the read above: read it all, so
            # the unit it died on is the one after its last result.
            _read(worker, units, on_results)
        if worker.piece is not None and not alive:
            lost = Lost(
                piece=worker.piece,
                unit=worker.unit,
                kind="WorkerDied",
                reason=f"the worker process died ({_exit_reason(worker.process.exitcode)})",
            )
        elif worker.deadline is not None and time.monotonic() > worker.deadline:
            lost = Lost(
                piece=worker.piece,
                unit=worker.unit,
                kind="TimeLimit",
                reason=f"stopped after the time limit of {worker.limit:g} s per symbol-day",
            )
        elif not alive:
            worker.alive = False
            if not worker.ready:  # it died before running anything: a new one would too
                raise ConfigurationError(
                    f"a worker process could not start ({_exit_reason(worker.process.exitcode)})"
                )
        if lost is not None:
            worker.kill()
            on_lost(lost)
            rest = remainder(lost.piece, lost.unit)
            if rest is not None:
                queue.appendleft(rest)


def _read(
    worker: _Worker, units: Callable[[Any], int], on_results: Callable[[list[Any]], None]
) -> None:
    """Act on every message the worker has sent so far."""
    try:
        while worker.connection.poll():
            message = worker.connection.recv()
            if message == READY:
                worker.ready = True
            elif message == DONE:
                worker.done()
            else:
                worker.heard(units)
                on_results(message)
    except (EOFError, OSError):
        pass  # the pipe closed: the process is gone, which its sentinel tells


def _exit_reason(code: int | None) -> str:
    if code is None:
        return "no exit code"
    if code < 0:
        try:
            return f"killed by signal {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


@dataclass(slots=True)
class _Worker:
    process: BaseProcess
    connection: Connection
    ready: bool = False
    alive: bool = True
    piece: Any = None
    unit: int = 0  # the unit of ``piece`` running now
    limit: float | None = None
    deadline: float | None = field(default=None)

    @classmethod
    def start(cls, work: Work, context: Any) -> _Worker:
        ours, theirs = get_context("spawn").Pipe()
        process = get_context("spawn").Process(
            target=_worker_main, args=(theirs, work, context), daemon=True
        )
        process.start()
        theirs.close()  # the child holds its end: EOF here once it is gone
        return cls(process=process, connection=ours)

    def give(self, piece: Any, time_limit: Callable[[Any], float | None]) -> bool:
        """Send ``piece``; False (and the worker is done for) if its process is gone."""
        try:
            self.connection.send(piece)
        except OSError:
            self.kill()
            return False
        self.piece, self.unit, self.limit = piece, 0, time_limit(piece)
        self.deadline = None if self.limit is None else time.monotonic() + self.limit
        return True

    def heard(self, units: Callable[[Any], int]) -> None:
        """One unit is done: the next one's time starts now."""
        self.unit += 1
        if self.limit is not None and self.unit < units(self.piece):
            self.deadline = time.monotonic() + self.limit

    def done(self) -> None:
        self.piece, self.deadline = None, None

    def kill(self) -> None:
        self.process.kill()
        self.process.join()
        self.connection.close()
        self.piece, self.deadline, self.alive = None, None, False

    def stop(self) -> None:
        if self.alive and self.process.is_alive():
            with contextlib.suppress(OSError):
                self.connection.send(None)
            self.process.join(STOP_WAIT_S)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.connection.close()
        self.alive = False


def _worker_main(connection: Connection, work: Work, context: Any) -> None:
    # Ctrl-C reaches the whole process group: the parent decides, the workers carry on.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    connection.send(READY)
    while True:
        piece = connection.recv()
        if piece is None:
            return
        for results in work(piece, context):
            connection.send(results)
        connection.send(DONE)
