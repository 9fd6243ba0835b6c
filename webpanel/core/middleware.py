"""Request middleware shared by every API route."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, get_urlconf, resolve


class ApiSlashMiddleware:
    """Accept ``/api/x`` and ``/api/x/`` alike, whichever form the route was declared with.

    The seed README mixes both forms; a client should not get a 404 for a trailing slash.
    The request is re-routed internally (no redirect, so POST bodies and tokens survive).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if path.startswith("/api/") and not _resolves(path):
            other = path[:-1] if path.endswith("/") else path + "/"
            if _resolves(other):
                request.path_info = other
        return self.get_response(request)


def _resolves(path: str) -> bool:
    return _resolves_in(path, get_urlconf() or settings.ROOT_URLCONF)


@functools.lru_cache(maxsize=4096)
def _resolves_in(path: str, urlconf: str) -> bool:
    # Remembered per path: resolving every API path twice (here and in Django) was a tenth of a
    # cheap read's time; the routes do not change while the process runs.
    try:
        match = resolve(path, urlconf)
    except Resolver404:
        return False
    # The catch-all 404 route matches everything; it does not count as a real route.
    return match.url_name != "api-not-found"
