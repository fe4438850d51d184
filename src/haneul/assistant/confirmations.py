"""Pending confirmations of side-effect skills: the turn that wanted to run one stops and
waits here (in SQLite, so a restart loses nothing) until the user approves or declines."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass
from typing import Any

from haneul.errors import ConflictError, NotFoundError
from haneul.store.db import migrate

EXPIRES_S = 30 * 60


@dataclass(frozen=True)
class Pending:
    id: str
    conversation_id: str
    text: str  # the user's message that asked for the skill
    skill: str
    arguments: dict[str, Any]


class Confirmations:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.lock = threading.RLock()
        migrate(conn)

    def add(self, owner: str, pending: Pending) -> None:
        with self.lock:
            self.conn.execute(
                "INSERT INTO confirmations (id, owner, conversation_id, text, skill, arguments,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    pending.id,
                    owner,
                    pending.conversation_id,
                    pending.text,
                    pending.skill,
                    json.dumps(pending.arguments, ensure_ascii=False),
                    time.time(),
                ),
            )

    def decide(self, owner: str, conversation_id: str, cid: str, approve: bool) -> Pending:
        """Record the user's answer once; a second answer or an expired one is a 409."""
        with self.lock:
            row = self.conn.execute(
                "SELECT text, skill, arguments, created_at, decided_at FROM confirmations"
                " WHERE id = ? AND owner = ? AND conversation_id = ?",
                (cid, owner, conversation_id),
            ).fetchone()
            if row is None:
                raise NotFoundError(f"no confirmation '{cid}'", param="confirmation_id")
            text, skill, arguments, created_at, decided_at = row
            if decided_at is not None:
                raise ConflictError(f"confirmation '{cid}' was already answered")
            if time.time() - created_at > EXPIRES_S:
                raise ConflictError(f"confirmation '{cid}' expired; ask again")
            self.conn.execute(
                "UPDATE confirmations SET decided_at = ?, approved = ? WHERE id = ?",
                (time.time(), int(approve), cid),
            )
        return Pending(cid, conversation_id, text, skill, json.loads(arguments))
