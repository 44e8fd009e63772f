"""The README lists the default approval rules as the code has them, in the same order."""

from __future__ import annotations

from pathlib import Path

from computer_use_demo.runs.policy import DEFAULT_RULES

README = Path(__file__).resolve().parents[3] / "README.md"


def test_every_default_rule_is_listed_in_order():
    text = README.read_text()
    start = text.index("## A human in the loop")
    section = text[start : text.index("\n## ", start + 1)]
    rows = [line.split("|")[1].strip() for line in section.splitlines() if line.startswith("| ")][1:]
    assert rows == [rule.description for rule in DEFAULT_RULES]
