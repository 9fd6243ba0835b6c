"""API authentication: simplejwt's bearer tokens, with the user's row kept briefly per process.

Reading the user's row for every request was the largest share of a cheap read's time under load
(``GET /api/program/status`` at 200 requests/s). A web process now reads it at most once every
``USER_ROW_TTL_S`` per user; saving or deleting a user drops its row at once in the process that
did it (signals, see ``UsersConfig.ready``), and in the other web processes within the TTL: a
deactivated user is refused everywhere within that time.
"""

from __future__ import annotations

import copy
import threading
import time
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token
from rest_framework_simplejwt.utils import get_md5_hash_password

USER_ROW_TTL_S = 2.0

_rows: dict[Any, tuple[float, Any]] = {}
_rows_lock = threading.Lock()


class CachedUserJWTAuthentication(JWTAuthentication):
    """``JWTAuthentication`` whose user lookup is served from the process's short-lived rows."""

    def get_user(self, validated_token: Token) -> Any:
        user_id = validated_token.get(api_settings.USER_ID_CLAIM)
        now = time.monotonic()
        with _rows_lock:
            kept = _rows.get(user_id)
        if user_id is None or kept is None or kept[0] <= now:
            user = super().get_user(validated_token)  # reads the row and checks it
            with _rows_lock:
                _rows[user_id] = (now + USER_ROW_TTL_S, user)
            return copy.copy(user)
        user = kept[1]
        # The checks simplejwt makes after its lookup, made again for this token.
        if api_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
        if api_settings.CHECK_REVOKE_TOKEN and validated_token.get(
            api_settings.REVOKE_TOKEN_CLAIM
        ) != get_md5_hash_password(user.password):
            raise AuthenticationFailed(
                _("The user's password has been changed."), code="password_changed"
            )
        # A copy per request: views may set attributes on request.user.
        return copy.copy(user)


class CachedUserJWTScheme(SimpleJWTScheme):
    """The OpenAPI security scheme of the class above: simplejwt's bearer tokens, unchanged."""

    target_class = "webpanel.users.authentication.CachedUserJWTAuthentication"


def forget_user(user_id: Any) -> None:
    """Drop a user's kept row (it changed); connected to the user model's save and delete."""
    key = getattr(user_id, api_settings.USER_ID_FIELD, user_id)
    with _rows_lock:
        _rows.pop(key, None)
        _rows.pop(str(key), None)


def forget_all_users() -> None:
    """Drop every kept row (tests: a rolled-back database hands out the same ids again)."""
    with _rows_lock:
        _rows.clear()
