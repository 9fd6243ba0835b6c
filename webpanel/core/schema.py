"""OpenAPI pieces shared by every endpoint: the error contract and its documented statuses."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class Tc2AutoSchema(AutoSchema):
    """Name nested serializers after their API: ``SettingsApi.OutputSerializer`` -> SettingsOutput.

    The house style nests ``InputSerializer``/``OutputSerializer`` in each API class; without
    this, every one of them would become the same "Output" component.
    """

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
    400: "Malformed request (bad query parameter or body that is not JSON)",
    401: "Missing, expired or invalid token, or wrong credentials",
    403: "Authenticated but not allowed (staff only)",
    404: "No such resource",
    405: "Method not allowed on this route",
    409: "Conflicts with the current state",
    415: "Unsupported content type (e.g. not multipart/form-data for an upload)",
    422: "Input failed validation; nothing was changed",
    429: "Too many requests (failed logins); retry after the given seconds",
    503: "A required service is unavailable",
}


class _ErrorResponses:
    def only(self, *statuses: int) -> dict[int, OpenApiResponse]:
        return {s: OpenApiResponse(ErrorSerializer, description=_DESCRIPTIONS[s]) for s in statuses}


ERROR_RESPONSES = _ErrorResponses()
