"""Reading a workspace's mutmut results and telling known-equivalent survivors from news.

An equivalent mutant is listed in equivalents.toml by module, function and the changed lines (before and
after, whitespace-insensitive) rather than by mutmut's numbered name, so the list survives edits elsewhere
in the function that renumber the mutants. A function that only runs while its module is imported is
listed whole ([[import_time]]): mutmut switches a mutant on after the import, so no test can see it.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

# mutmut's exit codes (mutmut/stats.py). A timeout (the mutant hung the tests) or a crash of the test
# process (-11, or -9 after the CPU limit) means the tests noticed too.
KILLED_CODES = {1, 3, 24, -24, 36, 152, 255, -11, -9}
SURVIVED_CODES = {0, 5, 33, 35}  # survived, no tests ran, no test covers it, suspicious
_MUTANT_SUFFIX = re.compile(r"__mutmut_\d+$")


@dataclass(frozen=True)
class Equivalent:
    module: str
    function: str
    before: tuple[str, ...]
    after: tuple[str, ...]
    why: str


@dataclass
class ModuleResult:
    name: str
    path: str
    statuses: dict[str, str] = field(default_factory=dict)  # mutant -> killed / survived / not checked
    survivors: dict[str, str] = field(default_factory=dict)  # survivor not listed as equivalent -> diff
    equivalent: list[str] = field(default_factory=list)
    matched: set[Equivalent] = field(default_factory=set)  # the listed equivalents these survivors are
    finished: bool = True

    @property
    def counts(self) -> Counter:
        return Counter(self.statuses.values())

    @property
    def score(self) -> float | None:
        counts = self.counts
        judged = counts["killed"] + counts["survived"] - len(self.equivalent)
        return 100.0 * counts["killed"] / judged if judged else None


def load_equivalents(path: Path) -> list[Equivalent]:
    """The listed equivalents; an [[import_time]] entry stands for every mutant of its function."""
    listed = tomllib.loads(path.read_text())
    equivalents = [
        Equivalent(
            e["module"], e["function"], _normalise(e["before"]), _normalise(e["after"]), e["why"].strip()
        )
        for e in listed.get("equivalent", [])
    ]
    equivalents += [
        Equivalent(e["module"], e["function"], (), (), e["why"].strip())
        for e in listed.get("import_time", [])
    ]
    return equivalents


def _normalise(lines: list[str] | str) -> tuple[str, ...]:
    if isinstance(lines, str):
        lines = lines.splitlines()
    return tuple(" ".join(line.split()) for line in lines if line.strip())


def _meta(workspace: Path, module_path: str) -> dict:
    meta = workspace / "mutants" / (module_path + ".meta")
    return json.loads(meta.read_text()) if meta.exists() else {}


def read_statuses(workspace: Path, module_path: str) -> dict[str, str]:
    codes = _meta(workspace, module_path).get("exit_code_by_key", {})
    return {name: _status(code) for name, code in codes.items()}


def read_durations(workspace: Path, module_path: str) -> dict[str, float]:
    """How long each tested mutant's tests took: a new value means mutmut tested it again."""
    return _meta(workspace, module_path).get("durations_by_key", {})


def _status(code: int | None) -> str:
    if code in KILLED_CODES:
        return "killed"
    if code in SURVIVED_CODES:
        return "survived"
    return "not checked"


def function_of(mutant: str, module_path: str) -> str:
    """`pkg.mod.xǁScalingǁto_screen__mutmut_3` -> `Scaling.to_screen`; `pkg.mod.x_fit__mutmut_1` -> `fit`."""
    dotted = module_path.removesuffix(".py").replace("/", ".") + "."
    local = _MUTANT_SUFFIX.sub("", mutant.removeprefix(dotted))
    if local.startswith("xǁ"):
        return ".".join(part for part in local[2:].split("ǁ") if part)
    return local.removeprefix("x_")


def changed_lines(diff: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    lines = diff.splitlines()
    before = [line[1:] for line in lines if line.startswith("-") and not line.startswith("---")]
    after = [line[1:] for line in lines if line.startswith("+") and not line.startswith("+++")]
    return _normalise(before), _normalise(after)


def matching_equivalent(
    equivalents: list[Equivalent], module_path: str, function: str, diff: str
) -> Equivalent | None:
    changed = changed_lines(diff)
    for equivalent in equivalents:
        if (equivalent.module, equivalent.function) != (module_path, function):
            continue
        if not equivalent.before and not equivalent.after:  # a function that runs only at import
            return equivalent
        if (equivalent.before, equivalent.after) == changed:
            return equivalent
    return None
