"""Confined strategy code: only registered strategies run through the API, uploaded files are read
(never run) by the web process, and only a job worker runs them.

The hostile file below writes a marker from its top-level code. Every request here runs in this
(the web) process; ``work_queue`` is the job worker, run in this process on purpose so the
marker shows exactly when user code ran.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tc2.strategy.registry import REGISTERED_NAME_RULE
from tests.webpanel.test_strategy_api import (  # noqa: F401 (fixtures)
    DAY,
    MECHANICS,
    START,
    _direct_simulation,
    _nothing_recorded,
    one_process,
    seeded,
)
from webpanel.jobs.models import Job
from webpanel.strategy.models import StrategyRun

pytestmark = pytest.mark.django_db(transaction=True)


def hostile_cycle(marker: Path, class_name: str = "UploadedCycle") -> bytes:
    """CycleStrategy's rules under another name, with top-level code that leaves a marker."""
    return f'''
from pathlib import Path

from tc2.strategy.builtin.cycle import CycleStrategy

Path({str(marker)!r}).write_text("strategy file code ran")


class {class_name}(CycleStrategy):
    """CycleStrategy, uploaded."""
'''.encode()


TROUBLED = Path(__file__).parents[1] / "unit/simulation/troubled/troubled_strategies.py"
GOOD = b"from tc2.strategy.base import Strategy\nclass Fine(Strategy):\n    pass\n"


def _upload(api: Any, name: str, content: bytes) -> Any:
    handle = io.BytesIO(content)
    handle.name = name
    return api.post("/api/strategy/files", {"file": handle}, format="multipart")


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    return tmp_path.parent / f"{tmp_path.name}-marker"


class StrategyFileRoundTripTests:
    def test_upload_list_read_source_and_remove(self, admin_api: Any, marker: Path):
        content = hostile_cycle(marker)

        uploaded = _upload(admin_api, "uploaded_cycle.py", content)

        assert uploaded.status_code == 201, uploaded.json()
        assert uploaded.json()["strategies"] == ["UploadedCycle"]
        files = admin_api.get("/api/strategy/files").json()["files"]
        assert [(f["name"], f["strategies"], f["problems"]) for f in files] == [
            ("uploaded_cycle.py", ["UploadedCycle"], [])
        ]
        detail = admin_api.get("/api/strategy/files/uploaded_cycle.py").json()
        assert detail["source"] == content.decode() and detail["size"] == len(content)
        listed = {s["id"]: s for s in admin_api.get("/api/strategy/list").json()["strategies"]}
        assert listed["UploadedCycle"]["origin"] == "uploaded"
        assert listed["UploadedCycle"]["file"] == "uploaded_cycle.py"
        assert listed["UploadedCycle"]["description"] == "CycleStrategy, uploaded."
        assert listed["CycleStrategy"]["origin"] == "builtin"
        assert listed["UploadedCycle"]["parameters"] == listed["CycleStrategy"]["parameters"]

        assert admin_api.delete("/api/strategy/files/uploaded_cycle.py").status_code == 204

        assert admin_api.get("/api/strategy/files").json()["files"] == []
        assert "UploadedCycle" not in {
            s["id"] for s in admin_api.get("/api/strategy/list").json()["strategies"]
        }
        assert admin_api.get("/api/strategy/files/uploaded_cycle.py").status_code == 404
        assert admin_api.delete("/api/strategy/files/uploaded_cycle.py").status_code == 404
        assert not marker.exists()

    def test_only_staff_upload_and_remove_but_everyone_reads(
        self, admin_api: Any, user_api: Any, marker: Path
    ):
        refused = _upload(user_api, "mine.py", hostile_cycle(marker))
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "permission_denied"
        assert admin_api.get("/api/strategy/files").json()["files"] == []
        _upload(admin_api, "mine.py", hostile_cycle(marker))

        assert user_api.get("/api/strategy/files").status_code == 200
        assert "source" in user_api.get("/api/strategy/files/mine.py").json()
        assert user_api.delete("/api/strategy/files/mine.py").status_code == 403
        assert admin_api.get("/api/strategy/files/mine.py").status_code == 200
        assert not marker.exists()

    @pytest.mark.parametrize(
        ("name", "content", "field", "message"),
        [
            ("My Strategy.py", GOOD, "name", "lower-case Python file name"),
            ("notes.txt", GOOD, "name", "lower-case Python file name"),
            ("plain.py", b"class Helper:\n    pass\n", "file", "declares no strategy"),
            (
                "odd.py",
                b"from tc2.strategy.base import Strategy\n"
                b"class Odd(Strategy):\n    parameters = make()\n",
                "file",
                "Odd: line 3: make is neither defined",
            ),
        ],
    )
    def test_a_bad_file_is_422_naming_the_field_and_nothing_is_stored(
        self, admin_api: Any, name: str, content: bytes, field: str, message: str
    ):
        response = _upload(admin_api, name, content)

        assert response.status_code == 422
        fields = response.json()["error"]["details"]["fields"]
        assert any(message in text for text in fields[field]), fields
        assert admin_api.get("/api/strategy/files").json()["files"] == []

    def test_a_missing_file_field_is_422_and_a_json_body_415(self, admin_api: Any):
        assert admin_api.post("/api/strategy/files", {}, format="multipart").status_code == 422
        assert admin_api.post("/api/strategy/files", {}, format="json").status_code == 415

    def test_a_taken_name_is_409(self, admin_api: Any, marker: Path):
        assert _upload(admin_api, "one.py", hostile_cycle(marker)).status_code == 201

        again = _upload(admin_api, "one.py", hostile_cycle(marker, "Other"))
        same_class = _upload(admin_api, "two.py", hostile_cycle(marker))
        builtin = _upload(admin_api, "three.py", hostile_cycle(marker, "SmaCrossStrategy"))

        assert [r.status_code for r in (again, same_class, builtin)] == [409, 409, 409]
        assert "already registered by one.py" in same_class.json()["error"]["message"]
        assert [f["name"] for f in admin_api.get("/api/strategy/files").json()["files"]] == [
            "one.py"
        ]


class UploadedStrategyRunsInTheWorkerTests:
    @pytest.mark.usefixtures("seeded")
    def test_requests_never_run_the_file_and_the_worker_does(
        self,
        admin_api: Any,
        user_api: Any,
        marker: Path,
        work_queue: Callable[[], None],
    ):
        _upload(admin_api, "uploaded_cycle.py", hostile_cycle(marker))
        body = {"strategy": "UploadedCycle", "symbol": "SPY", "day": DAY.isoformat(), **MECHANICS}

        bad = user_api.post(
            "/api/strategy/simulate_day", {**body, "params": {"colour": 1}}, format="json"
        )
        accepted = user_api.post("/api/strategy/simulate_day", body, format="json")

        assert bad.status_code == 422  # checked against the declarations read statically
        assert "params.colour" in bad.json()["error"]["details"]["fields"]
        assert accepted.status_code == 202, accepted.json()
        assert not marker.exists(), "the web process ran the strategy file"

        work_queue()

        assert marker.read_text() == "strategy file code ran"
        run = user_api.get(f"/api/strategy/runs/{accepted.json()['id']}").json()
        assert run["status"] == "succeeded", run["error"]
        direct = _direct_simulation()
        assert direct.fills, "the day must trade, or equal fills prove little"
        assert run["result"]["strategy"] == "UploadedCycle"
        assert run["result"]["fills"] == direct.to_dict()["fills"]

    @pytest.mark.usefixtures("seeded", "one_process")
    def test_an_evaluation_of_an_uploaded_strategy_runs_in_the_worker(
        self,
        admin_api: Any,
        marker: Path,
        work_queue: Callable[[], None],
    ):
        _upload(admin_api, "uploaded_cycle.py", hostile_cycle(marker))
        body = {
            "strategy": "UploadedCycle",
            "symbols": ["SPY"],
            "start": START.isoformat(),
            "end": DAY.isoformat(),
            **MECHANICS,
        }

        accepted = admin_api.post("/api/strategy/evaluate", body, format="json")

        assert accepted.status_code == 202, accepted.json()
        assert not marker.exists()
        work_queue()
        run = admin_api.get(f"/api/strategy/runs/{accepted.json()['id']}").json()
        assert run["status"] == "succeeded", run["error"]
        assert run["result"]["strategy"] == "UploadedCycle" and marker.exists()

    @pytest.mark.usefixtures("seeded")
    def test_an_uploaded_strategy_that_crashes_its_worker_processes_fails_only_those_days(
        self, admin_api: Any, work_queue: Callable[[], None], monkeypatch: pytest.MonkeyPatch
    ):
        monkeypatch.setenv("TC2_SIM_PROCESSES", "2")
        _upload(admin_api, "troubled_strategies.py", TROUBLED.read_bytes())
        body = {
            "strategy": "EndsItsProcess",
            "symbols": ["SPY", "QQQ"],
            "start": START.isoformat(),
            "end": DAY.isoformat(),
            **MECHANICS,
        }

        accepted = admin_api.post("/api/strategy/evaluate", body, format="json")
        assert accepted.status_code == 202, accepted.json()
        work_queue()

        run = admin_api.get(f"/api/strategy/runs/{accepted.json()['id']}").json()
        assert run["status"] == "succeeded", run["error"]
        failed = {
            (day["symbols"][0], day["day"]): day["error"]["type"]
            for day in run["result"]["days"]
            if day["error"]
        }
        assert failed == {
            ("QQQ", "2026-03-03"): "HoldsALock",
            ("SPY", "2026-03-04"): "CarriesALambda",
            ("QQQ", "2026-03-05"): "OrderRejected",
            ("SPY", "2026-03-03"): "WorkerDied",
            ("QQQ", "2026-03-06"): "WorkerDied",
        }
        assert run["result"]["failed"] == 5 and len(run["result"]["days"]) == 10

    @pytest.mark.usefixtures("seeded")
    def test_rules_the_file_writes_itself_are_checked_by_the_worker(
        self, admin_api: Any, work_queue: Callable[[], None]
    ):
        picky = (
            b"from tc2.strategy.builtin.cycle import CycleStrategy\n"
            b"class Picky(CycleStrategy):\n"
            b"    @classmethod\n"
            b"    def parameter_problems(cls, p):\n"
            b"        return {'params.qty_pct': ['Picky refuses every run']}\n"
        )
        _upload(admin_api, "picky.py", picky)
        body = {"strategy": "Picky", "symbol": "SPY", "day": DAY.isoformat(), **MECHANICS}

        accepted = admin_api.post("/api/strategy/simulate_day", body, format="json")
        work_queue()

        run = admin_api.get(f"/api/strategy/runs/{accepted.json()['id']}").json()
        assert run["status"] == "failed" and "Picky refuses every run" in run["error"]

    @pytest.mark.usefixtures("seeded")
    def test_a_removed_file_fails_its_queued_job_with_the_reason(
        self, admin_api: Any, marker: Path, work_queue: Callable[[], None]
    ):
        _upload(admin_api, "uploaded_cycle.py", hostile_cycle(marker))
        body = {"strategy": "UploadedCycle", "symbol": "SPY", "day": DAY.isoformat(), **MECHANICS}
        accepted = admin_api.post("/api/strategy/simulate_day", body, format="json").json()
        admin_api.delete("/api/strategy/files/uploaded_cycle.py")

        work_queue()

        run = admin_api.get(f"/api/strategy/runs/{accepted['id']}").json()
        assert run["status"] == "failed" and "unknown strategy 'UploadedCycle'" in run["error"]
        assert not marker.exists()


class PathsAreRefusedTests:
    @pytest.mark.parametrize(
        ("url", "body"),
        [
            (
                "/api/strategy/simulate_day",
                {"symbol": "SPY", "day": DAY.isoformat()},
            ),
            (
                "/api/strategy/evaluate",
                {"symbols": ["SPY"], "start": START.isoformat(), "end": DAY.isoformat()},
            ),
            ("/api/jobs", {"type": "strategy_simulate"}),
            ("/api/jobs", {"type": "strategy_evaluate"}),
        ],
    )
    @pytest.mark.usefixtures("seeded")
    def test_a_path_gets_the_same_422_whether_it_exists_and_never_runs(
        self,
        user_api: Any,
        marker: Path,
        tmp_path: Path,
        private_redis: Any,
        url: str,
        body: dict[str, Any],
    ):
        existing = tmp_path / "hostile.py"
        existing.write_bytes(hostile_cycle(marker))
        answers = []
        for reference in (
            f"{existing}:UploadedCycle",
            f"{tmp_path}/missing.py:UploadedCycle",
            "../../hostile.py:UploadedCycle",
        ):
            if url == "/api/jobs":
                params = {
                    "strategy": reference,
                    "symbol": "SPY",
                    "day": DAY.isoformat(),
                    **MECHANICS,
                }
                if body["type"] == "strategy_evaluate":
                    params = {
                        "strategy": reference,
                        "symbols": ["SPY"],
                        "start": START.isoformat(),
                        "end": DAY.isoformat(),
                    }
                response = user_api.post(url, {**body, "params": params}, format="json")
            else:
                response = user_api.post(url, {**body, "strategy": reference}, format="json")
            answers.append((response.status_code, response.json()))

        assert answers[0] == answers[1] == answers[2]
        status, answer = answers[0]
        assert status == 422
        assert answer["error"]["details"]["fields"] == {"strategy": [REGISTERED_NAME_RULE]}
        assert not marker.exists()
        assert _nothing_recorded(private_redis)
        assert not Job.objects.exists() and not StrategyRun.objects.exists()
