"""The strategy files a staff user added (``TC2_data/strategies/``), and loading strategy files.

Each ``<name>.py`` in the library registers its strategy classes under their class names, next
to the built-ins. The library reads files statically (``static_reader``) for everything a web
process does with them: listing, showing the source, checking a request. Only ``load`` (job
workers, the command line) imports a file, and so runs its code.

A file is added whole or not at all (written beside, then linked into place, so a name is never
overwritten), and refused when it cannot be read statically, declares no strategy, or declares a
name already registered.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import secrets
import sys
import zlib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tc2.env.config import RuntimeConfig
from tc2.errors import ConfigurationError, TC2Error, ValidationFailed
from tc2.strategy.base import Strategy
from tc2.strategy.static_reader import DeclaredStrategy, SourceReading, read_strategy_source

FILE_NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,59}\.py")
FILE_NAME_RULE = "must be a lower-case Python file name such as my_strategy.py (a-z, 0-9, _)"
MAX_FILE_BYTES = 256 * 1024
INVALID_FILE_MESSAGE = "The strategy file was not added; nothing was changed."


class StrategyFileConflict(TC2Error):
    """A strategy file or class of that name is already registered; remove it first, or rename."""


class UnknownStrategyFile(TC2Error, LookupError):
    """No strategy file has that name in the library; list the library for the names there are."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StrategyFile:
    """One file of the library, as read without running it.

    ``strategies`` are the classes it registers; ``problems`` say why a class could not be read
    or registered (a file placed by hand may have some; an uploaded one has none).
    """

    name: str
    size: int
    sha256: str
    modified: datetime
    strategies: tuple[DeclaredStrategy, ...]
    problems: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "size": self.size,
            "sha256": self.sha256,
            "modified": self.modified.isoformat(),
            "strategies": [strategy.name for strategy in self.strategies],
            "problems": list(self.problems),
        }


class StrategyLibrary:
    """A directory of strategy files.

    Parameters
    ----------
    directory
        Where the files are (created on the first upload).
    reserved_names
        Strategy names no file may register (the built-ins).
    """

    def __init__(self, directory: Path, *, reserved_names: Collection[str] = ()) -> None:
        self.directory = directory
        self.reserved_names = frozenset(reserved_names)

    @classmethod
    def from_environ(cls, *, reserved_names: Collection[str] = ()) -> StrategyLibrary:
        """The library of the data directory the environment configures (``TC2_DATA_DIR``)."""
        directory = RuntimeConfig.from_environ().strategies_dir
        return cls(directory, reserved_names=reserved_names)

    def files(self) -> list[StrategyFile]:
        """Every file, by name; a class registered by an earlier file or a built-in is left out
        of a later file (and named among its problems)."""
        if not self.directory.is_dir():
            return []
        taken = {name: "a built-in strategy" for name in self.reserved_names}
        files = []
        for path in sorted(self.directory.glob("*.py")):
            if not FILE_NAME_PATTERN.fullmatch(path.name) or not path.is_file():
                continue
            read = _read(path)
            strategies, problems = [], list(read.problems)
            for strategy in read.strategies:
                if strategy.name in taken:
                    problems.append(f"{strategy.name} is already {taken[strategy.name]}")
                    continue
                taken[strategy.name] = f"registered by {path.name}"
                strategies.append(strategy)
            files.append(_with(read, strategies=tuple(strategies), problems=tuple(problems)))
        return files

    def file(self, name: str) -> StrategyFile:
        """One file. Raises UnknownStrategyFile."""
        for found in self.files():
            if found.name == name:
                return found
        raise UnknownStrategyFile(f"no strategy file {name!r} in the library")

    def source(self, name: str) -> str:
        """A file's text. Raises UnknownStrategyFile."""
        return self._path(self.file(name).name).read_text(encoding="utf-8")

    def declared(self, strategy_name: str) -> DeclaredStrategy | None:
        """The registered class ``strategy_name``, read without running it; None if none is."""
        for found in self.files():
            for strategy in found.strategies:
                if strategy.name == strategy_name:
                    return strategy
        return None

    def strategy_file(self, strategy_name: str) -> Path | None:
        """The file that registers ``strategy_name``; None if none does."""
        for found in self.files():
            if any(strategy.name == strategy_name for strategy in found.strategies):
                return self._path(found.name)
        return None

    def load(self, strategy_name: str) -> type[Strategy] | None:
        """Import the registered class ``strategy_name`` (running its file); None if none is.

        For job workers and the command line only: the file's code runs in this process.

        Raises
        ------
        ConfigurationError
            If the file fails to import or no longer defines that strategy class.
        """
        path = self.strategy_file(strategy_name)
        return None if path is None else load_strategy_file(path, strategy_name)

    def add(self, *, name: str, content: bytes) -> StrategyFile:
        """Check and store a new file; return it as listed.

        Raises
        ------
        ValidationFailed
            If the name breaks the rule, the file is too large, not UTF-8, cannot be read
            statically or declares no strategy (``file`` and ``name`` fields).
        StrategyFileConflict
            If the file name exists or a class name is already registered.
        """
        if not FILE_NAME_PATTERN.fullmatch(name):
            raise ValidationFailed(
                INVALID_FILE_MESSAGE, {"name": [f"{FILE_NAME_RULE}, was {name!r}"]}
            )
        reading = _content_problems(content, module_name=f"tc2_uploaded.{name[:-3]}")
        if isinstance(reading, str):
            raise ValidationFailed(INVALID_FILE_MESSAGE, {"file": [reading]})
        problems = list(reading.problems)
        if not reading.strategies and not problems:
            problems.append(
                "declares no strategy: a top-level class deriving from tc2.strategy.base."
                "Strategy (or from a built-in strategy) is needed"
            )
        if problems:
            raise ValidationFailed(INVALID_FILE_MESSAGE, {"file": problems})
        if self._path(name).exists():
            raise StrategyFileConflict(f"a strategy file {name} exists; remove it first")
        registered = {
            strategy.name: found.name for found in self.files() for strategy in found.strategies
        }
        for strategy in reading.strategies:
            if strategy.name in self.reserved_names:
                raise StrategyFileConflict(
                    f"{strategy.name} is a built-in strategy; rename the class"
                )
            if strategy.name in registered:
                raise StrategyFileConflict(
                    f"{strategy.name} is already registered by {registered[strategy.name]}; "
                    "remove that file first, or rename the class"
                )
        self._write_new(name, content)
        return self.file(name)

    def remove(self, name: str) -> StrategyFile:
        """Delete a file; its strategies are no longer registered. Raises UnknownStrategyFile."""
        found = self.file(name)
        self._path(found.name).unlink()
        return found

    def _path(self, name: str) -> Path:
        return self.directory / name

    def _write_new(self, name: str, content: bytes) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial = self.directory / f".{name}.{secrets.token_hex(8)}.part"
        try:
            with partial.open("xb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(partial, self._path(name))  # fails if the name appeared meanwhile
            except FileExistsError:
                raise StrategyFileConflict(
                    f"a strategy file {name} exists; remove it first"
                ) from None
        finally:
            partial.unlink(missing_ok=True)


def load_strategy_file(path: Path, class_name: str) -> type[Strategy]:
    """Import ``path`` as a module of its own and return its ``Strategy`` subclass ``class_name``.

    Runs the file's code in this process: for the command line and job workers only.

    Raises
    ------
    ConfigurationError
        If the file is missing or fails to import, or the class is missing or not a Strategy.
    """
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


# Reading a file is cheap but not free; a request may list the library more than once.
_READ_CACHE: dict[tuple[str, int, int], StrategyFile] = {}
_READ_CACHE_SIZE = 64


def _read(path: Path) -> StrategyFile:
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    cached = _READ_CACHE.get(key)
    if cached is not None:
        return cached
    content = path.read_bytes()[: MAX_FILE_BYTES + 1]
    reading = _content_problems(content, module_name=f"tc2_uploaded.{path.stem}")
    strategies, problems = (
        ((), (reading,))
        if isinstance(reading, str)
        else (
            reading.strategies,
            reading.problems,
        )
    )
    read = StrategyFile(
        name=path.name,
        size=stat.st_size,
        sha256=hashlib.sha256(content).hexdigest(),
        modified=datetime.fromtimestamp(stat.st_mtime, UTC),
        strategies=strategies,
        problems=problems,
    )
    if len(_READ_CACHE) >= _READ_CACHE_SIZE:
        _READ_CACHE.clear()
    _READ_CACHE[key] = read
    return read


def _content_problems(content: bytes, *, module_name: str = "tc2_uploaded") -> SourceReading | str:
    """The static reading of ``content``, or a sentence saying why it cannot be read at all."""
    if len(content) > MAX_FILE_BYTES:
        return f"is larger than {MAX_FILE_BYTES // 1024} KB"
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as error:
        return f"is not UTF-8 text: {error.reason} at byte {error.start}"
    return read_strategy_source(text, module_name=module_name)


def _with(
    read: StrategyFile, *, strategies: tuple[DeclaredStrategy, ...], problems: tuple[str, ...]
) -> StrategyFile:
    return StrategyFile(
        name=read.name,
        size=read.size,
        sha256=read.sha256,
        modified=read.modified,
        strategies=strategies,
        problems=problems,
    )
