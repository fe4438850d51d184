"""The to-do store: 오늘 할 일 with nested sub-tasks, a source link and an owner or team.

Who sees what (`Viewer`): the owner; members of the to-do's team (read only); admins every
team's to-dos (never another user's own, as with document collections). Anyone else gets
`NotFoundError`, as if the to-do did not exist. Only the owner and admins change a to-do.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import secrets
import sqlite3
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from haneul.errors import InvalidRequestError, NotFoundError
from haneul.skills.builtin.due_dates import resolve, today_kst
from haneul.skills.todo_source import TodoItem
from haneul.store.db import Store

PRIORITIES = ("high", "normal", "low")
STATUSES = ("open", "done", "cancelled")
SOURCE_KINDS = ("text", "document", "mail", "conversation")
_RANK = {p: i for i, p in enumerate(PRIORITIES)}
MAX_DEPTH = 3


@dataclass(frozen=True)
class Viewer:
    owner: str
    teams: tuple[str, ...] = ()
    admin: bool = False


@dataclass
class Todo:
    id: str
    owner: str
    team_id: str | None
    parent_id: str | None
    title: str
    notes: str
    due: str | None
    priority: str
    status: str
    source_kind: str | None
    source_ref: str | None
    position: int
    created_at: float
    updated_at: float
    subtasks: list[Todo] = field(default_factory=list)

    def card(self, today: dt.date | None = None) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k != "subtasks"}
        out["object"] = "todo"
        out["source"] = (
            {"kind": self.source_kind, "ref": self.source_ref} if self.source_kind else None
        )
        if today is not None:
            out["overdue"] = bool(
                self.due and self.status == "open" and self.due < today.isoformat()
            )
        out["subtasks"] = [t.card(today) for t in self.subtasks]
        return out


@dataclass(frozen=True)
class TodoFilters:
    status: str | None = None
    priority: str | None = None
    due_before: str | None = None  # inclusive ISO dates
    due_after: str | None = None
    team_id: str | None = None
    q: str | None = None


def _check(priority: str | None, status: str | None, source_kind: str | None, due: Any) -> None:
    if priority is not None and priority not in PRIORITIES:
        raise InvalidRequestError(f"priority is one of {', '.join(PRIORITIES)}", param="priority")
    if status is not None and status not in STATUSES:
        raise InvalidRequestError(f"status is one of {', '.join(STATUSES)}", param="status")
    if source_kind is not None and source_kind not in SOURCE_KINDS:
        raise InvalidRequestError(
            f"source kind is one of {', '.join(SOURCE_KINDS)}", param="source"
        )
    if due is not None:
        try:
            dt.date.fromisoformat(due)
        except (TypeError, ValueError):
            raise InvalidRequestError("due is a YYYY-MM-DD date", param="due") from None


class TodoStore(Store):
    # -- writing ---------------------------------------------------------------------------

    def add(self, viewer: Viewer, item: dict[str, Any], parent_id: str | None = None) -> Todo:
        """Add a to-do (and its `subtasks`, nested up to MAX_DEPTH) in one transaction."""
        if parent_id is not None:
            parent = self.get(viewer, parent_id)
            if parent.owner != viewer.owner and not viewer.admin:
                raise NotFoundError(f"no to-do '{parent_id}'", param="parent_id")
        team = item.get("team_id")
        if team is not None and team not in viewer.teams and not viewer.admin:
            raise InvalidRequestError(f"you are not in team '{team}'", param="team_id")
        with self._write() as conn:
            tid = self._insert(conn, viewer.owner, item, parent_id, team, 0)
        return self.get(viewer, tid)

    def _insert(
        self,
        conn: sqlite3.Connection,
        owner: str,
        item: dict[str, Any],
        parent_id: str | None,
        team: str | None,
        depth: int,
    ) -> str:
        title = str(item.get("title") or "").strip()
        if not title:
            raise InvalidRequestError("a to-do needs a title", param="title")
        if depth >= MAX_DEPTH:
            raise InvalidRequestError(f"sub-tasks nest at most {MAX_DEPTH} deep", param="subtasks")
        source = item.get("source") or {}
        priority, status = item.get("priority") or "normal", item.get("status") or "open"
        _check(priority, status, source.get("kind"), item.get("due"))
        tid, now = "todo_" + uuid.uuid4().hex[:16], time.time()
        position = item.get("position")
        if position is None:
            row = conn.execute(
                "SELECT COALESCE(MAX(position) + 1, 0) FROM todos"
                " WHERE owner = ? AND parent_id IS ?",
                (owner, parent_id),
            ).fetchone()
            position = row[0]
        conn.execute(
            "INSERT INTO todos (id, owner, team_id, parent_id, title, notes, due, priority, status,"
            " source_kind, source_ref, position, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (tid, owner, team, parent_id, title[:500], str(item.get("notes") or "")[:10000],
             item.get("due"), priority, status, source.get("kind"), source.get("ref"),
             int(position), now, now),
        )  # fmt: skip
        for sub in item.get("subtasks") or []:
            sub = {"title": sub} if isinstance(sub, str) else sub
            self._insert(conn, owner, {**sub, "source": sub.get("source") or source}, tid, team,
                         depth + 1)  # fmt: skip
        return tid

    def update(self, viewer: Viewer, tid: str, changes: dict[str, Any]) -> Todo:
        todo = self.get(viewer, tid)
        if todo.owner != viewer.owner and not viewer.admin:
            raise NotFoundError(f"no to-do '{tid}'", param="id")  # team members only read
        allowed = {"title", "notes", "due", "priority", "status", "position", "team_id"}
        changes = {k: v for k, v in changes.items() if k in allowed}
        _check(changes.get("priority"), changes.get("status"), None, changes.get("due"))
        if "title" in changes and not str(changes["title"] or "").strip():
            raise InvalidRequestError("a to-do needs a title", param="title")
        team = changes.get("team_id")
        if team is not None and team not in viewer.teams and not viewer.admin:
            raise InvalidRequestError(f"you are not in team '{team}'", param="team_id")
        if changes:
            sets = ", ".join(f"{k} = ?" for k in changes)
            with self._write() as conn:
                conn.execute(
                    f"UPDATE todos SET {sets}, updated_at = ? WHERE id = ?",
                    (*changes.values(), time.time(), tid),
                )
        return self.get(viewer, tid)

    def delete(self, viewer: Viewer, tid: str) -> None:
        todo = self.get(viewer, tid)
        if todo.owner != viewer.owner and not viewer.admin:
            raise NotFoundError(f"no to-do '{tid}'", param="id")
        with self._write() as conn:
            conn.execute("DELETE FROM todos WHERE id = ?", (tid,))

    # -- reading ---------------------------------------------------------------------------

    def _visible(self, viewer: Viewer) -> tuple[str, list[Any]]:
        if viewer.admin:
            return "(owner = ? OR team_id IS NOT NULL)", [viewer.owner]
        marks = ", ".join("?" for _ in viewer.teams)
        teams = f" OR team_id IN ({marks})" if viewer.teams else ""
        return f"(owner = ?{teams})", [viewer.owner, *viewer.teams]

    def get(self, viewer: Viewer, tid: str) -> Todo:
        where, args = self._visible(viewer)
        rows = self._rows(f"SELECT * FROM todos WHERE id = ? AND {where}", [tid, *args])
        if not rows:
            raise NotFoundError(f"no to-do '{tid}'", param="id")
        todo = Todo(**dict(rows[0]))
        self._attach([todo])
        return todo

    def find(self, viewer: Viewer, filters: TodoFilters = TodoFilters()) -> list[Todo]:
        """Top-level to-dos the viewer sees, with their sub-tasks, by due date then priority."""
        where, args = self._visible(viewer)
        clauses = [where, "parent_id IS NULL"]
        for column, op, value in (
            ("status", "=", filters.status),
            ("priority", "=", filters.priority),
            ("due", "<=", filters.due_before),
            ("due", ">=", filters.due_after),
            ("team_id", "=", filters.team_id),
        ):
            if value is not None:
                clauses.append(f"{column} {op} ?")
                args.append(value)
        if filters.q:
            clauses.append("(title LIKE ? OR notes LIKE ?)")
            args += [f"%{filters.q}%"] * 2
        rows = self._rows(f"SELECT * FROM todos WHERE {' AND '.join(clauses)}", args)
        todos = sorted((Todo(**dict(r)) for r in rows), key=order)
        self._attach(todos)
        return todos

    def today(self, viewer: Viewer, today: dt.date) -> list[Todo]:
        """오늘 할 일: open to-dos due today or overdue, then open ones with no due date."""
        todos = self.find(viewer, TodoFilters(status="open"))
        day = today.isoformat()
        return [t for t in todos if t.due is None or t.due <= day]

    def _attach(self, todos: list[Todo]) -> None:
        level = todos
        while level:
            by_id = {t.id: t for t in level}
            marks = ", ".join("?" for _ in by_id)
            rows = self._rows(
                f"SELECT * FROM todos WHERE parent_id IN ({marks}) ORDER BY position, created_at",
                list(by_id),
            )
            level = [Todo(**dict(r)) for r in rows]
            for child in level:
                by_id[str(child.parent_id)].subtasks.append(child)

    # -- the calendar feed -----------------------------------------------------------------

    def feed_token(self, owner: str) -> str:
        """A new secret for the owner's calendar feed; the old one stops working."""
        token = "hcal_" + secrets.token_urlsafe(24)
        with self._write() as conn:
            conn.execute(
                "INSERT INTO todo_feeds (owner, token_hash, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT (owner) DO UPDATE SET token_hash = excluded.token_hash,"
                " created_at = excluded.created_at",
                (owner, _hash(token), time.time()),
            )
        return token

    def feed_owner(self, token: str) -> str:
        rows = self._rows("SELECT owner FROM todo_feeds WHERE token_hash = ?", [_hash(token)])
        if not rows:
            raise NotFoundError("no such calendar feed")
        return str(rows[0]["owner"])


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def order(todo: Todo) -> tuple[int, str, int, int, float]:
    """Dated before undated, earlier first, then high priority first."""
    return (todo.due is None, todo.due or "", _RANK.get(todo.priority, 1), todo.position,
            todo.created_at)  # fmt: skip


class StoreTodos:
    """The store as the assistant's todo skills see it (`haneul.skills.todo_source.TodoSource`):
    the owner's own to-dos only, due-date phrases read by `due_dates.resolve`, today in Korea."""

    def __init__(self, store: TodoStore) -> None:
        self.store = store

    def today(self) -> dt.date:
        return today_kst()

    def resolve(self, phrase: str, today: dt.date) -> dt.date | None:
        return resolve(phrase, today)

    async def open_todos(self, owner: str) -> list[TodoItem]:
        found = await asyncio.to_thread(self.store.find, Viewer(owner), TodoFilters("open"))
        return [_item(t) for t in found if t.owner == owner]

    async def add(self, owner: str, title: str, due: dt.date | None, priority: str) -> TodoItem:
        item = {"title": title, "due": due.isoformat() if due else None, "priority": priority,
                "source": {"kind": "conversation"}}  # fmt: skip
        return _item(await asyncio.to_thread(self.store.add, Viewer(owner), item))

    async def complete(self, owner: str, todo_id: str) -> TodoItem:
        done = await asyncio.to_thread(
            self.store.update, Viewer(owner), todo_id, {"status": "done"}
        )
        return _item(done)


def _item(todo: Todo) -> TodoItem:
    subtasks = tuple(s.title for s in todo.subtasks if s.status == "open")
    due = dt.date.fromisoformat(todo.due) if todo.due else None
    return TodoItem(todo.id, todo.title, due, todo.priority, todo.status, subtasks)
