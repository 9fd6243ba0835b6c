"""GET/PATCH /api/settings."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tc2.env.notification_settings import ALL_EVENTS
from webpanel.configuration.selectors import trading_settings_get
from webpanel.configuration.services import trading_settings_describe, trading_settings_update
from webpanel.core.permissions import StaffForChanges
from webpanel.core.schema import ERROR_RESPONSES
from webpanel.jobs.apis import JobSerializer


class LimitsOverrideSerializer(serializers.Serializer):
    max_purchase_pct = serializers.FloatField(required=False, help_text="Fraction in (0, 1].")
    max_purchase_usd = serializers.FloatField(required=False, help_text="Dollars, > 0.")


class RiskLimitsSerializer(serializers.Serializer):
    """Account-level limits checked before every order; null turns a limit off."""

    daily_loss_limit_usd = serializers.FloatField(
        required=False, allow_null=True, help_text="Dollars lost since the start of day, > 0."
    )
    daily_loss_limit_pct = serializers.FloatField(
        required=False,
        allow_null=True,
        help_text="Fraction of the start-of-day equity lost, in (0, 1]; default 0.05.",
    )
    max_symbol_exposure_usd = serializers.FloatField(
        required=False, allow_null=True, help_text="Dollars held in one symbol, > 0."
    )
    max_total_exposure_usd = serializers.FloatField(
        required=False, allow_null=True, help_text="Dollars held across symbols, > 0."
    )
    max_open_positions = serializers.IntegerField(
        required=False, allow_null=True, help_text="Symbols held at once, >= 1; default 10."
    )
    max_orders_per_minute = serializers.IntegerField(
        required=False, allow_null=True, help_text="Orders in any 60 s, >= 1; default 60."
    )


class SettingsInputSerializer(serializers.Serializer):
    """Documents the PATCH body; the engine's TradingSettings does the validating."""

    symbols = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="Symbol universe: 1-5 uppercase letters, optional .X class suffix, no repeats.",
    )
    alpaca_endpoint = serializers.ChoiceField(
        choices=["paper", "live"], required=False, help_text="'live' needs TC2_ALLOW_LIVE=1."
    )
    max_purchase_pct = serializers.FloatField(
        required=False, help_text="Default per-strategy limit, fraction of equity in (0, 1]."
    )
    max_purchase_usd = serializers.FloatField(
        required=False, help_text="Default per-strategy limit in dollars, > 0."
    )
    strategy_limits = serializers.DictField(
        child=LimitsOverrideSerializer(allow_null=True),
        required=False,
        help_text="Per-strategy overrides, merged by strategy id; null removes an override.",
    )
    risk = RiskLimitsSerializer(
        required=False, help_text="Risk limits, merged per limit; null turns one off."
    )
    notification_channels = serializers.DictField(
        child=serializers.CharField(allow_null=True),
        required=False,
        help_text=(
            "Channel name -> Apprise URL (tgram://, discord://, slack://, mailto://, json://...), "
            "merged by name; null removes a channel. Shown redacted; sending the redacted URL "
            "back keeps the stored one."
        ),
    )
    notification_events = serializers.ListField(
        child=serializers.ChoiceField(choices=list(ALL_EVENTS)),
        required=False,
        help_text="The events notified (default all).",
    )


class SettingsDeliverySerializer(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=["applied", "pending", "program_stopped", "unknown"],
        help_text=(
            "applied: the running program uses these settings; pending: its components apply "
            "them within seconds; program_stopped: used when it starts; unknown: Redis is down."
        ),
    )
    version = serializers.IntegerField(
        allow_null=True, help_text="The version published to the program."
    )
    components = serializers.DictField(
        child=serializers.IntegerField(allow_null=True),
        help_text="Per running component that follows the settings: the version it applied.",
    )
    message = serializers.CharField(help_text="The state in a sentence.")


class SettingsOutputSerializer(SettingsInputSerializer):
    live_trading_allowed = serializers.BooleanField(help_text="TC2_ALLOW_LIVE on this deployment.")
    updated_at = serializers.DateTimeField(allow_null=True)
    updated_by = serializers.CharField(allow_null=True)
    delivery = SettingsDeliverySerializer()


class SettingsUpdateOutputSerializer(SettingsOutputSerializer):
    history_jobs = JobSerializer(
        many=True, help_text="The data_catch_up jobs collecting the history of added symbols."
    )


class SettingsApi(APIView):
    """The trader's settings (symbol universe, Alpaca endpoint, purchase limits); staff change."""

    permission_classes = [StaffForChanges]

    @extend_schema(
        operation_id="settings_get",
        responses={200: SettingsOutputSerializer, **ERROR_RESPONSES.only(401)},
        tags=["settings"],
    )
    def get(self, request: Request) -> Response:
        return Response(trading_settings_describe(trading_settings_get()))

    @extend_schema(
        operation_id="settings_update",
        request=SettingsInputSerializer,
        responses={
            200: SettingsUpdateOutputSerializer,
            **ERROR_RESPONSES.only(400, 401, 403, 422),
        },
        tags=["settings"],
    )
    def patch(self, request: Request) -> Response:
        update = trading_settings_update(changes=request.data, user=request.user)
        jobs = JobSerializer(update.history_jobs, many=True, context={"request": request}).data
        return Response({**trading_settings_describe(update.stored), "history_jobs": jobs})
