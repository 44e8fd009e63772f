"""What one server process holds: the shared store, its event log, the live fan-out and the runs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from computer_use_demo.service.broadcaster import Broadcaster
from computer_use_demo.service.desktop import DesktopTools
from computer_use_demo.service.run_manager import RunManager
from computer_use_demo.store import ConversationStore
from computer_use_demo.store.events import EventLog


@dataclass
class ServiceState:
    store: ConversationStore
    events: EventLog
    broadcaster: Broadcaster
    runs: RunManager
    desktop: DesktopTools  # the desktop's tools outside runs (MCP's tools, the live screenshot)

    @classmethod
    def open(cls, *, owner: str, database: Path | None = None) -> ServiceState:
        """The store the chat and the CLI use (or `database`), with runs noted as `owner`'s."""
        store = ConversationStore(database)
        events = EventLog(store)
        broadcaster = Broadcaster()
        runs = RunManager(store, events, broadcaster, owner=owner)
        return cls(store, events, broadcaster, runs, DesktopTools(owner="an MCP client"))

    async def close(self) -> None:
        await self.runs.close()
        await self.desktop.close()
        self.store.close()
