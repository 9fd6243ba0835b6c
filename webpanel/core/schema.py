"""OpenAPI pieces shared by every endpoint: the error contract and its documented statuses."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_field
from rest_framework import serializers

from tc2.program.job_params import Param, ParamSet


class Tc2AutoSchema(AutoSchema):
    """Name nested serializers after their API: ``SettingsApi.OutputSerializer`` -> SettingsOutput.

    The house style nests ``InputSerializer``/``OutputSerializer`` in each API class; without
    this, every one of them would become the same "Output" component.
    """

    def _map_basic_serializer(self, serializer: Any, direction: str) -> dict[str, Any]:
        schema: dict[str, Any] = super()._map_basic_serializer(serializer, direction)
        if getattr(serializer, "closed", False):
            schema["additionalProperties"] = False  # the parser refuses undeclared keys
        return schema

    def get_serializer_name(self, serializer: Any, direction: str) -> str:
        qualname = type(serializer).__qualname__
        if "." in qualname:
            outer, inner = qualname.rsplit(".", 1)
            return outer.removesuffix("Api").replace(".", "") + inner
        return super().get_serializer_name(serializer, direction)


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. validation_failed.")
    message = serializers.CharField(help_text="One sentence for a person.")
    details = serializers.DictField(
        help_text="Extra context; validation errors list bad fields under details.fields."
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


_DESCRIPTIONS = {
    400: "Malformed request: a bad query parameter, a body that is not JSON or nests deeper "
    "than 32 levels, or a request the web server cannot read",
    401: "Missing, expired or invalid token, or wrong credentials",
    403: "Authenticated but not allowed (staff only)",
    404: "No such resource",
    405: "Method not allowed on this route",
    409: "Conflicts with the current state",
    415: "Unsupported content type (e.g. not multipart/form-data for an upload)",
    414: "The request line is over 4 KB (query too long); answered by the web server",
    422: "Input failed validation; nothing was changed",
    429: "Too many requests (failed logins); retry after the given seconds",
    503: "A required service is unavailable",
}


class _ErrorResponses:
    def only(self, *statuses: int) -> dict[int, OpenApiResponse]:
        return {s: OpenApiResponse(ErrorSerializer, description=_DESCRIPTIONS[s]) for s in statuses}


ERROR_RESPONSES = _ErrorResponses()


def params_serializer(params: ParamSet, *, qualname: str) -> type[serializers.Serializer]:
    """A serializer documenting ``params``: every field's schema is its declaration's.

    The engine parses the request by the same declaration, so the documented body and the
    accepted one cannot drift. ``qualname`` (``<Entity><Action>Api.InputSerializer``) names
    the component as the nested serializers' names are.
    """
    fields: dict[str, Any] = {
        param.name: _declared_field(param)(required=param.required, help_text=param.description)
        for param in params
    }
    serializer = type("InputSerializer", (serializers.Serializer,), {**fields, "closed": True})
    serializer.__qualname__ = qualname
    return serializer


def query_parameters(params: ParamSet) -> list[OpenApiParameter]:
    """The declared parameters as OpenAPI query parameters, each with its rule."""
    return [
        OpenApiParameter(
            param.name,
            {key: value for key, value in param.json_schema().items() if key != "description"},
            required=param.required,
            description=param.description,
        )
        for param in params
    ]


def _declared_field(param: Param) -> type[serializers.Field]:
    schema = {key: value for key, value in param.json_schema().items() if key != "description"}
    field = type(f"{param.name.title().replace('_', '')}Field", (serializers.JSONField,), {})
    return extend_schema_field(schema)(field)  # type: ignore[no-any-return]


EVERY_OPERATION_STATUSES = (400, 414)
"""Answers any route may give before its view runs (gunicorn refuses a request line over 4 KB
with 414, a request it cannot read with 400, both in the error contract)."""


def add_transport_errors(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Postprocessing hook: document ``EVERY_OPERATION_STATUSES`` on every operation."""
    error_ref = {"$ref": "#/components/schemas/Error"}
    for path in result.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            for status in EVERY_OPERATION_STATUSES:
                responses.setdefault(
                    str(status),
                    {
                        "content": {"application/json": {"schema": error_ref}},
                        "description": _DESCRIPTIONS[status],
                    },
                )
    return result
