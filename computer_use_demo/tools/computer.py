"""Placeholder: being written (see the tools issue)."""


class ComputerTool20241022:  # placeholder until the real tool lands
    name = "computer"


class ComputerTool20250124:  # placeholder until the real tool lands
    name = "computer"


class ComputerTool20251124:  # placeholder until the real tool lands
    name = "computer"
