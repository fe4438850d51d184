"""The safety audit log: who, when, which direction, what was decided, which categories.
Never the text: a decision about personal data must not become a copy of it."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class AuditEntry:
    at: float
    key_id: str
    direction: str  # input or output
    action: str  # annotated, masked, refused, blocked
    categories: list[str]


class AuditLog:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._lock = threading.Lock()

    def record(self, key_id: str, direction: str, action: str, categories: list[str]) -> None:
        with self._lock:
            self.conn.execute(
                "INSERT INTO safety_audit (at, key_id, direction, action, categories)"
                " VALUES (?, ?, ?, ?, ?)",
                (time.time(), key_id, direction, action, json.dumps(sorted(categories))),
            )

    def recent(self, limit: int = 100) -> list[AuditEntry]:
        rows = self.conn.execute(
            "SELECT * FROM safety_audit ORDER BY id DESC LIMIT ?", (limit,)
        ).fetchall()
        return [
            AuditEntry(
                r["at"], r["key_id"], r["direction"], r["action"], json.loads(r["categories"])
            )
            for r in rows
        ]


@dataclass(frozen=True)
class AccountEvent:
    at: float
    actor: str  # user id, key id, `cli` or `anonymous`
    action: str  # signin, signin_failed, signout, password, user_create, key_create, ...
    target: str
    detail: str


class EventLog:
    """The account audit log: sign-ins, failures, lockouts and every admin change."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._lock = threading.Lock()

    def record(self, actor: str, action: str, target: str = "", detail: str = "") -> None:
        with self._lock:
            self.conn.execute(
                "INSERT INTO account_events (at, actor, action, target, detail)"
                " VALUES (?, ?, ?, ?, ?)",
                (time.time(), actor, action, target, detail),
            )

    def recent(self, limit: int = 100) -> list[AccountEvent]:
        rows = self.conn.execute(
            "SELECT * FROM account_events ORDER BY id DESC LIMIT ?", (limit,)
        ).fetchall()
        return [
            AccountEvent(r["at"], r["actor"], r["action"], r["target"], r["detail"]) for r in rows
        ]
