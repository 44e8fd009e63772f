"""Mutation testing of the core modules, each against its own tests, with a score per module.

    .venv/bin/python -m mutation.run [NAME ...] [--jobs 2] [--budget 900] [--fresh]

NAME is a module's name in mutation/modules.toml (default: all, one after another). Each module runs in
its own mutmut workspace (mutants/NAME/, see workspace.py); slow tests are skipped. A module that runs out
of its time budget is stopped and scored over the mutants checked so far. Survivors listed in
mutation/equivalents.toml are equivalent (no test can tell them apart) and left out of the score; every
other survivor is printed with its diff, as news. Without --fresh, cached results are reused and only
cached survivors are tested again; mutmut maps tests to functions by test name, so after changing what an
existing test calls, run with --fresh (`make mutation` always does). Exits 1 if a module scores under
--fail-under.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from mutation.results import (
    Equivalent,
    ModuleResult,
    function_of,
    load_equivalents,
    matching_equivalent,
    read_durations,
    read_statuses,
)
from mutation.workspace import Module, load_modules, prepare, run_mutmut, show_diffs

HERE = Path(__file__).resolve().parent


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="modules to run (default: all)")
    parser.add_argument("--jobs", type=int, default=2, help="mutants tested at once (default 2)")
    parser.add_argument("--budget", type=float, default=900.0, help="seconds per module (default 900)")
    parser.add_argument("--fresh", action="store_true", help="forget cached results first")
    parser.add_argument("--fail-under", type=float, default=90.0, help="minimum score in %% (default 90)")
    return parser.parse_args(argv)


def _selected(modules: list[Module], names: list[str]) -> list[Module]:
    unknown = sorted(set(names) - {m.name for m in modules})
    if unknown:
        sys.exit(f"unknown module(s) {unknown}; known: {[m.name for m in modules]}")
    return [m for m in modules if not names or m.name in names]


def _survivors(statuses: dict[str, str]) -> set[str]:
    return {mutant for mutant, status in statuses.items() if status == "survived"}


def _run_module(module: Module, args: argparse.Namespace, equivalents: list[Equivalent]) -> ModuleResult:
    workspace = prepare(module, fresh=args.fresh)
    log = workspace / "mutmut.log"
    deadline = time.monotonic() + args.budget
    cached = _survivors(read_statuses(workspace, module.path))
    durations = read_durations(workspace, module.path)
    finished = run_mutmut(workspace, jobs=args.jobs, budget=args.budget, mutants=[], log=log)
    # mutmut keeps a cached survivor's verdict even when tests were added since: test again the ones
    # this run did not (their recorded duration is unchanged).
    rerun = read_durations(workspace, module.path)
    survivors = _survivors(read_statuses(workspace, module.path))
    stale = sorted(m for m in cached & survivors if rerun.get(m) == durations.get(m))
    if finished and stale:
        remaining = max(1.0, deadline - time.monotonic())
        finished = run_mutmut(workspace, jobs=args.jobs, budget=remaining, mutants=stale, log=log)
    result = ModuleResult(module.name, module.path, read_statuses(workspace, module.path), finished=finished)
    survived = sorted(m for m, status in result.statuses.items() if status == "survived")
    for mutant, diff in show_diffs(workspace, survived).items():
        equivalent = matching_equivalent(equivalents, module.path, function_of(mutant, module.path), diff)
        if equivalent:
            result.equivalent.append(mutant)
            result.matched.add(equivalent)
        else:
            result.survivors[mutant] = diff
    return result


def _table(results: list[ModuleResult]) -> str:
    header = (
        "score = killed / (mutants - equivalent - unchecked); equivalent mutants (and those of functions "
        "that run only at import), listed in mutation/equivalents.toml, are left out\n"
        f"{'module':<52} {'mutants':>7} {'equiv':>5} {'killed':>6} {'survived':>8} {'unchecked':>9} "
        f"{'score':>7}"
    )
    rows = [header]
    for r in results:
        counts = r.counts
        score = "-" if r.score is None else f"{r.score:.1f} %"
        note = "" if r.finished else "  (time budget ran out)"
        rows.append(
            f"{r.path:<52} {len(r.statuses):>7} {len(r.equivalent):>5} {counts['killed']:>6} "
            f"{len(r.survivors):>8} {counts['not checked']:>9} {score:>7}{note}"
        )
    return "\n".join(rows)


def _stale(equivalents: list[Equivalent], results: list[ModuleResult]) -> list[Equivalent]:
    """Listed equivalents of the modules just run that no survivor matched (killed now, or code changed)."""
    ran = {r.path for r in results if r.finished}
    matched = set().union(*(r.matched for r in results))
    return [e for e in equivalents if e.module in ran and e not in matched]


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    modules = _selected(load_modules(HERE / "modules.toml"), args.names)
    equivalents = load_equivalents(HERE / "equivalents.toml")
    results = []
    for module in modules:
        started = time.monotonic()
        print(f"mutation: {module.name} ({module.path}) ...", flush=True)
        results.append(_run_module(module, args, equivalents))
        print(f"mutation: {module.name} done in {time.monotonic() - started:.0f} s", flush=True)
    for r in results:
        for mutant, diff in r.survivors.items():
            print(f"\nSURVIVED {mutant}\n{diff.strip()}")
    for e in _stale(equivalents, results):
        print(f"\nnote: a listed equivalent no longer survives: {e.module} {e.function}: {e.before}")
    print("\n" + _table(results))
    low = [r.name for r in results if r.score is not None and r.score < args.fail_under]
    if low:
        print(f"\nunder {args.fail_under:.0f} %: {', '.join(low)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
