"""What one server process holds: the shared store, its event log, the live fan-out and the runs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from computer_use_demo.service.broadcaster import Broadcaster
from computer_use_demo.service.run_manager import RunManager
from computer_use_demo.store import ConversationStore
from computer_use_demo.store.events import EventLog


@dataclass
class ServiceState:
    store: ConversationStore
    events: EventLog
    broadcaster: Broadcaster
    runs: RunManager

    @classmethod
    def open(cls, *, owner: str, database: Path | None = None) -> ServiceState:
        """The store the chat and the CLI use (or `database`), with runs noted as `owner`'s."""
        store = ConversationStore(database)
        events = EventLog(store)
        broadcaster = Broadcaster()
        return cls(store, events, broadcaster, RunManager(store, events, broadcaster, owner=owner))

    async def close(self) -> None:
        await self.runs.close()
        self.store.close()
