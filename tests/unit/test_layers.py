"""The layers, read from the source with `ast` (nothing is imported): what each layer may import,
no import cycle, small service files. A broken rule is reported as the modules and lines that
break it."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "platform"

MAX_SERVICE_LINES = 400


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the module imported (the submodule itself for `from package import submodule`)
    line: int
    at_import: bool  # runs when the source is imported: not in a function, not TYPE_CHECKING

    def __str__(self) -> str:
        return f"{self.source}:{self.line} imports {self.target}"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _absolute(module: str | None, level: int, source: str) -> str:
    """The absolute name of a (possibly relative) `from … import`."""
    if not level:
        return module or ""
    package = source.split(".")
    if MODULES[source].name != "__init__.py":
        package.pop()
    package = package[: len(package) - (level - 1)]
    return ".".join([*package, module] if module else package)


def _type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _statements(
    body: list[ast.stmt], at_import: bool
) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node, at_import
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield from _statements(node.body, False)
        elif isinstance(node, ast.If) and _type_checking(node.test):
            yield from _statements(node.body, False)
            yield from _statements(node.orelse, at_import)
        else:  # classes, try/except, if/else, with: their bodies run at import
            for field in ("body", "orelse", "finalbody", "handlers"):
                inner = getattr(node, field, None)
                if isinstance(inner, list):
                    yield from _statements([s for s in inner if isinstance(s, ast.AST)], at_import)


def imports_of(name: str) -> list[Import]:
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"), filename=str(MODULES[name]))
    found = []
    for node, at_import in _statements(tree.body, True):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = _absolute(node.module, node.level, name)
            targets = [
                f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names
            ]
        found += [Import(name, target, node.lineno, at_import) for target in targets]
    return found


IMPORTS = {name: imports_of(name) for name in MODULES}


def _inside(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _breaking(
    layer: str, forbidden: Callable[[str], bool], allowed: frozenset[str] = frozenset()
) -> list[str]:
    """Each import of a module of `layer` (but those `allowed`) whose target is `forbidden`."""
    return sorted(
        {
            str(i)
            for name, found in IMPORTS.items()
            if _inside(name, layer) and name not in allowed
            for i in found
            if forbidden(i.target)
        }
    )


def _model_or_gateway(target: str) -> bool:
    return _inside(target, "furusato.models") or _inside(target, "furusato.payments")


def test_the_walk_sees_the_imports() -> None:
    """The walk finds the platform's modules and tells import-time imports from deferred ones
    (a rule checked against nothing would pass for nothing)."""
    assert len(MODULES) > 100
    staff = {(i.target, i.at_import) for i in IMPORTS["furusato.web.staff"]}
    assert ("furusato.web.staff_review", True) in staff
    app = {(i.target, i.at_import) for i in IMPORTS["furusato.web.app"]}
    assert ("furusato.web.staff", False) in app  # inside the app factory
    assert ("furusato.services.errors", True) in app


def test_web_reaches_models_and_gateway_only_through_services() -> None:
    """No module of web/ imports furusato.models or furusato.payments (nor `from furusato
    import models`): pages and the API talk to the services."""
    assert _breaking("furusato.web", _model_or_gateway) == []


def test_domain_is_pure() -> None:
    """domain/ imports nothing of furusato outside domain/, and neither Flask nor SQLAlchemy."""

    def outside(target: str) -> bool:
        furusato_elsewhere = _inside(target, "furusato") and not _inside(target, "furusato.domain")
        return furusato_elsewhere or _inside(target, "flask") or _inside(target, "sqlalchemy")

    assert _breaking("furusato.domain", outside) == []


def test_services_never_import_the_web() -> None:
    """A use case does not know which page or API operation called it."""
    assert _breaking("furusato.services", lambda t: _inside(t, "furusato.web")) == []


def _cycles() -> list[list[str]]:
    """One cycle (a → … → a) in each group of modules that import one another at import time."""
    graph = {
        name: sorted({i.target for i in found if i.at_import and i.target in MODULES} - {name})
        for name, found in IMPORTS.items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for name in graph:
        if name not in index:
            visit(name)

    def a_cycle(group: set[str]) -> list[str]:
        """The shortest way from the group's first module back to itself (breadth first)."""
        start = min(group)
        came_from: dict[str, str] = {}
        queue = [start]
        for node in queue:
            for nxt in graph[node]:
                if nxt == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return [*reversed(path), start]
                if nxt in group and nxt not in came_from:
                    came_from[nxt] = node
                    queue.append(nxt)
        raise AssertionError(f"{start} does not lead back to itself")

    return [a_cycle(g) for g in groups]


def test_no_import_cycle() -> None:
    """No module of platform/ imports, when imported, a module that leads back to it."""
    assert [" -> ".join(cycle) for cycle in _cycles()] == []


def _lines(name: str) -> int:
    return len(MODULES[name].read_text(encoding="utf-8").splitlines())


def test_service_files_stay_small() -> None:
    """Every file in services/ is under 400 lines (past that it is usually two things)."""
    long = {
        f"{name}: {_lines(name)} lines"
        for name in MODULES
        if _inside(name, "furusato.services")
        and _lines(name) >= MAX_SERVICE_LINES
    }
    assert long == set()
