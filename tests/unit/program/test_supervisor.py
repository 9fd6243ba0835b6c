from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import psutil
import pytest

import tc2
from tc2.program.components import (
    ComponentExit,
    ComponentKind,
    ComponentSpec,
    ComponentState,
    ComponentStatus,
)
from tc2.program.supervisor import (
    BAD_BACKOFF_MESSAGE,
    DUPLICATE_NAME_MESSAGE,
    Supervisor,
)

from . import targets
from .conftest import RecordingLog, SupervisorFactory

PROCESS = ComponentKind.PROCESS
THREAD = ComponentKind.THREAD
DEADLINE_S = 15.0
# Spawned children import this module by name, so its name is whatever pytest gave it.
TARGETS = targets.__name__


def make_spec(
    name: str,
    kind: ComponentKind,
    function: str,
    *,
    options: Mapping[str, Any] | None = None,
    start_condition: str | None = None,
    heartbeat_timeout_s: float = 30.0,
) -> ComponentSpec:
    return ComponentSpec(
        name=name,
        kind=kind,
        target=f"{TARGETS}:{function}",
        options=options or {},
        start_condition=start_condition,
        heartbeat_timeout_s=heartbeat_timeout_s,
    )


def statuses(supervisor: Supervisor) -> dict[str, ComponentStatus]:
    return {status.name: status for status in supervisor.status()}


def tick_until(
    supervisor: Supervisor,
    condition: Callable[[dict[str, ComponentStatus]], bool],
    *,
    timeout_s: float = DEADLINE_S,
) -> dict[str, ComponentStatus]:
    """Tick until ``condition(statuses)`` holds; fail with the last statuses after the deadline."""
    deadline = time.monotonic() + timeout_s
    while True:
        supervisor.tick()
        current = statuses(supervisor)
        if condition(current):
            return current
        if time.monotonic() > deadline:
            pytest.fail(f"condition not reached in {timeout_s} s: {current}")
        time.sleep(0.02)


def running(*names: str) -> Callable[[dict[str, ComponentStatus]], bool]:
    return lambda current: all(current[name].state is ComponentState.RUNNING for name in names)


def is_gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def wait_gone(pid: int, timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while not is_gone(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def read_pids(path: Path) -> list[int]:
    return [int(line) for line in path.read_text().split()] if path.exists() else []


def assert_waited_before_restart(
    log: RecordingLog, name: str, decision: str, delay_s: float
) -> None:
    """Assert the restart logged after ``decision`` came at least ``delay_s`` later."""
    records = list(log.records)
    index = next(i for i, (_, _, message) in enumerate(records) if message == decision)
    restarted_at = next(
        at for at, _, message in records[index:] if message.startswith(f"Started {name} ")
    )
    assert restarted_at - records[index][0] >= delay_s


class SupervisorConstructionTests:
    def test_rejects_duplicate_names(self, log: RecordingLog) -> None:
        spec = make_spec("feed", THREAD, "beat")

        with pytest.raises(ValueError) as caught:
            Supervisor([spec, spec], log=log)

        assert str(caught.value) == DUPLICATE_NAME_MESSAGE.format(name="feed")

    def test_rejects_backoff_max_below_initial(self, log: RecordingLog) -> None:
        with pytest.raises(ValueError) as caught:
            Supervisor([], log=log, backoff_initial_s=2.0, backoff_max_s=1.0)

        assert str(caught.value) == BAD_BACKOFF_MESSAGE.format(maximum=1.0, initial=2.0)

    def test_components_are_stopped_before_start(self, log: RecordingLog) -> None:
        supervisor = Supervisor([make_spec("feed", THREAD, "beat")], log=log)

        assert statuses(supervisor)["feed"].state is ComponentState.STOPPED


class RestartTests:
    def test_crashing_process_is_restarted_with_doubling_backoff(
        self, make_supervisor: SupervisorFactory, log: RecordingLog, tmp_path: Path
    ) -> None:
        pid_file = tmp_path / "pids"
        exits: list[ComponentExit] = []
        spec = make_spec("crasher", PROCESS, "crash", options={"pid_file": str(pid_file)})
        supervisor = make_supervisor([spec], on_exit=exits.append, backoff_initial_s=0.2)

        supervisor.start()
        second_decision = "crasher raised ValueError: boom; restarting in 0.4 s (restart 2)"
        current = tick_until(supervisor, lambda _: second_decision in log.messages())

        status = current["crasher"]
        assert status.state is ComponentState.BACKING_OFF
        assert status.restarts == 1
        assert status.last_error == "ValueError: boom"
        assert status.pid is None
        messages = log.messages()
        first_decision = "crasher raised ValueError: boom; restarting in 0.2 s (restart 1)"
        assert first_decision in messages
        assert messages.index(first_decision) < messages.index(second_decision)
        assert_waited_before_restart(log, "crasher", first_decision, 0.2)
        current = tick_until(supervisor, lambda now: now["crasher"].restarts == 2)
        assert_waited_before_restart(log, "crasher", second_decision, 0.4)
        pids = read_pids(pid_file)
        assert [event.pid for event in exits[:2]] == pids[:2]
        assert {(event.name, event.kind, event.reason) for event in exits} == {
            ("crasher", PROCESS, "raised ValueError: boom")
        }

    def test_thread_that_raises_is_restarted_after_1_s_then_2_s_by_default(
        self, make_supervisor: SupervisorFactory, log: RecordingLog
    ) -> None:
        exits: list[ComponentExit] = []
        supervisor = make_supervisor([make_spec("thrower", THREAD, "crash")], on_exit=exits.append)

        supervisor.start()
        second_decision = "thrower raised ValueError: boom; restarting in 2 s (restart 2)"
        current = tick_until(supervisor, lambda _: second_decision in log.messages())

        assert "thrower raised ValueError: boom; restarting in 1 s (restart 1)" in log.messages()
        assert current["thrower"].restarts == 1
        assert current["thrower"].last_error == "ValueError: boom"
        assert current["thrower"].state is ComponentState.BACKING_OFF
        assert exits[0] == ComponentExit(
            name="thrower", kind=THREAD, pid=None, reason="raised ValueError: boom"
        )

    def test_process_killed_from_outside_is_detected_and_restarted(
        self, make_supervisor: SupervisorFactory, log: RecordingLog
    ) -> None:
        exits: list[ComponentExit] = []
        supervisor = make_supervisor(
            [make_spec("worker", PROCESS, "beat")], on_exit=exits.append, backoff_initial_s=0.1
        )
        supervisor.start()
        first_pid = tick_until(supervisor, running("worker"))["worker"].pid
        assert first_pid is not None

        os.kill(first_pid, signal.SIGKILL)
        current = tick_until(
            supervisor,
            lambda now: (
                now["worker"].restarts == 1 and now["worker"].state is ComponentState.RUNNING
            ),
        )

        assert current["worker"].pid not in (None, first_pid)
        assert current["worker"].last_error == "exited with code -9"
        assert exits == [
            ComponentExit(name="worker", kind=PROCESS, pid=first_pid, reason="exited with code -9")
        ]
        assert "worker exited with code -9; restarting in 0.1 s (restart 1)" in log.messages()


class HeartbeatTests:
    def test_silent_process_is_killed_and_restarted(
        self, make_supervisor: SupervisorFactory, log: RecordingLog
    ) -> None:
        exits: list[ComponentExit] = []
        spec = make_spec("quiet", PROCESS, "fall_silent", heartbeat_timeout_s=1.0)
        supervisor = make_supervisor([spec], on_exit=exits.append, backoff_initial_s=0.1)

        supervisor.start()
        current = tick_until(supervisor, lambda now: now["quiet"].restarts >= 1)

        assert exits[0].reason.startswith("no heartbeat for ")
        assert current["quiet"].last_error == exits[0].reason
        assert exits[0].pid is not None
        assert wait_gone(exits[0].pid)
        assert any(
            message.startswith("quiet no heartbeat for ") and "restarting in 0.1 s" in message
            for message in log.messages()
        )

    def test_silent_thread_is_abandoned_and_a_new_one_started(
        self, make_supervisor: SupervisorFactory, log: RecordingLog
    ) -> None:
        exits: list[ComponentExit] = []
        spec = make_spec("quiet", THREAD, "fall_silent", heartbeat_timeout_s=0.5)
        supervisor = make_supervisor([spec], on_exit=exits.append, backoff_initial_s=0.1)

        supervisor.start()
        current = tick_until(supervisor, lambda now: now["quiet"].restarts >= 1)

        assert exits[0].reason.startswith("no heartbeat for ")
        assert exits[0].kind is THREAD
        assert current["quiet"].thread_name == "tc2-quiet"
        decision = next(m for m in log.messages() if m.startswith("quiet no heartbeat"))
        assert "abandoned" in decision


class StartConditionTests:
    def test_component_waits_until_a_spawned_process_signals_its_condition(
        self, make_supervisor: SupervisorFactory
    ) -> None:
        signaller = make_spec(
            "signaller",
            PROCESS,
            "signal_later",
            options={"delay_s": 0.3, "condition": "caught-up"},
        )
        waiter = make_spec("waiter", THREAD, "beat", start_condition="caught-up")
        supervisor = make_supervisor([signaller, waiter])

        supervisor.start()
        supervisor.tick()

        assert statuses(supervisor)["waiter"].state is ComponentState.WAITING
        assert statuses(supervisor)["waiter"].started_at is None
        current = tick_until(supervisor, running("waiter"))
        assert "caught-up" in supervisor.conditions()
        assert current["signaller"].restarts == 0
        assert current["waiter"].restarts == 0

    def test_signal_from_the_program_starts_waiting_components(
        self, make_supervisor: SupervisorFactory
    ) -> None:
        supervisor = make_supervisor([make_spec("waiter", THREAD, "beat", start_condition="go")])
        supervisor.start()

        supervisor.signal("go")

        assert supervisor.conditions() == frozenset({"go"})
        tick_until(supervisor, running("waiter"))


class StopTests:
    def test_stop_all_kills_a_process_that_ignores_sigterm_within_the_bound(
        self, make_supervisor: SupervisorFactory, tmp_path: Path
    ) -> None:
        pid_file = tmp_path / "pids"
        exits: list[ComponentExit] = []
        specs = [
            make_spec(
                "stubborn",
                PROCESS,
                "ignore_sigterm",
                options={"ready": "ignoring", "pid_file": str(pid_file)},
            ),
            make_spec("polite", PROCESS, "beat"),
            make_spec("polite-thread", THREAD, "beat"),
        ]
        supervisor = make_supervisor(specs, on_exit=exits.append, stop_timeout_s=2.0)
        supervisor.start()
        current = tick_until(
            supervisor,
            lambda now: (
                "ignoring" in supervisor.conditions()
                and all(status.state is ComponentState.RUNNING for status in now.values())
            ),
        )
        pids = [status.pid for status in current.values() if status.pid is not None]

        started = time.monotonic()
        supervisor.stop_all()
        elapsed_s = time.monotonic() - started

        assert elapsed_s < 2.0 + 1.5
        assert all(status.state is ComponentState.STOPPED for status in supervisor.status())
        assert all(is_gone(pid) for pid in pids)
        assert exits == [
            ComponentExit(
                name="stubborn",
                kind=PROCESS,
                pid=read_pids(pid_file)[0],
                reason="did not stop within 2 s; killed",
            )
        ]

    def test_stopped_supervisor_does_not_restart_anything(
        self, make_supervisor: SupervisorFactory
    ) -> None:
        supervisor = make_supervisor([make_spec("feed", THREAD, "beat")])
        supervisor.start()
        tick_until(supervisor, running("feed"))

        supervisor.stop_all()
        supervisor.tick()

        assert statuses(supervisor)["feed"].state is ComponentState.STOPPED

    def test_run_supervises_until_stop_is_set(self, make_supervisor: SupervisorFactory) -> None:
        supervisor = make_supervisor([make_spec("feed", THREAD, "beat")])
        stop = threading.Event()
        runner = threading.Thread(target=supervisor.run, args=(stop, 0.02))
        runner.start()
        deadline = time.monotonic() + DEADLINE_S
        while statuses(supervisor)["feed"].state is not ComponentState.RUNNING:
            assert time.monotonic() < deadline
            time.sleep(0.02)

        stop.set()
        runner.join(DEADLINE_S)

        assert not runner.is_alive()
        assert statuses(supervisor)["feed"].state is ComponentState.STOPPED


class RestartAllTests:
    def test_restart_all_restarts_everything_at_once_and_counts_it(
        self, make_supervisor: SupervisorFactory, log: RecordingLog
    ) -> None:
        specs = [
            make_spec("worker", PROCESS, "beat"),
            make_spec("feed", THREAD, "beat"),
            make_spec("later", THREAD, "beat", start_condition="never"),
        ]
        supervisor = make_supervisor(specs)
        supervisor.start()
        old_pid = tick_until(supervisor, running("worker", "feed"))["worker"].pid

        supervisor.restart_all("settings changed")
        current = tick_until(supervisor, running("worker", "feed"))

        assert current["worker"].restarts == 1
        assert current["feed"].restarts == 1
        assert current["worker"].pid not in (None, old_pid)
        assert current["later"].state is ComponentState.WAITING
        assert current["later"].restarts == 0
        assert log.messages().count("Restarting all components: settings changed") == 1


# Runs a supervisor of one process component (argv: target, ready condition or "") and prints the
# component's pid once it runs (and has signalled the condition, if one is given).
ORPHAN_SCRIPT = """
import sys, time
from tc2.logs import LogFeed, feed_logger
from tc2.program.components import ComponentKind, ComponentSpec, ComponentState
from tc2.program.supervisor import Supervisor

target, ready = sys.argv[1], sys.argv[2]
spec = ComponentSpec(
    name="orphan", kind=ComponentKind.PROCESS, target=target, options={"ready": ready}
)
supervisor = Supervisor(
    [spec], log=feed_logger(LogFeed.PROGRAM, "supervisor"), stop_timeout_s=1.0
)
supervisor.start()
while True:
    supervisor.tick()
    status = supervisor.status()[0]
    if status.state is ComponentState.RUNNING and (not ready or ready in supervisor.conditions()):
        print(status.pid, flush=True)
        break
    time.sleep(0.05)
time.sleep(3600)
"""


class ChildLifetimeTests:
    @pytest.mark.parametrize(("function", "ready"), [("beat", ""), ("ignore_sigterm", "ignoring")])
    def test_children_die_when_the_supervisor_process_is_killed(
        self, function: str, ready: str
    ) -> None:
        project_root = Path(tc2.__file__).resolve().parents[1]
        targets_root = Path(targets.__file__).resolve().parents[TARGETS.count(".")]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(project_root), str(targets_root)])}
        script = subprocess.Popen(
            [sys.executable, "-c", ORPHAN_SCRIPT, f"{TARGETS}:{function}", ready],
            stdout=subprocess.PIPE,
            env=env,
            cwd=project_root,
        )
        try:
            assert script.stdout is not None
            readable, _, _ = select.select([script.stdout], [], [], DEADLINE_S)
            assert readable, "the supervisor script never reported its child"
            child_pid = int(script.stdout.readline())
            assert not is_gone(child_pid)

            script.send_signal(signal.SIGKILL)
            script.wait(DEADLINE_S)

            assert wait_gone(child_pid)
        finally:
            if script.poll() is None:
                script.kill()
                script.wait()
