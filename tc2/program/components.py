"""What the supervisor runs: component specs, the context a target receives, status records.

A component is a long-running function, ``target(context)``, run in its own spawned process or in
a daemon thread. It should loop until ``context.should_stop()``, calling ``context.heartbeat()``
more often than its spec's ``heartbeat_timeout_s``; the supervisor restarts it when it ends, raises
or stops heart-beating.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

NAME_PATTERN = re.compile(r"[a-z0-9_-]+")
BAD_NAME_MESSAGE = "component name must match [a-z0-9_-]+, was {name!r}"
BAD_TARGET_MESSAGE = 'target must be "package.module:function" with exactly one ":", was {target!r}'
BAD_TIMEOUT_MESSAGE = "heartbeat_timeout_s must be > 0, was {timeout!r}"
BAD_CONDITION_MESSAGE = "start_condition must be None or a non-empty string, was {condition!r}"

# Messages a target's context sends to the supervisor: (kind, text).
MESSAGE_STARTED = "started"
MESSAGE_SIGNAL = "signal"
MESSAGE_ERROR = "error"
Message = tuple[str, str]


class ComponentKind(StrEnum):
    """How a component runs."""

    PROCESS = "process"
    THREAD = "thread"


class ComponentState(StrEnum):
    """Where a component is in its life cycle, as the status API shows it."""

    WAITING = "waiting"
    """Its start condition is not met yet."""
    STARTING = "starting"
    """Started; its target has not been entered yet (a process is still importing)."""
    RUNNING = "running"
    """Its target is running."""
    BACKING_OFF = "backing-off"
    """It ended or stopped heart-beating and waits out its backoff before the restart."""
    STOPPED = "stopped"
    """Not started yet, or stopped by the supervisor."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ComponentSpec:
    """One component the supervisor runs and keeps running.

    Parameters
    ----------
    name
        Unique name, ``[a-z0-9_-]+`` (e.g. ``"job-worker-1"``); processes and threads are named
        ``tc2-<name>``.
    kind
        Run in a spawned process or in a daemon thread.
    target
        ``"package.module:function"``; the function is called as ``function(context)`` with a
        ``ComponentContext`` and should run until ``context.should_stop()``.
    start_condition
        Condition that must be signalled (``Supervisor.signal`` or ``ComponentContext.signal``)
        before the component starts, e.g. ``"data-caught-up"``; None starts it at once.
    heartbeat_timeout_s
        A component whose last heartbeat is older than this is killed (a thread is abandoned) and
        restarted.
    options
        Handed to the target as ``context.options``; must be picklable for processes.

    Raises
    ------
    ValueError
        If the name, target, start condition or timeout is malformed.
    """

    name: str
    kind: ComponentKind
    target: str
    start_condition: str | None = None
    heartbeat_timeout_s: float = 30.0
    options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if NAME_PATTERN.fullmatch(self.name) is None:
            raise ValueError(BAD_NAME_MESSAGE.format(name=self.name))
        module, colon, function = self.target.partition(":")
        if not module or not function or ":" in function or not colon:
            raise ValueError(BAD_TARGET_MESSAGE.format(target=self.target))
        if self.start_condition is not None and not self.start_condition:
            raise ValueError(BAD_CONDITION_MESSAGE.format(condition=self.start_condition))
        if not self.heartbeat_timeout_s > 0:
            raise ValueError(BAD_TIMEOUT_MESSAGE.format(timeout=self.heartbeat_timeout_s))
        # A private dict copy: the caller's mapping may change later, and a MappingProxyType
        # would not pickle into a spawned process.
        object.__setattr__(self, "options", dict(self.options))


class HeartbeatCell(Protocol):
    """Where a context records its last heartbeat (epoch seconds): a shared double or a box."""

    value: float


class ComponentContext:
    """What a component's target receives: its identity, options, heartbeat and stop request.

    Built by the supervisor (in the child for a process), never by targets.

    Parameters
    ----------
    name
        The component's name.
    kind
        Whether it runs in a process or a thread.
    options
        The spec's options.
    stop_event
        Set when the supervisor asks the component to stop.
    heartbeat_cell
        Shared cell the supervisor reads the last heartbeat from.
    send
        Delivers a message to the supervisor (a pipe for processes, a call for threads); must be
        safe to call from several threads.

    Attributes
    ----------
    stop_event : threading.Event
        Set when the component should stop. In a process it is the child's own event, set by
        the SIGTERM handler the supervisor installs (the supervisor stops processes with
        SIGTERM); a ``multiprocessing`` event shared with the parent is avoided because setting
        one whose waiter was SIGKILLed blocks the setter forever.
    """

    __slots__ = ("_cell", "_send", "kind", "name", "options", "stop_event")

    def __init__(
        self,
        *,
        name: str,
        kind: ComponentKind,
        options: Mapping[str, Any],
        stop_event: threading.Event,
        heartbeat_cell: HeartbeatCell,
        send: Callable[[Message], None],
    ) -> None:
        self.name = name
        self.kind = kind
        self.options = options
        self.stop_event = stop_event
        self._cell = heartbeat_cell
        self._send = send

    def heartbeat(self) -> None:
        """Record that the component is alive now."""
        self._cell.value = time.time()

    def should_stop(self) -> bool:
        """Return True once the supervisor asked the component to stop."""
        return self.stop_event.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``, waking early when a stop is requested.

        Returns
        -------
        bool
            True if a stop was requested.
        """
        return self.stop_event.wait(seconds)

    def signal(self, condition: str) -> None:
        """Mark ``condition`` as met, starting the components that wait for it.

        Works from a process too: the message reaches the supervisor at its next tick.
        """
        self._send((MESSAGE_SIGNAL, condition))

    def __repr__(self) -> str:
        return f"ComponentContext(name={self.name!r}, kind={self.kind.value})"


@dataclass(frozen=True, slots=True, kw_only=True)
class ComponentStatus:
    """A snapshot of one component for the status API.

    Parameters
    ----------
    name
        The component's name.
    kind
        Process or thread.
    state
        Its life-cycle state.
    pid
        Pid of its current process, None for threads and when no process is running.
    thread_name
        Name of its current thread, None for processes and when no thread is running.
    restarts
        How many times it was restarted (after a death or by ``restart_all``).
    last_error
        Why its last instance ended (``"ValueError: boom"``, ``"exited with code -9"``,
        ``"no heartbeat for 31 s"``); None if none ended.
    last_heartbeat
        Epoch seconds of its last heartbeat (a start counts as one); None before the first start.
    started_at
        Epoch seconds its last instance was started; None before the first start.
    """

    name: str
    kind: ComponentKind
    state: ComponentState
    pid: int | None
    thread_name: str | None
    restarts: int
    last_error: str | None
    last_heartbeat: float | None
    started_at: float | None

    def to_dict(self) -> dict[str, Any]:
        """Return the status as JSON-ready plain values (enums become their strings)."""
        return {
            "name": self.name,
            "kind": self.kind.value,
            "state": self.state.value,
            "pid": self.pid,
            "thread_name": self.thread_name,
            "restarts": self.restarts,
            "last_error": self.last_error,
            "last_heartbeat": self.last_heartbeat,
            "started_at": self.started_at,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ComponentExit:
    """One unexpected end of a component instance, handed to the supervisor's ``on_exit`` hook.

    Parameters
    ----------
    name
        The component's name.
    kind
        Process or thread.
    pid
        Pid of the process that ended; None for threads.
    reason
        Why it ended, e.g. ``"exited with code -9"``, ``"raised ValueError: boom"``,
        ``"returned"``, ``"no heartbeat for 31 s"``.
    """

    name: str
    kind: ComponentKind
    pid: int | None
    reason: str
