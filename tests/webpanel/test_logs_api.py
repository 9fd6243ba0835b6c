"""Log feed routes: tail with since, file names, one file, clearing; the api feed itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tc2.logs import LogFeed, feed_logger, flush_logs

pytestmark = pytest.mark.django_db


def _write(feed: LogFeed, count: int) -> None:
    log = feed_logger(feed, "test")
    for i in range(count):
        log.info(f"line {i}")
    flush_logs()


class LogFeedTailTests:
    def test_newest_file_lines_and_since(self, admin_api: Any):
        _write(LogFeed.DATA, 5)
        body = admin_api.get("/api/logs/data").json()
        assert body["feed"] == "data"
        assert body["filename"].startswith("data/")
        assert body["total_lines"] == 5
        assert [line.rsplit(" ", 1)[-1] for line in body["lines"]] == ["0", "1", "2", "3", "4"]
        tail = admin_api.get("/api/logs/data?since=3").json()
        assert tail["since"] == 3
        assert [line.rsplit(" ", 1)[-1] for line in tail["lines"]] == ["3", "4"]

    def test_empty_feed_has_no_file(self, admin_api: Any):
        body = admin_api.get("/api/logs/visuals").json()
        assert body == {
            "feed": "visuals",
            "filename": None,
            "total_lines": 0,
            "since": 0,
            "lines": [],
        }

    @pytest.mark.parametrize("since", ["-1", "abc", "²", "1.5", "9999999999"])
    def test_bad_since_is_400(self, admin_api: Any, since: str):
        response = admin_api.get(f"/api/logs/program?since={since}")
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "bad_request"

    @pytest.mark.parametrize("path", ["/api/logs/bogus", "/api/logs/bogus_filenames"])
    def test_unknown_feed_is_404(self, admin_api: Any, path: str):
        response = admin_api.get(path)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


class LogFilesTests:
    def test_filenames_then_one_file(self, admin_api: Any):
        _write(LogFeed.HEALTH, 3)
        names = admin_api.get("/api/logs/health_filenames").json()
        assert names["feed"] == "health"
        assert len(names["filenames"]) == 1
        filename = f"health/{names['filenames'][0]}"
        body = admin_api.get("/api/logs/file/", {"filename": filename}).json()
        assert body["filename"] == filename
        assert body["total_lines"] == 3

    def test_feed_with_underscore_lists_its_files(self, admin_api: Any):
        _write(LogFeed.LIVE_TRADING, 1)
        names = admin_api.get("/api/logs/live_trading_filenames").json()
        assert names["feed"] == "live_trading" and len(names["filenames"]) == 1

    @pytest.mark.parametrize(
        "filename",
        [
            "../../etc/passwd",
            "/etc/passwd",
            "program/../../../etc/passwd",
            "bogus/2026-01-01_0",
            "program/2026-01-01_0/x",
            "program\\..\\x",
            "program/2026-01-01_0\x00",
        ],
    )
    def test_escaping_or_unknown_filename_is_400(self, admin_api: Any, filename: str):
        response = admin_api.get("/api/logs/file/", {"filename": filename})
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "bad_request"

    def test_missing_filename_parameter_is_400(self, admin_api: Any):
        assert admin_api.get("/api/logs/file/").status_code == 400

    def test_well_formed_but_absent_file_is_404(self, admin_api: Any):
        response = admin_api.get("/api/logs/file/", {"filename": "program/2001-01-01_0"})
        assert response.status_code == 404


class LogsClearTests:
    def test_staff_clears_every_feed(self, admin_api: Any):
        _write(LogFeed.DATA, 2)
        _write(LogFeed.HEALTH, 2)
        assert admin_api.delete("/api/logs").status_code == 204
        flush_logs()
        assert admin_api.get("/api/logs/data_filenames").json()["filenames"] == []
        assert admin_api.get("/api/logs/health_filenames").json()["filenames"] == []
        # Who cleared them is the first thing the program feed says afterwards.
        assert (
            "admin cleared all log feeds" in admin_api.get("/api/logs/program").json()["lines"][0]
        )

    def test_non_staff_gets_403_and_nothing_is_deleted(self, user_api: Any, admin_api: Any):
        _write(LogFeed.DATA, 2)
        response = user_api.delete("/api/logs")
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_denied"
        assert admin_api.get("/api/logs/data").json()["total_lines"] == 2


class ApiFeedTests:
    def test_requests_are_logged_without_secrets(
        self, api: Any, admin_user: Any, log_lines: Callable[[str], list[str]]
    ):
        from tests.webpanel.conftest import ADMIN_PASSWORD

        access = api.post(
            "/api/token", {"username": "admin", "password": ADMIN_PASSWORD}, format="json"
        ).json()["access"]
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
        api.get("/api/settings?token=should-not-appear")
        api.post("/api/token", {"username": "admin", "password": "wrong-Secret-9"}, format="json")
        lines = log_lines("api")
        assert any("POST /api/token 200" in line and "user=" in line for line in lines)
        assert any("GET /api/settings 200" in line and "user=admin" in line for line in lines)
        assert any("Failed login for 'admin'" in line for line in lines)
        text = "\n".join(lines)
        for secret in (ADMIN_PASSWORD, "wrong-Secret-9", access, "should-not-appear"):
            assert secret not in text
