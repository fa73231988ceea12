"""The package's layers point down only: no module imports one of a higher layer, no import cycle, and no module
grows past MAX_LINES; the few known exceptions are listed with why."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "plugins" / "timescale_migration"

LAYERS = (
    {"timescale_migration", "constants", "exceptions", "masking", "settings", "phases", "rendering"},
    {"workdir", "params", "options"},
    {"tools"},
    {"db"},
    {"checks"},
    {"copy"},
    {"verify"},
    {"fleet"},
    {"gates", "timeouts", "triggers", "retention"},
    {"ui"},
    {"operators"},
    {"preload"},
)
"""Lowest first, each a set of top-level modules or sub-packages of timescale_migration: names, settings and the HTML
templates' environment; the params, their typed view and the work directory; client tools; sessions and catalogs;
the checks before the downtime; copying; verification; many databases (fleet, rehearsals, ledger); the gates,
timeouts, the drain's trigger, retention; the Migrations page (below the operators only because their extra links
and gate texts name its pages: ui/links.py); one operator per phase; preload.py, which imports everything. A module
may import its own unit and lower layers."""

KNOWN_UPWARD: set[tuple[str, str]] = set()
"""Arrows from a lower layer to a higher one that are known, each with why (none now: the preflight checks of
owners, privileges and the database's settings moved from db/ to checks/ownership.py and checks/sessiondefaults.py)."""

MAX_LINES = 500
KNOWN_LARGE: set[str] = set()
"""Modules allowed past MAX_LINES for now, each with why (none now: copy/parallel.py was split into its plan,
copy/parallel_plan.py, and its run; db/privileges.py into reading and db/grants.py)."""


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
        found[name] = path
    return found


def import_graph() -> dict[str, set[str]]:
    """Module -> the package's modules it imports (at the top, inside functions or under TYPE_CHECKING)."""
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == PACKAGE.name:
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    imported.add(full if full in modules else node.module)
            elif isinstance(node, ast.Import):
                imported |= {a.name for a in node.names if a.name.split(".")[0] == PACKAGE.name}
        graph[name] = imported - {name}
    return graph


def layer(module: str) -> int:
    """The index in LAYERS of a module's top-level unit."""
    unit = module.split(".")[1] if "." in module else module
    return next(i for i, units in enumerate(LAYERS) if unit in units)


def upward(graph: dict[str, set[str]]) -> set[tuple[str, str]]:
    """Every arrow from a module to one of a higher layer."""
    return {
        (source, target) for source, targets in graph.items() for target in targets if layer(target) > layer(source)
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import cycles: strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in sorted(graph.get(module, ())):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def test_every_module_has_a_layer() -> None:
    """Each top-level module and sub-package is in exactly one layer (a new one must be placed)."""
    units = [unit for units in LAYERS for unit in units]
    assert len(units) == len(set(units))
    on_disk = {path.stem for path in PACKAGE.glob("*.py")} - {"__init__"} | {
        path.name for path in PACKAGE.iterdir() if (path / "__init__.py").is_file()
    }
    assert on_disk | {PACKAGE.name} == set(units)


def test_layers_point_down_only() -> None:
    """No module imports a module of a higher layer, but the known exceptions (which are still there)."""
    found = upward(import_graph())
    assert found - KNOWN_UPWARD == set()
    assert found >= KNOWN_UPWARD, "a known exception is gone: remove it from KNOWN_UPWARD"


def test_no_import_cycle() -> None:
    """No group of modules imports each other in a circle."""
    assert cycles(import_graph()) == []


def test_the_checks_find_what_they_look_for() -> None:
    """An upward arrow and a cycle planted in a small graph are found."""
    graph = {
        "timescale_migration.db.a": {"timescale_migration.ui.b"},
        "timescale_migration.ui.b": {"timescale_migration.db.a"},
        "timescale_migration.phases": set(),
    }
    assert upward(graph) == {("timescale_migration.db.a", "timescale_migration.ui.b")}
    assert cycles(graph) == [["timescale_migration.db.a", "timescale_migration.ui.b"]]


def test_modules_stay_small() -> None:
    """No module is longer than MAX_LINES lines, but the known ones (which still are)."""
    large = {
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if len(path.read_text(encoding="utf-8").splitlines()) > MAX_LINES
    }
    assert large - KNOWN_LARGE == set()
    assert large >= KNOWN_LARGE, "a known large module got small: remove it from KNOWN_LARGE"
