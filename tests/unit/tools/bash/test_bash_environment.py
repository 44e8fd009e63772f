"""Natively (no tool server) the bash tool's shell still gets no credential from the app's environment."""

from __future__ import annotations

from computer_use_demo.tools import BashTool20250124, ToolCollection
from tests.support.tool_server import PLANTED_KEY


async def test_the_shell_never_inherits_the_api_key(monkeypatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", PLANTED_KEY)
    monkeypatch.setenv("VNC_PASSWORD", "planted-vnc")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "planted-aws")
    monkeypatch.setenv("KEEP_ME", "yes")
    tool = BashTool20250124(timeout=10)
    try:
        result = await ToolCollection(tool).run(
            name="bash", tool_input={"command": "env; tr '\\0' '\\n' < /proc/$$/environ"}
        )
    finally:
        await tool.close()
    assert "KEEP_ME=yes" in result.output
    for planted in (PLANTED_KEY, "planted-vnc", "planted-aws", "ANTHROPIC_API_KEY"):
        assert planted not in result.output
