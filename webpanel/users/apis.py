"""Token endpoints: obtain (throttled on failures), refresh (rotating, blacklisting), revoke."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt.views import (
    TokenBlacklistView,
    TokenObtainPairView,
    TokenRefreshView,
)

from webpanel.core.permissions import is_staff
from webpanel.core.schema import ERROR_RESPONSES
from webpanel.users.services import login_failure_record, login_throttle_check, token_refresh


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField(help_text="Bearer token for API calls; valid 60 minutes.")
    refresh = serializers.CharField(
        help_text="Exchange at /api/token/refresh; valid 7 days, single use (rotated)."
    )


class TokenRevokeSerializer(serializers.Serializer):
    refresh = serializers.CharField(help_text="The refresh token to revoke.")


class TokenRefreshInputSerializer(serializers.Serializer):
    refresh = serializers.CharField(
        help_text=(
            f"The refresh token; sent again within {settings.TC2_REFRESH_GRACE_S} s of its "
            "rotation, it gets the same new pair."
        )
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
    """Exchange a refresh token for a new pair; the old refresh token stops working.

    Sent again within ``TC2_REFRESH_GRACE_S`` of its rotation (another tab of the same browser),
    the old token gets the same new pair rather than a 401.
    """

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="token_refresh",
        request=TokenRefreshInputSerializer,
        auth=[],
        responses={
            200: OpenApiResponse(TokenPairSerializer, description="New access and refresh token"),
            **ERROR_RESPONSES.only(401, 422),
        },
        tags=["auth"],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = TokenRefreshInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(token_refresh(refresh=serializer.validated_data["refresh"]))


class TokenRevokeApi(TokenBlacklistView):
    """Log out: the refresh token stops working at once (the access token ends with its lifetime).

    Needs the bearer access token like every route but obtaining one.
    """

    # simplejwt's view is public; this one authenticates like every other route.
    authentication_classes = api_settings.DEFAULT_AUTHENTICATION_CLASSES
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="token_revoke",
        request=TokenRevokeSerializer,
        responses={
            200: OpenApiResponse(description="The refresh token is revoked"),
            **ERROR_RESPONSES.only(401, 422),
        },
        tags=["auth"],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)


class MeApi(APIView):
    """Who is signed in, and whether they are staff (the panel shows staff controls by it)."""

    class OutputSerializer(serializers.Serializer):
        username = serializers.CharField()
        is_staff = serializers.BooleanField(
            help_text="Staff change shared state: settings, data, strategy files, the program, "
            "the logs. Every signed-in user reads and runs research."
        )

    @extend_schema(
        operation_id="me",
        responses={200: OutputSerializer, **ERROR_RESPONSES.only(401)},
        tags=["auth"],
    )
    def get(self, request: Request) -> Response:
        return Response(
            {"username": request.user.get_username(), "is_staff": is_staff(request.user)}
        )
