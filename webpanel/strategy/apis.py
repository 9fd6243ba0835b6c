"""/api/strategy: the strategies there are and the files staff added; simulate a day or evaluate a
range (202 with a job)."""

from __future__ import annotations

import re
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tc2.program.strategy_jobs import EVALUATE_PARAMS, SIMULATE_PARAMS
from webpanel.core.errors import BadRequest
from webpanel.core.permissions import StaffForChanges
from webpanel.core.schema import ERROR_RESPONSES, params_serializer
from webpanel.jobs.models import JobStatus
from webpanel.strategy.models import RunKind
from webpanel.strategy.selectors import (
    MAX_LIST,
    strategy_file_get,
    strategy_file_list,
    strategy_list,
    strategy_run_get,
    strategy_run_list,
)
from webpanel.strategy.services import (
    strategy_evaluate_submit,
    strategy_file_add,
    strategy_file_remove,
    strategy_simulate_submit,
)

STRATEGY_NAME_HELP = (
    "A registered strategy: a built-in or a class of an uploaded strategy file "
    "(GET /api/strategy/list). Paths to files are refused (422)."
)


class StrategyRunSerializer(serializers.Serializer):
    """A run's request and outcome, with its job's status; no result payload."""

    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=RunKind.choices)
    strategy = serializers.CharField()
    symbols = serializers.ListField(child=serializers.CharField())
    params = serializers.DictField(help_text="Every strategy parameter's value.")
    day = serializers.DateField(allow_null=True, help_text="simulate: the session")
    start = serializers.DateField(allow_null=True, help_text="evaluate: first day")
    end = serializers.DateField(allow_null=True, help_text="evaluate: last day")
    fill_model = serializers.CharField()
    job_id = serializers.UUIDField(help_text="GET /api/jobs/{id} follows it; cancel it there.")
    status = serializers.ChoiceField(choices=JobStatus.choices, source="job.status")
    progress = serializers.FloatField(source="job.progress", help_text="0-100")
    progress_message = serializers.CharField(source="job.progress_message")
    error = serializers.CharField(source="job.error", help_text="Why it failed; empty otherwise.")
    fingerprint = serializers.CharField(
        help_text="sha256 of the fills: equal inputs give equal fingerprints. Empty until done."
    )
    profit = serializers.FloatField(allow_null=True, help_text="Net dollars after fees.")
    requested_by = serializers.CharField(allow_null=True, source="job.requested_by.username")
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


def _accepted(run: Any) -> Response:
    return Response(StrategyRunSerializer(run).data, status=202)


def _object(request: Request) -> dict[str, Any]:
    if not isinstance(request.data, dict):
        raise BadRequest("The body must be a JSON object.")
    return dict(request.data)


class StrategyParameterSerializer(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.ChoiceField(choices=["int", "float", "bool"])
    default = serializers.JSONField()
    low = serializers.FloatField(allow_null=True, help_text="Inclusive bound of numbers.")
    high = serializers.FloatField(allow_null=True, help_text="Inclusive bound of numbers.")
    description = serializers.CharField()


class StrategyWindowSerializer(serializers.Serializer):
    start = serializers.CharField(help_text="HH:MM New York")
    end = serializers.CharField(help_text="HH:MM New York")


class StrategyDescriptionSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The name to simulate it by.")
    kind = serializers.ChoiceField(choices=["day", "swing"])
    description = serializers.CharField(help_text="The class docstring: its rules.")
    resolution = serializers.ChoiceField(
        choices=["1s", "1m", "1d"], help_text="Bars it trades on by default."
    )
    resolutions = serializers.ListField(
        child=serializers.ChoiceField(choices=["1s", "1m", "1d"]),
        help_text="Every resolution a run may pick (the request's resolution), its own first.",
    )
    active_windows = StrategyWindowSerializer(many=True)
    default_symbols = serializers.ListField(child=serializers.CharField())
    fixed_symbols = serializers.BooleanField(help_text="Always trades its default symbols.")
    parameters = StrategyParameterSerializer(many=True)
    required_models = serializers.ListField(child=serializers.CharField())
    experimental = serializers.BooleanField(help_text="Not allowed to trade live.")
    origin = serializers.ChoiceField(
        choices=["builtin", "uploaded"], help_text="Built into TC2, or from a strategy file."
    )
    file = serializers.CharField(allow_null=True, help_text="The strategy file; null: built-in.")


class StrategyListApi(APIView):
    """Every registered strategy (built-ins, day first; then uploaded ones): kind, docstring,
    windows, parameters."""

    class OutputSerializer(serializers.Serializer):
        strategies = StrategyDescriptionSerializer(many=True)

    @extend_schema(
        operation_id="strategy_list",
        responses={200: OutputSerializer, **ERROR_RESPONSES.only(401)},
        tags=["strategy"],
    )
    def get(self, request: Request) -> Response:
        return Response({"strategies": strategy_list()})


class StrategySimulateDayApi(APIView):
    """Simulate a strategy on one day of LIVE bars; 422 names every bad field, no job; 409 while an
    identical simulation is queued or running."""

    InputSerializer = params_serializer(
        SIMULATE_PARAMS, qualname="StrategySimulateDayApi.InputSerializer"
    )

    @extend_schema(
        operation_id="strategy_simulate_day",
        request=InputSerializer,
        responses={202: StrategyRunSerializer, **ERROR_RESPONSES.only(400, 401, 409, 422, 503)},
        tags=["strategy"],
    )
    def post(self, request: Request) -> Response:
        return _accepted(strategy_simulate_submit(params=_object(request), user=request.user))


class StrategyEvaluateApi(APIView):
    """Evaluate a strategy on symbols over a date range; 422 names every bad field, no job."""

    InputSerializer = params_serializer(
        EVALUATE_PARAMS, qualname="StrategyEvaluateApi.InputSerializer"
    )

    @extend_schema(
        operation_id="strategy_evaluate",
        request=InputSerializer,
        responses={202: StrategyRunSerializer, **ERROR_RESPONSES.only(400, 401, 422, 503)},
        tags=["strategy"],
    )
    def post(self, request: Request) -> Response:
        return _accepted(strategy_evaluate_submit(params=_object(request), user=request.user))


class StrategyRunListApi(APIView):
    """Strategy runs, newest first, without their result payloads."""

    class OutputSerializer(serializers.Serializer):
        runs = StrategyRunSerializer(many=True)

    @extend_schema(
        operation_id="strategy_runs_list",
        parameters=[
            OpenApiParameter("kind", OpenApiTypes.STR, enum=RunKind.values),
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 0, "maximum": 9999},
                description=f"How many, newest first (default 50; more than {MAX_LIST} give "
                f"{MAX_LIST}).",
            ),
        ],
        responses={200: OutputSerializer, **ERROR_RESPONSES.only(400, 401)},
        tags=["strategy"],
    )
    def get(self, request: Request) -> Response:
        limit_raw = request.query_params.get("limit", "50")
        if not re.fullmatch(r"[0-9]{1,4}", limit_raw):
            raise BadRequest(f"limit must be an integer up to {MAX_LIST}, was {limit_raw!r}")
        runs = strategy_run_list(kind=request.query_params.get("kind"), limit=int(limit_raw))
        return Response({"runs": StrategyRunSerializer(runs, many=True).data})


class StrategyRunDetailApi(APIView):
    """One run: its request, its job's status, and when done the full result."""

    class OutputSerializer(StrategyRunSerializer):
        result = serializers.DictField(
            allow_null=True,
            help_text="The run record (simulate) or evaluation (evaluate); null until done.",
        )

    @extend_schema(
        operation_id="strategy_runs_get",
        responses={200: OutputSerializer, **ERROR_RESPONSES.only(401, 404)},
        tags=["strategy"],
    )
    def get(self, request: Request, run_id: str) -> Response:
        return Response(self.OutputSerializer(strategy_run_get(run_id=run_id)).data)


class StrategyFileSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The file name, e.g. my_strategy.py.")
    size = serializers.IntegerField(help_text="Bytes.")
    sha256 = serializers.CharField()
    modified = serializers.DateTimeField(help_text="When it was stored (UTC).")
    strategies = serializers.ListField(
        child=serializers.CharField(), help_text="The strategy classes it registers."
    )
    problems = serializers.ListField(
        child=serializers.CharField(),
        help_text="Why a class could not be read or registered (files placed by hand).",
    )


class StrategyFileListApi(APIView):
    """Strategy files staff added (read without running them); uploading one (staff only)."""

    permission_classes = [StaffForChanges]
    parser_classes = [MultiPartParser]

    class ListOutputSerializer(serializers.Serializer):
        files = StrategyFileSerializer(many=True)

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(
            help_text="A Python file (<= 256 KB) with Strategy subclasses whose declarations "
            "are literals, Parameter(...), ActiveWindow(...) and names from tc2; it is read, "
            "not run, until a simulation asks for it."
        )

    @extend_schema(
        operation_id="strategy_files_list",
        responses={200: ListOutputSerializer, **ERROR_RESPONSES.only(401)},
        tags=["strategy"],
    )
    def get(self, request: Request) -> Response:
        return Response({"files": strategy_file_list()})

    @extend_schema(
        operation_id="strategy_files_upload",
        request={"multipart/form-data": InputSerializer},
        responses={
            201: StrategyFileSerializer,
            **ERROR_RESPONSES.only(400, 401, 403, 409, 415, 422),
        },
        tags=["strategy"],
    )
    def post(self, request: Request) -> Response:
        added = strategy_file_add(upload=request.FILES.get("file"), user=request.user)
        return Response(added, status=201)


class StrategyFileDetailApi(APIView):
    """One strategy file with its source; removing it (staff only)."""

    permission_classes = [StaffForChanges]

    class OutputSerializer(StrategyFileSerializer):
        source = serializers.CharField(help_text="The file's text.")

    @extend_schema(
        operation_id="strategy_files_get",
        responses={200: OutputSerializer, **ERROR_RESPONSES.only(401, 404)},
        tags=["strategy"],
    )
    def get(self, request: Request, name: str) -> Response:
        return Response(strategy_file_get(name=name))

    @extend_schema(
        operation_id="strategy_files_remove",
        responses={204: None, **ERROR_RESPONSES.only(401, 403, 404)},
        tags=["strategy"],
    )
    def delete(self, request: Request, name: str) -> Response:
        strategy_file_remove(name=name, user=request.user)
        return Response(status=204)
