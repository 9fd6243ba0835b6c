"""Reading strategy files without running them: what the web process knows of an upload."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tc2.errors import ValidationFailed
from tc2.strategy.builtin.cycle import CycleStrategy
from tc2.strategy.registry import BUILTIN_STRATEGIES
from tc2.strategy.static_reader import read_strategy_source

BUILTIN_DIR = Path(__file__).resolve().parents[3] / "tc2" / "strategy" / "builtin"


def hostile_source(marker: Path) -> str:
    """A valid strategy file whose top-level code and class body each write a marker."""
    return f'''
from pathlib import Path

from tc2.data.bars import Resolution
from tc2.strategy.base import Strategy, StrategyKind
from tc2.strategy.parameters import Parameter

Path({str(marker)!r}).write_text("top-level code ran")


class Hostile(Strategy):
    """Looks harmless."""

    Path({str(marker)!r} + ".class").write_text("class body ran")
    kind = StrategyKind.SWING
    resolution = Resolution.MINUTE
    default_symbols = ("SPY",)
    parameters = (Parameter(name="qty", type=int, default=10, low=1, high=100),)
'''


class BuiltinFilesTests:
    @pytest.mark.parametrize("path", sorted(BUILTIN_DIR.glob("[a-z]*.py")), ids=lambda p: p.name)
    def test_every_builtin_file_reads_as_its_imported_classes_describe_themselves(
        self, path: Path
    ) -> None:
        # The built-ins use every idiom a strategy file needs (constants, *spread, shared
        # windows, enum members), so reading them proves the reader covers real files.
        reading = read_strategy_source(path.read_text())

        assert reading.problems == ()
        for declared in reading.strategies:
            real = BUILTIN_STRATEGIES[declared.name]
            assert declared.stand_in.describe() == real.describe()
            assert declared.stand_in.resolve_params({}) == real.resolve_params({})


class NothingRunsTests:
    def test_neither_top_level_code_nor_class_bodies_run(self, tmp_path: Path) -> None:
        marker = tmp_path / "marker"

        reading = read_strategy_source(hostile_source(marker))

        assert [s.name for s in reading.strategies] == ["Hostile"]
        assert not marker.exists() and not Path(f"{marker}.class").exists()
        described = reading.strategies[0].stand_in.describe()
        assert described["kind"] == "swing" and described["resolution"] == "1m"
        assert described["description"] == "Looks harmless."
        assert described["parameters"][0]["name"] == "qty"

    def test_modules_outside_tc2_are_never_imported(self, tmp_path: Path) -> None:
        marker = tmp_path / "imported"
        (tmp_path / "booby_trap.py").write_text(
            f"from pathlib import Path\nPath({str(marker)!r}).write_text('x')\nclass Base: ...\n"
        )
        sys.path.insert(0, str(tmp_path))
        try:
            reading = read_strategy_source(
                "from booby_trap import Base\n"
                "from tc2.strategy.base import Strategy\n"
                "class Trap(Base, Strategy):\n    pass\n"
            )
        finally:
            sys.path.remove(str(tmp_path))
            sys.modules.pop("booby_trap", None)

        assert not marker.exists()
        assert reading.strategies == ()
        assert "names from booby_trap cannot be read" in reading.problems[0]


class DeclarationsTests:
    def test_a_subclass_of_a_builtin_inherits_what_it_does_not_declare(self) -> None:
        reading = read_strategy_source(
            "from tc2.strategy.builtin.cycle import CycleStrategy\n"
            "from tc2.strategy.parameters import Parameter\n"
            "EXTRA = Parameter(name='extra', type=float, default=0.5, low=0.0, high=1.0)\n"
            "class MyCycle(CycleStrategy):\n"
            "    '''Mine.'''\n"
            "    parameters = CycleStrategy.parameters + (EXTRA,)\n"
            "class Nephew(MyCycle):\n"
            "    default_symbols = ('QQQ',)\n"
        )

        by_name = {s.name: s.stand_in for s in reading.strategies}
        assert set(by_name) == {"MyCycle", "Nephew"}
        assert by_name["MyCycle"].active_windows == CycleStrategy.active_windows
        assert by_name["Nephew"].parameters[-1].name == "extra"
        assert by_name["Nephew"].default_symbols == ("QQQ",)
        # The built-in's cross-field rules still apply (trusted code of TC2's own).
        with pytest.raises(ValidationFailed) as caught:
            by_name["MyCycle"].resolve_params({"restop_pct": 0.01})
        assert "params.restop_pct" in caught.value.field_errors

    def test_a_file_with_its_own_cross_field_rules_defers_them_to_the_worker(self) -> None:
        reading = read_strategy_source(
            "from tc2.strategy.base import Strategy\n"
            "from tc2.strategy.parameters import Parameter\n"
            "class Picky(Strategy):\n"
            "    parameters = (Parameter(name='a', type=int, default=1, low=0, high=9),)\n"
            "    @classmethod\n"
            "    def parameter_problems(cls, p):\n"
            "        return {'params.a': ['never']}\n"
        )

        (picky,) = reading.strategies
        assert picky.checks_parameters_itself
        assert picky.stand_in.resolve_params({"a": 3}) == {"a": 3}
        with pytest.raises(ValidationFailed):  # bounds are declarations: checked here
            picky.stand_in.resolve_params({"a": 10})

    def test_the_resolutions_a_file_declares_reach_its_description(self) -> None:
        reading = read_strategy_source(
            "from tc2.data.bars import Resolution\n"
            "from tc2.strategy.base import Strategy, StrategyKind\n"
            "class Daily(Strategy):\n"
            "    kind = StrategyKind.SWING\n"
            "    resolution = Resolution.MINUTE\n"
            "    resolutions = (Resolution.DAY,)\n"
            "    default_symbols = ('SPY',)\n"
        )

        (daily,) = reading.strategies
        assert daily.stand_in.describe()["resolutions"] == ["1m", "1d"]

    @pytest.mark.parametrize(
        ("body", "problem"),
        [
            ("parameters = make_parameters()", "make_parameters is neither defined in the file"),
            ("parameters = CycleStrategy.parameters", "CycleStrategy is neither"),
            ("parameters = (Parameter.__call__(),)", "private attribute"),
            ("resolution = Parameter.coerce(1)", "calling Parameter.coerce cannot be read"),
            ("default_symbols = 'SPY'", "default_symbols must be a tuple of str"),
            ("kind = 'day'", "kind must be a StrategyKind"),
            ("resolutions = ('1d',)", "resolutions must be a tuple of Resolution"),
            ("interface_version = 2", "interface_version 2 is not supported"),
            ("parameters = (Parameter(name='x', type=int, default=50, high=9),)", "default"),
            ("parameters = Strategy.__subclasses__()", "private attribute"),
        ],
    )
    def test_what_cannot_be_read_is_named_with_its_line(self, body: str, problem: str) -> None:
        reading = read_strategy_source(
            "from tc2.strategy.base import Strategy\n"
            "from tc2.strategy.parameters import Parameter\n"
            f"class Odd(Strategy):\n    {body}\n"
        )

        assert reading.strategies == ()
        (message,) = reading.problems
        assert message.startswith("Odd: line ") and problem in message

    @pytest.mark.parametrize(
        ("source", "problem"),
        [
            ("class (:\n", "syntax error"),
            ("x = " + "+".join(["1"] * 200_000) + "\n", "cannot be parsed"),
        ],
    )
    def test_a_file_that_does_not_parse_is_a_problem_not_a_crash(
        self, source: str, problem: str
    ) -> None:
        reading = read_strategy_source(source)

        assert reading.strategies == () and problem in reading.problems[0]

    def test_helper_classes_are_not_strategies(self) -> None:
        reading = read_strategy_source(
            "import numpy as np\nclass Helper:\n    x = np.zeros(3)\nclass Other(dict):\n    pass\n"
        )

        assert reading.strategies == () and reading.problems == ()
