"""/api/trading/risk: the risk controls (every signed-in user reads); the kill switch and the
flatten request (staff)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tc2.execution.kill_switch import MAX_WHY, RiskState
from webpanel.core.errors import BadRequest
from webpanel.core.permissions import IsStaff
from webpanel.core.schema import ERROR_RESPONSES
from webpanel.risk.selectors import risk_get
from webpanel.risk.services import risk_flatten_request, risk_state_set
from webpanel.trading.models import Mode

STATES = [state.value for state in RiskState]


class RiskSwitchSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=STATES)
    who = serializers.CharField(help_text="Who set it: a user, or 'risk engine'")
    why = serializers.CharField()
    at = serializers.FloatField(allow_null=True, help_text="epoch seconds; null: never set")
    seq = serializers.IntegerField(help_text="Changes made so far")
    flatten = serializers.IntegerField(help_text="Flatten requests made so far")


class RiskTransitionSerializer(serializers.Serializer):
    id = serializers.CharField()
    kind = serializers.ChoiceField(choices=["state", "flatten"])
    before = serializers.ChoiceField(choices=STATES)
    after = serializers.ChoiceField(choices=STATES)
    who = serializers.CharField()
    why = serializers.CharField()
    at = serializers.FloatField(help_text="epoch seconds")
    seq = serializers.IntegerField()


class RiskRefusalSerializer(serializers.Serializer):
    at = serializers.FloatField(help_text="epoch seconds, on the trader's clock")
    trader = serializers.CharField()
    rule = serializers.CharField(
        help_text="kill_switch, daily_loss, open_positions, symbol_exposure, total_exposure, "
        "order_rate, risk_unavailable"
    )
    message = serializers.CharField(help_text="The rule and its figures")
    symbol = serializers.CharField()
    side = serializers.CharField()
    qty = serializers.FloatField(allow_null=True)
    notional = serializers.FloatField(allow_null=True)
    client_order_id = serializers.CharField(allow_null=True)


class RiskLimitValuesSerializer(serializers.Serializer):
    daily_loss_limit_usd = serializers.FloatField(allow_null=True)
    daily_loss_limit_pct = serializers.FloatField(allow_null=True)
    max_symbol_exposure_usd = serializers.FloatField(allow_null=True)
    max_total_exposure_usd = serializers.FloatField(allow_null=True)
    max_open_positions = serializers.IntegerField(allow_null=True)
    max_orders_per_minute = serializers.IntegerField(allow_null=True)


class RiskExposureSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    exposure = serializers.FloatField(help_text="|qty| x mark, dollars, over the traders")


class RiskChangeSerializer(serializers.Serializer):
    changed = serializers.BooleanField(help_text="False: it already was in that state")
    switch = RiskSwitchSerializer()
    transition = RiskTransitionSerializer(allow_null=True)


def _object(request: Request) -> dict[str, Any]:
    if request.data in (None, ""):
        return {}
    if not isinstance(request.data, dict):
        raise BadRequest("The body must be a JSON object.")
    return dict(request.data)


class RiskApi(APIView):
    """The kill switch with its latest changes, the limits, today's loss against the daily
    limit, the exposures held and the latest refusals."""

    class OutputSerializer(serializers.Serializer):
        switch = RiskSwitchSerializer()
        history = RiskTransitionSerializer(many=True, help_text="Newest first")
        refusals = RiskRefusalSerializer(many=True, help_text="Newest first")
        limits = RiskLimitValuesSerializer()
        day = serializers.DateField(help_text="The New York session the figures are for")
        market_t = serializers.FloatField(help_text="The clock read at (the replay clock)")
        mode = serializers.ChoiceField(choices=Mode.values, allow_null=True)
        day_start_equity = serializers.FloatField(allow_null=True)
        equity = serializers.FloatField(allow_null=True)
        day_loss = serializers.FloatField(
            allow_null=True, help_text="Start-of-day equity less equity; negative: a gain"
        )
        day_loss_pct = serializers.FloatField(allow_null=True, help_text="Fraction")
        day_loss_limit = serializers.FloatField(
            allow_null=True, help_text="The tighter of the $ and % limits, in dollars"
        )
        orders_last_minute = serializers.IntegerField()
        exposures = RiskExposureSerializer(many=True)
        total_exposure = serializers.FloatField()
        open_positions = serializers.IntegerField()

    @extend_schema(
        operation_id="trading_risk",
        responses={200: OutputSerializer, **ERROR_RESPONSES.only(401, 503)},
        tags=["trading"],
    )
    def get(self, request: Request) -> Response:
        return Response(risk_get())


class RiskStateApi(APIView):
    """Set the kill switch (staff): ACTIVE, REDUCING (only orders that reduce positions) or
    HALTED (every order refused, open orders cancelled)."""

    permission_classes = [IsStaff]

    class InputSerializer(serializers.Serializer):
        closed = True  # undeclared keys are refused (422)
        state = serializers.ChoiceField(choices=STATES)
        why = serializers.CharField(max_length=MAX_WHY, help_text="Logged with the change")
        expect = serializers.ChoiceField(
            choices=STATES,
            required=False,
            allow_null=True,
            help_text="Change only from this state; another: 409, nothing changed. "
            "Absent or null: from any state",
        )

    @extend_schema(
        operation_id="trading_risk_state",
        request=InputSerializer,
        responses={
            200: RiskChangeSerializer,
            **ERROR_RESPONSES.only(400, 401, 403, 409, 422, 503),
        },
        tags=["trading"],
    )
    def post(self, request: Request) -> Response:
        return Response(risk_state_set(body=_object(request), user=request.user))


class RiskFlattenApi(APIView):
    """Ask every trader to close its positions at market, once (staff; HALTED only, else 422)."""

    permission_classes = [IsStaff]

    class InputSerializer(serializers.Serializer):
        closed = True  # undeclared keys are refused (422)
        why = serializers.CharField(max_length=MAX_WHY, help_text="Logged with the request")

    @extend_schema(
        operation_id="trading_risk_flatten",
        request=InputSerializer,
        responses={200: RiskChangeSerializer, **ERROR_RESPONSES.only(400, 401, 403, 422, 503)},
        tags=["trading"],
    )
    def post(self, request: Request) -> Response:
        return Response(risk_flatten_request(body=_object(request), user=request.user))
