"""The safety audit log: who (the key and the user it acts for), when, which direction, what
was decided, which categories. Never the text: a decision about personal data must not
become a copy of it.

`record` never touches SQLite: it queues the entry in memory, and one background thread
writes the queue in batches (every `flush_s`), so a request's audit entry never waits for the
database on the event loop, and a locked database (another writer holding it past the busy
timeout) delays entries instead of failing the request: a batch the lock refuses is kept for
the next. `recent` and `close` write what is queued first.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AuditEntry:
    at: float
    key_id: str
    direction: str  # input or output
    action: str  # annotated, masked, refused, blocked
    categories: list[str]
    owner: str  # the user the key acts for (a session's user); the key itself without users


class AuditLog:
    """Give it a connection of its own: the writer thread opens transactions on it."""

    def __init__(self, conn: sqlite3.Connection, flush_s: float = 1.0) -> None:
        self.conn = conn
        self.flush_s = flush_s
        self._lock = threading.Lock()  # the queue
        self._write = threading.Lock()  # one writer at a time
        self._queue: list[tuple[float, str, str, str, str, str]] = []
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def record(
        self,
        key_id: str,
        direction: str,
        action: str,
        categories: list[str],
        owner: str | None = None,
    ) -> None:
        """Queue one entry (no I/O: safe on the event loop). `owner` is the user the key acts
        for (`principal.owner`); without one, the key."""
        cats = json.dumps(sorted(categories))
        entry = (time.time(), key_id, direction, action, cats, owner or key_id)
        with self._lock:
            self._queue.append(entry)
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(target=self._run, name="audit-log", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.flush_s):
            try:
                self.flush()
            except sqlite3.OperationalError as exc:  # locked: kept for the next round
                if "locked" not in str(exc) and "busy" not in str(exc):
                    log.exception("the audit log could not be written")

    def flush(self) -> int:
        """Write the queued entries in one transaction; how many. Blocking: call it from a
        thread (the writer thread does)."""
        with self._write:
            with self._lock:
                batch, self._queue = self._queue, []
            if not batch:
                return 0
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                try:
                    self.conn.executemany(
                        "INSERT INTO safety_audit"
                        " (at, key_id, direction, action, categories, owner)"
                        " VALUES (?, ?, ?, ?, ?, ?)",
                        batch,
                    )
                    self.conn.execute("COMMIT")
                except BaseException:
                    self.conn.execute("ROLLBACK")
                    raise
            except BaseException:
                with self._lock:  # not written: back at the head of the queue
                    self._queue[:0] = batch
                raise
            return len(batch)

    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    def recent(self, limit: int = 100) -> list[AuditEntry]:
        self.flush()
        rows = self.conn.execute(
            "SELECT * FROM safety_audit ORDER BY id DESC LIMIT ?", (limit,)
        ).fetchall()
        return [
            AuditEntry(
                r["at"],
                r["key_id"],
                r["direction"],
                r["action"],
                json.loads(r["categories"]),
                r["owner"] or r["key_id"],
            )
            for r in rows
        ]

    def close(self) -> None:
        """Stop the writer, write what is left (entries the lock still refuses are lost, with a
        warning) and close the connection."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        try:
            self.flush()
        except sqlite3.OperationalError:
            log.warning(
                "%d audit entries were not written (the store stayed locked)", self.pending()
            )
        self.conn.close()


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
