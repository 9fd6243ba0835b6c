"""/api/trading/reconciliations: backtest versus live, per traded run (every signed-in user:
reconciling is research, see ``reconciliations``)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from webpanel.core.errors import BadRequest
from webpanel.core.schema import ERROR_RESPONSES
from webpanel.jobs.apis import JobSerializer
from webpanel.trading.models import Mode, ReconciliationReport
from webpanel.trading.reconciliations import (
    REPORT_STATUSES,
    reconciliation_get,
    reconciliation_submit,
    reconciliations_list,
    report_error,
    report_status,
)
from webpanel.trading.selectors import MAX_RUN_ID, NAME_PATTERN

MATCHES = ["matched", "live_only", "sim_only"]
NAME_SCHEMA = {"type": "string", "pattern": f"^{NAME_PATTERN.pattern}$"}


class ReconciliationSideFillSerializer(serializers.Serializer):
    fill_id = serializers.CharField()
    client_order_id = serializers.CharField()
    qty = serializers.FloatField()
    price = serializers.FloatField()
    fee = serializers.FloatField()
    t = serializers.IntegerField(help_text="Epoch s UTC")


class ReconciliationSideOrderSerializer(serializers.Serializer):
    client_order_id = serializers.CharField()
    qty = serializers.FloatField(allow_null=True)
    type = serializers.CharField()
    status = serializers.CharField()
    reason = serializers.CharField(help_text="Why it was refused; empty otherwise")
    t = serializers.IntegerField(help_text="When the run decided it, epoch s UTC")


class ReconciliationFillComparisonSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    side = serializers.ChoiceField(choices=["buy", "sell"])
    role = serializers.ChoiceField(choices=["entry", "exit"])
    match = serializers.ChoiceField(choices=MATCHES)
    live = ReconciliationSideFillSerializer(allow_null=True)
    sim = ReconciliationSideFillSerializer(allow_null=True)
    delay_s = serializers.IntegerField(allow_null=True, help_text="Live - simulated time")
    slippage_bp = serializers.FloatField(
        allow_null=True, help_text="Live price vs simulated, bp; worse for the trader > 0"
    )
    market_move_bp = serializers.FloatField(
        allow_null=True, help_text="The stored market's move between the two fill times, bp"
    )
    pnl_fills = serializers.FloatField()
    pnl_timing = serializers.FloatField()
    pnl_missed = serializers.FloatField()


class ReconciliationOrderComparisonSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    side = serializers.ChoiceField(choices=["buy", "sell"])
    match = serializers.ChoiceField(choices=MATCHES)
    live = ReconciliationSideOrderSerializer(allow_null=True)
    sim = ReconciliationSideOrderSerializer(allow_null=True)
    rejected_live = serializers.BooleanField()
    rejected_sim = serializers.BooleanField()


class ReconciliationSideSummarySerializer(serializers.Serializer):
    first_order_t = serializers.IntegerField(allow_null=True)
    stop_reason = serializers.CharField()
    fills = serializers.IntegerField()
    orders = serializers.IntegerField()
    rejected = serializers.IntegerField()
    fees = serializers.FloatField()
    pnl = serializers.FloatField(
        help_text="Fills' cash flow net of fees, what is held marked to the last stored close"
    )
    open_qty = serializers.DictField(
        child=serializers.FloatField(), help_text="Shares still held at the end, by symbol"
    )


class ReconciliationAttributionSerializer(serializers.Serializer):
    live_pnl = serializers.FloatField()
    sim_pnl = serializers.FloatField()
    total = serializers.FloatField(help_text="live_pnl - sim_pnl = fills + fees + missed + timing")
    fills = serializers.FloatField()
    fees = serializers.FloatField()
    missed = serializers.FloatField()
    timing = serializers.FloatField()


class ReconciliationReportSerializer(serializers.Serializer):
    run_id = serializers.IntegerField(allow_null=True)
    strategy = serializers.CharField()
    mode = serializers.CharField()
    day = serializers.DateField()
    symbols = serializers.ListField(child=serializers.CharField())
    start_t = serializers.IntegerField()
    settings = serializers.DictField()
    settings_source = serializers.ChoiceField(choices=["recorded", "default"])
    identical = serializers.BooleanField()
    counts = serializers.DictField(child=serializers.IntegerField())
    live = ReconciliationSideSummarySerializer()
    sim = ReconciliationSideSummarySerializer()
    attribution = ReconciliationAttributionSerializer()
    fills = ReconciliationFillComparisonSerializer(many=True)
    orders = ReconciliationOrderComparisonSerializer(many=True)
    fingerprint_sim = serializers.CharField()
    notes = serializers.ListField(child=serializers.CharField())


class ReconciliationSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    run = serializers.IntegerField()
    day = serializers.DateField()
    strategy = serializers.CharField()
    mode = serializers.ChoiceField(choices=Mode.values)
    symbols = serializers.ListField(child=serializers.CharField())
    status = serializers.ChoiceField(choices=list(REPORT_STATUSES))
    error = serializers.CharField(help_text="Why there is no report; empty otherwise")
    job = serializers.UUIDField(allow_null=True, help_text="The job that computes it")
    requested_at = serializers.DateTimeField()
    generated_at = serializers.DateTimeField(allow_null=True)
    identical = serializers.BooleanField(
        allow_null=True, help_text="Every fill and order matched with no difference"
    )
    attribution = ReconciliationAttributionSerializer(allow_null=True)


class ReconciliationDetailSerializer(ReconciliationSummarySerializer):
    report = ReconciliationReportSerializer(
        allow_null=True, help_text="The latest report (null until one)"
    )


def _summary(row: ReconciliationReport) -> dict[str, Any]:
    report = row.report
    return {
        "id": row.pk,
        "run": row.run_id,
        "day": row.day,
        "strategy": row.run.strategy,
        "mode": row.run.mode,
        "symbols": list(row.run.symbols),
        "status": report_status(row),
        "error": report_error(row),
        "job": row.job_id,
        "requested_at": row.requested_at,
        "generated_at": row.generated_at,
        "identical": None if report is None else bool(report.get("identical")),
        "attribution": None if report is None else report.get("attribution"),
    }


class TradingReconciliationsApi(APIView):
    """Backtest versus live. GET: the reconciliations of a day (summaries). POST: re-run a
    day's ended REPLAY/PAPER/LIVE runs (or one run, or one strategy's) through the simulator
    and compare; 202 with the job, whose success stores each run's report."""

    class InputSerializer(serializers.Serializer):
        day = serializers.DateField(help_text="The traded session (New York date)")
        run = serializers.IntegerField(
            required=False, min_value=1, max_value=MAX_RUN_ID, help_text="Only this algo_run"
        )
        strategy = serializers.RegexField(
            NAME_PATTERN, required=False, help_text="Only this strategy's runs"
        )

    class OutputSerializer(serializers.Serializer):
        reconciliations = ReconciliationSummarySerializer(many=True)

    @extend_schema(
        operation_id="trading_reconciliations_list",
        parameters=[
            OpenApiParameter("day", OpenApiTypes.DATE, description="A New York trading day"),
            OpenApiParameter("strategy", NAME_SCHEMA, description="The strategy's name"),
            OpenApiParameter("mode", OpenApiTypes.STR, enum=Mode.values),
        ],
        responses={200: OutputSerializer, **ERROR_RESPONSES.only(400, 401)},
        tags=["trading"],
    )
    def get(self, request: Request) -> Response:
        query = request.query_params
        rows = reconciliations_list(
            day=query.get("day"), strategy=query.get("strategy"), mode=query.get("mode")
        )
        return Response({"reconciliations": [_summary(row) for row in rows[:500]]})

    @extend_schema(
        operation_id="trading_reconciliations_run",
        request=InputSerializer,
        responses={202: JobSerializer, **ERROR_RESPONSES.only(400, 401, 409, 422, 503)},
        tags=["trading"],
    )
    def post(self, request: Request) -> Response:
        if not isinstance(request.data, dict):
            raise BadRequest("The body must be a JSON object.")
        job = reconciliation_submit(params=dict(request.data), user=request.user)
        return Response(JobSerializer(job, context={"request": request}).data, status=202)


class TradingReconciliationDetailApi(APIView):
    """One run's reconciliation with its whole report."""

    @extend_schema(
        operation_id="trading_reconciliation_get",
        parameters=[
            OpenApiParameter(
                "report_id",
                {"type": "integer", "minimum": 1, "maximum": MAX_RUN_ID},
                OpenApiParameter.PATH,
            )
        ],
        responses={200: ReconciliationDetailSerializer, **ERROR_RESPONSES.only(401, 404)},
        tags=["trading"],
    )
    def get(self, request: Request, report_id: str) -> Response:
        row = reconciliation_get(report_id=report_id)
        return Response({**_summary(row), "report": row.report})
