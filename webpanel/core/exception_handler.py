"""The one place where every API error becomes ``{"error": {"code", "message", "details"}}``."""

from __future__ import annotations

from typing import Any

import redis
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from tc2.errors import ConfigurationError, TC2Error, ValidationFailed
from webpanel.core.errors import ApplicationError

# DRF's default codes renamed where ours say more; the rest pass through unchanged.
_CODE_BY_EXCEPTION: list[tuple[type[exceptions.APIException], str]] = [
    (exceptions.NotAuthenticated, "not_authenticated"),
    (exceptions.AuthenticationFailed, "authentication_failed"),
    (exceptions.PermissionDenied, "permission_denied"),
    (exceptions.NotFound, "not_found"),
    (exceptions.MethodNotAllowed, "method_not_allowed"),
    (exceptions.ParseError, "malformed_request"),
    (exceptions.Throttled, "throttled"),
    (exceptions.UnsupportedMediaType, "unsupported_media_type"),
    (exceptions.NotAcceptable, "not_acceptable"),
]


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF EXCEPTION_HANDLER: map application, engine, Django and DRF errors to the contract."""
    if isinstance(exc, ApplicationError):
        return Response(error_body(exc.code, exc.message, exc.details), status=exc.status_code)
    if isinstance(exc, ValidationFailed):
        return Response(
            error_body("validation_failed", exc.message, {"fields": exc.field_errors}),
            status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    if isinstance(exc, ConfigurationError):
        return Response(error_body("configuration_error", str(exc)), status=503)
    if isinstance(exc, TC2Error):
        return Response(error_body("engine_error", str(exc)), status=409)
    if isinstance(exc, redis.RedisError):
        # Redis is restarting (the launcher or compose brings it back within seconds).
        return Response(
            error_body(
                "service_unavailable",
                f"Redis is unavailable ({type(exc).__name__}); try again in a few seconds.",
            ),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "2"},
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    if isinstance(exc, exceptions.ValidationError):
        # Field-level input errors: the request was well-formed JSON but its content is wrong.
        return Response(
            error_body(
                "validation_failed",
                "The request failed validation; see details.fields.",
                {"fields": _flatten(exc.detail)},
            ),
            status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return None  # a real bug: Django's handler500 answers with the JSON contract
    code = next((c for cls, c in _CODE_BY_EXCEPTION if isinstance(exc, cls)), None)
    details: dict[str, Any] = {}
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        details["retry_after_s"] = int(exc.wait)
    detail = exc.detail
    if isinstance(detail, dict) and "code" in detail:  # simplejwt's token errors
        code = str(detail.get("code") or code)
        message = str(detail.get("detail", ""))
        if "messages" in detail:
            details["messages"] = detail["messages"]
    else:
        message = str(detail)
        # A specific code given at the raise site (simplejwt's "no_active_account") beats ours.
        specific = getattr(detail, "code", None)
        if specific and specific != exc.default_code:
            code = str(specific)
    response.data = error_body(code or exc.default_code, message, details)
    return response


def _flatten(detail: Any) -> Any:
    """Turn DRF ErrorDetail trees into plain strings, lists and dicts."""
    if isinstance(detail, dict):
        return {str(k): _flatten(v) for k, v in detail.items()}
    if isinstance(detail, list):
        return [_flatten(v) for v in detail]
    return str(detail)


def json_error(request: HttpRequest, *, status_code: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status_code)
