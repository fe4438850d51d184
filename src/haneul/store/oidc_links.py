"""Users who sign in through OpenID Connect, linked by the provider's (issuer, subject) pair.

The link is the only way an SSO sign-in finds a user: a first sign-in creates a new member
user (never one matched by e-mail or name, so an account at the provider cannot take over an
existing password user). An SSO user has no password: the stored hash is a marker that never
verifies, so `haneul users password` is how an admin gives them one if ever needed.
"""

from __future__ import annotations

import re
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass

from haneul.errors import AuthenticationError
from haneul.store.users import User, UserStore, adopt_unowned

NO_PASSWORD = "!sso: signs in through OpenID Connect only"


@dataclass(frozen=True)
class Identity:
    """What the verified ID token says about the person."""

    issuer: str
    subject: str
    username: str = ""
    display_name: str = ""
    email: str = ""
    admin: bool | None = None  # None: the role is not managed by the provider


class OidcLinks:
    def __init__(self, conn: sqlite3.Connection, users: UserStore) -> None:
        self.conn = conn
        self.users = users
        self._lock = threading.Lock()

    def user_id(self, issuer: str, subject: str) -> str | None:
        row = self.conn.execute(
            "SELECT user_id FROM oidc_links WHERE issuer = ? AND subject = ?", (issuer, subject)
        ).fetchone()
        return None if row is None else str(row["user_id"])

    def sign_in(self, who: Identity) -> User:
        """The user linked to `who`, created (a member, or admin by group) on first sign-in."""
        now = time.time()
        user_id = self.user_id(who.issuer, who.subject)
        if user_id is None:
            user_id = self._create(who, now)
        else:
            with self._lock:
                self.conn.execute(
                    "UPDATE oidc_links SET last_signin_at = ?, email = ?"
                    " WHERE issuer = ? AND subject = ?",
                    (now, who.email, who.issuer, who.subject),
                )
        user = self.users.get(user_id)
        if not user.active:
            raise AuthenticationError("this account is disabled", code="account_disabled")
        if who.admin is not None and user.is_admin != who.admin:
            first_admin = who.admin and not self._has_admin()
            user = self.users.set_role(user_id, "admin" if who.admin else "member")
            if first_admin:
                adopt_unowned(self.conn, user_id)
        return user

    def _create(self, who: Identity, now: float) -> str:
        user_id = "user_" + secrets.token_hex(6)
        base = _username(who)
        with self._lock:
            for attempt in range(100):
                name = base if attempt == 0 else f"{base[:58]}-{attempt + 1}"
                try:
                    self.conn.execute(
                        "INSERT INTO users (id, name, display_name, role, password_hash,"
                        " created_at) VALUES (?, ?, ?, 'member', ?, ?)",
                        (user_id, name, who.display_name.strip() or name, NO_PASSWORD, now),
                    )
                except sqlite3.IntegrityError:
                    continue  # the name is taken: never link to that user, pick another
                self.conn.execute(
                    "INSERT INTO oidc_links (issuer, subject, user_id, email, created_at,"
                    " last_signin_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (who.issuer, who.subject, user_id, who.email, now, now),
                )
                return user_id
        raise AuthenticationError("no free user name for this SSO account", code="sso_failed")

    def _has_admin(self) -> bool:
        row = self.conn.execute("SELECT 1 FROM users WHERE role = 'admin' LIMIT 1").fetchone()
        return row is not None


def _username(who: Identity) -> str:
    """A user name from the claims (no spaces, at most 64 characters)."""
    for candidate in (who.username, who.email.partition("@")[0], who.display_name):
        name = re.sub(r"\s+", "-", candidate.strip())[:60]
        if name:
            return name
    return "sso-" + who.subject[:40]
