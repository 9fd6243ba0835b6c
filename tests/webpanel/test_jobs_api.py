"""/api/jobs against a real RQ queue on a real (private) Redis; jobs run by a real RQ worker."""

from __future__ import annotations

from typing import Any

import pytest
from rq import Queue

from tc2.program.job_types import JOB_TYPES
from tc2.program.jobs import JobPolicy, JobType
from webpanel.jobs.models import Job
from webpanel.jobs.queue import QUEUE_NAME
from webpanel.jobs.worker import Tc2Worker

pytestmark = pytest.mark.django_db(transaction=True)


def _submit(api: Any, params: dict[str, Any] | None = None, job_type: str = "worker_check") -> Any:
    return api.post("/api/jobs", {"type": job_type, "params": params or {}}, format="json")


def _work_queue(private_redis: Any) -> None:
    queue = Queue(QUEUE_NAME, connection=private_redis)
    Tc2Worker([queue], connection=private_redis).work(burst=True, logging_level="WARNING")


@pytest.fixture
def extra_job_types(monkeypatch: pytest.MonkeyPatch) -> None:
    """Register two failing job types for the duration of a test."""
    for name, function in (("explode", "explode"), ("not_json", "not_json")):
        monkeypatch.setitem(
            JOB_TYPES._types,
            name,
            JobType(
                name=name,
                run=f"tests.webpanel.job_functions:{function}",
                parse_params=lambda raw: dict(raw),
                policy=JobPolicy.UNLIMITED,
            ),
        )


class JobSubmitTests:
    def test_submitted_job_is_recorded_queued_and_then_run_to_100(
        self, admin_api: Any, private_redis: Any
    ):
        response = _submit(admin_api, {"steps": 3, "step_seconds": 0, "label": "a"})
        assert response.status_code == 202
        job = response.json()
        assert job["status"] == "queued" and job["progress"] == 0
        assert job["params"] == {"steps": 3, "step_seconds": 0.0, "label": "a"}
        assert private_redis.llen(f"rq:queue:{QUEUE_NAME}") == 1

        _work_queue(private_redis)

        done = admin_api.get(f"/api/jobs/{job['id']}").json()
        assert done["status"] == "succeeded"
        assert done["progress"] == 100
        assert done["progress_message"] == "3/3"
        assert done["result"]["steps"] == 3 and done["result"]["label"] == "a"
        assert done["worker"] and done["started_at"] and done["finished_at"]

    def test_identical_request_while_queued_is_409_and_a_different_one_is_not(self, admin_api: Any):
        first = _submit(admin_api, {"label": "x"}).json()
        again = _submit(admin_api, {"label": "x"})
        assert again.status_code == 409
        assert again.json()["error"]["details"]["job_id"] == first["id"]
        assert _submit(admin_api, {"label": "y"}).status_code == 202

    def test_after_it_finished_the_same_request_is_accepted_again(
        self, admin_api: Any, private_redis: Any
    ):
        _submit(admin_api, {"steps": 1, "step_seconds": 0})
        _work_queue(private_redis)
        assert _submit(admin_api, {"steps": 1, "step_seconds": 0}).status_code == 202

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"type": "nope", "params": {}}, "type"),
            ({"type": "worker_check", "params": {"steps": 0}}, "steps"),
            ({"type": "worker_check", "params": {"steps": True}}, "steps"),
            ({"type": "worker_check", "params": {"step_seconds": -1}}, "step_seconds"),
            ({"type": "worker_check", "params": {"colour": 1}}, "colour"),
            ({"type": "worker_check", "params": []}, "params"),
        ],
    )
    def test_bad_requests_are_422_and_record_nothing(self, admin_api: Any, body: dict, field: str):
        response = admin_api.post("/api/jobs", body, format="json")
        assert response.status_code == 422
        assert field in response.json()["error"]["details"]["fields"]
        assert not Job.objects.exists()

    def test_body_that_is_not_an_object_is_400(self, admin_api: Any):
        assert admin_api.post("/api/jobs", ["worker_check"], format="json").status_code == 400

    def test_redis_down_is_503_and_the_job_is_kept_as_failed(self, admin_api: Any, settings: Any):
        import dataclasses

        settings.TC2_CONFIG = dataclasses.replace(
            settings.TC2_CONFIG, redis_url="unix:///nonexistent/redis.sock"
        )
        response = _submit(admin_api)
        assert response.status_code == 503
        job = Job.objects.get()
        assert job.status == "failed" and "could not queue" in job.error


class JobFailureTests:
    def test_a_failing_job_records_error_and_traceback_for_staff_only(
        self, admin_api: Any, user_api: Any, private_redis: Any, extra_job_types: None
    ):
        job = _submit(admin_api, job_type="explode").json()
        _work_queue(private_redis)
        as_staff = admin_api.get(f"/api/jobs/{job['id']}").json()
        assert as_staff["status"] == "failed"
        assert as_staff["error"] == "RuntimeError: the data file is corrupt"
        assert "Traceback" in as_staff["traceback"]
        assert as_staff["progress"] == 10
        as_user = user_api.get(f"/api/jobs/{job['id']}").json()
        assert "traceback" not in as_user and as_user["error"]

    def test_a_result_that_is_not_json_fails_the_job(
        self, admin_api: Any, private_redis: Any, extra_job_types: None
    ):
        job = _submit(admin_api, job_type="not_json").json()
        _work_queue(private_redis)
        assert admin_api.get(f"/api/jobs/{job['id']}").json()["status"] == "failed"


class JobCancelTests:
    def test_cancel_a_queued_job_and_the_worker_skips_it(self, admin_api: Any, private_redis: Any):
        job = _submit(admin_api).json()
        response = admin_api.post(f"/api/jobs/{job['id']}/cancel")
        assert response.status_code == 202 and response.json()["status"] == "canceled"
        _work_queue(private_redis)
        assert admin_api.get(f"/api/jobs/{job['id']}").json()["status"] == "canceled"

    def test_cancel_a_finished_job_is_409(self, admin_api: Any, private_redis: Any):
        job = _submit(admin_api, {"steps": 1, "step_seconds": 0}).json()
        _work_queue(private_redis)
        response = admin_api.post(f"/api/jobs/{job['id']}/cancel")
        assert response.status_code == 409
        assert response.json()["error"]["details"]["status"] == "succeeded"

    @pytest.mark.parametrize("job_id", ["00000000-0000-0000-0000-000000000000", "not-a-uuid"])
    def test_cancel_or_read_an_unknown_job_is_404(self, admin_api: Any, job_id: str):
        assert admin_api.post(f"/api/jobs/{job_id}/cancel").status_code == 404
        assert admin_api.get(f"/api/jobs/{job_id}").status_code == 404


class JobListTests:
    def test_filters_by_type_and_status_newest_first(self, admin_api: Any, private_redis: Any):
        first = _submit(admin_api, {"label": "1", "steps": 1, "step_seconds": 0}).json()
        _work_queue(private_redis)
        second = _submit(admin_api, {"label": "2"}).json()
        jobs = admin_api.get("/api/jobs").json()["jobs"]
        assert [job["id"] for job in jobs] == [second["id"], first["id"]]
        queued = admin_api.get("/api/jobs?status=queued&type=worker_check").json()["jobs"]
        assert [job["id"] for job in queued] == [second["id"]]
        assert admin_api.get("/api/jobs?type=other").json()["jobs"] == []

    @pytest.mark.parametrize("query", ["status=done", "limit=-1", "limit=abc"])
    def test_bad_filters_are_400(self, admin_api: Any, query: str):
        assert admin_api.get(f"/api/jobs?{query}").status_code == 400
