"""Placeholder: being written (see the tools issue)."""


class BashTool20241022:  # placeholder until the real tool lands
    name = "bash"


class BashTool20250124:  # placeholder until the real tool lands
    name = "bash"
