"""Trader settings from the environment: defaults, refusals naming the variable, and the mode."""

from __future__ import annotations

import pytest

from tc2.errors import ConfigurationError
from tc2.execution.trade_records import TradingMode
from tc2.program.trading.trader_settings import TraderSettings, trading_mode
from tc2.strategy.builtin.long_short import LongShortStrategy

KEYS = {"ALPACA_API_KEY_ID": "id", "ALPACA_API_SECRET_KEY": "secret"}


def test_defaults_are_the_non_experimental_built_ins() -> None:
    settings = TraderSettings.from_environ({})
    assert settings.day_enabled and settings.swing_enabled
    assert settings.day_strategies == (LongShortStrategy,)
    assert settings.swing_strategies == ()  # no swing built-in is out of its experiments
    assert settings.max_runs == 4 and settings.cash == 100_000.0


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"TC2_DAY_STRATEGIES": "Nope"}, "TC2_DAY_STRATEGIES: 'Nope' is not a built-in strategy"),
        ({"TC2_DAY_STRATEGIES": "CycleStrategy"}, "CycleStrategy is experimental"),
        (
            {"TC2_SWING_STRATEGIES": "LongShortStrategy"},
            "LongShortStrategy is a day strategy, the swing trader runs swing ones",
        ),
        ({"TC2_TRADER_MAX_RUNS": "0"}, "TC2_TRADER_MAX_RUNS must be >= 1, was 0"),
        ({"TC2_TRADER_CASH": "-5"}, "TC2_TRADER_CASH must be a number > 0, was '-5'"),
        ({"TC2_DAY_TRADER": "maybe"}, "TC2_DAY_TRADER must be 1/0"),
    ],
)
def test_a_bad_setting_is_refused_by_name(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        TraderSettings.from_environ(environ)


def test_the_mode_is_replay_without_keys_paper_with_them_live_only_with_both_switches() -> None:
    assert trading_mode({}, allow_live=True, endpoint="live") is TradingMode.REPLAY
    assert trading_mode(KEYS, allow_live=False, endpoint="live") is TradingMode.PAPER
    assert trading_mode(KEYS, allow_live=True, endpoint="paper") is TradingMode.PAPER
    assert trading_mode(KEYS, allow_live=True, endpoint="live") is TradingMode.LIVE
    assert trading_mode(
        {**KEYS, "ALPACA_API_SECRET_KEY": " "}, allow_live=True, endpoint="live"
    ) is (TradingMode.REPLAY)
