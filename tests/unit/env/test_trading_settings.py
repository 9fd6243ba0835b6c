"""TradingSettings: the one validator of the trader's settings."""

from __future__ import annotations

import math

import pytest

from tc2.env.notification_settings import (
    ALL_EVENTS,
    BAD_CHANNEL_NAME,
    UNKNOWN_EVENT,
    URL_NOT_PARSED,
    URL_NOT_TEXT,
)
from tc2.env.risk_settings import (
    COUNT_RULE,
    NOT_AN_OBJECT,
    PCT_RULE,
    RISK_LIMIT_NAMES,
    UNKNOWN_LIMIT,
    USD_RULE,
    RiskLimits,
)
from tc2.env.trading_settings import (
    DEFAULT_SYMBOLS,
    AlpacaEndpoint,
    PurchaseLimits,
    TradingSettings,
)
from tc2.errors import ValidationFailed


class TradingSettingsParseTests:
    def test_empty_document_gives_the_defaults(self):
        settings = TradingSettings.parse({}, allow_live=False)
        assert settings.symbols == DEFAULT_SYMBOLS == ("SPY", "QQQ", "TXN", "SPXL", "SPXS")
        assert settings.alpaca_endpoint is AlpacaEndpoint.PAPER
        assert settings.limits_for("AnyStrategy") == PurchaseLimits(
            max_purchase_pct=0.2, max_purchase_usd=6000.0
        )

    def test_round_trip_through_the_document(self):
        document = {
            "symbols": ["SPY", "BRK.B"],
            "alpaca_endpoint": "live",
            "max_purchase_pct": 0.5,
            "max_purchase_usd": 1000,
            "strategy_limits": {"Cycle": {"max_purchase_usd": 250.0}},
        }
        settings = TradingSettings.parse(document, allow_live=True)
        assert TradingSettings.parse(settings.to_document(), allow_live=True) == settings

    def test_every_error_is_reported_at_once(self):
        with pytest.raises(ValidationFailed) as caught:
            TradingSettings.parse(
                {"symbols": ["ok", "SPY", "SPY"], "max_purchase_pct": 2, "max_purchase_usd": 0},
                allow_live=False,
            )
        assert set(caught.value.field_errors) == {
            "symbols.0",
            "symbols.2",
            "max_purchase_pct",
            "max_purchase_usd",
        }

    @pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
    def test_non_finite_numbers_are_rejected(self, value: float):
        with pytest.raises(ValidationFailed) as caught:
            TradingSettings.parse({"max_purchase_usd": value}, allow_live=False)
        assert "finite" in caught.value.field_errors["max_purchase_usd"][0]

    def test_live_needs_permission(self):
        with pytest.raises(ValidationFailed) as caught:
            TradingSettings.parse({"alpaca_endpoint": "live"}, allow_live=False)
        assert "TC2_ALLOW_LIVE=1" in caught.value.field_errors["alpaca_endpoint"][0]


class LimitsForTests:
    def test_override_replaces_only_the_limits_it_names(self):
        settings = TradingSettings.parse(
            {
                "max_purchase_pct": 0.3,
                "max_purchase_usd": 9000,
                "strategy_limits": {"Cycle": {"max_purchase_pct": 0.1}},
            },
            allow_live=False,
        )
        assert settings.limits_for("Cycle") == PurchaseLimits(
            max_purchase_pct=0.1, max_purchase_usd=9000.0
        )
        assert settings.limits_for("Swing") == PurchaseLimits(
            max_purchase_pct=0.3, max_purchase_usd=9000.0
        )


class MergedTests:
    def test_merge_keeps_other_fields_and_other_strategies(self):
        base = TradingSettings.parse(
            {"strategy_limits": {"Cycle": {"max_purchase_pct": 0.1}}}, allow_live=False
        )
        merged = base.merged(
            {"symbols": ["QQQ"], "strategy_limits": {"Swing": {"max_purchase_usd": 100}}},
            allow_live=False,
        )
        assert merged.symbols == ("QQQ",)
        assert set(merged.strategy_limits) == {"Cycle", "Swing"}
        assert base.symbols == DEFAULT_SYMBOLS  # the original is untouched

    def test_null_removes_an_override(self):
        base = TradingSettings.parse(
            {"strategy_limits": {"Cycle": {"max_purchase_pct": 0.1}}}, allow_live=False
        )
        assert (
            base.merged({"strategy_limits": {"Cycle": None}}, allow_live=False).strategy_limits
            == {}
        )

    def test_a_bad_merge_raises_and_leaves_the_original(self):
        base = TradingSettings()
        with pytest.raises(ValidationFailed):
            base.merged({"symbols": ["spy!"]}, allow_live=False)
        assert base == TradingSettings()


class RiskSettingsTests:
    def test_defaults_leave_the_dollar_limits_off(self):
        risk = TradingSettings.parse({}, allow_live=False).risk
        assert risk == RiskLimits(
            daily_loss_limit_usd=None,
            daily_loss_limit_pct=0.05,
            max_symbol_exposure_usd=None,
            max_total_exposure_usd=None,
            max_open_positions=10,
            max_orders_per_minute=60,
        )

    def test_every_bad_limit_is_named_at_once(self):
        with pytest.raises(ValidationFailed) as caught:
            TradingSettings.parse(
                {
                    "risk": {
                        "daily_loss_limit_usd": 0,
                        "daily_loss_limit_pct": 1.5,
                        "max_symbol_exposure_usd": True,
                        "max_total_exposure_usd": math.inf,
                        "max_open_positions": 2.5,
                        "max_orders_per_minute": 0,
                        "max_leverage": 2,
                    }
                },
                allow_live=False,
            )
        assert caught.value.field_errors == {
            "risk.max_leverage": [UNKNOWN_LIMIT.format(known=", ".join(RISK_LIMIT_NAMES))],
            "risk.daily_loss_limit_usd": [USD_RULE.format(value=0)],
            "risk.daily_loss_limit_pct": [PCT_RULE.format(value=1.5)],
            "risk.max_symbol_exposure_usd": [USD_RULE.format(value=True)],
            "risk.max_total_exposure_usd": [USD_RULE.format(value=math.inf)],
            "risk.max_open_positions": [COUNT_RULE.format(value=2.5)],
            "risk.max_orders_per_minute": [COUNT_RULE.format(value=0)],
        }
        assert caught.value.field_errors["risk.max_orders_per_minute"] == [
            "must be a whole number >= 1, or null (off); was 0"
        ]

    def test_boundaries_pass(self):
        risk = TradingSettings.parse(
            {"risk": {"daily_loss_limit_pct": 1, "max_open_positions": 1.0}}, allow_live=False
        ).risk
        assert (risk.daily_loss_limit_pct, risk.max_open_positions) == (1.0, 1)
        assert isinstance(risk.max_open_positions, int)

    def test_a_patch_merges_per_limit_and_null_turns_one_off(self):
        settings = TradingSettings().merged(
            {"risk": {"max_symbol_exposure_usd": 10_000}}, allow_live=False
        )
        settings = settings.merged({"risk": {"max_orders_per_minute": None}}, allow_live=False)
        assert settings.risk.max_symbol_exposure_usd == 10_000.0
        assert settings.risk.max_orders_per_minute is None
        assert TradingSettings.parse(settings.to_document(), allow_live=False) == settings

    def test_risk_must_be_an_object(self):
        with pytest.raises(ValidationFailed) as caught:
            TradingSettings().merged({"risk": [1]}, allow_live=False)
        assert caught.value.field_errors == {"risk": [NOT_AN_OBJECT]}


class NotificationSettingsTests:
    URL = "json://hook:s3cret@127.0.0.1:8099/notify"

    def test_a_channel_apprise_reads_is_kept_and_shown_redacted(self):
        settings = TradingSettings().merged(
            {"notification_channels": {"ops": self.URL}}, allow_live=False
        )
        shown = settings.redacted_document()["notification_channels"]["ops"]
        assert settings.notification_channels == {"ops": self.URL}
        assert "s3cret" not in shown and shown.startswith("json://hook:****@127.0.0.1:8099/")

    def test_sending_the_redacted_url_back_keeps_the_secret(self):
        settings = TradingSettings().merged(
            {"notification_channels": {"ops": self.URL}}, allow_live=False
        )
        again = settings.merged(
            {"notification_channels": settings.redacted_document()["notification_channels"]},
            allow_live=False,
        )
        assert again.notification_channels == {"ops": self.URL}
        removed = again.merged({"notification_channels": {"ops": None}}, allow_live=False)
        assert removed.notification_channels == {}

    def test_bad_channels_and_events_are_named_without_quoting_the_url(self):
        with pytest.raises(ValidationFailed) as caught:
            TradingSettings.parse(
                {
                    "notification_channels": {
                        "ops": "nosuch://token-abc@host",
                        "Bad Name": self.URL,
                        "mail": 7,
                    },
                    "notification_events": ["fill", "fills", "test"],
                },
                allow_live=False,
            )
        known = ", ".join(ALL_EVENTS)
        assert caught.value.field_errors == {
            "notification_channels.ops": [URL_NOT_PARSED.format(scheme="nosuch")],
            "notification_channels.Bad Name": [BAD_CHANNEL_NAME],
            "notification_channels.mail": [URL_NOT_TEXT.format(kind="int")],
            "notification_events.1": [UNKNOWN_EVENT.format(event="fills", known=known)],
            "notification_events.2": [UNKNOWN_EVENT.format(event="test", known=known)],
        }
        assert "token-abc" not in str(caught.value.field_errors)

    def test_events_default_to_all_and_keep_their_order(self):
        assert TradingSettings().notification_events == ALL_EVENTS
        settings = TradingSettings.parse(
            {"notification_events": ["stale_feed", "fill", "fill"]}, allow_live=False
        )
        assert settings.notification_events == ("fill", "stale_feed")
