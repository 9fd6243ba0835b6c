"""/api/visuals: generate a visual (202 with a job), read its latest JSON (204: never generated)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tc2.program.visuals import RUN_MODES
from webpanel.core.schema import ERROR_RESPONSES
from webpanel.jobs.apis import JobSerializer
from webpanel.visuals.selectors import (
    REQUEST_FIELDS,
    VISUAL_TYPE_NAMES,
    visual_result_get,
    visual_result_list,
    visual_types,
)
from webpanel.visuals.services import visual_generate_submit

VISUAL_TYPE = OpenApiParameter(
    "visual_type",
    OpenApiTypes.STR,
    required=True,
    enum=VISUAL_TYPE_NAMES,
)
SYMBOL = OpenApiParameter(
    "symbol", OpenApiTypes.STR, description="PRICE_GRAPH, DAY_SPREAD, BREAKOUT1_SETUP: the ticker."
)
DAY = OpenApiParameter(
    "day",
    OpenApiTypes.DATE,
    description="BREAKOUT1_SETUP: the session (required); PRICE_GRAPH, DAY_SPREAD: the last "
    "session shown (default: the latest on file).",
)
TIME = OpenApiParameter(
    "time", OpenApiTypes.STR, description="BREAKOUT1_SETUP: HH:MM New York (default 11:00)."
)
MODE = OpenApiParameter("mode", OpenApiTypes.STR, enum=list(RUN_MODES), description="RUN_HISTORY.")
RUN_ID = OpenApiParameter(
    "run_id",
    OpenApiTypes.UUID,
    description="SINGLE_RUN: a succeeded simulate run; EQUITY_CURVE: a succeeded evaluate run "
    "(GET /api/strategy/runs).",
)
CHECK_MOMENT = OpenApiParameter(
    "check_moment",
    OpenApiTypes.STR,
    description="The original's BREAKOUT1_SETUP moment, YYYY/MM/DD_HH:MM:SS (day and time).",
)
PAPER = OpenApiParameter(
    "paper",
    OpenApiTypes.STR,
    description="The original's RUN_HISTORY mode: paper or true (paper), live or false (live).",
)


class VisualResultSerializer(serializers.Serializer):
    """A visual's latest JSON."""

    visual_type = serializers.CharField()
    key = serializers.CharField(
        help_text="What it shows: symbol, symbol:day:HH:MM, run:<run id> or the mode."
    )
    visual = serializers.DictField(help_text="Chart-ready JSON; its shape depends on the type.")
    params = serializers.DictField(help_text="The request it was generated with.")
    last_updated = serializers.DateTimeField(source="generated_at")
    job_id = serializers.UUIDField(allow_null=True, help_text="The job that produced it.")


class VisualGenerateApi(APIView):
    """Generate a visual: ?visual_type=&symbol=&day=&days=&time=&mode=&limit=&run_id=; 202."""

    @extend_schema(
        operation_id="visuals_generate",
        request=None,
        parameters=[
            VISUAL_TYPE,
            SYMBOL,
            DAY,
            TIME,
            MODE,
            RUN_ID,
            OpenApiParameter(
                "days",
                OpenApiTypes.INT,
                description="PRICE_GRAPH, DAY_SPREAD: sessions shown, 1-1000 (default 90).",
            ),
            OpenApiParameter(
                "limit",
                OpenApiTypes.INT,
                description="RUN_HISTORY: the most recent runs shown, 1-1000 (default 30).",
            ),
            CHECK_MOMENT,
            PAPER,
        ],
        responses={202: JobSerializer, **ERROR_RESPONSES.only(401, 409, 422, 503)},
        tags=["visuals"],
    )
    def post(self, request: Request) -> Response:
        query = request.query_params
        job = visual_generate_submit(
            params={name: query.get(name) for name in REQUEST_FIELDS}, user=request.user
        )
        return Response(JobSerializer(job, context={"request": request}).data, status=202)


class VisualGetApi(APIView):
    """A visual's latest JSON: ?visual_type= and its key's fields; 204 when never generated."""

    @extend_schema(
        operation_id="visuals_get",
        parameters=[VISUAL_TYPE, SYMBOL, DAY, TIME, MODE, RUN_ID, CHECK_MOMENT, PAPER],
        responses={
            200: VisualResultSerializer,
            204: OpenApiResponse(description="The visual was never generated."),
            **ERROR_RESPONSES.only(401, 422),
        },
        tags=["visuals"],
    )
    def get(self, request: Request) -> Response:
        query = request.query_params
        result = visual_result_get(params={name: query.get(name) for name in REQUEST_FIELDS})
        if result is None:
            return Response(status=204)
        return Response(VisualResultSerializer(result).data)


class VisualTypeSerializer(serializers.Serializer):
    visual_type = serializers.CharField()
    key_fields = serializers.ListField(
        child=serializers.CharField(), help_text="The fields naming one stored visual."
    )
    description = serializers.CharField()


class VisualSummarySerializer(serializers.Serializer):
    """A stored visual without its JSON."""

    visual_type = serializers.CharField()
    key = serializers.CharField()
    params = serializers.DictField()
    last_updated = serializers.DateTimeField(source="generated_at")
    job_id = serializers.UUIDField(allow_null=True)


class VisualListApi(APIView):
    """The visual types there are and every stored visual (without its JSON)."""

    class OutputSerializer(serializers.Serializer):
        visual_types = VisualTypeSerializer(many=True)
        results = VisualSummarySerializer(many=True)

    @extend_schema(
        operation_id="visuals_list",
        responses={200: OutputSerializer, **ERROR_RESPONSES.only(401)},
        tags=["visuals"],
    )
    def get(self, request: Request) -> Response:
        return Response(
            self.OutputSerializer(
                {"visual_types": visual_types(), "results": visual_result_list()}
            ).data
        )
