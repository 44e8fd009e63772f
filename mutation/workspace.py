"""One mutmut workspace per module, so each module is mutated against its own test selection.

mutmut reads its settings only from ./pyproject.toml and keeps its state in ./mutants/, so each module
gets a folder mutants/<name>/ holding a generated pyproject.toml (the project's pytest settings plus a
[tool.mutmut] table) and symlinks to the package and the tests. Its cache there lets a rerun test only
what changed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORKSPACES = ROOT / "mutants"
PACKAGE = "computer_use_demo"
# Slow end-to-end tests are not part of a mutation run; the cache plugin would write into the tree; a fixed
# Hypothesis seed makes a property test kill the same mutants on every run.
PYTEST_ARGS = ["-m", "not slow", "-p", "no:cacheprovider", "--hypothesis-seed=0"]


@dataclass(frozen=True)
class Module:
    name: str
    path: str
    tests: tuple[str, ...]


def load_modules(config: Path) -> list[Module]:
    entries = tomllib.loads(config.read_text())["module"]
    return [Module(e["name"], e["path"], tuple(e["tests"])) for e in entries]


def _toml_value(value: object) -> str:
    # Strings, numbers, booleans and lists of them: JSON spells these the way TOML does.
    return json.dumps(value)


def pyproject_for(module: Module) -> str:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    pytest_options = project["tool"]["pytest"]["ini_options"]
    mutmut_options = {
        "source_paths": [PACKAGE],
        "only_mutate": [module.path],
        "also_copy": ["tests", "pyproject.toml"],
        "pytest_add_cli_args_test_selection": list(module.tests),
        "pytest_add_cli_args": PYTEST_ARGS,
    }
    lines = ["[tool.pytest.ini_options]"]
    lines += [f"{key} = {_toml_value(value)}" for key, value in pytest_options.items()]
    lines += ["", "[tool.mutmut]"]
    lines += [f"{key} = {_toml_value(value)}" for key, value in mutmut_options.items()]
    return "\n".join(lines) + "\n"


def prepare(module: Module, *, fresh: bool) -> Path:
    """Create (or refresh) the module's workspace and return its folder."""
    missing = [t for t in module.tests if not (ROOT / t.split("::")[0]).exists()]
    if missing:
        raise FileNotFoundError(f"{module.name}: test selection names missing files: {missing}")
    workspace = WORKSPACES / module.name
    if fresh and workspace.exists():
        shutil.rmtree(workspace)
    workspace.mkdir(parents=True, exist_ok=True)
    for linked in (PACKAGE, "tests"):
        link = workspace / linked
        if not link.is_symlink():
            link.symlink_to(os.path.relpath(ROOT / linked, workspace))
    (workspace / "pyproject.toml").write_text(pyproject_for(module))
    return workspace


def _mutmut() -> str:
    return str(Path(sys.executable).with_name("mutmut"))


def run_mutmut(workspace: Path, *, jobs: int, budget: float, mutants: list[str], log: Path) -> bool:
    """Run `mutmut run` in the workspace; False if the time budget ran out (the run is then stopped)."""
    argv = [_mutmut(), "run", "--max-children", str(jobs), *mutants]
    with log.open("w") as out:
        proc = subprocess.Popen(
            argv, cwd=workspace, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            proc.wait(timeout=budget)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            return False
        finally:
            if proc.poll() is None:  # interrupted (Ctrl-C): stop the whole run we started
                os.killpg(proc.pid, signal.SIGKILL)
    if proc.returncode != 0:
        raise RuntimeError(f"mutmut failed in {workspace} (exit {proc.returncode}); see {log}")
    return True


# One process for all diffs: `mutmut show` per mutant costs a second or more of start-up each.
_DIFFS = """
import json, sys
from mutmut.mutation.diff_apply import get_diff_for_mutant
print(json.dumps({name: get_diff_for_mutant(name) for name in json.load(sys.stdin)}))
"""


def show_diffs(workspace: Path, mutants: list[str]) -> dict[str, str]:
    """Each mutant's diff against the original function, as `mutmut show` prints it."""
    if not mutants:
        return {}
    result = subprocess.run(
        [sys.executable, "-c", _DIFFS],
        cwd=workspace,
        input=json.dumps(mutants),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.splitlines()[-1])
