"""Finding strategies: built-ins by name, the user's own by file, without editing the package.

A reference is either a registry name (``SmaCrossStrategy``) or ``path/to/file.py:ClassName``;
the file is loaded as a module of its own, and the class must subclass ``Strategy``.
"""

from __future__ import annotations

import importlib.util
import sys
import zlib
from pathlib import Path

from tc2.errors import ConfigurationError
from tc2.strategy.base import Strategy
from tc2.strategy.builtin.breakout1 import Breakout1Strategy
from tc2.strategy.builtin.cycle import CycleStrategy, ReCycleStrategy
from tc2.strategy.builtin.long_short import LongShortStrategy
from tc2.strategy.builtin.sma_cross import SmaCrossStrategy
from tc2.strategy.builtin.swing import SwingStrategy

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


def load_strategy(reference: str) -> type[Strategy]:
    """Return the strategy class ``reference`` names.

    Raises
    ------
    ConfigurationError
        If no built-in has that name, the file is missing or fails to import, or the class is
        missing or not a ``Strategy``.
    """
    reference = reference.strip()
    if reference in BUILTIN_STRATEGIES:
        return BUILTIN_STRATEGIES[reference]
    path_text, colon, class_name = reference.rpartition(":")
    if not colon or not path_text.endswith(".py") or not class_name:
        raise ConfigurationError(
            UNKNOWN_STRATEGY_MESSAGE.format(
                reference=reference, names=", ".join(sorted(BUILTIN_STRATEGIES))
            )
        )
    return _load_from_file(Path(path_text), class_name)


def _load_from_file(path: Path, class_name: str) -> type[Strategy]:
    path = path.expanduser().resolve()
    if not path.is_file():
        raise ConfigurationError(f"strategy file {path} does not exist")
    module_name = f"tc2_user_strategy_{zlib.crc32(str(path).encode()):08x}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ConfigurationError(f"strategy file {path} cannot be loaded as Python")
    module = importlib.util.module_from_spec(spec)
    # Registered before running so dataclasses and pickling inside the file can find it.
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        sys.modules.pop(module_name, None)
        raise ConfigurationError(
            f"strategy file {path} failed to import: {type(error).__name__}: {error}"
        ) from error
    found = getattr(module, class_name, None)
    if not (isinstance(found, type) and issubclass(found, Strategy)):
        raise ConfigurationError(f"{path} has no Strategy subclass named {class_name!r}")
    return found


def builtin_descriptions() -> list[dict[str, object]]:
    """``describe()`` of every built-in strategy, day strategies first, then by name."""
    return [
        cls.describe()
        for cls in sorted(
            BUILTIN_STRATEGIES.values(), key=lambda c: (c.kind.value != "day", c.strategy_id())
        )
    ]
