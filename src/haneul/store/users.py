"""Users: a name, a role (admin or member) and an argon2 password hash (argon2-cffi, its
default parameters). Never a default password: every user is created with one the person chose.

Sign-in counts failures: after `max_failures` wrong passwords in a row the account is locked
for `lockout_s` seconds (a right password does not unlock it early). An unknown name costs
the same hashing work as a known one, so timing does not tell which names exist.

The first admin adopts the data of the single-user era (`adopt_unowned`): every row whose
`owner` is an API key id or `anonymous` becomes the admin's, and unowned keys become theirs.
"""

from __future__ import annotations

import logging
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from haneul.errors import (
    AccountLockedError,
    AuthenticationError,
    ConflictError,
    InvalidRequestError,
    NotFoundError,
)

log = logging.getLogger(__name__)
ROLES = ("admin", "member")
ANONYMOUS = "anonymous"
_hasher = PasswordHasher()
_DUMMY = _hasher.hash("not a password: equalises the work for unknown names")


@dataclass(frozen=True)
class User:
    id: str
    name: str
    display_name: str
    role: str
    created_at: float
    disabled_at: float | None
    locked_until: float | None

    @property
    def active(self) -> bool:
        return self.disabled_at is None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class UserStore:
    def __init__(
        self,
        conn: sqlite3.Connection,
        *,
        max_failures: int = 5,
        lockout_s: float = 900.0,
        min_password: int = 8,
    ) -> None:
        self.conn = conn
        self.max_failures = max_failures
        self.lockout_s = lockout_s
        self.min_password = min_password
        self._lock = threading.Lock()

    def any(self) -> bool:
        return self.conn.execute("SELECT 1 FROM users LIMIT 1").fetchone() is not None

    def create(
        self, name: str, password: str, *, role: str = "member", display_name: str = ""
    ) -> User:
        """A new user; the first admin adopts the single-user era's data."""
        name = name.strip()
        if not name or len(name) > 64 or any(c.isspace() for c in name):
            raise InvalidRequestError("a user name is 1 to 64 characters, no spaces", param="name")
        if role not in ROLES:
            raise InvalidRequestError(f"role must be one of {', '.join(ROLES)}", param="role")
        self._check_password(password)
        user_id = "user_" + secrets.token_hex(6)
        first_admin = role == "admin" and not self._has_admin()
        with self._lock:
            try:
                self.conn.execute(
                    "INSERT INTO users (id, name, display_name, role, password_hash, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        user_id,
                        name,
                        display_name.strip() or name,
                        role,
                        _hasher.hash(password),
                        time.time(),
                    ),
                )
            except sqlite3.IntegrityError:
                raise ConflictError(f"a user named '{name}' already exists") from None
        if first_admin:
            adopt_unowned(self.conn, user_id)
        return self.get(user_id)

    def _has_admin(self) -> bool:
        row = self.conn.execute("SELECT 1 FROM users WHERE role = 'admin' LIMIT 1").fetchone()
        return row is not None

    def _check_password(self, password: str) -> None:
        if len(password) < self.min_password:
            raise InvalidRequestError(
                f"a password needs at least {self.min_password} characters", param="password"
            )
        if len(password) > 1024:
            raise InvalidRequestError("a password has at most 1024 characters", param="password")

    def get(self, user_id: str) -> User:
        row = self.conn.execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"user '{user_id}' does not exist")
        return _row(row)

    def resolve(self, id_or_name: str) -> User:
        row = self.conn.execute(
            "SELECT * FROM users WHERE id = ? OR name = ?", (id_or_name, id_or_name)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no user with id or name '{id_or_name}'")
        return _row(row)

    def list(self) -> list[User]:
        return [_row(r) for r in self.conn.execute("SELECT * FROM users ORDER BY created_at")]

    def verify(self, name: str, password: str) -> User:
        """The user whose name and password these are; a 401 (same words whether the name
        or the password was wrong) or a 423 while the account is locked."""
        row = self.conn.execute("SELECT * FROM users WHERE name = ?", (name.strip(),)).fetchone()
        if row is None:
            _matches(_DUMMY, password)
            raise AuthenticationError("wrong user name or password", code="invalid_credentials")
        now = time.time()
        if row["locked_until"] is not None and row["locked_until"] > now:
            wait = row["locked_until"] - now
            raise AccountLockedError(
                f"too many failed sign-ins: try again in {int(wait // 60) + 1} minutes",
                retry_after=wait,
            )
        if not _matches(row["password_hash"], password):
            self._failed(row["id"], row["failed_logins"] + 1, now)
            raise AuthenticationError("wrong user name or password", code="invalid_credentials")
        if row["disabled_at"] is not None:
            raise AuthenticationError("this account is disabled", code="account_disabled")
        with self._lock:
            self.conn.execute(
                "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?",
                (row["id"],),
            )
        return self.get(row["id"])

    def _failed(self, user_id: str, failures: int, now: float) -> None:
        locked = failures >= self.max_failures
        with self._lock:
            self.conn.execute(
                "UPDATE users SET failed_logins = ?, locked_until = ? WHERE id = ?",
                (0 if locked else failures, now + self.lockout_s if locked else None, user_id),
            )
        if locked:
            log.warning("user %s locked after %d failed sign-ins", user_id, failures)

    def set_password(self, user_id: str, password: str) -> None:
        self._check_password(password)
        self.get(user_id)
        with self._lock:
            self.conn.execute(
                "UPDATE users SET password_hash = ?, failed_logins = 0, locked_until = NULL"
                " WHERE id = ?",
                (_hasher.hash(password), user_id),
            )

    def set_role(self, user_id: str, role: str) -> User:
        if role not in ROLES:
            raise InvalidRequestError(f"role must be one of {', '.join(ROLES)}", param="role")
        self._update(user_id, "role", role)
        return self.get(user_id)

    def set_disabled(self, user_id: str, disabled: bool) -> User:
        self._update(user_id, "disabled_at", time.time() if disabled else None)
        return self.get(user_id)

    def unlock(self, user_id: str) -> User:
        self._update(user_id, "locked_until", None)
        return self.get(user_id)

    def _update(self, user_id: str, column: str, value: object) -> None:
        self.get(user_id)
        with self._lock:
            self.conn.execute(f"UPDATE users SET {column} = ? WHERE id = ?", (value, user_id))


def _matches(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def _row(row: sqlite3.Row) -> User:
    return User(
        id=row["id"],
        name=row["name"],
        display_name=row["display_name"],
        role=row["role"],
        created_at=row["created_at"],
        disabled_at=row["disabled_at"],
        locked_until=row["locked_until"],
    )


def adopt_unowned(conn: sqlite3.Connection, user_id: str) -> dict[str, int]:
    """Give `user_id` every row owned by an API key or by `anonymous` (every table with an
    `owner` column, so tables added later are covered too) and every key without a user.
    A row whose (owner, ...) uniqueness would clash keeps its old owner and is logged: the
    oldest row wins."""
    keys = [r[0] for r in conn.execute("SELECT id FROM api_keys")]
    old = [ANONYMOUS, *keys]
    marks = ", ".join("?" for _ in old)
    moved: dict[str, int] = {}
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    for table in tables:
        columns = {r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')}
        if "owner" not in columns:
            continue
        try:
            ids = conn.execute(
                f'SELECT rowid FROM "{table}" WHERE owner IN ({marks}) ORDER BY rowid', old
            ).fetchall()
        except sqlite3.OperationalError:  # a WITHOUT ROWID table: clashing rows stay
            done = conn.execute(
                f'UPDATE OR IGNORE "{table}" SET owner = ? WHERE owner IN ({marks})',
                [user_id, *old],
            )
            moved[table] = done.rowcount
            continue
        for (rowid,) in ids:
            try:
                conn.execute(f'UPDATE "{table}" SET owner = ? WHERE rowid = ?', (user_id, rowid))
                moved[table] = moved.get(table, 0) + 1
            except sqlite3.IntegrityError:
                log.warning("%s row %s kept its owner: the admin has one like it", table, rowid)
    conn.execute("UPDATE api_keys SET user_id = ? WHERE user_id IS NULL", (user_id,))
    return moved
