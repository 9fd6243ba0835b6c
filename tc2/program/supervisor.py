"""The supervisor: runs components in spawned processes and daemon threads and keeps them running.

A component that ends, raises or stops heart-beating is restarted after an exponential backoff
(``backoff_initial_s`` doubling up to ``backoff_max_s``, back to the start after it ran healthy for
``healthy_after_s``); every decision goes to the program feed with its reason. ``stop_all`` stops
everything within ``stop_timeout_s`` (processes that ignore SIGTERM are killed).

Threading: ``start``, ``tick``, ``run``, ``stop_all`` and ``restart_all`` are serialised by a lock
and should all be called from one thread that lives as long as the children. Linux sends a child's
``PR_SET_PDEATHSIG`` signal when the *thread* that spawned it ends, so spawning from a short-lived
thread would stop its children with it. ``status``, ``signal`` and ``conditions`` may be called
from any thread.
"""

from __future__ import annotations

import _thread
import contextlib
import ctypes
import functools
import importlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.context import SpawnProcess
from pathlib import Path
from types import FrameType
from typing import Any, cast

from tc2.logs import FeedLogger, LogFeed, configure_logs, feed_logger, flush_logs
from tc2.program.components import (
    MESSAGE_ERROR,
    MESSAGE_SIGNAL,
    MESSAGE_STARTED,
    ComponentContext,
    ComponentExit,
    ComponentKind,
    ComponentSpec,
    ComponentState,
    ComponentStatus,
    HeartbeatCell,
    Message,
)

DUPLICATE_NAME_MESSAGE = "component names must be unique, {name!r} appears twice"
BAD_DURATION_MESSAGE = "{parameter} must be > 0, was {value!r}"
BAD_BACKOFF_MESSAGE = "backoff_max_s must be >= backoff_initial_s, was {maximum!r} < {initial!r}"
NOT_CALLABLE_MESSAGE = "target {target!r} is not callable"
ERROR_TEXT_LIMIT = 500
PR_SET_PDEATHSIG = 1
# Reaping a SIGKILLed process takes milliseconds; this only bounds a process stuck in the kernel.
KILL_JOIN_S = 0.5
# How often a child checks that its supervisor still lives.
PARENT_CHECK_S = 0.5

_SPAWN = multiprocessing.get_context("spawn")

Target = Callable[[ComponentContext], object]


class _Box:
    """A thread component's heartbeat cell: a plain attribute (its writes are atomic)."""

    __slots__ = ("value",)

    def __init__(self, value: float) -> None:
        self.value = value


class _LockedSender:
    """Send messages down a pipe from any thread of a child; a pipe takes one writer at a time."""

    def __init__(self, connection: Connection[Message, Message]) -> None:
        self._connection = connection
        self._lock = threading.Lock()

    def __call__(self, message: Message) -> None:
        with self._lock:
            self._connection.send(message)


@dataclass(frozen=True, slots=True, kw_only=True)
class _ProcessLaunch:
    """Everything a spawned child needs; pickled into it by ``multiprocessing``."""

    name: str
    target: str
    options: dict[str, Any]
    parent_pid: int
    orphan_grace_s: float
    logs_dir: str | None
    heartbeat: HeartbeatCell
    connection: Connection[Message, Message]


@dataclass(slots=True, kw_only=True)
class _Instance:
    """One run of a component: a process or a thread and its channels."""

    cell: HeartbeatCell
    started_at: float
    started_monotonic: float
    pid: int | None = None
    process: SpawnProcess | None = None
    reader: Connection[Message, Message] | None = None
    thread: threading.Thread | None = None
    stop_event: threading.Event | None = None
    entered: bool = False
    error: str | None = None

    def is_alive(self) -> bool:
        if self.process is not None:
            return self.process.is_alive()
        return self.thread is not None and self.thread.is_alive()


@dataclass(slots=True, kw_only=True)
class _Slot:
    """A component's supervision record; fields change only under ``Supervisor._lock``."""

    spec: ComponentSpec
    backoff_s: float
    state: ComponentState = ComponentState.STOPPED
    restarts: int = 0
    last_error: str | None = None
    last_heartbeat: float | None = None
    started_at: float | None = None
    restart_at: float | None = None
    instance: _Instance | None = None


class Supervisor:
    """Run components and keep them running: restart with backoff, stop within a deadline.

    Parameters
    ----------
    specs
        The components, with unique names.
    log
        Where start, restart and stop decisions go (the program feed).
    logs_dir
        Passed to ``configure_logs`` in each spawned process; None leaves children unconfigured.
    on_exit
        Called once for every unexpected end of an instance (a death, a heartbeat timeout, a kill
        or abandonment during ``stop_all``), e.g. to mark a job worker's running job failed.
        Called from the supervising thread; its exceptions are logged and ignored.
    backoff_initial_s
        Delay before the first restart; doubles with each restart.
    backoff_max_s
        Longest delay between restarts.
    healthy_after_s
        An instance that ran this long resets its component's backoff to ``backoff_initial_s``.
    stop_timeout_s
        How long ``stop_all`` waits for everything to stop before killing processes.

    Raises
    ------
    ValueError
        If two specs share a name or a duration is not positive.
    """

    def __init__(
        self,
        specs: Sequence[ComponentSpec],
        *,
        log: FeedLogger,
        logs_dir: Path | None = None,
        on_exit: Callable[[ComponentExit], None] | None = None,
        backoff_initial_s: float = 1.0,
        backoff_max_s: float = 60.0,
        healthy_after_s: float = 60.0,
        stop_timeout_s: float = 8.0,
    ) -> None:
        _validate_durations(
            backoff_initial_s=backoff_initial_s,
            backoff_max_s=backoff_max_s,
            healthy_after_s=healthy_after_s,
            stop_timeout_s=stop_timeout_s,
        )
        self._slots: dict[str, _Slot] = {}
        for spec in specs:
            if spec.name in self._slots:
                raise ValueError(DUPLICATE_NAME_MESSAGE.format(name=spec.name))
            self._slots[spec.name] = _Slot(spec=spec, backoff_s=backoff_initial_s)
        self._log = log
        self._logs_dir = logs_dir
        self._on_exit = on_exit
        self._backoff_initial_s = backoff_initial_s
        self._backoff_max_s = backoff_max_s
        self._healthy_after_s = healthy_after_s
        self._stop_timeout_s = stop_timeout_s
        self._conditions: set[str] = set()
        self._abandoned: list[tuple[str, threading.Thread]] = []
        self._active = False
        # _lock guards slot fields and conditions and is held only briefly, so status() answers
        # even while stop_all waits; _control serialises the life-cycle operations.
        self._lock = threading.Lock()
        self._control = threading.RLock()

    # -- life cycle --

    def start(self) -> None:
        """Start every component whose start condition is met; the others wait for it."""
        with self._control:
            self._active = True
            for slot in self._slots.values():
                if slot.instance is None and slot.state is not ComponentState.BACKING_OFF:
                    self._start_or_wait(slot)

    def tick(self) -> None:
        """Run one monitoring pass; call it every fraction of a second (``run`` does).

        Drains signals and errors from children, detects ended components and stale heartbeats
        (killing the process, abandoning the thread), reports each to ``on_exit``, schedules the
        restart after the current backoff, and starts components whose condition became met or
        whose backoff elapsed.
        """
        with self._control:
            if not self._active:
                return
            for slot in self._slots.values():
                self._check(slot)
            now = time.monotonic()
            for slot in self._slots.values():
                if slot.state is ComponentState.WAITING and self._condition_met(slot.spec):
                    self._launch(slot)
                elif slot.state is ComponentState.BACKING_OFF and _due(slot.restart_at, now):
                    with self._lock:
                        slot.restarts += 1
                    self._launch(slot)

    def run(self, stop: threading.Event, tick_s: float = 0.25) -> None:
        """Start, tick every ``tick_s`` until ``stop`` is set, then stop everything."""
        try:
            self.start()
            while not stop.wait(tick_s):
                self.tick()
        finally:
            self.stop_all()

    def stop_all(self) -> None:
        """Stop every component within ``stop_timeout_s`` (plus under a second to kill).

        Sets every thread's stop event and sends SIGTERM to every live process at once, then
        waits for all of them against one shared deadline. Processes still alive are SIGKILLed;
        threads still alive are left behind (they are daemons). Every component ends STOPPED.
        """
        with self._control:
            self._active = False
            with self._lock:
                running = [(slot, slot.instance) for slot in self._slots.values() if slot.instance]
            started = time.monotonic()
            if running:
                self._log.info(f"Stopping {len(running)} components")
            for _, instance in running:
                _request_stop(instance)
            deadline = started + self._stop_timeout_s
            for _, instance in running:
                _join(instance, deadline - time.monotonic())
            self._kill_survivors(running)
            self._report_stuck_threads(running)
            with self._lock:
                for slot in self._slots.values():
                    self._retire(slot)
                    slot.state = ComponentState.STOPPED
                    slot.restart_at = None
            if running:
                self._log.info(f"All components stopped in {time.monotonic() - started:.1f} s")

    def restart_all(self, reason: str) -> None:
        """Stop everything, then start it again at once (no backoff), counting a restart each.

        Components whose start condition is still unmet go back to waiting; backoffs reset.

        Parameters
        ----------
        reason
            Why, for the program feed (e.g. ``"settings changed"``).
        """
        with self._control:
            self._log.warning(f"Restarting all components: {reason}")
            self.stop_all()
            self._active = True
            for slot in self._slots.values():
                slot.backoff_s = self._backoff_initial_s
                if self._condition_met(slot.spec):
                    with self._lock:
                        slot.restarts += 1
                self._start_or_wait(slot)

    # -- conditions and status --

    def signal(self, condition: str) -> None:
        """Mark ``condition`` as met; components waiting for it start at the next tick."""
        with self._lock:
            if condition in self._conditions:
                return
            self._conditions.add(condition)
        self._log.info(f"Start condition met: {condition}")

    def conditions(self) -> frozenset[str]:
        """Return the start conditions signalled so far."""
        with self._lock:
            return frozenset(self._conditions)

    def status(self) -> list[ComponentStatus]:
        """Return a snapshot of every component, in spec order; safe from any thread."""
        with self._lock:
            return [_snapshot(slot) for slot in self._slots.values()]

    # -- starting --

    def _condition_met(self, spec: ComponentSpec) -> bool:
        with self._lock:
            return spec.start_condition is None or spec.start_condition in self._conditions

    def _start_or_wait(self, slot: _Slot) -> None:
        if self._condition_met(slot.spec):
            self._launch(slot)
            return
        with self._lock:
            slot.state = ComponentState.WAITING
        self._log.info(f"{slot.spec.name} waits for start condition {slot.spec.start_condition!r}")

    def _launch(self, slot: _Slot) -> None:
        spec = slot.spec
        try:
            if spec.kind is ComponentKind.PROCESS:
                instance = self._launch_process(spec)
            else:
                instance = self._launch_thread(spec)
        except Exception as exc:  # e.g. unpicklable options or no more processes: retry later
            self._log.exception(f"{spec.name} could not be started")
            now = time.time()
            failed = _Instance(cell=_Box(now), started_at=now, started_monotonic=time.monotonic())
            failed.error = _describe(exc)
            self._handle_end(slot, failed, f"could not start: {failed.error}")
            return
        with self._lock:
            slot.instance = instance
            slot.state = ComponentState.STARTING
            slot.started_at = instance.started_at
            slot.last_heartbeat = instance.started_at
            slot.restart_at = None
        where = f"pid {instance.pid}" if instance.pid is not None else f"thread tc2-{spec.name}"
        self._log.info(f"Started {spec.name} ({spec.kind.value}, {where})")

    def _launch_process(self, spec: ComponentSpec) -> _Instance:
        now = time.time()
        reader, writer = _SPAWN.Pipe(duplex=False)
        # lock=False: a process SIGKILLed while holding a Value's lock would block every later
        # read; an aligned double is written and read atomically without it.
        cell: HeartbeatCell = _SPAWN.Value("d", now, lock=False)
        launch = _ProcessLaunch(
            name=spec.name,
            target=spec.target,
            options=dict(spec.options),
            parent_pid=os.getpid(),
            orphan_grace_s=self._stop_timeout_s,
            logs_dir=None if self._logs_dir is None else str(self._logs_dir),
            heartbeat=cell,
            connection=writer,
        )
        process = _SPAWN.Process(target=_run_process, args=(launch,), name=f"tc2-{spec.name}")
        try:
            process.start()
        except BaseException:
            reader.close()
            raise
        finally:
            # The child holds its own copy; closing ours lets the reader see EOF when it dies.
            writer.close()
        return _Instance(
            cell=cell,
            started_at=now,
            started_monotonic=time.monotonic(),
            pid=process.pid,
            process=process,
            reader=reader,
        )

    def _launch_thread(self, spec: ComponentSpec) -> _Instance:
        now = time.time()
        stop_event = threading.Event()
        instance = _Instance(
            cell=_Box(now),
            started_at=now,
            started_monotonic=time.monotonic(),
            stop_event=stop_event,
        )
        context = ComponentContext(
            name=spec.name,
            kind=spec.kind,
            options=spec.options,
            stop_event=stop_event,
            heartbeat_cell=instance.cell,
            send=functools.partial(self._receive, instance),
        )
        instance.thread = threading.Thread(
            target=_run_thread,
            args=(spec, instance, context),
            name=f"tc2-{spec.name}",
            daemon=True,
        )
        instance.thread.start()
        return instance

    # -- monitoring --

    def _check(self, slot: _Slot) -> None:
        instance = slot.instance
        if instance is None:
            return
        self._drain(instance)
        if not instance.is_alive():
            self._drain(instance)  # what the child sent just before it ended
            self._handle_end(slot, instance, _end_reason(instance))
            return
        age_s = time.time() - instance.cell.value
        if age_s > slot.spec.heartbeat_timeout_s:
            self._handle_silence(slot, instance, f"no heartbeat for {age_s:.0f} s")
            return
        if instance.entered and slot.state is ComponentState.STARTING:
            with self._lock:
                slot.state = ComponentState.RUNNING

    def _handle_silence(self, slot: _Slot, instance: _Instance, reason: str) -> None:
        if instance.process is not None:
            instance.process.kill()
            instance.process.join(KILL_JOIN_S)
            self._handle_end(slot, instance, reason)
            return
        if instance.stop_event is not None:
            instance.stop_event.set()
        if instance.thread is not None:
            self._abandoned.append((slot.spec.name, instance.thread))
        note = f"; thread tc2-{slot.spec.name} cannot be killed, so it was abandoned"
        self._handle_end(slot, instance, reason, note=note)

    def _handle_end(self, slot: _Slot, instance: _Instance, reason: str, note: str = "") -> None:
        ran_s = time.monotonic() - instance.started_monotonic
        if ran_s >= self._healthy_after_s:
            slot.backoff_s = self._backoff_initial_s
        delay_s = slot.backoff_s
        slot.backoff_s = min(delay_s * 2, self._backoff_max_s)
        with self._lock:
            self._retire(slot)
            slot.last_error = instance.error or reason
            slot.state = ComponentState.BACKING_OFF
            slot.restart_at = time.monotonic() + delay_s
            restart = slot.restarts + 1
        self._log.warning(
            f"{slot.spec.name} {reason}; restarting in {delay_s:g} s (restart {restart}){note}"
        )
        self._notify_exit(slot.spec, instance.pid, reason)

    def _retire(self, slot: _Slot) -> None:
        # Caller holds _lock. Keeps the last heartbeat for the status; frees the channels.
        instance = slot.instance
        if instance is None:
            return
        slot.last_heartbeat = instance.cell.value
        slot.instance = None
        if instance.reader is not None:
            instance.reader.close()
            instance.reader = None
        if instance.process is not None and instance.process.exitcode is not None:
            instance.process.close()

    def _drain(self, instance: _Instance) -> None:
        reader = instance.reader
        if reader is None:
            return
        try:
            while reader.poll():
                self._receive(instance, reader.recv())
        except Exception:  # EOF after the child ended, or a message cut short by a kill
            reader.close()
            instance.reader = None

    def _receive(self, instance: _Instance, message: Message) -> None:
        kind, text = message
        if kind == MESSAGE_STARTED:
            instance.entered = True
        elif kind == MESSAGE_ERROR:
            instance.error = text
        elif kind == MESSAGE_SIGNAL:
            self.signal(text)

    def _notify_exit(self, spec: ComponentSpec, pid: int | None, reason: str) -> None:
        if self._on_exit is None:
            return
        try:
            self._on_exit(ComponentExit(name=spec.name, kind=spec.kind, pid=pid, reason=reason))
        except Exception:  # the hook's failure must not stop supervision
            self._log.exception(f"on_exit hook failed for {spec.name}")

    # -- stopping --

    def _kill_survivors(self, running: list[tuple[_Slot, _Instance]]) -> None:
        survivors = [
            (slot, instance.process)
            for slot, instance in running
            if instance.process is not None and instance.process.is_alive()
        ]
        for _, process in survivors:
            process.kill()
        deadline = time.monotonic() + KILL_JOIN_S
        for _, process in survivors:
            process.join(max(0.0, deadline - time.monotonic()))
        reason = f"did not stop within {self._stop_timeout_s:g} s; killed"
        for slot, process in survivors:
            self._log.warning(f"{slot.spec.name} (pid {process.pid}) {reason}")
            self._notify_exit(slot.spec, process.pid, reason)

    def _report_stuck_threads(self, running: list[tuple[_Slot, _Instance]]) -> None:
        stuck = [
            (slot, instance.thread)
            for slot, instance in running
            if instance.thread is not None and instance.thread.is_alive()
        ]
        reason = f"did not stop within {self._stop_timeout_s:g} s; thread abandoned"
        for slot, _ in stuck:
            self._notify_exit(slot.spec, None, reason)
        self._abandoned = [(name, thread) for name, thread in self._abandoned if thread.is_alive()]
        names = [f"{slot.spec.name} ({thread.name})" for slot, thread in stuck]
        names.extend(
            f"{name} ({thread.name}, abandoned earlier)" for name, thread in self._abandoned
        )
        if names:
            self._log.warning(f"Threads still running after stop, left behind: {', '.join(names)}")


def _validate_durations(
    *, backoff_initial_s: float, backoff_max_s: float, healthy_after_s: float, stop_timeout_s: float
) -> None:
    for parameter, value in (
        ("backoff_initial_s", backoff_initial_s),
        ("healthy_after_s", healthy_after_s),
        ("stop_timeout_s", stop_timeout_s),
    ):
        if not value > 0:
            raise ValueError(BAD_DURATION_MESSAGE.format(parameter=parameter, value=value))
    if not backoff_max_s >= backoff_initial_s:
        raise ValueError(
            BAD_BACKOFF_MESSAGE.format(maximum=backoff_max_s, initial=backoff_initial_s)
        )


def _due(restart_at: float | None, now: float) -> bool:
    return restart_at is not None and restart_at <= now


def _end_reason(instance: _Instance) -> str:
    if instance.error is not None:
        return f"raised {instance.error}"
    if instance.process is not None:
        return f"exited with code {instance.process.exitcode}"
    return "returned"


def _request_stop(instance: _Instance) -> None:
    if instance.stop_event is not None:
        instance.stop_event.set()
    if instance.process is not None:
        instance.process.terminate()


def _join(instance: _Instance, timeout_s: float) -> None:
    timeout_s = max(0.0, timeout_s)
    if instance.process is not None:
        instance.process.join(timeout_s)
    elif instance.thread is not None:
        instance.thread.join(timeout_s)


def _snapshot(slot: _Slot) -> ComponentStatus:
    instance = slot.instance
    state = slot.state
    if instance is not None and instance.entered and state is ComponentState.STARTING:
        state = ComponentState.RUNNING
    thread = None if instance is None else instance.thread
    return ComponentStatus(
        name=slot.spec.name,
        kind=slot.spec.kind,
        state=state,
        pid=None if instance is None else instance.pid,
        thread_name=None if thread is None else thread.name,
        restarts=slot.restarts,
        last_error=slot.last_error,
        last_heartbeat=slot.last_heartbeat if instance is None else instance.cell.value,
        started_at=slot.started_at,
    )


def _describe(error: BaseException) -> str:
    text = str(error)
    described = f"{type(error).__name__}: {text}" if text else type(error).__name__
    return described[:ERROR_TEXT_LIMIT]


def _resolve_target(target: str) -> Target:
    module_name, _, attribute = target.partition(":")
    found: object = importlib.import_module(module_name)
    for part in attribute.split("."):
        found = getattr(found, part)
    if not callable(found):
        raise TypeError(NOT_CALLABLE_MESSAGE.format(target=target))
    return cast(Target, found)


def _run_thread(spec: ComponentSpec, instance: _Instance, context: ComponentContext) -> None:
    try:
        function = _resolve_target(spec.target)
        instance.entered = True
        context.heartbeat()
        function(context)
    except Exception as exc:
        instance.error = _describe(exc)
        feed_logger(LogFeed.PROGRAM, spec.name).exception(f"{spec.name} raised {instance.error}")


def die_with_parent() -> None:
    """Ask the kernel to SIGTERM this process when its parent dies, even by SIGKILL (Linux).

    Call it in the child: first thing in a spawned component, or as a ``preexec_fn``.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _install_stop_handler(stop_event: threading.Event) -> None:
    def request_stop(signum: int, frame: FrameType | None) -> None:
        # Setting the event here could deadlock if the main thread holds the event's lock (it
        # is inside wait()); a fresh low-level thread sets it once the handler has returned.
        _thread.start_new_thread(stop_event.set, ())

    signal.signal(signal.SIGTERM, request_stop)
    # Ctrl-C in a terminal reaches the whole process group; the supervisor alone decides.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _watch_parent(parent_pid: int, stop_event: threading.Event, grace_s: float) -> None:
    # The death signal only asks: a target may have replaced the SIGTERM handler and ignore it.
    # Once orphaned, request a stop, and after the grace a stop_all would give, end the process.
    while os.getppid() == parent_pid:
        time.sleep(PARENT_CHECK_S)
    stop_event.set()
    time.sleep(grace_s)
    flush_logs(1.0)
    os._exit(1)


def _run_process(launch: _ProcessLaunch) -> None:
    """Entry point of a component's spawned process (module level so the child can import it)."""
    die_with_parent()
    if os.getppid() != launch.parent_pid:
        os._exit(1)  # the supervisor died before the death signal was armed
    stop_event = threading.Event()
    _install_stop_handler(stop_event)
    threading.Thread(
        target=_watch_parent,
        args=(launch.parent_pid, stop_event, launch.orphan_grace_s),
        name="tc2-parent-watch",
        daemon=True,
    ).start()
    if launch.logs_dir is not None:
        configure_logs(Path(launch.logs_dir))
    send = _LockedSender(launch.connection)
    context = ComponentContext(
        name=launch.name,
        kind=ComponentKind.PROCESS,
        options=launch.options,
        stop_event=stop_event,
        heartbeat_cell=launch.heartbeat,
        send=send,
    )
    try:
        function = _resolve_target(launch.target)
        send((MESSAGE_STARTED, ""))
        context.heartbeat()
        function(context)
    except Exception as exc:
        error = _describe(exc)
        with contextlib.suppress(OSError):
            send((MESSAGE_ERROR, error))
        feed_logger(LogFeed.PROGRAM, launch.name).exception(f"{launch.name} raised {error}")
        flush_logs(2.0)
        sys.exit(1)
    # A spawned child ends with os._exit, which skips the log writer's atexit flush.
    flush_logs(2.0)
