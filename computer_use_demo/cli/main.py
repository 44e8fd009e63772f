"""The command line: `python -m computer_use_demo [run|list|replay]`.

With no subcommand it starts the desktop and the UI, as `make run` does. `run` performs one task without a
browser: progress per step on stderr, the model's answer streamed on stdout, the exit status says how it
went. `list` shows the stored conversations, whose ids `run --conversation` continues and `export` writes
out as trajectories; `replay` plays a trajectory back on this desktop.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

from computer_use_demo.cli.exit_codes import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from computer_use_demo.cli.options import AUTO_RECORD, HeadlessOptions

APP_ROOT = Path(__file__).resolve().parents[2]
RUN_NATIVE = APP_ROOT / "image" / "run-native.sh"
PROVIDERS = ("anthropic", "bedrock", "vertex", "replay")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m computer_use_demo",
        description="Claude computer use: with no command, start the desktop and the web UI (as `make run`).",
        epilog="Exit status of run/replay: 0 done, 1 failed (API error, output limit, refusal, max "
        "iterations), 2 bad usage, 3 the desktop is busy with another run, 4 the replay diverged, "
        "130 stopped.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser("run", help="perform one task headless, printing progress and the answer")
    run.add_argument("task", help="what Claude should do (with --provider replay: a note for the log)")
    run.add_argument(
        "--provider", choices=PROVIDERS, default=None, help="default: $API_PROVIDER or anthropic"
    )
    run.add_argument("--model", help="model id (default: the provider's default model)")
    run.add_argument("--tool-version", help="tool version (default: the model's own)")
    run.add_argument("--max-iterations", type=_positive_int, default=None, help="stop after N model calls")
    run.add_argument("--max-tokens", type=_positive_int, default=None, help="max output tokens per call")
    run.add_argument("--thinking", choices=("off", "extended", "adaptive"), default="off")
    run.add_argument("--thinking-budget", type=_positive_int, default=None)
    run.add_argument("--effort", choices=("low", "medium", "high", "xhigh", "max"), default="medium")
    run.add_argument("--only-n-most-recent-images", type=_positive_int, default=3)
    run.add_argument("--system-prompt-suffix", default="")
    run.add_argument(
        "--max-retry-wait",
        type=float,
        default=None,
        metavar="SECONDS",
        help="the longest wait before retrying a failed request, whatever retry-after asks (default 60)",
    )
    run.add_argument(
        "--approve",
        choices=("none", "policy", "all"),
        default="policy",
        help="which calls wait for your OK on the terminal: policy (default: risky ones, see the README), "
        "all (every action), none (nothing asks: for unattended runs). Without a terminal, calls that "
        "need an OK are denied",
    )
    run.add_argument(
        "--approval-timeout",
        type=_positive_int,
        default=None,
        metavar="SECONDS",
        help="no answer in this time denies the call (default 300)",
    )
    run.add_argument(
        "--record",
        type=Path,
        nargs="?",
        const=AUTO_RECORD,
        metavar="DIR",
        help="write the run as a trajectory into DIR (default: trajectories/ in the config folder, where the "
        "UI's viewer lists it)",
    )
    run.add_argument("--conversation", metavar="ID", help="continue a stored conversation (id or prefix)")
    run.add_argument("--trajectory", type=Path, metavar="DIR", help="with --provider replay: what to replay")
    run.add_argument("--threshold", type=float, default=None, help="with --provider replay: match threshold")

    replay = commands.add_parser("replay", help="replay a recorded trajectory on this desktop (no API key)")
    replay.add_argument(
        "trajectory", nargs="?", type=Path, help="trajectory folder (default: the bundled sample)"
    )
    replay.add_argument("--threshold", type=float, default=None, help="similarity needed per step (0..1)")
    replay.add_argument(
        "--record",
        type=Path,
        nargs="?",
        const=AUTO_RECORD,
        metavar="DIR",
        help="also record the replayed run",
    )

    export = commands.add_parser("export", help="write a stored conversation as a trajectory folder")
    export.add_argument("conversation", metavar="ID", help="conversation id (or a unique prefix)")
    export.add_argument("folder", type=Path, metavar="DIR", help="where to write it (must be empty or new)")

    listing = commands.add_parser("list", help="list the stored conversations")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.add_argument("--limit", type=_positive_int, default=50)
    return parser


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def cmd_list(args: argparse.Namespace) -> int:
    from computer_use_demo.store import ConversationStore

    try:
        conversations = ConversationStore().list(limit=args.limit)
    except (sqlite3.Error, OSError, RuntimeError) as exc:
        print(f"error: cannot open the conversation store: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        rows = [
            {
                "id": c.id,
                "title": c.title,
                "messages": c.message_count,
                "updated_at": c.updated_at,
                **c.settings,
            }
            for c in conversations
        ]
        print(json.dumps(rows, indent=2))
        return EXIT_OK
    if not conversations:
        print("No stored conversations yet.")
        return EXIT_OK
    print(f"{'ID':<12}  {'UPDATED':<16}  {'MSGS':>4}  TITLE")
    for c in conversations:
        updated = time.strftime("%Y-%m-%d %H:%M", time.localtime(c.updated_at))
        print(f"{c.id:<12}  {updated:<16}  {c.message_count:>4}  {c.title}")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from computer_use_demo.store import ConversationNotFound, ConversationStore
    from computer_use_demo.trajectory.export import export_conversation

    store = ConversationStore()
    try:
        conversation = store.find(args.conversation)
    except ConversationNotFound:
        print(f"no stored conversation {args.conversation!r} (see `list`)", file=sys.stderr)
        return EXIT_USAGE
    try:
        export_conversation(store, conversation.id, args.folder)
    except FileExistsError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    print(f"{conversation.id} written to {args.folder}")
    return EXIT_OK


def run_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The `RunConfig` settings the flags give (those left out keep the model's defaults)."""
    given = {
        "tool_version": args.tool_version,
        "max_iterations": args.max_iterations,
        "max_tokens": args.max_tokens,
        "thinking_mode": args.thinking,
        "thinking_budget": args.thinking_budget,
        "thinking_effort": args.effort,
        "only_n_most_recent_images": args.only_n_most_recent_images,
        "system_prompt_suffix": args.system_prompt_suffix,
        "max_retry_wait_s": args.max_retry_wait,
        "approval_mode": args.approve,
        "approval_timeout_s": args.approval_timeout,
    }
    return {name: value for name, value in given.items() if value is not None}


def cmd_run(args: argparse.Namespace) -> int:
    from computer_use_demo.cli.headless import run_headless

    provider = args.provider or os.environ.get("API_PROVIDER") or "anthropic"
    if provider != "replay" and (args.trajectory or args.threshold is not None):
        print("--trajectory and --threshold only apply to --provider replay", file=sys.stderr)
        return EXIT_USAGE
    options = HeadlessOptions(
        task=args.task,
        provider=provider,
        model=args.model,
        settings=run_settings(args),
        record=args.record,
        conversation=args.conversation,
        trajectory=args.trajectory,
        threshold=args.threshold,
    )
    return asyncio.run(run_headless(options))


def cmd_replay(args: argparse.Namespace) -> int:
    from computer_use_demo.cli.headless import run_headless

    options = HeadlessOptions(
        task="Replay of a recorded trajectory",
        provider="replay",
        trajectory=args.trajectory,
        threshold=args.threshold,
        record=args.record,
    )
    return asyncio.run(run_headless(options))


def start_desktop_and_ui() -> int:
    """What `make run` starts: the desktop stack and the web UI, in the foreground."""
    if not RUN_NATIVE.exists():
        print(f"{RUN_NATIVE} is missing: this command needs a source checkout", file=sys.stderr)
        return EXIT_FAILED
    os.execv(str(RUN_NATIVE), [str(RUN_NATIVE)])
    return EXIT_FAILED  # not reached


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "run":
            return cmd_run(args)
        if args.command == "replay":
            return cmd_replay(args)
        if args.command == "list":
            return cmd_list(args)
        if args.command == "export":
            return cmd_export(args)
        return start_desktop_and_ui()
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr)
        return EXIT_INTERRUPTED
