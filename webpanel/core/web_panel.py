"""The web panel at "/": the Angular build in ``frontend/dist`` (``make frontend``).

WhiteNoise serves the build's files when the build exists at start-up. Everything else outside
``/api/``, ``/static/`` and ``/healthz`` lands here: a file of a build made since start-up is
served from disk, a missing asset (an old build's chunk) is a 404, and every other path is one of
the panel's client-side routes, answered with ``index.html`` so that a deep link survives a
reload. No authentication: the page holds no data; the panel signs in against ``/api/token``.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe
from django.views.static import serve

# The same extensions nginx/nginx.conf treats as files: never answered with the index page.
ASSET_PATH = re.compile(
    r"\.(?:js|mjs|css|map|json|ico|png|jpe?g|gif|svg|webp|woff2?|ttf|txt)$", re.IGNORECASE
)
NOT_BUILT_TEMPLATE = "core/web_panel_not_built.html"


@require_safe
def web_panel_page(request: HttpRequest, path: str = "") -> HttpResponse:
    """Answer a panel route with ``index.html``, a file of the build, or the "not built" page."""
    dist = Path(settings.TC2_FRONTEND_DIST)
    if path:
        try:
            return serve(request, path, document_root=dist)
        except Http404:
            if ASSET_PATH.search(path):
                raise
    try:
        index = (dist / "index.html").read_bytes()
    except FileNotFoundError:
        response = render(request, NOT_BUILT_TEMPLATE, {"dist": dist}, status=503)
    else:
        response = HttpResponse(index, content_type="text/html; charset=utf-8")
    # Read on every request: a new build is picked up at once, never from a cache.
    response["Cache-Control"] = "no-cache"
    return response
