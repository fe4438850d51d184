"""The account stores on a real SQLite file: argon2 hashes, lockout timing, session expiry,
the strictest of several teams, and adoption when two old keys had same-named collections."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from haneul.errors import AccountLockedError, AuthenticationError, InvalidRequestError
from haneul.store.db import connect
from haneul.store.keys import KeyStore
from haneul.store.sessions import SessionStore
from haneul.store.teams import TeamStore, strictest
from haneul.store.users import UserStore


@pytest.fixture
def conn(tmp_path: Path) -> sqlite3.Connection:
    return connect(tmp_path / "haneul.db")


def test_passwords_are_argon2_and_lockout_ends(conn: sqlite3.Connection) -> None:
    users = UserStore(conn, max_failures=2, lockout_s=4.0)
    user = users.create("김민수", "비밀번호-하나둘셋")
    stored = conn.execute("SELECT password_hash FROM users").fetchone()[0]
    assert stored.startswith("$argon2id$") and "비밀번호" not in stored
    with pytest.raises(InvalidRequestError):
        users.create("이서연", "짧은암호")
    for _ in range(2):
        with pytest.raises(AuthenticationError):
            users.verify("김민수", "틀림-틀림-틀림")
    with pytest.raises(AccountLockedError):
        users.verify("김민수", "비밀번호-하나둘셋")
    locked_until = users.get(user.id).locked_until
    assert locked_until is not None
    time.sleep(max(0.0, locked_until - time.time()) + 0.1)
    assert users.verify("김민수", "비밀번호-하나둘셋").id == user.id


def test_sessions_expire_and_are_stored_hashed(conn: sqlite3.Connection) -> None:
    user = UserStore(conn).create("김민수", "비밀번호-하나둘셋")
    sessions = SessionStore(conn, ttl_s=0.3)
    token, session = sessions.create(user.id)
    assert sessions.lookup(token) == session
    assert token not in str(conn.execute("SELECT * FROM sessions").fetchall())
    time.sleep(0.4)
    assert sessions.lookup(token) is None


def test_strictest_of_several_teams(conn: sqlite3.Connection) -> None:
    teams = TeamStore(conn)
    a, b = teams.create("영업팀"), teams.create("보안팀")
    a = teams.set_limits(a.id, safety_policy="mask", rpm=100, max_concurrent=None)
    b = teams.set_limits(b.id, safety_policy="refuse", rpm=300, max_concurrent=2)
    assert strictest([a, b]) == ("refuse", 100, 2)
    assert strictest([]) == (None, None, None)


def test_first_admin_adopts_without_losing_clashing_rows(conn: sqlite3.Connection) -> None:
    keys = KeyStore(conn)
    first, _ = keys.create("첫 키")
    second, _ = keys.create("둘째 키")
    now = time.time()
    for cid, owner in (("col_a", first.id), ("col_b", second.id), ("col_c", "anonymous")):
        name = "회의록" if cid != "col_c" else "규정"
        conn.execute(
            "INSERT INTO collections (id, owner, name, created_at) VALUES (?, ?, ?, ?)",
            (cid, owner, name, now),
        )
    users = UserStore(conn)
    member = users.create("김민수", "비밀번호-하나둘셋")
    assert (
        conn.execute("SELECT count(*) FROM collections WHERE owner = ?", (member.id,)).fetchone()[0]
        == 0
    )
    admin = users.create("관리자", "비밀번호-하나둘셋", role="admin")
    owners = dict(conn.execute("SELECT id, owner FROM collections").fetchall())
    assert owners["col_a"] == admin.id and owners["col_c"] == admin.id
    assert owners["col_b"] == second.id  # its name clashed: kept, not lost
    assert {k.user_id for k in keys.list()} == {admin.id}
    later = users.create("관리자2", "비밀번호-하나둘셋", role="admin")
    assert later.id not in {
        o for o in dict(conn.execute("SELECT id, owner FROM collections")).values()
    }
