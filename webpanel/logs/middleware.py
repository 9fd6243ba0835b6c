"""Log every API request to the ``api`` feed."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from tc2.logs import LogFeed, feed_logger

_log = feed_logger(LogFeed.API, "request")


class ApiRequestLogMiddleware:
    """One line per /api/ request: method, path, status, duration, user.

    Only the path is logged: never the query string, headers or body, so tokens and passwords
    cannot reach the logs.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed_ms = (time.perf_counter() - started) * 1000
        # DRF puts the authenticated user on the underlying request once a view authenticates.
        user = getattr(request, "user", None)
        username = user.get_username() if user is not None and user.is_authenticated else "-"
        _log.info(
            f"{request.method} {request.path} {response.status_code} "
            f"{elapsed_ms:.1f} ms user={username}"
        )
        return response
