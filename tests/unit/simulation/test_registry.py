"""Loading strategies by registry name and by file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tc2.errors import ConfigurationError, ValidationFailed
from tc2.strategy.base import Strategy
from tc2.strategy.builtin.sma_cross import SmaCrossStrategy
from tc2.strategy.registry import builtin_descriptions, load_strategy

USER_STRATEGY = '''
from tc2.strategy.base import Strategy
from tc2.strategy.parameters import Parameter


class MyStrategy(Strategy):
    """Buys nothing, carefully."""

    default_symbols = ("TXN",)
    parameters = (Parameter(name="level", type=float, default=1.5, low=0.0, high=3.0),)


NOT_A_STRATEGY = 42
'''


class LoadStrategyTests:
    def test_builtin_by_name(self) -> None:
        assert load_strategy("SmaCrossStrategy") is SmaCrossStrategy

    def test_user_file_by_path_and_class(self, tmp_path: Path) -> None:
        path = tmp_path / "mine.py"
        path.write_text(USER_STRATEGY)

        loaded = load_strategy(f"{path}:MyStrategy")

        assert issubclass(loaded, Strategy)
        assert loaded.describe()["parameters"][0]["default"] == 1.5
        assert loaded.describe()["description"] == "Buys nothing, carefully."

    @pytest.mark.parametrize(
        ("reference", "message"),
        [
            ("NoSuchStrategy", "unknown strategy 'NoSuchStrategy'"),
            ("/nowhere/x.py:Thing", "strategy file /nowhere/x.py does not exist"),
        ],
    )
    def test_bad_references(self, reference: str, message: str) -> None:
        with pytest.raises(ConfigurationError, match=message):
            load_strategy(reference)

    def test_a_name_that_is_not_a_strategy(self, tmp_path: Path) -> None:
        path = tmp_path / "mine.py"
        path.write_text(USER_STRATEGY)

        with pytest.raises(ConfigurationError, match="no Strategy subclass named 'NOT_A_STRATEGY'"):
            load_strategy(f"{path}:NOT_A_STRATEGY")

    def test_a_file_that_fails_to_import(self, tmp_path: Path) -> None:
        path = tmp_path / "broken.py"
        path.write_text("import no_such_module_anywhere\n")

        with pytest.raises(ConfigurationError, match="failed to import: ModuleNotFoundError"):
            load_strategy(f"{path}:Anything")

    def test_descriptions_list_parameters_with_bounds(self) -> None:
        described = {d["id"]: d for d in builtin_descriptions()}

        fast = described["SmaCrossStrategy"]["parameters"][0]
        assert fast == {
            "name": "fast",
            "type": "int",
            "default": 10,
            "low": 2,
            "high": 200,
            "description": "fast SMA bars",
        }

    def test_every_tc2_strategy_is_listed_day_strategies_first(self) -> None:
        described = builtin_descriptions()

        assert [d["id"] for d in described] == [
            "Breakout1Strategy",
            "CycleStrategy",
            "LongShortStrategy",
            "ReCycleStrategy",
            "SmaCrossStrategy",
            "SwingStrategy",
        ]
        assert [d["kind"] for d in described] == ["day"] * 4 + ["swing"] * 2
        assert all(d["description"] and d["parameters"] for d in described)
        live = [d["id"] for d in described if not d["experimental"]]
        assert live == ["LongShortStrategy"]  # TC2's only strategy that may trade live

    def test_cross_field_rules_are_checked_with_the_bounds(self) -> None:
        with pytest.raises(ValidationFailed) as caught:
            SmaCrossStrategy.resolve_params({"fast": 30, "slow": 10})

        assert caught.value.field_errors == {"params.fast": ["fast must be < slow (10), was 30"]}
        assert SmaCrossStrategy.resolve_params({"fast": 5})["fast"] == 5
