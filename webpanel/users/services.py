"""Users: the admin account bootstrap, failed-login throttling and token refresh."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import transaction
from rest_framework.exceptions import Throttled
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import UntypedToken

from tc2.logs import LogFeed, feed_logger

_log = feed_logger(LogFeed.PROGRAM, "users")
_api_log = feed_logger(LogFeed.API, "auth")

# Long enough to resist guessing, short enough to type once from the terminal.
GENERATED_PASSWORD_BYTES = 18
# Concurrent refreshes of one token wait this long at most for the first to finish.
REFRESH_LOCK_WAIT_S = 5.0


@dataclass(frozen=True, slots=True, kw_only=True)
class AdminBootstrap:
    """What ``admin_bootstrap`` did. ``generated_password`` is set only on first creation."""

    username: str
    created: bool
    password_changed: bool
    generated_password: str | None


@transaction.atomic
def admin_bootstrap(*, username: str, password: str | None) -> AdminBootstrap:
    """Make sure the admin account exists and has the configured password.

    With ``password`` (TC2_ADMIN_PASSWORD) the account gets it, re-applied when it changed, and
    every refresh token issued under the old password is revoked. Without it, a password is
    generated only when the account is first created; the caller shows it once. Only the hash is
    stored.
    """
    user = User.objects.select_for_update().filter(username=username).first()
    if user is None:
        generated = None if password else secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)
        user = User(username=username, is_staff=True, is_superuser=True)
        user.set_password(password or generated)
        user.full_clean(exclude=["password"])
        user.save()
        _log.info(f"Created admin account {username!r}")
        return AdminBootstrap(
            username=username, created=True, password_changed=False, generated_password=generated
        )
    changed = False
    if not (user.is_staff and user.is_superuser and user.is_active):
        user.is_staff = user.is_superuser = user.is_active = True
        changed = True
    password_changed = bool(password) and not user.check_password(password)
    if password_changed:
        user.set_password(password)
        user_tokens_revoke(user=user)
        _log.info(f"Admin account {username!r}: password changed from TC2_ADMIN_PASSWORD")
    if changed or password_changed:
        user.save()
    return AdminBootstrap(
        username=username, created=False, password_changed=password_changed, generated_password=None
    )


def admin_password_reset(*, username: str) -> str:
    """Give the admin account a new generated password and return it (shown once, not stored)."""
    password = secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)
    with transaction.atomic():
        user = User.objects.select_for_update().get(username=username)
        user.set_password(password)
        user.save(update_fields=["password"])
        user_tokens_revoke(user=user)
    _log.info(f"Admin account {username!r}: password reset from the command line")
    return password


def user_tokens_revoke(*, user: User) -> int:
    """Blacklist every outstanding refresh token of ``user``; return how many were revoked."""
    revoked = 0
    for token in OutstandingToken.objects.filter(user=user):
        _, created = BlacklistedToken.objects.get_or_create(token=token)
        revoked += int(created)
    return revoked


def login_throttle_check(*, client: str) -> None:
    """Raise Throttled (429) while ``client`` has used up its failed logins for the window."""
    failures = cache.get(_failure_key(client), 0)
    if failures >= settings.TC2_LOGIN_FAILURE_LIMIT:
        started = cache.get(_window_key(client)) or time.time()
        wait = max(1, int(started + settings.TC2_LOGIN_FAILURE_WINDOW_S - time.time()))
        raise Throttled(wait=wait, detail=f"Too many failed logins; try again in {wait} s.")


def login_failure_record(*, client: str, username: str) -> None:
    """Count one failed login for ``client`` in its fixed window (atomic on Redis)."""
    window = settings.TC2_LOGIN_FAILURE_WINDOW_S
    cache.add(_window_key(client), time.time(), timeout=window)
    cache.add(_failure_key(client), 0, timeout=window)
    try:
        failures = cache.incr(_failure_key(client))
    except ValueError:  # the window expired between add and incr
        cache.set(_failure_key(client), 1, timeout=window)
        failures = 1
    _api_log.warning(f"Failed login for {username!r} from {client} ({failures} in window)")


def _failure_key(client: str) -> str:
    return f"login-failures:{client}"


def _window_key(client: str) -> str:
    return f"login-failures-window:{client}"


def token_refresh(*, refresh: str) -> dict[str, str]:
    """Exchange a refresh token for a new pair; the old one is blacklisted (rotation).

    Tabs of one browser share one refresh token and may send it at the same moment. The
    requests for one token are serialised, and for ``TC2_REFRESH_GRACE_S`` after a rotation the
    old token gets the same new pair again instead of a 401 that would sign every tab out. The
    pair is not handed out again once its refresh token is revoked (sign-out, password reset).

    Raises
    ------
    InvalidToken
        The token is malformed, expired, revoked, or was rotated longer ago than the grace.
    """
    digest = hashlib.sha256(refresh.encode()).hexdigest()
    with _refresh_lock(digest):
        rotated = cache.get(_rotated_key(digest))
        if rotated is not None and _still_usable(rotated):
            _api_log.info("Refresh token reused within the grace window; same pair returned")
            return {"access": rotated["access"], "refresh": rotated["refresh"]}
        serializer = TokenRefreshSerializer(data={"refresh": refresh})
        try:
            serializer.is_valid(raise_exception=True)
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        pair = {"access": serializer.validated_data["access"]}
        pair["refresh"] = serializer.validated_data["refresh"]
        grace = settings.TC2_REFRESH_GRACE_S
        if grace > 0:
            cache.set(_rotated_key(digest), {**pair, "at": _now()}, timeout=grace + 1)
        return pair


def _still_usable(rotated: dict[str, object]) -> bool:
    at = rotated.get("at")
    if not isinstance(at, float) or _now() - at > settings.TC2_REFRESH_GRACE_S:
        return False
    try:
        jti = UntypedToken(str(rotated["refresh"]))[jwt_settings.JTI_CLAIM]
    except TokenError:
        return False
    return not BlacklistedToken.objects.filter(token__jti=jti).exists()


@contextmanager
def _refresh_lock(digest: str) -> Iterator[None]:
    # cache.add is atomic (SET NX on Redis); a holder that died frees it with the timeout.
    key = f"token-refresh-lock:{digest}"
    deadline = time.monotonic() + REFRESH_LOCK_WAIT_S
    acquired = cache.add(key, 1, timeout=int(REFRESH_LOCK_WAIT_S) + 1)
    while not acquired and time.monotonic() < deadline:
        time.sleep(0.02)
        acquired = cache.add(key, 1, timeout=int(REFRESH_LOCK_WAIT_S) + 1)
    try:
        yield
    finally:
        if acquired:
            cache.delete(key)


def _rotated_key(digest: str) -> str:
    return f"token-rotated:{digest}"


def _now() -> float:
    return time.time()
