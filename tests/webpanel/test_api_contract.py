"""The error contract, unknown routes, health probe, and that every route requires a token."""

from __future__ import annotations

import re
from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db

PUBLIC_OPERATIONS = {("/api/token", "post"), ("/api/token/refresh", "post")}
# The container probe sits outside /api/ and is public by design.
PROBE = ("/healthz", "get")


def _assert_error_contract(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] and body["error"]["message"]
    return body["error"]


class HealthzTests:
    def test_says_ok_and_nothing_else_without_auth(self, client: Any):
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}


class UnknownRouteTests:
    @pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
    def test_unknown_api_route_is_json_404_even_without_token(self, api: Any, method: str):
        error = _assert_error_contract(getattr(api, method)("/api/no/such/route"), 404)
        assert error["code"] == "not_found"

    def test_unknown_route_is_404_with_token_too(self, admin_api: Any):
        _assert_error_contract(admin_api.get("/api/nothing-here"), 404)

    def test_method_not_allowed_is_405_json(self, admin_api: Any):
        error = _assert_error_contract(admin_api.delete("/api/settings"), 405)
        assert error["code"] == "method_not_allowed"

    def test_trailing_slash_is_optional(self, admin_api: Any):
        assert admin_api.get("/api/settings/").status_code == 200
        assert admin_api.get("/api/logs/file?filename=program/2020-01-01_0").status_code == 404

    def test_unsupported_media_type_is_415_json(self, admin_api: Any):
        response = admin_api.patch("/api/settings", "symbols=SPY", content_type="text/plain")
        _assert_error_contract(response, 415)


def _operations() -> list[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (path, method)
        for path, item in schema["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    ]


class EveryRouteNeedsATokenTests:
    def test_every_operation_but_the_token_routes_answers_401_without_a_token(self, api: Any):
        operations = _operations()
        assert len(operations) >= 8  # the schema really lists the routes
        for path, method in operations:
            if (path, method) in PUBLIC_OPERATIONS or (path, method) == PROBE:
                continue
            url = re.sub(r"\{feed\}", "program", path)
            response = getattr(api, method)(url, {} if method != "get" else None, format="json")
            _assert_error_contract(response, 401)

    def test_token_routes_are_the_only_public_operations(self):
        schema = SchemaGenerator().get_schema(request=None, public=True)
        public = {
            (path, method)
            for path, item in schema["paths"].items()
            for method, operation in item.items()
            if isinstance(operation, dict) and operation.get("security") in (None, [], [{}])
        }
        assert public == PUBLIC_OPERATIONS | {PROBE}


class SchemaTests:
    def test_schema_needs_a_token(self, api: Any):
        _assert_error_contract(api.get("/api/schema/"), 401)

    def test_schema_is_openapi_3_and_describes_every_operation(self, admin_api: Any):
        response = admin_api.get("/api/schema/?format=json")
        assert response.status_code == 200
        schema = response.json()
        assert schema["openapi"].startswith("3.")
        for path, item in schema["paths"].items():
            for method, operation in item.items():
                assert operation.get("operationId"), (path, method)
                assert operation.get("responses"), (path, method)
                if "{feed}" in path:
                    names = [p["name"] for p in operation.get("parameters", [])]
                    assert "feed" in names, (path, method)
        expected = {
            "/api/token",
            "/api/token/refresh",
            "/api/settings",
            "/api/logs",
            "/api/logs/file/",
            "/api/logs/{feed}",
            "/api/logs/{feed}_filenames",
        }
        assert expected <= set(schema["paths"])
        assert "ErrorDetail" in str(schema["components"]["schemas"])

    def test_docs_page_loads_with_local_assets_only(self, client: Any):
        response = client.get("/api/docs/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "swagger-ui-bundle.js" in html
        assert not re.search(r"(src|href)=\"(https?:)?//", html), "no CDN: assets are local"
        asset = re.search(r'src="([^"]*swagger-ui-bundle\.js)"', html)
        assert asset is not None
        served = client.get(asset.group(1))
        assert served.status_code == 200
        assert b"SwaggerUIBundle" in b"".join(served.streaming_content)


def test_a_malformed_request_gets_the_json_error_contract(client) -> None:  # type: ignore[no-untyped-def]
    # Django rejects a disallowed Host before any view runs; the answer is still JSON.
    response = client.get("/api/settings", HTTP_HOST="evil.example")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"
