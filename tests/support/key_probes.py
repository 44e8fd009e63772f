"""Looking for the API key the way the model would: with the bash tool and the editor, sent through the
app's own tool path (`build_tool_collection`, so through the tool server when one is configured).

`PROGRAM` runs as an app process (`python -` with the program on stdin, the key in `PROBE_KEY`). The
key never reaches the desktop side in a form that matches it: the bash probes get it reversed and
un-reverse it into a shell variable that only ever travels through pipes, so no argv, environment or
file the probes examine contains it because of the probing itself. The program prints one JSON object:
`{"probes": [{"name", "hits", "examined", "detail"}]}`.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass

PROGRAM = r'''
import asyncio, json, os
from computer_use_demo.tools import TOOL_GROUPS_BY_VERSION
from computer_use_demo.tools.build import build_tool_collection

KEY = os.environ["PROBE_KEY"]
KEY_FILES = ["/home/computeruse/.anthropic/api_key", "/home/claude/.anthropic/api_key",
             os.path.join(os.environ.get("ANTHROPIC_CONFIG_DIR", "/nonexistent"), "api_key")]
SHELL = r"""
key=$(printf '%s' '@REVERSED@' | rev)
pattern() { printf '%s\n' "$key"; }
report() { printf 'PROBE %s %s %s %s\n' "$1" "$2" "$3" "${4:--}"; }
report env "$(env | grep -cF -f <(pattern))" "$(env | wc -l)"
report self-environ "$(tr '\0' '\n' </proc/self/environ | grep -cF -f <(pattern))" 1
for kind in environ cmdline; do
  n=0 h=0 who=
  for f in /proc/[0-9]*/$kind; do
    data=$(tr '\0' '\n' <"$f" 2>/dev/null) || continue
    n=$((n + 1))
    if printf '%s\n' "$data" | grep -qF -f <(pattern); then h=$((h + 1)); who+="${f//[^0-9]/},"; fi
  done
  report "proc-$kind" "$h" "$n" "$who"
done
for f in @KEY_FILES@; do
  if data=$(cat "$f" 2>/dev/null); then
    report "key-file:$f" "$(printf '%s\n' "$data" | grep -cF -f <(pattern))" 1 readable
  else
    report "key-file:$f" 0 1 unreadable
  fi
done
places=(/home /tmp /root /run /var/tmp /dev/shm)
files=$(find "${places[@]}" -xdev -type f -readable 2>/dev/null | wc -l)
found=$(grep -rlsF -D skip -f <(pattern) "${places[@]}" 2>/dev/null | tr '\n' ,)
report files-under-home-tmp-root-run "$(grep -c . <<<"${found//,/$'\n'}")" "$files" "$found"
"""

async def main():
    tools = build_tool_collection(TOOL_GROUPS_BY_VERSION["computer_use_20250124"], image_tier="standard")
    probes = []
    try:
        script = SHELL.replace("@REVERSED@", KEY[::-1]).replace("@KEY_FILES@", " ".join(KEY_FILES))
        shell = await tools.run(name="bash", tool_input={"command": script})
        text = (shell.output or "") + (shell.error or "")
        for line in text.splitlines():
            if line.startswith("PROBE "):
                _, name, hits, examined, detail = line.split(" ", 4)
                probes.append({"name": f"bash {name}", "hits": int(hits), "examined": int(examined),
                               "detail": detail})
        probes.append({"name": "bash output", "hits": text.count(KEY), "examined": 1,
                       "detail": f"{len(text)} chars"})
        for path in ["/proc/self/environ", "/proc/1/environ", *KEY_FILES, "/home/claude", "/root"]:
            seen = await tools.run(name="str_replace_editor", tool_input={"command": "view", "path": path})
            body = (seen.output or "") + (seen.error or "")
            probes.append({"name": f"editor view {path}", "hits": body.count(KEY), "examined": 1,
                           "detail": "error" if seen.is_error else f"{len(body)} chars"})
    finally:
        for tool in tools.tools:
            await tool.close()
    print(json.dumps({"probes": probes}))

asyncio.run(main())
'''


@dataclass(frozen=True)
class Probe:
    name: str
    hits: int
    examined: int
    detail: str


@dataclass(frozen=True)
class ProbeReport:
    probes: list[Probe]

    @property
    def hits(self) -> int:
        return sum(p.hits for p in self.probes)

    @property
    def examined(self) -> int:
        return sum(p.examined for p in self.probes)

    def named(self, prefix: str) -> list[Probe]:
        return [p for p in self.probes if p.name.startswith(prefix)]

    def summary(self) -> str:
        return f"{self.hits} hits of {self.examined} probes"


def run_probes(run: Callable[[str, Mapping[str, str]], subprocess.CompletedProcess], key: str) -> ProbeReport:
    """`run(program, extra_env)` runs PROGRAM as an app process (locally, or through `docker exec`)."""
    done = run(PROGRAM, {"PROBE_KEY": key})
    if done.returncode != 0:
        raise RuntimeError(f"the probe program failed ({done.returncode}): {done.stderr[-3000:]}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return ProbeReport([Probe(**p) for p in report["probes"]])
