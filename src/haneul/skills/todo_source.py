"""What the `todo_list`, `todo_add` and `todo_done` skills may do with a user's to-dos: the
`TodoSource` seam and the typed `TodoItem` it returns.

The caller puts a source in the skill's `SkillContext.todos`; the server gives the workspace's
to-do store (`haneul.workspace.todos.StoreTodos`), which also resolves Korean due-date
phrases (다음 주 수요일까지) with the workspace's date code. Skills never reach the store
themselves, and a source only ever reads and writes `owner`'s own to-dos.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class TodoItem:
    """One to-do as a skill sees it."""

    id: str
    title: str
    due: dt.date | None
    priority: str  # high, normal or low
    status: str  # open, done or cancelled
    subtasks: tuple[str, ...] = ()  # the titles of its open sub-tasks

    def card(self) -> dict[str, Any]:
        """The to-do as skills report it (`SkillResult.data`)."""
        return {
            "id": self.id,
            "title": self.title,
            "due": self.due.isoformat() if self.due else None,
            "priority": self.priority,
            "status": self.status,
            "subtasks": list(self.subtasks),
        }


@runtime_checkable
class TodoSource(Protocol):
    def today(self) -> dt.date:
        """Today in Korea (what 오늘 means)."""
        ...

    def resolve(self, phrase: str, today: dt.date) -> dt.date | None:
        """The day a Korean due-date phrase names (내일까지, 이번 달 말), or None."""
        ...

    async def open_todos(self, owner: str) -> list[TodoItem]:
        """The owner's open top-level to-dos, by due date (undated last), then priority."""
        ...

    async def add(self, owner: str, title: str, due: dt.date | None, priority: str) -> TodoItem:
        """Save a new to-do for the owner; the stored item."""
        ...

    async def complete(self, owner: str, todo_id: str) -> TodoItem:
        """Mark one of the owner's to-dos done; the stored item."""
        ...
