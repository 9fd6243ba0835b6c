"""TradingSettings: the one validator of the trader's settings."""

from __future__ import annotations

import math

import pytest

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
