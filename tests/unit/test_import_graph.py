"""The package's imports, read from the source (function-local ones included): no module cycles, and the
front ends sit on top: the core never imports them, and they never import one another."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "computer_use_demo"
FRONT_ENDS = (
    "computer_use_demo.cli",
    "computer_use_demo.ui",
    "computer_use_demo.api",
    "computer_use_demo.mcp",
)
ENTRY_POINTS = ("computer_use_demo.__main__", "computer_use_demo.streamlit_app")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets.add(node.module)
                targets.update(f"{node.module}.{alias.name}" for alias in node.names)
        # A module's own parent packages are loaded before it anyway: importing from them is no cycle.
        graph[name] = {t for t in targets if t in modules and t != name and not name.startswith(t + ".")}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_through_others():
    assert cycles(import_graph()) == []


def test_the_core_never_imports_a_front_end_and_front_ends_not_each_other():
    graph = import_graph()
    for module, targets in graph.items():
        own = next((f for f in FRONT_ENDS if module == f or module.startswith(f + ".")), None)
        for target in targets:
            other = next((f for f in FRONT_ENDS if target == f or target.startswith(f + ".")), None)
            if other is None or other == own:
                continue
            assert module in ENTRY_POINTS and own is None, f"{module} imports {target}"


def test_the_graph_sees_function_local_imports():
    # A cycle hidden in a function body (as ui/conversations <-> ui/stored_runs once was) still counts.
    graph = import_graph()
    assert "computer_use_demo.cli.headless" in graph["computer_use_demo.cli.main"]
