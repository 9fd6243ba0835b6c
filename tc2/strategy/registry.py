"""Finding strategies: built-ins by name, the library's files by class name, any file by path.

Two doors, for two kinds of caller:

* ``registered_strategy`` (every API request, in the web process): only registered names, a
  built-in or a class of a library file (``TC2_data/strategies/``), and for library classes a
  stand-in read without running the file. A path is refused by rule before the file system is
  touched, so the answer says nothing about which paths exist.
* ``load_strategy`` (job workers, the command line): the real class, importing a library file
  or ``path/to/file.py:ClassName``; the user on the machine owns what it runs.
"""

from __future__ import annotations

import re
from pathlib import Path

from tc2.errors import ConfigurationError
from tc2.strategy.base import Strategy
from tc2.strategy.builtin.breakout1 import Breakout1Strategy
from tc2.strategy.builtin.cycle import CycleStrategy, ReCycleStrategy
from tc2.strategy.builtin.long_short import LongShortStrategy
from tc2.strategy.builtin.sma_cross import SmaCrossStrategy
from tc2.strategy.builtin.swing import SwingStrategy
from tc2.strategy.library import StrategyLibrary, load_strategy_file

BUILTIN_STRATEGIES: dict[str, type[Strategy]] = {
    cls.strategy_id(): cls
    for cls in (
        CycleStrategy,
        ReCycleStrategy,
        LongShortStrategy,
        Breakout1Strategy,
        SwingStrategy,
        SmaCrossStrategy,
    )
}
"""Built-in strategies by registry name (the class name)."""

UNKNOWN_STRATEGY_MESSAGE = (
    "unknown strategy {reference!r}: give a built-in name ({names}) or path/to/file.py:ClassName"
)
REGISTERED_NAME_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,99}")
REGISTERED_NAME_RULE = (
    "must be the name of a registered strategy: a built-in or a class of an uploaded strategy "
    "file (GET /api/strategy/list); paths to files are not accepted here, upload the file instead"
)
UNREGISTERED_MESSAGE = "unknown strategy {name!r}; registered: {names}"


def strategy_library(directory: Path | None = None) -> StrategyLibrary:
    """The strategy files staff added (default: ``TC2_DATA_DIR``'s), next to the built-ins."""
    if directory is None:
        return StrategyLibrary.from_environ(reserved_names=BUILTIN_STRATEGIES)
    return StrategyLibrary(directory, reserved_names=BUILTIN_STRATEGIES)


def registered_strategy(name: str, *, library: StrategyLibrary | None = None) -> type[Strategy]:
    """Return the registered strategy ``name`` without running any strategy file.

    A built-in is returned as it is; a library class as its stand-in (its declarations read
    statically, none of its code). For every request from the API.

    Raises
    ------
    ConfigurationError
        ``REGISTERED_NAME_RULE`` for anything that is not a plain class name (a path, say),
        whether or not such a file exists; ``UNREGISTERED_MESSAGE`` for an unknown name.
    """
    if not REGISTERED_NAME_PATTERN.fullmatch(name):
        raise ConfigurationError(REGISTERED_NAME_RULE)
    if name in BUILTIN_STRATEGIES:
        return BUILTIN_STRATEGIES[name]
    library = library or strategy_library()
    declared = library.declared(name)
    if declared is None:
        names = [*sorted(BUILTIN_STRATEGIES), *_library_names(library)]
        raise ConfigurationError(UNREGISTERED_MESSAGE.format(name=name, names=", ".join(names)))
    return declared.stand_in


def load_strategy(reference: str, *, library: StrategyLibrary | None = None) -> type[Strategy]:
    """Return the strategy class ``reference`` names, importing its file if it has one.

    ``reference`` is a built-in name, a library class name or ``path/to/file.py:ClassName``.
    Runs strategy files: for job workers and the command line, never for an API request.

    Raises
    ------
    ConfigurationError
        If nothing has that name, the file is missing or fails to import, or the class is
        missing or not a ``Strategy``.
    """
    reference = reference.strip()
    if reference in BUILTIN_STRATEGIES:
        return BUILTIN_STRATEGIES[reference]
    path_text, colon, class_name = reference.rpartition(":")
    if colon and path_text.endswith(".py") and class_name:
        return load_strategy_file(Path(path_text), class_name)
    if REGISTERED_NAME_PATTERN.fullmatch(reference):
        loaded = (library or strategy_library()).load(reference)
        if loaded is not None:
            return loaded
    raise ConfigurationError(
        UNKNOWN_STRATEGY_MESSAGE.format(
            reference=reference, names=", ".join(sorted(BUILTIN_STRATEGIES))
        )
    )


def builtin_descriptions() -> list[dict[str, object]]:
    """``describe()`` of every built-in strategy, day strategies first, then by name."""
    return [
        cls.describe()
        for cls in sorted(
            BUILTIN_STRATEGIES.values(), key=lambda c: (c.kind.value != "day", c.strategy_id())
        )
    ]


def library_descriptions(library: StrategyLibrary | None = None) -> list[dict[str, object]]:
    """``describe()`` of every library strategy (read statically), with its file, by file."""
    return [
        {**strategy.stand_in.describe(), "file": found.name}
        for found in (library or strategy_library()).files()
        for strategy in found.strategies
    ]


def registered_names(library: StrategyLibrary | None = None) -> list[str]:
    """Every registered strategy's name, built-ins first (the library's read statically)."""
    return [*BUILTIN_STRATEGIES, *_library_names(library or strategy_library())]


def _library_names(library: StrategyLibrary) -> list[str]:
    return [strategy.name for found in library.files() for strategy in found.strategies]
