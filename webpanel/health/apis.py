"""/api/health_checks: perform a check (202 with a job), read its latest result (204: never run)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from webpanel.core.schema import ERROR_RESPONSES
from webpanel.health.models import HealthStatus
from webpanel.health.selectors import (
    health_check_result_get,
    health_check_result_list,
    health_check_types,
)
from webpanel.health.services import health_check_submit
from webpanel.jobs.apis import JobSerializer

CHECK_TYPE = OpenApiParameter(
    "check_type",
    OpenApiTypes.STR,
    required=True,
    description="STORE, PROVIDER, DATA, DIP45, MODEL_FEEDING, SIM_TIMINGS, SIM_OUTPUT or ALPACA "
    "(the original's MONGO, POLYGON, SIMULATION_TIMINGS, SIMULATION_OUTPUT too).",
)
SYMBOL = OpenApiParameter(
    "symbol",
    OpenApiTypes.STR,
    description="DATA, DIP45, MODEL_FEEDING, SIM_TIMINGS, SIM_OUTPUT: the symbol (default: the "
    "settings' first); the other checks take none.",
)


class HealthCheckResultSerializer(serializers.Serializer):
    """A check's latest result."""

    check_type = serializers.CharField()
    symbol = serializers.CharField(help_text="Empty for checks without a symbol.")
    status = serializers.ChoiceField(choices=HealthStatus.choices)
    debug_messages = serializers.ListField(
        child=serializers.CharField(), help_text="Problems first, then notes."
    )
    figures = serializers.DictField(help_text="What the check measured, by name.")
    params = serializers.DictField(help_text="The request the check ran with.")
    last_updated = serializers.DateTimeField(source="checked_at")
    duration_s = serializers.FloatField(allow_null=True)
    job_id = serializers.UUIDField(allow_null=True, help_text="The job that produced it.")


class HealthCheckPerformApi(APIView):
    """Start a health check: ?check_type=&symbol=&day_date= (SIM_OUTPUT); 202 with the job."""

    @extend_schema(
        operation_id="health_checks_perform",
        request=None,
        parameters=[
            CHECK_TYPE,
            SYMBOL,
            OpenApiParameter(
                "day_date",
                OpenApiTypes.STR,
                description="SIM_OUTPUT only: YYYY-MM-DD or YYYY/MM/DD, a session with 1-second "
                "bars on file (default: the last one).",
            ),
        ],
        responses={202: JobSerializer, **ERROR_RESPONSES.only(401, 409, 422, 503)},
        tags=["health_checks"],
    )
    def post(self, request: Request) -> Response:
        query = request.query_params
        job = health_check_submit(
            params={name: query.get(name) for name in ("check_type", "symbol", "day_date")},
            user=request.user,
        )
        return Response(JobSerializer(job, context={"request": request}).data, status=202)


class HealthCheckGetApi(APIView):
    """The latest result of a check: ?check_type=&symbol=; 204 when it never ran."""

    @extend_schema(
        operation_id="health_checks_get",
        parameters=[CHECK_TYPE, SYMBOL],
        responses={
            200: HealthCheckResultSerializer,
            204: OpenApiResponse(description="The check never ran (for that symbol)."),
            **ERROR_RESPONSES.only(401, 422),
        },
        tags=["health_checks"],
    )
    def get(self, request: Request) -> Response:
        query = request.query_params
        result = health_check_result_get(
            check_type=query.get("check_type"), symbol=query.get("symbol")
        )
        if result is None:
            return Response(status=204)
        return Response(HealthCheckResultSerializer(result).data)


class HealthCheckTypeSerializer(serializers.Serializer):
    check_type = serializers.CharField()
    takes_symbol = serializers.BooleanField()
    takes_day = serializers.BooleanField()
    description = serializers.CharField()


class HealthCheckListApi(APIView):
    """The checks there are and every check's latest result."""

    class OutputSerializer(serializers.Serializer):
        check_types = HealthCheckTypeSerializer(many=True)
        results = HealthCheckResultSerializer(many=True)

    @extend_schema(
        operation_id="health_checks_list",
        responses={200: OutputSerializer, **ERROR_RESPONSES.only(401)},
        tags=["health_checks"],
    )
    def get(self, request: Request) -> Response:
        return Response(
            self.OutputSerializer(
                {"check_types": health_check_types(), "results": health_check_result_list()}
            ).data
        )
