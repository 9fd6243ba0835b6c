"""Who may call what: every signed-in user reads and runs research; staff change shared state.

Research (simulations, evaluations, visuals, health checks) only adds results of its own, so
every signed-in user may run it. Anything that changes what every user shares (settings, bars on
file, strategy files, the program, the logs, and later trading) needs a staff account: 403 with
the error contract (code ``permission_denied``, a message saying why).
``tests/webpanel/test_roles.py`` holds the table of every route and method and fails for a route
that is not in it.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

STAFF_ONLY_MESSAGE = (
    "Only staff can do this: it changes what every user shares (settings, market data, strategy "
    "files, the program or the logs)."
)


def is_staff(user: Any) -> bool:
    """Whether ``user`` is a signed-in staff account."""
    return bool(user is not None and user.is_authenticated and user.is_staff)


class IsStaff(BasePermission):
    """Every method needs a staff account (anonymous callers still get 401 first)."""

    message = STAFF_ONLY_MESSAGE

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_staff(request.user)


class StaffForChanges(BasePermission):
    """Reading (GET, HEAD, OPTIONS) for every signed-in user; any other method for staff."""

    message = STAFF_ONLY_MESSAGE

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if user is None or not user.is_authenticated:
            return False
        return request.method in SAFE_METHODS or is_staff(user)
