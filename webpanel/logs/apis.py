"""Log feed routes, keeping the seed README's paths."""

from __future__ import annotations

import re

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tc2.logs import LogFeed
from webpanel.core.errors import BadRequest
from webpanel.core.permissions import IsStaff
from webpanel.core.schema import ERROR_RESPONSES
from webpanel.logs.selectors import (
    LOG_FILENAME_PATTERN,
    log_feed_filenames,
    log_feed_tail,
    log_file_read,
)
from webpanel.logs.services import logs_clear

FEED_PARAMETER = OpenApiParameter(
    "feed", OpenApiTypes.STR, OpenApiParameter.PATH, enum=[f.value for f in LogFeed]
)


class LogFeedTailApi(APIView):
    """Lines of a feed's newest log file."""

    class OutputSerializer(serializers.Serializer):
        feed = serializers.CharField()
        filename = serializers.CharField(allow_null=True, help_text="<feed>/<YYYY-MM-DD>_<n>")
        total_lines = serializers.IntegerField()
        since = serializers.IntegerField()
        lines = serializers.ListField(child=serializers.CharField())

    @extend_schema(
        operation_id="logs_feed_tail",
        parameters=[
            FEED_PARAMETER,
            OpenApiParameter(
                "since",
                {"type": "integer", "minimum": 0, "maximum": 999_999_999},
                description="Return only lines after this line number (for tailing).",
            ),
        ],
        responses={200: OutputSerializer, **ERROR_RESPONSES.only(400, 401, 404)},
        tags=["logs"],
    )
    def get(self, request: Request, feed: str) -> Response:
        since = _non_negative_int(request.query_params.get("since", "0"), name="since")
        return Response(log_feed_tail(feed_name=feed, since=since))


class LogFeedFilenamesApi(APIView):
    """Names of a feed's log files, oldest first."""

    class OutputSerializer(serializers.Serializer):
        feed = serializers.CharField()
        filenames = serializers.ListField(child=serializers.CharField(), help_text="YYYY-MM-DD_n")

    @extend_schema(
        operation_id="logs_feed_filenames",
        parameters=[FEED_PARAMETER],
        responses={200: OutputSerializer, **ERROR_RESPONSES.only(401, 404)},
        tags=["logs"],
    )
    def get(self, request: Request, feed: str) -> Response:
        return Response(log_feed_filenames(feed_name=feed))


class LogFileApi(APIView):
    """All lines of one log file."""

    class OutputSerializer(serializers.Serializer):
        filename = serializers.CharField()
        total_lines = serializers.IntegerField()
        lines = serializers.ListField(child=serializers.CharField())

    @extend_schema(
        operation_id="logs_file",
        parameters=[
            OpenApiParameter(
                "filename",
                {"type": "string", "pattern": f"^{LOG_FILENAME_PATTERN.pattern}$"},
                required=True,
                description="<feed>/<YYYY-MM-DD>_<n>, e.g. program/2026-11-21_0",
            )
        ],
        responses={200: OutputSerializer, **ERROR_RESPONSES.only(400, 401, 404)},
        tags=["logs"],
    )
    def get(self, request: Request) -> Response:
        filename = request.query_params.get("filename")
        if not filename:
            raise BadRequest("The filename query parameter is required, e.g. program/2026-11-21_0")
        return Response(log_file_read(filename=filename))


class LogsClearApi(APIView):
    """Delete every log file of every feed (staff only)."""

    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="logs_clear",
        responses={204: None, **ERROR_RESPONSES.only(401, 403)},
        tags=["logs"],
    )
    def delete(self, request: Request) -> Response:
        logs_clear(user=request.user)
        return Response(status=204)


def _non_negative_int(raw: str, *, name: str) -> int:
    # str.isdigit() accepts "²", which int() rejects: match ASCII digits only.
    if not re.fullmatch(r"[0-9]{1,9}", raw):
        raise BadRequest(f"{name} must be a non-negative integer, was {raw!r}", {name: raw})
    return int(raw)
