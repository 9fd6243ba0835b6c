"""POST /api/token, /api/token/refresh, and bearer authentication on every other route."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import jwt
import pytest
from django.conf import settings
from rest_framework_simplejwt.tokens import AccessToken

from tests.webpanel.conftest import ADMIN_PASSWORD

pytestmark = pytest.mark.django_db


def _login(api: Any, password: str = ADMIN_PASSWORD, username: str = "admin") -> Any:
    return api.post("/api/token", {"username": username, "password": password}, format="json")


class TokenObtainTests:
    def test_right_password_returns_access_and_refresh_that_work(self, api: Any, admin_user: Any):
        response = _login(api)
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"access", "refresh"}
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
        assert api.get("/api/settings").status_code == 200

    def test_token_lifetimes_are_60_minutes_and_7_days(self, api: Any, admin_user: Any):
        body = _login(api).json()
        access = jwt.decode(body["access"], options={"verify_signature": False})
        refresh = jwt.decode(body["refresh"], options={"verify_signature": False})
        assert access["exp"] - access["iat"] == 3600
        assert refresh["exp"] - refresh["iat"] == 7 * 24 * 3600

    def test_wrong_password_is_401_in_the_error_contract(self, api: Any, admin_user: Any):
        response = _login(api, password="wrong")
        assert response.status_code == 401
        error = response.json()["error"]
        assert error["code"] == "no_active_account"
        assert "credentials" in error["message"]

    def test_missing_password_is_422_with_field_details(self, api: Any, admin_user: Any):
        response = api.post("/api/token", {"username": "admin"}, format="json")
        assert response.status_code == 422
        assert "password" in response.json()["error"]["details"]["fields"]

    def test_body_that_is_not_json_is_400(self, api: Any, admin_user: Any):
        response = api.post("/api/token", "{not json", content_type="application/json")
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "malformed_request"

    def test_eleventh_failed_login_in_a_minute_is_throttled(self, api: Any, admin_user: Any):
        statuses = [_login(api, password=f"wrong-{i}").status_code for i in range(11)]
        assert statuses == [401] * 10 + [429]
        throttled = _login(api)  # even the right password, while throttled
        assert throttled.status_code == 429
        assert throttled.json()["error"]["code"] == "throttled"
        assert 1 <= int(throttled["Retry-After"]) <= settings.TC2_LOGIN_FAILURE_WINDOW_S

    def test_throttling_is_per_client(self, api: Any, admin_user: Any):
        for _ in range(10):
            api.post(
                "/api/token",
                {"username": "admin", "password": "wrong"},
                format="json",
                REMOTE_ADDR="10.0.0.1",
            )
        other = api.post(
            "/api/token",
            {"username": "admin", "password": ADMIN_PASSWORD},
            format="json",
            REMOTE_ADDR="10.0.0.2",
        )
        assert other.status_code == 200

    def test_successful_logins_are_not_counted(self, api: Any, admin_user: Any):
        statuses = [_login(api).status_code for _ in range(12)]
        assert statuses == [200] * 12


def _refresh(api: Any, refresh: str) -> Any:
    return api.post("/api/token/refresh", {"refresh": refresh}, format="json")


def _after_the_grace(monkeypatch: pytest.MonkeyPatch) -> None:
    from webpanel.users import services

    later = time.time() + settings.TC2_REFRESH_GRACE_S + 1
    monkeypatch.setattr(services, "_now", lambda: later)


class TokenRefreshTests:
    def test_refresh_rotates_and_blacklists_the_old_refresh_token(
        self, api: Any, admin_user: Any, monkeypatch: pytest.MonkeyPatch
    ):
        first = _login(api).json()
        rotated = _refresh(api, first["refresh"])
        assert rotated.status_code == 200
        assert set(rotated.json()) == {"access", "refresh"}
        assert rotated.json()["refresh"] != first["refresh"]
        _after_the_grace(monkeypatch)
        reused = _refresh(api, first["refresh"])
        assert reused.status_code == 401
        assert reused.json()["error"]["code"] == "token_not_valid"

    def test_old_token_within_the_grace_gets_the_same_new_pair(self, api: Any, admin_user: Any):
        first = _login(api).json()
        rotated = _refresh(api, first["refresh"]).json()

        again = _refresh(api, first["refresh"])

        assert again.status_code == 200
        assert again.json() == rotated
        assert _refresh(api, rotated["refresh"]).status_code == 200  # the pair stays usable

    def test_grace_does_not_outlive_a_sign_out(self, api: Any, admin_user: Any):
        first = _login(api).json()
        rotated = _refresh(api, first["refresh"]).json()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {rotated['access']}")
        revoked = api.post("/api/token/revoke", {"refresh": rotated["refresh"]}, format="json")
        assert revoked.status_code == 200
        api.credentials()

        again = _refresh(api, first["refresh"])

        assert again.status_code == 401
        assert again.json()["error"]["code"] == "token_not_valid"

    def test_grace_does_not_outlive_a_password_reset(self, api: Any, admin_user: Any):
        from webpanel.users.services import admin_password_reset

        first = _login(api).json()
        assert _refresh(api, first["refresh"]).status_code == 200
        admin_password_reset(username="admin")

        assert _refresh(api, first["refresh"]).status_code == 401

    @pytest.mark.django_db(transaction=True)
    def test_three_tabs_refreshing_at_once_all_get_one_pair(self, api: Any, admin_user: Any):
        from rest_framework.test import APIClient

        refresh = _login(api).json()["refresh"]
        start = threading.Barrier(3)

        def tab() -> tuple[int, Any]:
            start.wait()
            response = _refresh(APIClient(), refresh)
            return response.status_code, response.json()

        with ThreadPoolExecutor(3) as pool:
            answers = list(pool.map(lambda _: tab(), range(3)))

        assert [status for status, _ in answers] == [200, 200, 200]
        assert answers[0][1] == answers[1][1] == answers[2][1]

    def test_access_token_is_not_a_refresh_token(self, api: Any, admin_user: Any):
        body = _login(api).json()
        response = api.post("/api/token/refresh", {"refresh": body["access"]}, format="json")
        assert response.status_code == 401


class TokenRevokeTests:
    def test_revoked_refresh_token_no_longer_refreshes(self, api: Any, admin_user: Any):
        pair = _login(api).json()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")

        revoked = api.post("/api/token/revoke", {"refresh": pair["refresh"]}, format="json")

        assert revoked.status_code == 200
        api.credentials()
        refreshed = api.post("/api/token/refresh", {"refresh": pair["refresh"]}, format="json")
        assert refreshed.status_code == 401
        assert refreshed.json()["error"]["code"] == "token_not_valid"

    def test_revoking_needs_the_access_token(self, api: Any, admin_user: Any):
        pair = _login(api).json()

        response = api.post("/api/token/revoke", {"refresh": pair["refresh"]}, format="json")

        assert response.status_code == 401
        assert (
            api.post("/api/token/refresh", {"refresh": pair["refresh"]}, format="json").status_code
            == 200
        )

    def test_missing_refresh_is_422(self, api: Any, admin_user: Any):
        pair = _login(api).json()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")

        response = api.post("/api/token/revoke", {}, format="json")

        assert response.status_code == 422
        assert "refresh" in response.json()["error"]["details"]["fields"]


class BearerAuthenticationTests:
    def test_no_token_is_401_json(self, api: Any):
        response = api.get("/api/settings")
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"
        assert response["WWW-Authenticate"].startswith("Bearer")

    def test_garbage_token_is_401(self, api: Any):
        api.credentials(HTTP_AUTHORIZATION="Bearer not.a.jwt")
        response = api.get("/api/settings")
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "token_not_valid"

    def test_expired_token_is_401(self, api: Any, admin_user: Any):
        token = AccessToken.for_user(admin_user)
        token.set_exp(lifetime=-timedelta(seconds=1))
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        response = api.get("/api/settings")
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "token_not_valid"

    def test_token_signed_with_another_key_is_401(self, api: Any, admin_user: Any):
        good = jwt.decode(
            str(AccessToken.for_user(admin_user)), options={"verify_signature": False}
        )
        forged = jwt.encode(good, "some-other-secret-key-of-enough-length-1234", algorithm="HS256")
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {forged}")
        assert api.get("/api/settings").status_code == 401
