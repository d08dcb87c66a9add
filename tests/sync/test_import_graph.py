"""`scimguard.sync` has no import cycle, not even one hidden inside a function.

The graph is read from the source with `ast`: every `import`/`from` of a `scimguard.sync`
module, at module level or deferred inside a function (a deferred import that closes a circle
is still a circle: it only moves the failure from start-up to first use). Each module must
also import on its own in a fresh interpreter, whatever was imported before it.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import scimguard.sync

SYNC = Path(scimguard.sync.__file__).parent
MODULES = sorted(p.stem for p in SYNC.glob("*.py") if p.stem != "__init__")
PREFIX = "scimguard.sync"


def _targets(node: ast.AST, module: str) -> set[str]:
    """The sibling modules of `scimguard.sync` that one import statement loads."""
    names: list[str] = []
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:  # relative: from . import x / from .x import y
            base = ".".join([PREFIX, base] if base else [PREFIX])
        names = [base] + [f"{base}.{alias.name}" for alias in node.names]
    out = set()
    for name in names:
        if name.startswith(PREFIX + "."):
            stem = name[len(PREFIX) + 1 :].split(".")[0]
            if stem in MODULES and stem != module:
                out.add(stem)
    return out


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for module in MODULES:
        tree = ast.parse((SYNC / f"{module}.py").read_text(encoding="utf-8"))
        edges: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                edges |= _targets(node, module)
        graph[module] = edges
    return graph


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


def test_the_graph_reader_sees_a_cycle_hidden_in_a_function():
    """The reader itself: the shape of the old tree (tasks -> retry inside a function)."""
    old = ast.parse("def retry_tasks():\n    from scimguard.sync.retry import retry\n")
    edges = set().union(*(_targets(n, "tasks") for n in ast.walk(old)))
    assert edges == {"retry"}
    assert find_cycle({"tasks": edges, "retry": {"tasks"}}) == ["retry", "tasks", "retry"]


def test_sync_modules_import_one_another_without_a_cycle():
    graph = import_graph()
    assert {"tasks", "retry", "run", "executor", "planner"} <= set(graph)
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def test_tasks_is_a_leaf_of_the_engine():
    graph = import_graph()
    assert graph["tasks"] <= {"tables", "db"}, graph["tasks"]


@pytest.mark.parametrize("module", MODULES)
def test_each_module_imports_alone_in_a_fresh_interpreter(module):
    result = subprocess.run(
        [sys.executable, "-c", f"import {PREFIX}.{module}"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
