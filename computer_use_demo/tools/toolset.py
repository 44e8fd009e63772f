"""Placeholder: being written (see the tools issue)."""


class ComputerToolset20260801:  # placeholder until the real tool lands
    name = "toolset"
