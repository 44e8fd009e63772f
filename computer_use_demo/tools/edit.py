"""Placeholder: being written (see the tools issue)."""


class EditTool20241022:  # placeholder until the real tool lands
    name = "edit"


class EditTool20250124:  # placeholder until the real tool lands
    name = "edit"


class EditTool20250728:  # placeholder until the real tool lands
    name = "edit"
