"""`make mutation`'s driver: which survivors count as news, how a module is scored, what each workspace
mutates and runs. (The mutation runs themselves are a developer command, not part of the test suite.)"""

from __future__ import annotations

import tomllib
from pathlib import Path

from mutation.results import (
    ModuleResult,
    function_of,
    load_equivalents,
    matching_equivalent,
)
from mutation.workspace import PYTEST_ARGS, Module, load_modules, pyproject_for

MUTATION = Path(__file__).resolve().parents[2] / "mutation"
DIFF = """--- computer_use_demo/m.py
+++ computer_use_demo/m.py
@@ -1,3 +1,3 @@
 def f(x):
-    return x  >  1
+    return x >= 1
"""


def write_equivalents(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "equivalents.toml"
    path.write_text(text)
    return path


def test_mutant_names_are_shown_as_the_function_or_method_they_change():
    assert function_of("computer_use_demo.m.x_fit_size__mutmut_12", "computer_use_demo/m.py") == "fit_size"
    assert function_of("computer_use_demo.m.xǁScalingǁto_screen__mutmut_3", "computer_use_demo/m.py") == (
        "Scaling.to_screen"
    )


def test_a_listed_equivalent_matches_by_its_changed_lines_whatever_its_number_or_spacing(tmp_path):
    equivalents = load_equivalents(
        write_equivalents(
            tmp_path,
            '[[equivalent]]\nmodule = "computer_use_demo/m.py"\nfunction = "f"\n'
            'before = ["return x > 1"]\nafter = ["return x >= 1"]\nwhy = "x is never 1"\n',
        )
    )
    assert matching_equivalent(equivalents, "computer_use_demo/m.py", "f", DIFF) is equivalents[0]
    assert matching_equivalent(equivalents, "computer_use_demo/m.py", "g", DIFF) is None
    other = DIFF.replace("x >= 1", "x < 1")
    assert matching_equivalent(equivalents, "computer_use_demo/m.py", "f", other) is None


def test_a_function_listed_as_import_time_only_covers_all_its_mutants(tmp_path):
    equivalents = load_equivalents(
        write_equivalents(
            tmp_path, '[[import_time]]\nmodule = "computer_use_demo/m.py"\nfunction = "f"\nwhy = "import"\n'
        )
    )
    assert matching_equivalent(equivalents, "computer_use_demo/m.py", "f", DIFF) is equivalents[0]


def test_the_score_leaves_out_equivalent_and_unchecked_mutants():
    result = ModuleResult("m", "computer_use_demo/m.py")
    result.statuses = {"a": "killed", "b": "killed", "c": "killed", "d": "survived", "e": "survived"}
    result.statuses["f"] = "not checked"
    result.equivalent = ["e"]
    assert result.score == 75.0  # 3 killed of 4 judged


def test_each_workspace_mutates_only_its_module_and_runs_only_its_tests_without_slow_ones():
    module = Module("m", "computer_use_demo/agent/history.py", ("tests/unit/agent/test_history.py",))
    settings = tomllib.loads(pyproject_for(module))
    mutmut = settings["tool"]["mutmut"]
    assert mutmut["only_mutate"] == ["computer_use_demo/agent/history.py"]
    assert mutmut["pytest_add_cli_args_test_selection"] == ["tests/unit/agent/test_history.py"]
    assert mutmut["pytest_add_cli_args"] == PYTEST_ARGS and "not slow" in PYTEST_ARGS
    assert settings["tool"]["pytest"]["ini_options"]["asyncio_mode"] == "auto"  # the project's settings


def test_every_listed_module_and_equivalent_names_real_files():
    root = MUTATION.parent
    modules = load_modules(MUTATION / "modules.toml")
    for module in modules:
        assert (root / module.path).is_file(), module.path
        assert all((root / test).is_file() for test in module.tests), module.name
    mutated = {m.path for m in modules}
    assert {e.module for e in load_equivalents(MUTATION / "equivalents.toml")} <= mutated
