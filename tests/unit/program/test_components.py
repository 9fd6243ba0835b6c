from __future__ import annotations

import json
import threading

import pytest

from tc2.program.components import (
    BAD_NAME_MESSAGE,
    BAD_TARGET_MESSAGE,
    BAD_TIMEOUT_MESSAGE,
    MESSAGE_SIGNAL,
    ComponentContext,
    ComponentKind,
    ComponentSpec,
    ComponentState,
    ComponentStatus,
    Message,
)


class Cell:
    def __init__(self) -> None:
        self.value = 0.0


def make_spec(**overrides: object) -> ComponentSpec:
    fields: dict[str, object] = {
        "name": "job-worker-1",
        "kind": ComponentKind.PROCESS,
        "target": "tc2.jobs:work",
    }
    fields.update(overrides)
    return ComponentSpec(**fields)  # type: ignore[arg-type]


class ComponentSpecTests:
    def test_valid_spec_has_documented_defaults(self) -> None:
        spec = make_spec()

        assert spec.start_condition is None
        assert spec.heartbeat_timeout_s == 30.0
        assert spec.options == {}

    @pytest.mark.parametrize("name", ["", "Worker", "job worker", "job.worker", "wörker"])
    def test_rejects_bad_name(self, name: str) -> None:
        with pytest.raises(ValueError, match="component name") as caught:
            make_spec(name=name)

        assert str(caught.value) == BAD_NAME_MESSAGE.format(name=name)

    @pytest.mark.parametrize("target", ["tc2.jobs", "a:b:c", ":work", "tc2.jobs:", ""])
    def test_rejects_target_without_exactly_one_colon_between_parts(self, target: str) -> None:
        with pytest.raises(ValueError) as caught:
            make_spec(target=target)

        assert str(caught.value) == BAD_TARGET_MESSAGE.format(target=target)

    @pytest.mark.parametrize("timeout", [0.0, -1.0])
    def test_rejects_non_positive_heartbeat_timeout(self, timeout: float) -> None:
        with pytest.raises(ValueError) as caught:
            make_spec(heartbeat_timeout_s=timeout)

        assert str(caught.value) == BAD_TIMEOUT_MESSAGE.format(timeout=timeout)

    def test_rejects_empty_start_condition(self) -> None:
        with pytest.raises(ValueError, match="start_condition"):
            make_spec(start_condition="")

    def test_keeps_its_own_copy_of_options(self) -> None:
        options = {"queue": "default"}
        spec = make_spec(options=options)

        options["queue"] = "other"

        assert spec.options == {"queue": "default"}


class ComponentContextTests:
    def make_context(self, sent: list[Message]) -> tuple[ComponentContext, Cell]:
        cell = Cell()
        context = ComponentContext(
            name="feed",
            kind=ComponentKind.THREAD,
            options={"a": 1},
            stop_event=threading.Event(),
            heartbeat_cell=cell,
            send=sent.append,
        )
        return context, cell

    def test_heartbeat_records_now(self) -> None:
        context, cell = self.make_context([])

        context.heartbeat()

        assert cell.value > 0

    def test_wait_returns_true_once_stop_is_requested(self) -> None:
        context, _ = self.make_context([])
        assert context.wait(0.01) is False
        assert context.should_stop() is False

        context.stop_event.set()

        assert context.wait(10) is True
        assert context.should_stop() is True

    def test_signal_sends_the_condition_to_the_supervisor(self) -> None:
        sent: list[Message] = []
        context, _ = self.make_context(sent)

        context.signal("data-caught-up")

        assert sent == [(MESSAGE_SIGNAL, "data-caught-up")]


class ComponentStatusTests:
    def test_to_dict_is_json_ready(self) -> None:
        status = ComponentStatus(
            name="job-worker-1",
            kind=ComponentKind.PROCESS,
            state=ComponentState.BACKING_OFF,
            pid=None,
            thread_name=None,
            restarts=3,
            last_error="exited with code -9",
            last_heartbeat=1.5,
            started_at=1.0,
        )

        data = json.loads(json.dumps(status.to_dict()))

        assert data == {
            "name": "job-worker-1",
            "kind": "process",
            "state": "backing-off",
            "pid": None,
            "thread_name": None,
            "restarts": 3,
            "last_error": "exited with code -9",
            "last_heartbeat": 1.5,
            "started_at": 1.0,
        }
