"""/api/program/* when no program runs (the running program is covered by the system tests)."""

from __future__ import annotations

from typing import Any

import pytest

from tc2.program.components import ComponentExit, ComponentKind
from tc2.program.notifications import NotificationOutbox
from webpanel.program.selectors import program_env
from webpanel.program.services import component_exit_handle

pytestmark = pytest.mark.django_db


class ProgramStatusTests:
    def test_no_program_means_state_stopped(self, admin_api: Any):
        body = admin_api.get("/api/program/status").json()
        assert body == {"state": "stopped", "lock_owner": None, "components": []}

    def test_redis_down_is_503(self, admin_api: Any, settings: Any):
        import dataclasses

        settings.TC2_CONFIG = dataclasses.replace(
            settings.TC2_CONFIG, redis_url="unix:///nonexistent/redis.sock"
        )
        response = admin_api.get("/api/program/status")
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "service_unavailable"

    def test_any_route_meeting_redis_down_answers_503_with_the_contract(
        self, admin_api: Any, settings: Any
    ):
        # What every route needing Redis answers while the embedded Redis restarts (no route
        # catches the error itself: the API's exception handler maps it).
        import dataclasses

        settings.TC2_CONFIG = dataclasses.replace(
            settings.TC2_CONFIG, redis_url="unix:///nonexistent/redis.sock"
        )
        response = admin_api.post("/api/data/reset_collection_attempts")
        assert response.status_code == 503
        assert response["Retry-After"] == "2"
        error = response.json()["error"]
        assert error["code"] == "service_unavailable" and "Redis is unavailable" in error["message"]
        assert error["details"] == {}
        assert "nonexistent" not in error["message"]  # no paths or addresses in the answer


class ProgramRestartTests:
    @pytest.mark.parametrize("path", ["/api/program/restart", "/api/update"])
    def test_non_staff_is_403(self, user_api: Any, path: str):
        assert user_api.post(path).status_code == 403

    @pytest.mark.parametrize("path", ["/api/program/restart", "/api/update"])
    def test_restart_without_a_running_program_is_503(self, admin_api: Any, path: str):
        response = admin_api.post(path)
        assert response.status_code == 503
        assert "not running" in response.json()["error"]["message"]


class ProgramStatusUnderLoadTests:
    def test_the_status_is_read_from_redis_at_most_twice_a_second_per_process(
        self, admin_api: Any, private_redis: Any, monkeypatch: pytest.MonkeyPatch
    ):
        import json
        import time

        from tc2.program.program import status_key
        from webpanel.program import selectors

        published = {"state": "running", "components": [], "updated_at": time.time()}
        private_redis.set(status_key(selectors.program_env()), json.dumps(published))
        reads: list[object] = []
        mget = private_redis.__class__.mget
        monkeypatch.setattr(
            private_redis.__class__, "mget", lambda self, *a, **k: reads.append(a) or mget(self, *a)
        )
        clock = [1000.0]
        monkeypatch.setattr(selectors, "_monotonic", lambda: clock[0])

        answers = [admin_api.get("/api/program/status").json() for _ in range(5)]
        clock[0] += selectors.STATUS_READ_EVERY_S
        answers.append(admin_api.get("/api/program/status").json())

        assert [a["state"] for a in answers] == ["running"] * 6
        assert len(reads) == 2


class ComponentDeathTests:
    def test_every_death_is_posted_as_a_crash_notification(self, private_redis: Any):
        component_exit_handle(
            ComponentExit(
                name="day-trader",
                kind=ComponentKind.PROCESS,
                pid=4242,
                reason="exited with code -9",
            )
        )

        message = NotificationOutbox(program_env()).take_nowait()
        assert message is not None and message.event.value == "crash"
        assert message.title == "TC2 component day-trader died"
        assert message.body.startswith("day-trader exited with code -9 at ")
