"""The whole package has no import cycle, and imports inside functions only with a reason.

The graph is read from the source with `ast`: every `import`/`from` of a `scimguard` module,
at module level or deferred inside a function (a deferred import that closes a circle is
still a circle: it only moves the failure from start-up to first use). Imports under
`if TYPE_CHECKING:` never run and are left out, as httpx leaves out its own.

The engine (`scimguard.sync`) is held to more: `tasks` is a leaf of it, and each of its
modules imports on its own in a fresh interpreter (no earlier import of the run hides an
order it depends on).

An import inside a function outside `cli/` (whose sub-commands load lazily on purpose, as
cli/__init__ says) carries a comment with `why:` on its line or the line above: a heavy or
optional dependency, loaded when used. A cycle is never such a reason: shared types go in a
leaf module (`scimguard.errors`, `scimguard.rates`, `profile.switches`, `sources.snapshot`).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import scimguard

ROOT = Path(scimguard.__file__).parent
LAZY_ON_PURPOSE = ("scimguard.cli",)  # sub-commands import what they need when they run
REASON = "why:"
PENDING: set[str] = set()  # modules allowed a deferred import while being moved (none now)


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(ROOT.rglob("*.py")) if "migrations" not in p.parts}
# The C modules (profile/_screen.c, records/_split.c) import nothing of scimguard: leaves.
EXTENSIONS = {module_name(p) for p in ROOT.rglob("*.c")}
KNOWN = set(MODULES) | EXTENSIONS
ENGINE = sorted(m for m in MODULES if m.startswith("scimguard.sync."))


def _resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    parts = module.split(".")
    base = parts if is_package else parts[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def targets(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> set[str]:
    """The scimguard modules one import statement needs run: a package is its `__init__`;
    `from package import submodule` needs the submodule, not all of the package's names."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = _resolve(node, module, is_package)
        names = [f"{base}.{a.name}" if f"{base}.{a.name}" in KNOWN else base for a in node.names]
    found = set()
    for name in names:
        while name and name not in KNOWN:
            name = name.rpartition(".")[0]
        if name.startswith("scimguard") and name != module and name != "scimguard":
            found.add(name)
    return found


def _type_checking_only(tree: ast.Module) -> set[int]:
    """The ids of the import nodes under `if TYPE_CHECKING:`."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                skipped |= {id(n) for n in ast.walk(inner)}
    return skipped


def _function_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            out += [n for n in ast.walk(node) if isinstance(n, ast.Import | ast.ImportFrom)]
    return out


def _explained(lines: list[str], lineno: int) -> bool:
    """Whether the import at `lineno` (1-based), or the comment just above its block of
    imports (all its lines), gives the reason."""
    index = lineno - 1
    while index > 0 and lines[index - 1].strip().startswith(("import ", "from ")):
        index -= 1
    while index > 0 and lines[index - 1].strip().startswith("#"):
        index -= 1
    block = lines[index:lineno]
    return any(REASON in line for line in block)


def read_package() -> tuple[dict[str, set[str]], list[str]]:
    """(module -> modules it imports, function-level imports outside cli/ with no reason)."""
    graph: dict[str, set[str]] = {}
    unexplained: list[str] = []
    for module, path in MODULES.items():
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        tree = ast.parse(text)
        skipped = _type_checking_only(tree)
        is_package = path.name == "__init__.py"
        graph[module] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in skipped:
                graph[module] |= targets(node, module, is_package)
        if module.startswith(LAZY_ON_PURPOSE) or str(path.relative_to(ROOT.parent)) in PENDING:
            continue
        for node in _function_imports(tree):
            if not _explained(lines, node.lineno):
                unexplained.append(f"{path.relative_to(ROOT.parent)}:{node.lineno}")
    return graph, unexplained


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a path (first == last), or None."""
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_reader_sees_cycles_hidden_in_functions_and_skips_type_checking():
    """The reader itself, on the shapes the package once had."""
    hidden = ast.parse(
        "def read():\n    from scimguard.records.json_reader import split\n"
        "if TYPE_CHECKING:\n    from scimguard.check import Report\n"
    )
    skipped = _type_checking_only(hidden)
    edges = set().union(
        *(
            targets(n, "scimguard.records", True)
            for n in ast.walk(hidden)
            if isinstance(n, ast.Import | ast.ImportFrom) and id(n) not in skipped
        )
    )
    assert edges == {"scimguard.records.json_reader"}
    assert len(_function_imports(hidden)) == 1
    block = [
        "def f():",
        "    # why: heavy",
        "    from a import b",
        "    from c import d",
        "    x = 1",
    ]
    assert _explained(block, 4) and not _explained(["def f():", "    from a import b"], 2)
    graph = {"scimguard.records": edges, "scimguard.records.json_reader": {"scimguard.records"}}
    assert find_cycle(graph) == [
        "scimguard.records",
        "scimguard.records.json_reader",
        "scimguard.records",
    ]
    relative = ast.parse("from .model import Record\nfrom . import paths\n")
    found = set().union(*(targets(n, "scimguard.records.csv_reader", False) for n in relative.body))
    assert found == {"scimguard.records.model", "scimguard.records.paths"}


def test_the_package_imports_without_a_cycle():
    graph, _ = read_package()
    assert {"scimguard.errors", "scimguard.cli", "scimguard.sync.run"} <= set(graph)
    cycle = find_cycle(graph)
    assert cycle is None, " -> ".join(cycle or [])


def test_every_import_inside_a_function_outside_cli_says_why():
    _, unexplained = read_package()
    assert unexplained == [], "\n".join(unexplained)


def test_the_shared_leaves_import_nothing_of_scimguard():
    graph, _ = read_package()
    for leaf in ("scimguard.errors", "scimguard.rates", "scimguard.db", "scimguard.text"):
        assert graph[leaf] == set(), (leaf, graph[leaf])


def test_tasks_is_a_leaf_of_the_engine():
    """The task queue is written by the executor and read by `retry`: it imports neither."""
    graph, _ = read_package()
    engine = {m for m in graph["scimguard.sync.tasks"] if m.split(".")[:2] == ["scimguard", "sync"]}
    assert engine <= {"scimguard.sync.tables", "scimguard.sync.db"}, engine


@pytest.mark.parametrize("module", ENGINE)
def test_each_engine_module_imports_alone_in_a_fresh_interpreter(module):
    result = subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
