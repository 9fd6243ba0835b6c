"""/api/data: symbols, dates, bars, status; import and collection jobs (202 with a job)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tc2.data.adjustments import Adjustment
from tc2.program.data_jobs import HEAL_PARAMS, IMPORT_PARAMS, RANGE_PARAMS, RECOLLECT_QUERY
from tc2.program.job_params import TICKER_RULE, ticker_schema
from webpanel.core.errors import BadRequest
from webpanel.core.permissions import IsStaff
from webpanel.core.schema import ERROR_RESPONSES, params_serializer, query_parameters
from webpanel.data.selectors import (
    data_bars,
    data_coverage,
    data_dates,
    data_status,
    data_symbols,
    parse_adjustment,
    parse_day,
    parse_resolution,
    parse_symbol,
)
from webpanel.data.services import collection_attempts_reset, data_import_submit, data_job_submit
from webpanel.jobs.apis import JobSerializer

RESOLUTION = OpenApiParameter("resolution", OpenApiTypes.STR, enum=["1m", "1s", "1d"])
SYMBOL = OpenApiParameter(
    "symbol", ticker_schema(), OpenApiParameter.PATH, description=f"A ticker: {TICKER_RULE}."
)


def _accepted(job: Any, request: Request) -> Response:
    return Response(JobSerializer(job, context={"request": request}).data, status=202)


class DataSymbolsApi(APIView):
    """The symbol universe (settings) and the symbols with bars on file."""

    class OutputSerializer(serializers.Serializer):
        universe = serializers.ListField(child=serializers.CharField())
        on_file = serializers.ListField(child=serializers.CharField())

    @extend_schema(
        operation_id="data_symbols",
        responses={200: OutputSerializer, **ERROR_RESPONSES.only(401)},
        tags=["data"],
    )
    def get(self, request: Request) -> Response:
        return Response(data_symbols())


class DataDatesApi(APIView):
    """Session dates on file for a symbol."""

    class OutputSerializer(serializers.Serializer):
        symbol = serializers.CharField()
        resolution = serializers.CharField()
        dates = serializers.ListField(child=serializers.DateField())

    @extend_schema(
        operation_id="data_dates",
        parameters=[
            SYMBOL,
            OpenApiParameter("start", OpenApiTypes.DATE),
            OpenApiParameter("end", OpenApiTypes.DATE),
            RESOLUTION,
        ],
        responses={200: OutputSerializer, **ERROR_RESPONSES.only(400, 401, 422)},
        tags=["data"],
    )
    def get(self, request: Request, symbol: str) -> Response:
        query = request.query_params
        return Response(
            data_dates(
                symbol=parse_symbol(symbol),
                start=parse_day(query.get("start"), "start"),
                end=parse_day(query.get("end"), "end"),
                resolution=parse_resolution(query.get("resolution")),
            )
        )


class DataBarsApi(APIView):
    """One symbol-day's bars as columns; t is the bar start in UTC epoch seconds."""

    class OutputSerializer(serializers.Serializer):
        symbol = serializers.CharField()
        day = serializers.DateField()
        resolution = serializers.CharField()
        rth = serializers.BooleanField()
        count = serializers.IntegerField()
        t = serializers.ListField(child=serializers.IntegerField())
        o = serializers.ListField(child=serializers.FloatField())
        h = serializers.ListField(child=serializers.FloatField())
        l = serializers.ListField(child=serializers.FloatField())  # noqa: E741
        c = serializers.ListField(child=serializers.FloatField())
        v = serializers.ListField(child=serializers.FloatField())

    @extend_schema(
        operation_id="data_bars",
        parameters=[
            SYMBOL,
            OpenApiParameter("day", OpenApiTypes.DATE, required=True),
            RESOLUTION,
            OpenApiParameter(
                "rth", OpenApiTypes.INT, enum=[0, 1], description="1: regular hours only"
            ),
            OpenApiParameter(
                "adjustment",
                OpenApiTypes.STR,
                enum=[member.value for member in Adjustment],
                description="Back-adjust prices and volumes as a run did (default raw).",
            ),
            OpenApiParameter(
                "reference",
                OpenApiTypes.DATE,
                description="The session adjusted to, a run's last (default: the day).",
            ),
        ],
        responses={200: OutputSerializer, **ERROR_RESPONSES.only(400, 401, 404)},
        tags=["data"],
    )
    def get(self, request: Request, symbol: str) -> Response:
        query = request.query_params
        day = parse_day(query.get("day"), "day")
        if day is None:
            raise BadRequest("day is required, e.g. ?day=2026-11-20")
        rth = query.get("rth", "0")
        if rth not in ("0", "1"):
            raise BadRequest(f"rth must be 0 or 1, was {rth!r}")
        return Response(
            data_bars(
                symbol=parse_symbol(symbol),
                day=day,
                resolution=parse_resolution(query.get("resolution")),
                rth=rth == "1",
                adjustment=parse_adjustment(query.get("adjustment")),
                reference=parse_day(query.get("reference"), "reference"),
            )
        )


class InvalidDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    reasons = serializers.ListField(child=serializers.CharField())


class SymbolCoverageSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    sessions_on_file = serializers.IntegerField()
    first_day = serializers.DateField(
        allow_null=True, help_text="The first session on file (New York date)."
    )
    last_day = serializers.DateField(
        allow_null=True, help_text="The last session on file (New York date)."
    )
    missing_days = serializers.ListField(
        child=serializers.DateField(),
        help_text="Sessions between the first and the last on file with no data.",
    )
    checked = serializers.IntegerField(
        help_text="The last sessions on file that were validated (at most 40; none for 1d)."
    )
    valid = serializers.IntegerField()
    invalid = InvalidDaySerializer(many=True)


class DataStatusApi(APIView):
    """Per symbol: sessions on file, the first and last, the sessions missing between them; of
    the last 40 on file, how many are valid, the rest with reasons."""

    class OutputSerializer(serializers.Serializer):
        resolution = serializers.CharField()
        symbols = SymbolCoverageSerializer(many=True)

    @extend_schema(
        operation_id="data_status",
        parameters=[RESOLUTION],
        responses={200: OutputSerializer, **ERROR_RESPONSES.only(400, 401)},
        tags=["data"],
    )
    def get(self, request: Request) -> Response:
        return Response(
            data_status(resolution=parse_resolution(request.query_params.get("resolution")))
        )


class DailyCandleSerializer(serializers.Serializer):
    open = serializers.FloatField()
    high = serializers.FloatField()
    low = serializers.FloatField()
    close = serializers.FloatField()
    volume = serializers.FloatField()


class SessionCoverageSerializer(serializers.Serializer):
    day = serializers.DateField(help_text="New York session date.")
    on_file = serializers.BooleanField()
    session_minutes = serializers.IntegerField(help_text="210 on an early close, else 390.")
    covered_minutes = serializers.IntegerField(
        help_text="Minutes of the regular session with at least one bar."
    )
    coverage_pct = serializers.FloatField(help_text="covered_minutes of session_minutes, in %.")
    valid = serializers.BooleanField(
        allow_null=True, help_text="Null when not one of the last 40 sessions on file checked."
    )
    candle = DailyCandleSerializer(allow_null=True, help_text="Regular hours; null without bars.")


class DataCoverageApi(APIView):
    """A symbol's price and coverage chart: its status row (the figures /api/data/status gives)
    and each session from the first on file to the last (the latest 1000)."""

    class OutputSerializer(SymbolCoverageSerializer):
        resolution = serializers.CharField()
        window_start = serializers.DateField(allow_null=True)
        window_end = serializers.DateField(allow_null=True)
        sessions = SessionCoverageSerializer(many=True)

    @extend_schema(
        operation_id="data_coverage",
        parameters=[SYMBOL, RESOLUTION],
        responses={200: OutputSerializer, **ERROR_RESPONSES.only(400, 401)},
        tags=["data"],
    )
    def get(self, request: Request, symbol: str) -> Response:
        return Response(
            data_coverage(
                symbol=parse_symbol(symbol),
                resolution=parse_resolution(request.query_params.get("resolution")),
            )
        )


class DataImportApi(APIView):
    """Upload a bar file; every row is checked first (422 lists bad rows), then a job saves it."""

    permission_classes = [IsStaff]
    parser_classes = [MultiPartParser]

    class InputSerializer(params_serializer(IMPORT_PARAMS, qualname="DataImportApi.Options")):
        file = serializers.FileField(help_text="The bar file, UTF-8 text, at most 200 MB.")

    @extend_schema(
        operation_id="data_import",
        request={"multipart/form-data": InputSerializer},
        responses={202: JobSerializer, **ERROR_RESPONSES.only(400, 401, 403, 409, 415, 422, 503)},
        tags=["data"],
    )
    def post(self, request: Request) -> Response:
        options = {name: request.data.get(name) for name in request.data if name != "file"}
        job = data_import_submit(
            upload=request.FILES.get("file"), options=options, user=request.user
        )
        return _accepted(job, request)


class DataRecollectApi(APIView):
    """Delete and collect again: ?symbol=&start_date= (to the last completed session)."""

    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="data_recollect",
        request=None,
        parameters=query_parameters(RECOLLECT_QUERY),
        responses={202: JobSerializer, **ERROR_RESPONSES.only(400, 401, 403, 409, 422, 503)},
        tags=["data"],
    )
    def post(self, request: Request) -> Response:
        query = request.query_params
        params = {
            "symbols": [parse_symbol(query.get("symbol", ""))],
            "start_date": query.get("start_date"),
        }
        if query.get("end_date"):
            params["end_date"] = query.get("end_date")
        job = data_job_submit(
            job_type="data_recollect",
            params=params,
            user=request.user,
            renamed={"symbols": "symbol"},
        )
        return _accepted(job, request)


class DataPatchApi(APIView):
    """Collect missing or invalid sessions: {symbols, start_date[, end_date]}."""

    permission_classes = [IsStaff]

    InputSerializer = params_serializer(RANGE_PARAMS, qualname="DataPatchApi.InputSerializer")

    @extend_schema(
        operation_id="data_patch",
        request=InputSerializer,
        responses={202: JobSerializer, **ERROR_RESPONSES.only(400, 401, 403, 409, 422, 503)},
        tags=["data"],
    )
    def post(self, request: Request) -> Response:
        return _accepted(
            data_job_submit(job_type="data_patch", params=_object(request), user=request.user),
            request,
        )


class DataHealApi(APIView):
    """Patch the last 30 sessions of {symbols} (default: the universe), skipping hopeless days."""

    permission_classes = [IsStaff]

    InputSerializer = params_serializer(HEAL_PARAMS, qualname="DataHealApi.InputSerializer")

    @extend_schema(
        operation_id="data_heal",
        request=InputSerializer,
        responses={202: JobSerializer, **ERROR_RESPONSES.only(400, 401, 403, 409, 422, 503)},
        tags=["data"],
    )
    def post(self, request: Request) -> Response:
        params = _object(request)
        if "symbols" not in params:
            from webpanel.configuration.selectors import trading_settings_get

            params["symbols"] = list(trading_settings_get().settings.symbols)
        return _accepted(
            data_job_submit(job_type="data_heal", params=params, user=request.user), request
        )


class DataResetAttemptsApi(APIView):
    """Forget failed collection attempts, so heal tries every day again."""

    permission_classes = [IsStaff]

    class OutputSerializer(serializers.Serializer):
        reset = serializers.IntegerField()

    @extend_schema(
        operation_id="data_reset_collection_attempts",
        request=None,
        responses={200: OutputSerializer, **ERROR_RESPONSES.only(401, 403)},
        tags=["data"],
    )
    def post(self, request: Request) -> Response:
        return Response({"reset": collection_attempts_reset(user=request.user)})


def _object(request: Request) -> dict[str, Any]:
    if not isinstance(request.data, dict):
        raise BadRequest("The body must be a JSON object.")
    return dict(request.data)
