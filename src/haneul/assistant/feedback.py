"""Thumbs up or down, with an optional comment, on an assistant message, and the answers
people liked exported as a Studio tuning dataset: OpenAI chat JSONL or CLOVA Studio's CSV
(both read back by `haneul.studio.datasets`). An export example is the conversation up to
the liked answer, under its preset's system prompt; in JSONL only the liked answer is
trained on (earlier answers carry `weight: 0`)."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from typing import Any, Literal

from haneul.assistant.conversations import Conversations
from haneul.assistant.presets import PRESETS
from haneul.errors import InvalidRequestError, NotFoundError

Rating = Literal["up", "down"]
MAX_COMMENT = 2000


@dataclass(frozen=True)
class Feedback:
    message_id: str
    conversation_id: str
    rating: Rating
    comment: str
    updated_at: float


class FeedbackStore:
    def __init__(self, conn: sqlite3.Connection, conversations: Conversations) -> None:
        self.conn = conn
        self.conversations = conversations
        self.lock = conversations.lock  # one connection: one writer at a time

    def _answer(self, owner: str, cid: str, mid: str) -> None:
        """404 unless `mid` is an assistant message of the owner's conversation `cid`."""
        self.conversations.get(owner, cid)
        with self.lock:
            row = self.conn.execute(
                "SELECT role FROM messages WHERE id = ? AND conversation_id = ?", (mid, cid)
            ).fetchone()
        if row is None or row[0] != "assistant":
            raise NotFoundError(f"no answer '{mid}' in conversation '{cid}'", param="message_id")

    def set(
        self, owner: str, cid: str, mid: str, rating: Rating | None, comment: str = ""
    ) -> Feedback | None:
        """Rate an answer (`None` takes the rating back)."""
        self._answer(owner, cid, mid)
        if len(comment) > MAX_COMMENT:
            raise InvalidRequestError(
                f"a comment is at most {MAX_COMMENT} characters", param="comment"
            )
        with self.lock:
            if rating is None:
                self.conn.execute("DELETE FROM message_feedback WHERE message_id = ?", (mid,))
                return None
            self.conn.execute(
                "INSERT INTO message_feedback VALUES (?, ?, ?, ?, ?) ON CONFLICT (message_id)"
                " DO UPDATE SET rating = excluded.rating, comment = excluded.comment,"
                " updated_at = excluded.updated_at",
                (mid, owner, rating, comment.strip(), time.time()),
            )
        return Feedback(mid, cid, rating, comment.strip(), time.time())

    def of(self, owner: str) -> list[Feedback]:
        with self.lock:
            rows = self.conn.execute(
                "SELECT f.message_id, m.conversation_id, f.rating, f.comment, f.updated_at"
                " FROM message_feedback f JOIN messages m ON m.id = f.message_id"
                " WHERE f.owner = ? ORDER BY f.updated_at",
                (owner,),
            ).fetchall()
        return [Feedback(*r) for r in rows]

    def examples(self, owner: str) -> list[list[dict[str, Any]]]:
        """Each liked answer with the conversation before it, as chat messages."""
        out = []
        for item in self.of(owner):
            if item.rating != "up":
                continue
            conversation = self.conversations.get(owner, item.conversation_id)
            history = self.conversations.messages(owner, item.conversation_id)
            upto = next(i for i, m in enumerate(history) if m.id == item.message_id)
            messages: list[dict[str, Any]] = [
                {"role": "system", "content": PRESETS.get(conversation.preset, "")}
            ]
            if len(history) < 2:
                continue
            for m in history[: upto + 1]:
                if messages[-1]["role"] == m.role:  # a confirmed turn's answer stands alone
                    continue
                messages.append({"role": m.role, "content": m.content})
            if messages[-1]["role"] != "assistant" or messages[1]["role"] != "user":
                continue
            out.append(messages)
        return out
