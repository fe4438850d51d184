"""Server-side sign-in sessions. The browser holds a random token in an HttpOnly cookie; only
its sha256 is stored (as for API keys, 256 random bits need no stretching). Each session has
its own CSRF token, which the page sends back in a header on every state-changing request."""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Session:
    user_id: str
    csrf: str
    created_at: float
    expires_at: float


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SessionStore:
    def __init__(self, conn: sqlite3.Connection, ttl_s: float = 12 * 3600) -> None:
        self.conn = conn
        self.ttl_s = ttl_s
        self._lock = threading.Lock()

    def create(self, user_id: str) -> tuple[str, Session]:
        """A new session and its token (the only time the token is available)."""
        token, now = secrets.token_urlsafe(32), time.time()
        session = Session(user_id, secrets.token_urlsafe(24), now, now + self.ttl_s)
        with self._lock:
            self.conn.execute("DELETE FROM sessions WHERE expires_at < ?", (now,))
            self.conn.execute(
                "INSERT INTO sessions (hash, user_id, csrf, created_at, expires_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (_hash(token), user_id, session.csrf, now, session.expires_at),
            )
        return token, session

    def lookup(self, token: str) -> Session | None:
        """The live session of `token`, or None (unknown or expired)."""
        row = self.conn.execute(
            "SELECT * FROM sessions WHERE hash = ? AND expires_at > ?", (_hash(token), time.time())
        ).fetchone()
        if row is None:
            return None
        return Session(row["user_id"], row["csrf"], row["created_at"], row["expires_at"])

    def revoke(self, token: str) -> None:
        with self._lock:
            self.conn.execute("DELETE FROM sessions WHERE hash = ?", (_hash(token),))

    def revoke_user(self, user_id: str, keep: str | None = None) -> int:
        """End every session of `user_id` (but `keep`'s); how many ended."""
        with self._lock:
            return self.conn.execute(
                "DELETE FROM sessions WHERE user_id = ? AND hash != ?",
                (user_id, _hash(keep) if keep else ""),
            ).rowcount
