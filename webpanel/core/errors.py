"""Application errors raised by services, mapped to the API error contract in one place."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ApplicationError(Exception):
    """An error the API reports as ``{"error": {"code", "message", "details"}}``."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, details: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = dict(details or {})


class BadRequest(ApplicationError):
    """Malformed request (query parameters, path parts)."""


class StaffOnly(ApplicationError):
    """The signed-in user is not staff, and this changes what every user shares."""

    status_code = 403
    code = "permission_denied"  # as DRF's own refusals, so clients handle one code


class NotFound(ApplicationError):
    status_code = 404
    code = "not_found"


class Conflict(ApplicationError):
    status_code = 409
    code = "conflict"


class ServiceUnavailable(ApplicationError):
    status_code = 503
    code = "service_unavailable"
