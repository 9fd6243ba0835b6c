"""/api/strategy: the strategies there are; simulate a day or evaluate a range (202 with a job)."""

from __future__ import annotations

import re
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tc2.program.strategy_jobs import EVALUATE_PARAMS, SIMULATE_PARAMS
from webpanel.core.errors import BadRequest
from webpanel.core.schema import ERROR_RESPONSES, params_serializer
from webpanel.jobs.models import JobStatus
from webpanel.strategy.models import RunKind
from webpanel.strategy.selectors import (
    MAX_LIST,
    strategy_list,
    strategy_run_get,
    strategy_run_list,
)
from webpanel.strategy.services import strategy_evaluate_submit, strategy_simulate_submit


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
    resolution = serializers.ChoiceField(choices=["1s", "1m"], help_text="Bars it trades on.")
    active_windows = StrategyWindowSerializer(many=True)
    default_symbols = serializers.ListField(child=serializers.CharField())
    fixed_symbols = serializers.BooleanField(help_text="Always trades its default symbols.")
    parameters = StrategyParameterSerializer(many=True)
    required_models = serializers.ListField(child=serializers.CharField())
    experimental = serializers.BooleanField(help_text="Not allowed to trade live.")


class StrategyListApi(APIView):
    """Every built-in strategy, day strategies first: kind, docstring, windows, parameters."""

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
    """Simulate a strategy on one day of LIVE bars; 422 names every bad field, no job."""

    InputSerializer = params_serializer(
        SIMULATE_PARAMS, qualname="StrategySimulateDayApi.InputSerializer"
    )

    @extend_schema(
        operation_id="strategy_simulate_day",
        request=InputSerializer,
        responses={202: StrategyRunSerializer, **ERROR_RESPONSES.only(400, 401, 422, 503)},
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
