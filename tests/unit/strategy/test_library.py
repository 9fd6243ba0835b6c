"""The library of uploaded strategy files: add, list, read, remove, load (only here it runs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tc2.errors import ConfigurationError, ValidationFailed
from tc2.strategy.base import Strategy
from tc2.strategy.library import (
    MAX_FILE_BYTES,
    StrategyFileConflict,
    StrategyLibrary,
    UnknownStrategyFile,
)
from tc2.strategy.registry import (
    REGISTERED_NAME_RULE,
    registered_strategy,
    strategy_library,
)
from tests.unit.strategy.test_static_reader import hostile_source

GOOD = b'''
from tc2.strategy.base import Strategy
from tc2.strategy.parameters import Parameter


class Quiet(Strategy):
    """Trades nothing."""

    default_symbols = ("SPY",)
    parameters = (Parameter(name="level", type=float, default=1.5, low=0.0, high=3.0),)
'''


@pytest.fixture
def library(tmp_path: Path) -> StrategyLibrary:
    return strategy_library(tmp_path / "strategies")


class AddTests:
    def test_round_trip_add_list_source_remove(self, library: StrategyLibrary) -> None:
        added = library.add(name="quiet.py", content=GOOD)

        assert [s.name for s in added.strategies] == ["Quiet"]
        assert [f.name for f in library.files()] == ["quiet.py"]
        assert library.source("quiet.py") == GOOD.decode()
        assert (
            registered_strategy("Quiet", library=library).describe()["parameters"][0]["default"]
            == 1.5
        )
        library.remove("quiet.py")
        assert library.files() == [] and library.declared("Quiet") is None
        with pytest.raises(UnknownStrategyFile):
            library.remove("quiet.py")

    @pytest.mark.parametrize(
        ("name", "content", "field", "message"),
        [
            ("../evil.py", GOOD, "name", "lower-case Python file name"),
            ("Quiet.PY", GOOD, "name", "lower-case Python file name"),
            ("quiet.py", b"\xff\xfe", "file", "not UTF-8"),
            ("quiet.py", b"x" * (MAX_FILE_BYTES + 1), "file", "larger than 256 KB"),
            ("quiet.py", b"def f(:\n", "file", "syntax error"),
            ("quiet.py", b"class Helper:\n    pass\n", "file", "declares no strategy"),
        ],
    )
    def test_bad_files_are_refused_naming_the_field_and_nothing_is_stored(
        self, library: StrategyLibrary, name: str, content: bytes, field: str, message: str
    ) -> None:
        with pytest.raises(ValidationFailed) as caught:
            library.add(name=name, content=content)

        assert any(message in text for text in caught.value.field_errors[field])
        assert not library.directory.exists() or not any(library.directory.iterdir())

    def test_names_already_registered_are_conflicts(self, library: StrategyLibrary) -> None:
        library.add(name="quiet.py", content=GOOD)

        with pytest.raises(StrategyFileConflict, match="exists"):
            library.add(name="quiet.py", content=GOOD)
        with pytest.raises(StrategyFileConflict, match=r"already registered by quiet\.py"):
            library.add(name="again.py", content=GOOD)
        builtin = GOOD.replace(b"class Quiet", b"class SmaCrossStrategy")
        with pytest.raises(StrategyFileConflict, match="is a built-in strategy"):
            library.add(name="sma.py", content=builtin)
        assert [f.name for f in library.files()] == ["quiet.py"]

    def test_adding_a_hostile_file_runs_none_of_it(
        self, library: StrategyLibrary, tmp_path: Path
    ) -> None:
        marker = tmp_path / "marker"

        library.add(name="hostile.py", content=hostile_source(marker).encode())
        library.files()
        registered_strategy("Hostile", library=library).resolve_params({"qty": 5})

        assert not marker.exists()

    def test_load_runs_the_file_and_returns_the_real_class(
        self, library: StrategyLibrary, tmp_path: Path
    ) -> None:
        marker = tmp_path / "marker"
        library.add(name="hostile.py", content=hostile_source(marker).encode())

        loaded = library.load("Hostile")

        assert loaded is not None and issubclass(loaded, Strategy)
        assert loaded.__module__.startswith("tc2_user_strategy_")
        assert marker.read_text() == "top-level code ran"
        assert library.load("Nothing") is None


class RegisteredNameRuleTests:
    @pytest.mark.parametrize(
        "reference",
        [
            "{existing}:Quiet",
            "/nowhere/at/all.py:Quiet",
            "../../etc/passwd",
            "quiet.py",
            "Quiet Strategy",
        ],
    )
    def test_anything_but_a_name_is_refused_by_rule_the_same_way(
        self, library: StrategyLibrary, tmp_path: Path, reference: str
    ) -> None:
        existing = tmp_path / "quiet.py"
        existing.write_bytes(GOOD)

        with pytest.raises(ConfigurationError) as caught:
            registered_strategy(reference.format(existing=existing), library=library)

        assert str(caught.value) == REGISTERED_NAME_RULE

    def test_an_unknown_name_lists_the_registered_ones(self, library: StrategyLibrary) -> None:
        library.add(name="quiet.py", content=GOOD)

        with pytest.raises(
            ConfigurationError, match=r"unknown strategy 'Loud'; registered: .*Quiet"
        ):
            registered_strategy("Loud", library=library)
