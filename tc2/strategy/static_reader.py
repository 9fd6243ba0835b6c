"""Reading a strategy file's declarations without running it, for processes that must not.

The web process lists uploaded strategies and checks requests for them, but must never execute
user code: importing a file runs its top-level code and its class bodies. So a file is read
with ``ast`` only. Its top-level classes that derive from ``Strategy`` (directly, through a
class imported from ``tc2`` such as a built-in strategy, or through another class of the file)
are strategies, and the class attributes the engine reads before a run (``DECLARED_ATTRIBUTES``)
are evaluated from the syntax tree. A declaration may use literals, tuples and lists (with
``*``), arithmetic on numbers, ``Parameter(...)``, ``ActiveWindow(time(...), time(...))``, names
imported from ``tc2`` or ``datetime`` (``Resolution.MINUTE``, ``StrategyKind.SWING``), the
file's module-level constants written the same way, and another class's attribute
(``CycleStrategy.parameters + (...)``). Anything else cannot be read without running the file
and is reported with its line.

From what was read, a *stand-in* is built: a ``Strategy`` subclass with the same name,
docstring and declarations and none of the file's code, which request checks use like any
built-in class. Cross-parameter rules (``parameter_problems``) that the file writes itself are
code, so the stand-in skips them; the job worker, which imports the real class, checks them
before the run.
"""

from __future__ import annotations

import ast
import datetime
import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from tc2.data.bars import Resolution
from tc2.strategy.base import INTERFACE_VERSION, ActiveWindow, Params, Strategy, StrategyKind
from tc2.strategy.parameters import Parameter

DECLARED_ATTRIBUTES = (
    "interface_version",
    "kind",
    "resolution",
    "resolutions",
    "active_windows",
    "default_symbols",
    "fixed_symbols",
    "parameters",
    "required_models",
    "experimental",
)
"""The class attributes the engine reads before a run: what a stand-in carries."""

UNREADABLE_HINT = (
    "write it with literals, Parameter(...), ActiveWindow(time(...), time(...)) and names "
    "imported from tc2, so TC2 can read it without running the file"
)

# The only callables a declaration may call: they build values and run no user code.
_CONSTRUCTORS: tuple[Callable[..., Any], ...] = (Parameter, ActiveWindow, datetime.time)
_BUILTIN_NAMES: dict[str, Any] = {"int": int, "float": float, "bool": bool, "str": str}
_MAX_DEPTH = 40
_NUMBER = (int, float)


class _Unreadable(Exception):
    def __init__(self, node: ast.AST, what: str) -> None:
        super().__init__(f"line {getattr(node, 'lineno', '?')}: {what}")


@dataclass(frozen=True, slots=True, kw_only=True)
class DeclaredStrategy:
    """A strategy class found in a file, read without running it.

    Parameters
    ----------
    name
        The class name: the strategy's registered name.
    line
        Where the class statement is.
    stand_in
        A ``Strategy`` subclass with the class's declarations and none of its code.
    checks_parameters_itself
        The file writes its own ``parameter_problems``: only the job worker checks those rules.
    """

    name: str
    line: int
    stand_in: type[Strategy]
    checks_parameters_itself: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceReading:
    """The strategies of a file, and why any other class could not be read (with lines)."""

    strategies: tuple[DeclaredStrategy, ...]
    problems: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _FileClass:
    name: str


def read_strategy_source(source: str, *, module_name: str = "uploaded") -> SourceReading:
    """Find the strategies ``source`` declares, without executing any of it.

    ``module_name`` becomes the stand-ins' ``__module__`` (what the file is called).
    """
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        return SourceReading(
            strategies=(), problems=(f"line {error.lineno}: syntax error: {error.msg}",)
        )
    except (RecursionError, MemoryError, ValueError) as error:
        # A hostile nesting depth or a NUL byte: the parser gives up, and so do we.
        return SourceReading(strategies=(), problems=(f"cannot be parsed: {error!r}",))
    return _Reader(tree, module_name).read()


class _Reader:
    def __init__(self, tree: ast.Module, module_name: str) -> None:
        self.module_name = module_name
        # Top-level bindings, the last one winning as it would when the file runs.
        self.bindings: dict[str, ast.stmt] = {}
        for node in tree.body:
            for name in _bound_names(node):
                self.bindings[name] = node
        self.resolving: set[str] = set()

    def read(self) -> SourceReading:
        strategies: list[DeclaredStrategy] = []
        problems: list[str] = []
        for name, node in self.bindings.items():
            if not isinstance(node, ast.ClassDef):
                continue
            try:
                if not self._is_strategy(name):
                    continue
                strategies.append(self._declared(name, node))
            except _Unreadable as error:
                problems.append(f"{name}: {error}")
            except RecursionError:
                problems.append(f"{name}: line {node.lineno}: nested too deeply to be read")
        return SourceReading(strategies=tuple(strategies), problems=tuple(problems))

    # ---- classes ----------------------------------------------------------------------------

    def _class_node(self, name: str) -> ast.ClassDef:
        node = self.bindings.get(name)
        assert isinstance(node, ast.ClassDef)
        return node

    def _bases(self, name: str, depth: int = 0) -> list[_FileClass | type]:
        node = self._class_node(name)
        if depth > _MAX_DEPTH:
            raise _Unreadable(node, "class hierarchy too deep")
        bases: list[_FileClass | type] = []
        for base in node.bases:
            value = self._value(base, depth + 1)
            if isinstance(value, _FileClass | type):
                bases.append(value)
            else:
                raise _Unreadable(base, f"base {ast.unparse(base)} is not a class")
        return bases

    def _is_strategy(self, name: str, depth: int = 0) -> bool:
        try:
            bases = self._bases(name, depth)
        except _Unreadable:
            # A class whose bases cannot be read may still be a strategy: say so only if it is
            # named like one (a base named ...Strategy), else it is a helper of no concern.
            node = self._class_node(name)
            if any("Strategy" in ast.unparse(base) for base in node.bases):
                raise
            return False
        for base in bases:
            if isinstance(base, _FileClass):
                if base.name != name and self._is_strategy(base.name, depth + 1):
                    return True
            elif issubclass(base, Strategy):
                return True
        return False

    def _lineage(self, name: str, depth: int = 0) -> Iterator[_FileClass | type]:
        """The class, then its bases depth first, left to right (Python's order, for the usual
        single inheritance)."""
        if depth > _MAX_DEPTH:
            raise _Unreadable(self._class_node(name), "class hierarchy too deep")
        yield _FileClass(name)
        for base in self._bases(name, depth):
            if isinstance(base, _FileClass):
                yield from self._lineage(base.name, depth + 1)
            else:
                yield base

    def _attribute(self, owner: _FileClass, attribute: str, depth: int) -> Any:
        for cls in self._lineage(owner.name):
            if isinstance(cls, type):
                if attribute.startswith("_") or not hasattr(cls, attribute):
                    continue
                return getattr(cls, attribute)
            statement = _class_binding(self._class_node(cls.name), attribute)
            if statement is None:
                continue
            value = getattr(statement, "value", None)
            if not isinstance(statement, ast.Assign | ast.AnnAssign) or value is None:
                raise _Unreadable(statement, f"{cls.name}.{attribute} is not a plain value")
            return self._value(value, depth + 1)
        raise _Unreadable(self._class_node(owner.name), f"{owner.name} has no {attribute!r}")

    def _declared(self, name: str, node: ast.ClassDef) -> DeclaredStrategy:
        lineage = list(self._lineage(name))
        trusted_base = next(
            cls for cls in lineage if isinstance(cls, type) and issubclass(cls, Strategy)
        )
        values = {
            attribute: _checked(node, attribute, self._attribute(_FileClass(name), attribute, 0))
            for attribute in DECLARED_ATTRIBUTES
        }
        if values["interface_version"] != INTERFACE_VERSION:
            raise _Unreadable(
                node,
                f"interface_version {values['interface_version']!r} is not supported; this TC2 "
                f"has {INTERFACE_VERSION}",
            )
        names = [parameter.name for parameter in values["parameters"]]
        if len(set(names)) != len(names):
            raise _Unreadable(node, f"parameter names repeat: {names}")
        checks_itself = any(
            isinstance(cls, _FileClass)
            and _class_binding(self._class_node(cls.name), "parameter_problems") is not None
            for cls in lineage
        )
        stand_in = _stand_in(
            name=name,
            module_name=self.module_name,
            docstring=ast.get_docstring(node, clean=False),
            base=trusted_base,
            values=values,
            checks_itself=checks_itself,
        )
        return DeclaredStrategy(
            name=name, line=node.lineno, stand_in=stand_in, checks_parameters_itself=checks_itself
        )

    # ---- values -----------------------------------------------------------------------------

    def _value(self, node: ast.expr, depth: int = 0) -> Any:
        if depth > _MAX_DEPTH:
            raise _Unreadable(node, "expression nested too deeply")
        if isinstance(node, ast.Constant):
            if node.value is None or isinstance(node.value, str | int | float | bool):
                return node.value
            raise _Unreadable(node, f"{type(node.value).__name__} constants are not read")
        if isinstance(node, ast.Tuple | ast.List):
            items: list[Any] = []
            for element in node.elts:
                if isinstance(element, ast.Starred):
                    spread = self._value(element.value, depth + 1)
                    if not isinstance(spread, tuple | list):
                        raise _Unreadable(element, "only a tuple or a list can be spread with *")
                    items.extend(spread)
                else:
                    items.append(self._value(element, depth + 1))
            return tuple(items) if isinstance(node, ast.Tuple) else items
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            operand = self._value(node.operand, depth + 1)
            if isinstance(operand, _NUMBER) and not isinstance(operand, bool):
                return -operand if isinstance(node.op, ast.USub) else operand
            raise _Unreadable(node, "a sign applies to numbers only")
        if isinstance(node, ast.BinOp):
            return self._binary(node, depth)
        if isinstance(node, ast.Name):
            return self._name(node, depth)
        if isinstance(node, ast.Attribute):
            if node.attr.startswith("_"):
                raise _Unreadable(node, f"private attribute {node.attr} is not read")
            owner = self._value(node.value, depth + 1)
            if isinstance(owner, _FileClass):
                return self._attribute(owner, node.attr, depth)
            if not hasattr(owner, node.attr):
                raise _Unreadable(node, f"{ast.unparse(node)} does not exist")
            return getattr(owner, node.attr)
        if isinstance(node, ast.Call):
            return self._call(node, depth)
        raise _Unreadable(node, f"{ast.unparse(node)[:60]!r} cannot be read; {UNREADABLE_HINT}")

    def _binary(self, node: ast.BinOp, depth: int) -> Any:
        left = self._value(node.left, depth + 1)
        right = self._value(node.right, depth + 1)
        numbers = all(isinstance(v, _NUMBER) and not isinstance(v, bool) for v in (left, right))
        if numbers and isinstance(node.op, ast.Add | ast.Sub | ast.Mult | ast.Div):
            try:
                return _ARITHMETIC[type(node.op)](left, right)
            except ZeroDivisionError:
                raise _Unreadable(node, "division by zero") from None
        sequences = isinstance(left, tuple) and isinstance(right, tuple)
        if sequences and isinstance(node.op, ast.Add):
            return left + right
        raise _Unreadable(node, f"{ast.unparse(node)[:60]!r} cannot be read; {UNREADABLE_HINT}")

    def _name(self, node: ast.Name, depth: int) -> Any:
        name = node.id
        statement = self.bindings.get(name)
        if statement is None:
            if name in _BUILTIN_NAMES:
                return _BUILTIN_NAMES[name]
            raise _Unreadable(node, f"{name} is neither defined in the file nor imported from tc2")
        if isinstance(statement, ast.ClassDef):
            return _FileClass(name)
        if isinstance(statement, ast.Import | ast.ImportFrom):
            return _imported(statement, name)
        value = getattr(statement, "value", None)
        if not isinstance(statement, ast.Assign | ast.AnnAssign) or value is None:
            raise _Unreadable(node, f"{name} is not a plain value")
        if name in self.resolving:
            raise _Unreadable(node, f"{name} refers to itself")
        self.resolving.add(name)
        try:
            return self._assigned(statement, value, name, depth)
        finally:
            self.resolving.discard(name)

    def _assigned(self, statement: ast.stmt, value: ast.expr, name: str, depth: int) -> Any:
        targets = statement.targets if isinstance(statement, ast.Assign) else []
        for target in targets:
            if isinstance(target, ast.Tuple | ast.List):  # A, B = "A", "B"
                names = [e.id if isinstance(e, ast.Name) else None for e in target.elts]
                if name in names:
                    values = self._value(value, depth + 1)
                    if not isinstance(values, tuple | list) or len(values) != len(names):
                        raise _Unreadable(statement, f"{name} cannot be unpacked")
                    return values[names.index(name)]
        return self._value(value, depth + 1)

    def _call(self, node: ast.Call, depth: int) -> Any:
        function = self._value(node.func, depth + 1)
        if not any(function is allowed for allowed in _CONSTRUCTORS):
            raise _Unreadable(
                node, f"calling {ast.unparse(node.func)} cannot be read; {UNREADABLE_HINT}"
            )
        if any(isinstance(arg, ast.Starred) for arg in node.args) or any(
            keyword.arg is None for keyword in node.keywords
        ):
            raise _Unreadable(node, "* and ** arguments cannot be read")
        args = [self._value(arg, depth + 1) for arg in node.args]
        kwargs = {str(k.arg): self._value(k.value, depth + 1) for k in node.keywords}
        try:
            return function(*args, **kwargs)
        except (TypeError, ValueError) as error:
            raise _Unreadable(node, f"{ast.unparse(node.func)}(...): {error}") from None


_ARITHMETIC: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}

# What each declared attribute must be: (check, what it should be). Lists become tuples.
_SHAPES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "interface_version": (lambda v: type(v) is int, "an int"),
    "kind": (lambda v: isinstance(v, StrategyKind), "a StrategyKind"),
    "resolution": (lambda v: isinstance(v, Resolution), "a Resolution"),
    "resolutions": (lambda v: all(isinstance(r, Resolution) for r in v), "a tuple of Resolution"),
    "active_windows": (
        lambda v: all(isinstance(w, ActiveWindow) for w in v),
        "a tuple of ActiveWindow",
    ),
    "default_symbols": (lambda v: all(isinstance(s, str) for s in v), "a tuple of str"),
    "fixed_symbols": (lambda v: isinstance(v, bool), "a bool"),
    "parameters": (lambda v: all(isinstance(p, Parameter) for p in v), "a tuple of Parameter"),
    "required_models": (lambda v: all(isinstance(m, str) for m in v), "a tuple of str"),
    "experimental": (lambda v: isinstance(v, bool), "a bool"),
}
_SEQUENCES = {"resolutions", "active_windows", "default_symbols", "parameters", "required_models"}


def _checked(node: ast.ClassDef, attribute: str, value: Any) -> Any:
    if attribute in _SEQUENCES:
        if not isinstance(value, tuple | list):
            raise _Unreadable(node, f"{attribute} must be {_SHAPES[attribute][1]}")
        value = tuple(value)
    check, shape = _SHAPES[attribute]
    if not check(value):
        raise _Unreadable(node, f"{attribute} must be {shape}, was {value!r}"[:300])
    return value


def _stand_in(
    *,
    name: str,
    module_name: str,
    docstring: str | None,
    base: type[Strategy],
    values: dict[str, Any],
    checks_itself: bool,
) -> type[Strategy]:
    inherited = base.parameter_problems

    def parameter_problems(cls: type[Strategy], p: Params) -> dict[str, list[str]]:
        if checks_itself:
            return {}  # the file's own rules: the worker checks them with the real class
        try:
            return inherited(p)
        except Exception:
            # An inherited rule that does not fit the file's parameters fails the same way in
            # the worker, which reports it; here it must not fail the request check.
            return {}

    namespace: dict[str, Any] = {
        **values,
        "__doc__": docstring,
        "__module__": module_name,
        "__qualname__": name,
        "parameter_problems": classmethod(parameter_problems),
    }
    return type(name, (base,), namespace)


def _bound_names(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
        return [node.name]
    if isinstance(node, ast.Import | ast.ImportFrom):
        return [
            alias.asname or alias.name.split(".")[0] for alias in node.names if alias.name != "*"
        ]
    if isinstance(node, ast.Assign):
        names: list[str] = []
        for target in node.targets:
            elements = target.elts if isinstance(target, ast.Tuple | ast.List) else [target]
            names.extend(e.id for e in elements if isinstance(e, ast.Name))
        return names
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return [node.target.id]
    return []


def _class_binding(node: ast.ClassDef, attribute: str) -> ast.stmt | None:
    found = None
    for statement in node.body:
        if attribute in _bound_names(statement):
            found = statement
    return found


def _trusted_module(name: str, node: ast.stmt) -> ModuleType:
    # Only the engine's own modules (and datetime) are imported; never anything the file names
    # outside them.
    if not (name == "tc2" or name.startswith("tc2.") or name == "datetime"):
        raise _Unreadable(node, f"names from {name} cannot be read (only from tc2 and datetime)")
    try:
        return importlib.import_module(name)
    except ImportError:
        raise _Unreadable(node, f"there is no module {name}") from None


def _imported(statement: ast.Import | ast.ImportFrom, local: str) -> Any:
    if isinstance(statement, ast.ImportFrom):
        if statement.level or statement.module is None:
            raise _Unreadable(statement, "relative imports cannot be read")
        alias = next(a for a in statement.names if (a.asname or a.name) == local)
        module = _trusted_module(statement.module, statement)
        if hasattr(module, alias.name):
            return getattr(module, alias.name)
        return _trusted_module(f"{statement.module}.{alias.name}", statement)
    alias = next(a for a in statement.names if (a.asname or a.name.split(".")[0]) == local)
    module = _trusted_module(alias.name, statement)
    if alias.asname:
        return module
    return _trusted_module(alias.name.split(".")[0], statement)
