"""Token endpoints: obtain (throttled on failures) and refresh (rotating, blacklisting)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from webpanel.core.schema import ERROR_RESPONSES
from webpanel.users.services import login_failure_record, login_throttle_check


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField(help_text="Bearer token for API calls; valid 60 minutes.")
    refresh = serializers.CharField(
        help_text="Exchange at /api/token/refresh; valid 7 days, single use (rotated)."
    )


class TokenObtainApi(TokenObtainPairView):
    """Exchange username and password for an access and a refresh token."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="token_obtain",
        auth=[],
        responses={
            200: TokenPairSerializer,
            **ERROR_RESPONSES.only(401, 422, 429),
        },
        tags=["auth"],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        client = BaseThrottle().get_ident(request)
        login_throttle_check(client=client)
        try:
            return super().post(request, *args, **kwargs)
        except AuthenticationFailed:
            username = request.data.get("username") if hasattr(request.data, "get") else None
            login_failure_record(client=client, username=str(username))
            raise


class TokenRefreshApi(TokenRefreshView):
    """Exchange a refresh token for a new pair; the old refresh token stops working."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="token_refresh",
        auth=[],
        responses={
            200: OpenApiResponse(TokenPairSerializer, description="New access and refresh token"),
            **ERROR_RESPONSES.only(401, 422),
        },
        tags=["auth"],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)
