"""Routes that belong to no domain: the health probe, the API docs page, JSON 404/500."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from webpanel.core.errors import NotFound
from webpanel.core.exception_handler import error_body


class HealthzApi(APIView):
    """Container probe: says only whether this web process can serve (its database answers)."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    class OutputSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=["ok", "unavailable"])

    @extend_schema(
        operation_id="healthz",
        auth=[],
        responses={200: OutputSerializer, 503: OutputSerializer},
        tags=["health"],
    )
    def get(self, request: Request) -> Response:
        try:
            connection.ensure_connection()
        except Exception:  # any database failure means "not ready"; details stay private
            return Response({"status": "unavailable"}, status=503)
        return Response({"status": "ok"})


class ApiNotFoundApi(APIView):
    """Catch-all for unknown /api/ routes: a JSON 404 whatever the method, before any auth."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    schema = None  # not an endpoint

    def _not_found(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise NotFound(f"No API route {request.method} {request.path}")

    get = post = put = patch = delete = head = options = _not_found


def api_docs_page(request: HttpRequest) -> HttpResponse:
    """Interactive API docs (Swagger UI from local assets).

    The page itself holds no data; it asks for credentials, obtains a token from /api/token and
    loads /api/schema/ with it, because the schema, like every API route, requires a JWT.
    """
    return render(request, "core/api_docs.html")


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("not_found", f"No route {request.path}"), status=404)
    return HttpResponse("Not found", status=404, content_type="text/plain")


def handler400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Django answers a SuspiciousOperation (a malformed body, header or host) here, before any
    # view runs; the error contract holds for it too.
    return JsonResponse(error_body("bad_request", "Malformed request."), status=400)


def handler500(request: HttpRequest) -> HttpResponse:
    # The traceback goes to the server log and the api feed, never to the client.
    return JsonResponse(
        error_body("server_error", "Internal error; see the server log."), status=500
    )


class SchemaApi(SpectacularAPIView):
    """The OpenAPI schema (YAML, or JSON with ?format=json); errors stay JSON like everywhere."""

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response
