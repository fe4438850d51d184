"""API keys. A key is shown once when created; only its sha256 is stored.

Keys are 32 random bytes, so a fast hash is enough (no password stretching needed): an
attacker with the database cannot guess a 256-bit secret from its hash.

In the server, verifying a key never writes: its last-used time goes to `UsageStamps`,
which one thread writes in batches on its own connection, so a locked database never
blocks the event loop (see docs/security.md).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

from haneul.errors import InvalidRequestError, NotFoundError
from haneul.safety.policy import POLICIES
from haneul.store.db import connect

log = logging.getLogger(__name__)
PREFIX = "hn-"


@dataclass(frozen=True)
class ApiKey:
    id: str
    name: str
    prefix: str  # the first characters, to recognise a key in lists
    created_at: float
    revoked_at: float | None
    last_used_at: float | None
    rpm: int | None  # per-key override of the requests-per-minute limit
    max_concurrent: int | None  # per-key override of concurrent generations
    safety_policy: str | None = None  # annotate, mask, refuse or block; None: the default
    user_id: str | None = None  # the user the key acts as (None: a key of its own)

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class UsageStamps:
    """Last-used times kept in memory and written in batches by one daemon thread on its own
    connection (started on the first stamp); a batch the lock refuses is kept for the next."""

    def __init__(self, path: Path, interval_s: float = 2.0) -> None:
        self.path = path
        self.interval_s = interval_s
        self._pending: dict[str, float] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._conn: sqlite3.Connection | None = None

    def record(self, key_id: str, at: float) -> None:
        with self._lock:
            self._pending[key_id] = max(at, self._pending.get(key_id, 0.0))
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(target=self._run, name="key-stamps", daemon=True)
                self._thread.start()

    def pending(self, key_id: str) -> float | None:
        with self._lock:
            return self._pending.get(key_id)

    def flush(self) -> bool:
        """Write what is pending; False (and kept for later) when the database is locked."""
        with self._lock:
            batch, self._pending = self._pending, {}
        if not batch:
            return True
        try:
            if self._conn is None:
                self._conn = connect(self.path)
            with self._conn:  # one transaction
                self._conn.execute("BEGIN IMMEDIATE")
                self._conn.executemany(
                    "UPDATE api_keys SET last_used_at = max(coalesce(last_used_at, 0), ?)"
                    " WHERE id = ?",
                    [(at, key_id) for key_id, at in batch.items()],
                )
        except sqlite3.OperationalError as exc:
            log.warning("key last-used stamps not written yet: %s", exc)
            with self._lock:
                for key_id, at in batch.items():
                    self._pending[key_id] = max(at, self._pending.get(key_id, 0.0))
            return False
        return True

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.flush()

    def close(self) -> None:
        """Stop the thread and write what is left (best effort)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.flush()
        if self._conn is not None:
            self._conn.close()


class KeyStore:
    def __init__(self, conn: sqlite3.Connection, stamps: UsageStamps | None = None) -> None:
        """`stamps`: where `verify` records last use (None: written at once, as the CLI does)."""
        self.conn = conn
        self.stamps = stamps
        self._lock = threading.Lock()

    def create(
        self,
        name: str,
        *,
        rpm: int | None = None,
        max_concurrent: int | None = None,
        safety_policy: str | None = None,
        user_id: str | None = None,
    ) -> tuple[ApiKey, str]:
        """A new key and its secret (the only time the secret is available)."""
        name = name.strip()
        if not name or len(name) > 100:
            raise InvalidRequestError("a key needs a name of 1 to 100 characters", param="name")
        for field, value in (("rpm", rpm), ("max_concurrent", max_concurrent)):
            if value is not None and value < 1:
                raise InvalidRequestError(f"{field} must be at least 1", param=field)
        if safety_policy is not None and safety_policy not in POLICIES:
            raise InvalidRequestError(
                f"safety policy must be one of {', '.join(POLICIES)}", param="safety_policy"
            )
        secret = PREFIX + secrets.token_urlsafe(32)
        key_id = "key_" + secrets.token_hex(6)
        with self._lock:
            self.conn.execute(
                "INSERT INTO api_keys (id, name, prefix, hash, created_at, rpm, max_concurrent,"
                " safety_policy, user_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    key_id,
                    name,
                    secret[:10],
                    _hash(secret),
                    time.time(),
                    rpm,
                    max_concurrent,
                    safety_policy,
                    user_id,
                ),
            )
        return self.get(key_id), secret

    def get(self, key_id: str) -> ApiKey:
        row = self.conn.execute("SELECT * FROM api_keys WHERE id = ?", (key_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"API key '{key_id}' does not exist")
        return self._with_stamp(_row(row))

    def list(self, user_id: str | None = None) -> list[ApiKey]:
        """Every key, or only `user_id`'s."""
        if user_id is None:
            rows = self.conn.execute("SELECT * FROM api_keys ORDER BY created_at").fetchall()
        else:
            rows = self.conn.execute(
                "SELECT * FROM api_keys WHERE user_id = ? ORDER BY created_at", (user_id,)
            ).fetchall()
        return [self._with_stamp(_row(r)) for r in rows]

    def _with_stamp(self, key: ApiKey) -> ApiKey:
        at = self.stamps.pending(key.id) if self.stamps else None
        if at is None or (key.last_used_at or 0.0) >= at:
            return key
        return replace(key, last_used_at=at)

    def has_active(self) -> bool:
        row = self.conn.execute("SELECT 1 FROM api_keys WHERE revoked_at IS NULL LIMIT 1")
        return row.fetchone() is not None

    def any_created(self) -> bool:
        """Whether a key was ever created (revoking the last key must not open the server)."""
        return self.conn.execute("SELECT 1 FROM api_keys LIMIT 1").fetchone() is not None

    def verify(self, secret: str) -> ApiKey | None:
        row = self.conn.execute(
            "SELECT * FROM api_keys WHERE hash = ? AND revoked_at IS NULL", (_hash(secret),)
        ).fetchone()
        if row is None:
            return None
        if self.stamps is not None:
            self.stamps.record(row["id"], time.time())
            return _row(row)
        with self._lock:
            self.conn.execute(
                "UPDATE api_keys SET last_used_at = ? WHERE id = ?", (time.time(), row["id"])
            )
        return _row(row)

    def revoke(self, key_id_or_name: str, user_id: str | None = None) -> ApiKey:
        """Revoke a key by id or name; with `user_id`, only among that user's keys (another
        user's key is then a 404 like a missing one)."""
        rows = self.conn.execute(
            "SELECT * FROM api_keys WHERE (id = ? OR name = ?) AND revoked_at IS NULL"
            " AND (? IS NULL OR user_id = ?)",
            (key_id_or_name, key_id_or_name, user_id, user_id),
        ).fetchall()
        if not rows:
            raise NotFoundError(f"no active API key with id or name '{key_id_or_name}'")
        if len(rows) > 1:
            raise InvalidRequestError(f"several keys are named '{key_id_or_name}'; give the id")
        with self._lock:
            self.conn.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE id = ?", (time.time(), rows[0]["id"])
            )
        return self.get(rows[0]["id"])


def _row(row: sqlite3.Row) -> ApiKey:
    return ApiKey(
        id=row["id"],
        name=row["name"],
        prefix=row["prefix"],
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
        last_used_at=row["last_used_at"],
        rpm=row["rpm"],
        max_concurrent=row["max_concurrent"],
        safety_policy=row["safety_policy"],
        user_id=row["user_id"],
    )
