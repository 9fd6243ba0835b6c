"""The engine's modules import each other without cycles, and its packages one way.

Every ``import`` in ``tc2/`` counts, wherever it stands (a function's body, a ``TYPE_CHECKING``
block): an import deferred into a function to dodge a cycle is still a cycle in the design. An
import of ``a.b.c`` is an edge to the module ``a.b.c`` only, not to the packages above it, as
in import-linter and grimp.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "tc2"


def module_files(root: Path = ROOT, package: str = PACKAGE) -> dict[str, Path]:
    """Every module of ``package`` under ``root``, by dotted name (a package by its own name)."""
    modules = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def imported_modules(name: str, path: Path, known: Mapping[str, Path]) -> set[str]:
    """The modules of ``known`` that module ``name`` (at ``path``) imports anywhere in its code."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.update(_nearest(alias.name, known))
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, name, is_package)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                found.update(_nearest(submodule if submodule in known else base, known))
    found.discard(name)
    return found


def _absolute(node: ast.ImportFrom, name: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    parts = name.split(".")
    if not is_package:
        parts = parts[:-1]
    parts = parts[: len(parts) - (node.level - 1)]
    return ".".join([*parts, *([node.module] if node.module else [])])


def _nearest(dotted: str, known: Mapping[str, Path]) -> Iterator[str]:
    """``dotted`` or the closest package above it that is one of ``known``; nothing for others."""
    parts = dotted.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in known:
            yield candidate
            return
        parts.pop()


def import_graph(root: Path = ROOT, package: str = PACKAGE) -> dict[str, set[str]]:
    known = module_files(root, package)
    return {name: imported_modules(name, path, known) for name, path in known.items()}


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(start: str) -> None:
        # Iterative, so a deep import chain cannot reach the recursion limit.
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            for target in edges:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph.get(target, ())))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def describe(component: list[str], graph: Mapping[str, set[str]]) -> str:
    members = set(component)
    edges = [
        f"{source} -> {target}"
        for source in component
        for target in sorted(graph[source] & members)
    ]
    return "; ".join(edges)


def test_the_engine_has_no_import_cycle():
    graph = import_graph()

    found = [describe(component, graph) for component in cycles(graph)]

    assert found == [], "import cycles in tc2: " + " | ".join(found)


# The engine's packages from the bottom up; a package imports only from the levels below it
# (env and logs stand side by side, on the one error hierarchy).
LAYERS = (
    ("errors",),
    ("env", "logs"),
    ("data",),
    ("analysis",),
    ("execution",),
    ("strategy",),
    ("simulation",),
    ("optimize",),
    ("program",),
)


def test_the_engine_imports_flow_one_way():
    level = {package: index for index, layer in enumerate(LAYERS) for package in layer}
    graph = import_graph()

    def package(module: str) -> str:
        return module.split(".")[1] if "." in module else ""

    upward = sorted(
        f"{source} -> {target}"
        for source, targets in graph.items()
        for target in targets
        if package(source) in level
        and package(target) in level
        and package(source) != package(target)
        and level[package(target)] >= level[package(source)]
    )
    unplaced = sorted({package(m) for m in graph} - set(level) - {""})

    assert upward == [], "imports against the engine's direction: " + "; ".join(upward)
    assert unplaced == [], f"packages of tc2 with no place in LAYERS: {unplaced}"


def test_the_graph_sees_deferred_relative_and_from_imports(tmp_path: Path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from pkg.b import thing\n")
    (package / "b.py").write_text("from .sub import c\n")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "c.py").write_text("import pkg.a\nimport json\n")
    (package / "d.py").write_text("from pkg import a\nfrom pkg.sub.c import x\n")

    graph = import_graph(tmp_path, "pkg")

    assert graph == {
        "pkg": set(),
        "pkg.a": {"pkg.b"},
        "pkg.b": {"pkg.sub.c"},
        "pkg.sub": set(),
        "pkg.sub.c": {"pkg.a"},
        "pkg.d": {"pkg.a", "pkg.sub.c"},
    }
    assert cycles(graph) == [["pkg.a", "pkg.b", "pkg.sub.c"]]


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
        ({"a": {"b"}, "b": {"a"}, "c": {"a"}}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"c"}}, [["a", "b"], ["c", "d"]]),
    ],
)
def test_cycles_are_the_components_that_loop(graph: dict[str, set[str]], expected: list[list[str]]):
    assert cycles(graph) == expected
