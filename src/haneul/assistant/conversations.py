"""Conversations and their messages in SQLite, each conversation owned by one API key
(another key's conversation does not exist for it: 404)."""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any

from haneul.assistant.presets import PRESETS
from haneul.errors import InvalidRequestError, NotFoundError
from haneul.store.db import migrate

COLUMNS = (
    "id, conversation_id, seq, role, content, skill_calls, citations, created_at,"
    " composed, memories_used, finish_reason"
)


@dataclass(frozen=True)
class Conversation:
    id: str
    owner: str
    title: str
    preset: str
    created_at: float
    updated_at: float


@dataclass(frozen=True)
class Message:
    id: str
    role: str  # user or assistant
    content: str
    created_at: float
    skill_calls: list[dict[str, Any]] = field(default_factory=list)
    # the document passages the answer's [n] markers refer to (the contract's citations)
    citations: list[dict[str, Any]] = field(default_factory=list)
    # what the reader saw under the answer, kept so a reopened conversation shows it again:
    # how the answer was composed (`composed`: skill_answer, explanation, reason, corrections),
    # the memories the turn was given and how the answer ended. None/empty on older rows.
    composed: dict[str, Any] | None = None
    memories_used: list[str] = field(default_factory=list)
    finish_reason: str | None = None


def _message(row: Any) -> Message:
    composed = json.loads(row[6]) if row[6] else None
    return Message(
        row[0],
        row[1],
        row[2],
        row[3],
        json.loads(row[4]),
        json.loads(row[5]),
        composed,
        json.loads(row[7] or "[]"),
        row[8],
    )


def _json_or_null(value: dict[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


DEFAULT_TITLE = "새 대화"
TITLE_CHARS = 40  # of the first question, as the title of an untitled conversation


def _first_title(question: str) -> str:
    return " ".join(question.split())[:TITLE_CHARS]


def _title(title: str) -> str:
    title = " ".join(title.split())
    if len(title) > 200:
        raise InvalidRequestError("a title is at most 200 characters", param="title")
    return title


class Conversations:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.lock = threading.RLock()
        migrate(conn)

    def _rows(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        with self.lock:
            return self.conn.execute(sql, args).fetchall()

    def _write(self, statements: list[tuple[str, tuple[Any, ...]]]) -> None:
        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                for sql, args in statements:
                    self.conn.execute(sql, args)
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise

    def create(self, owner: str, title: str = "", preset: str = "chat") -> Conversation:
        if preset not in PRESETS:
            raise InvalidRequestError(
                f"unknown preset '{preset}'; one of: {', '.join(PRESETS)}", param="preset"
            )
        cid, at = "conv_" + secrets.token_hex(8), time.time()
        self._write(
            [
                (
                    "INSERT INTO conversations VALUES (?, ?, ?, ?, ?, ?)",
                    (cid, owner, _title(title) or DEFAULT_TITLE, preset, at, at),
                )
            ]
        )
        return self.get(owner, cid)

    def of(self, owner: str) -> list[Conversation]:
        rows = self._rows(
            "SELECT * FROM conversations WHERE owner = ? ORDER BY updated_at DESC", (owner,)
        )
        return [Conversation(*r) for r in rows]

    def get(self, owner: str, cid: str) -> Conversation:
        rows = self._rows("SELECT * FROM conversations WHERE id = ? AND owner = ?", (cid, owner))
        if not rows:
            raise NotFoundError(f"no conversation '{cid}'", param="conversation_id")
        return Conversation(*rows[0])

    def rename(self, owner: str, cid: str, title: str) -> Conversation:
        self.get(owner, cid)
        if not _title(title):
            raise InvalidRequestError("a title cannot be empty", param="title")
        self._write([("UPDATE conversations SET title = ? WHERE id = ?", (_title(title), cid))])
        return self.get(owner, cid)

    def delete(self, owner: str, cid: str) -> None:
        self.get(owner, cid)
        self._write([("DELETE FROM conversations WHERE id = ?", (cid,))])

    def messages(self, owner: str, cid: str) -> list[Message]:
        self.get(owner, cid)
        rows = self._rows(
            "SELECT id, role, content, created_at, skill_calls, citations, composed,"
            " memories_used, finish_reason FROM messages WHERE conversation_id = ? ORDER BY seq",
            (cid,),
        )
        return [_message(r) for r in rows]

    def add_turn(self, owner: str, cid: str, user: str | None, answer: Message) -> Message:
        """Store a user message and the answer to it together (a turn is never half-saved);
        `user` None stores the answer alone (the end of a confirmed turn)."""
        self.get(owner, cid)
        with self.lock:
            seq = self.conn.execute(
                "SELECT COALESCE(MAX(seq), 0) FROM messages WHERE conversation_id = ?", (cid,)
            ).fetchone()[0]
            at = time.time()
            question = [
                (
                    f"INSERT INTO messages ({COLUMNS})"
                    " VALUES (?, ?, ?, 'user', ?, '[]', '[]', ?, NULL, '[]', NULL)",
                    ("msg_" + secrets.token_hex(8), cid, seq + 1, user, at),
                )
            ]
            self._write(
                [
                    *(question if user is not None else []),
                    (
                        f"INSERT INTO messages ({COLUMNS})"
                        " VALUES (?, ?, ?, 'assistant', ?, ?, ?, ?, ?, ?, ?)",
                        (
                            answer.id,
                            cid,
                            seq + 2,
                            answer.content,
                            json.dumps(answer.skill_calls, ensure_ascii=False),
                            json.dumps(answer.citations, ensure_ascii=False),
                            at,
                            _json_or_null(answer.composed),
                            json.dumps(answer.memories_used, ensure_ascii=False),
                            answer.finish_reason,
                        ),
                    ),
                    ("UPDATE conversations SET updated_at = ? WHERE id = ?", (at, cid)),
                    *(
                        [  # an untitled conversation is named by its first question, for any client
                            (
                                "UPDATE conversations SET title = ? WHERE id = ? AND title = ?",
                                (_first_title(user), cid, DEFAULT_TITLE),
                            )
                        ]
                        if user is not None and seq == 0 and _first_title(user)
                        else []
                    ),
                ]
            )
        return replace(answer, created_at=at)

    def cut(self, owner: str, cid: str, mid: str) -> list[str]:
        """Remove message `mid`'s whole turn and every later message (regenerate, or edit a
        question and resend): an answer goes with the question before it. The ids removed."""
        self.get(owner, cid)
        rows = self._rows(
            "SELECT id, role, seq FROM messages WHERE conversation_id = ? ORDER BY seq", (cid,)
        )
        at = next((i for i, r in enumerate(rows) if r[0] == mid), None)
        if at is None:
            raise NotFoundError(f"no message '{mid}' in conversation '{cid}'", param="message_id")
        if rows[at][1] == "assistant" and at > 0 and rows[at - 1][1] == "user":
            at -= 1
        self._write(
            [
                ("DELETE FROM messages WHERE conversation_id = ? AND seq >= ?", (cid, rows[at][2])),
                ("UPDATE conversations SET updated_at = ? WHERE id = ?", (time.time(), cid)),
            ]
        )
        return [r[0] for r in rows[at:]]

    def search(self, owner: str, query: str, limit: int = 50) -> list[tuple[Conversation, str]]:
        """The owner's conversations whose title and messages hold every word of `query`,
        newest first, each with the first text that matched. Words are Korean morphemes
        (휴가는 finds 휴가를, 규정에서 finds 규정), or the query as typed when it has none."""
        from haneul.knowledge.korean import terms

        typed = " ".join(query.split()).lower()
        wanted = set(terms(query)) or {typed}
        found: list[tuple[Conversation, str]] = []
        for conversation in self.of(owner):
            texts = [conversation.title] + [
                m.content for m in self.messages(owner, conversation.id)
            ]
            have: set[str] = set()
            first = ""
            for text in texts:
                words = set(terms(text)) if typed not in text.lower() else wanted | set(terms(text))
                if wanted & words and not first:
                    first = text
                have |= wanted & words
                if have == wanted:
                    break
            if have == wanted:
                found.append((conversation, " ".join(first.split())[:120]))
            if len(found) >= limit:
                break
        return found
