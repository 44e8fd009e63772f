"""The package's import rules, checked on the source (ast), function-local imports included.

- no import cycle between modules of computer_use_demo;
- imports point down the layers: desktop, tools, models, agent (with runs.config, runs.hooks and the
  run's human controls), store,
  trajectory, runs, service (what the API and MCP servers share: background runs and their events),
  front ends.
  store/ and trajectory/ sit below runs/ because a run session owns the store and the trajectory recorder;
  trajectory/ sits above models/ because replay is a model provider, and above store/ whose message helpers
  it uses;
- the core never imports a front end, and front ends (ui, cli, api, mcp) never import one another;
- fleet/ (many desktops, the batch runner) sits on top: it may serve a front end (the HTTP API over a
  pool), and nothing imports it;
- no module is longer than 400 lines.

Top-level modules (`__main__`, `loop`, the Streamlit entry points) are entry points or shims: they may
import any layer, and nothing may import them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = "computer_use_demo"
ROOT = Path(__file__).resolve().parents[2] / PACKAGE
MAX_LINES = 400

# Layer rank per top-level package: a module may import its own package and any package of a lower rank.
LAYERS: dict[str, int] = {
    "desktop": 0,
    "tools": 1,
    "models": 2,
    "agent": 3,
    "store": 4,
    "trajectory": 5,
    "runs": 6,
    "service": 7,
    "ui": 8,
    "cli": 8,
    "api": 8,
    "mcp": 8,
    "fleet": 9,
}
FRONT_ENDS = frozenset({"ui", "cli", "api", "mcp"})
# RunConfig and RunHooks are what the loop is given, so they belong to agent/'s layer (they use its
# history defaults and stop type); the rest of runs/ (the run session, which drives the loop, the store
# and the recorder) sits above it. A person's controls are the loop's too: it asks them before each tool
# call (approvals, takeover), so they and what they are made of live at agent/'s layer as well.
LOOP_VOCABULARY = frozenset(
    {
        "runs.config",
        "runs.hooks",
        "runs.tool_call",
        "runs.policy",
        "runs.human_records",
        "runs.signals",
        "runs.desk",
        "runs.approvals",
        "runs.takeover",
        "runs.controls",
    }
)

# Violations allowed for now; each entry says why. Empty today: keep it so.
KNOWN_CYCLES: set[frozenset[str]] = set()
KNOWN_IMPORTS: set[tuple[str, str]] = set()
KNOWN_LONG: set[str] = set()


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES: dict[str, Path] = {module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def resolve(name: str) -> str | None:
    """A dotted name under the package as one of our modules (the longest prefix that is one)."""
    if name != PACKAGE and not name.startswith(PACKAGE + "."):
        return None
    parts = name.split(".")[1:]
    while parts and ".".join(parts) not in MODULES:
        parts.pop()
    return ".".join(parts) if parts else None


def imports_of(module: str) -> Iterator[tuple[str, int]]:
    """Every module of ours that `module` imports, anywhere in it, with the line."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module if is_package(module) else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if (target := resolve(alias.name)) is not None:
                    yield target, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = [PACKAGE, *package.split(".")] if package else [PACKAGE]
                base_parts = base_parts[: len(base_parts) - node.level + 1]
                base = ".".join([*base_parts, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            for alias in node.names:
                # `from pkg import submodule` imports the submodule; `from pkg import name`, the package.
                target = resolve(f"{base}.{alias.name}") or resolve(base)
                if target is not None:
                    yield target, node.lineno


GRAPH: dict[str, dict[str, int]] = {
    module: {target: line for target, line in imports_of(module) if target != module} for module in MODULES
}


def layer_of(module: str) -> str | None:
    """The top-level package a module belongs to; None for a top-level entry module or the package itself."""
    if "." not in module and not (module in MODULES and is_package(module)):
        return None
    if module in LOOP_VOCABULARY:
        return "agent"
    return module.split(".", 1)[0] if module else None


def strongly_connected(graph: dict[str, dict[str, int]]) -> list[set[str]]:
    """Tarjan's algorithm: the groups of modules that import one another (iterative, no recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(graph[start]))]
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
                    work.append((target, iter(graph[target])))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.add(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        groups.append(group)
    return groups


def describe(source: str, target: str) -> str:
    return f"{MODULES[source].relative_to(ROOT.parent)}:{GRAPH[source][target]} imports {target}"


def test_the_rules_see_the_whole_package():
    assert len(MODULES) > 50
    assert set(GRAPH["tools.collection"]) >= {"tools.base", "tools.result_blocks"}
    # Relative and function-local imports count too.
    assert "ui.loop_adapter" in GRAPH["ui.sidebar"]
    assert "cli.headless" in GRAPH["cli.main"]


def test_no_import_cycles():
    cycles = [group for group in strongly_connected(GRAPH) if frozenset(group) not in KNOWN_CYCLES]
    assert not cycles, "import cycles:\n" + "\n".join(
        "; ".join(describe(a, b) for a in sorted(group) for b in GRAPH[a] if b in group) for group in cycles
    )


def test_known_cycles_still_exist():
    """An entry that no longer applies is removed from the list, so the list only shrinks."""
    found = {frozenset(group) for group in strongly_connected(GRAPH)}
    assert found >= KNOWN_CYCLES, f"fixed, remove from KNOWN_CYCLES: {KNOWN_CYCLES - found}"


def layer_violations() -> Iterator[tuple[str, str, str]]:
    for source, targets in GRAPH.items():
        source_layer = layer_of(source)
        for target in targets:
            target_layer = layer_of(target)
            if target_layer is None:
                yield source, target, "imports a top-level entry module"
            elif source_layer is None or source_layer == target_layer:
                continue
            elif source_layer in FRONT_ENDS and target_layer in FRONT_ENDS:
                yield source, target, "is a front end importing another front end"
            elif target_layer in FRONT_ENDS and source_layer != "fleet":
                yield source, target, "is the core importing a front end"
            elif LAYERS[target_layer] >= LAYERS[source_layer]:
                yield source, target, f"imports up the layers ({source_layer} -> {target_layer})"


def test_every_package_has_a_layer():
    packages = {layer_of(m) for m in MODULES} - {None, ""}
    assert packages <= set(LAYERS), f"give these packages a layer: {packages - set(LAYERS)}"


def test_imports_point_down_the_layers_and_front_ends_stay_apart():
    bad = [
        f"{describe(source, target)}: {source} {why}"
        for source, target, why in layer_violations()
        if (source, target) not in KNOWN_IMPORTS
    ]
    assert not bad, "\n".join(bad)


def test_known_imports_still_exist():
    found = {(source, target) for source, target, _ in layer_violations()}
    assert found >= KNOWN_IMPORTS, f"fixed, remove from KNOWN_IMPORTS: {KNOWN_IMPORTS - found}"


def test_no_module_is_over_400_lines():
    lengths = {module: len(path.read_text().splitlines()) for module, path in MODULES.items()}
    long = {m: n for m, n in lengths.items() if n > MAX_LINES}
    assert set(long) - KNOWN_LONG == set(), "split these: " + ", ".join(
        f"{MODULES[m].relative_to(ROOT.parent)} ({n} lines)" for m, n in long.items() if m not in KNOWN_LONG
    )
    assert set(long) >= KNOWN_LONG, f"short enough now, remove from KNOWN_LONG: {KNOWN_LONG - set(long)}"
