"""A database from before accounts (built with the old migrations, holding a key's and the
anonymous data) upgrades in place, and the first admin adopts everything."""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from haneul.store.db import MIGRATIONS
from tests.accounts.helpers import add_user, sign_in
from tests.conftest import RunningServer, add_echo_models

OLD = next(i for i, sql in enumerate(MIGRATIONS) if "CREATE TABLE users" in sql)
SECRET = "hn-" + "옛날키".encode().hex() + "0" * 20


def _old_database(home: Path) -> None:
    """The store as a pre-accounts Haneul left it: a key, its conversation and memory, an
    anonymous collection, and a collection of the key's with the same name as none."""
    home.mkdir(parents=True)
    db = sqlite3.connect(home / "haneul.db", isolation_level=None)
    for sql in MIGRATIONS[:OLD]:
        for statement in filter(str.strip, sql.split(";")):
            db.execute(statement)
    db.execute(f"PRAGMA user_version = {OLD}")
    now = time.time()
    digest = hashlib.sha256(SECRET.encode()).hexdigest()
    db.execute(
        "INSERT INTO api_keys (id, name, prefix, hash, created_at) VALUES (?, ?, ?, ?, ?)",
        ("key_old", "예전 키", SECRET[:10], digest, now),
    )
    db.execute(
        "INSERT INTO conversations (id, owner, title, preset, created_at, updated_at)"
        " VALUES ('conv_1', 'key_old', '작년 회의록 정리', 'default', ?, ?)",
        (now, now),
    )
    db.execute(
        "INSERT INTO conversations (id, owner, title, preset, created_at, updated_at)"
        " VALUES ('conv_2', 'anonymous', '혼자 쓰던 대화', 'default', ?, ?)",
        (now - 1, now - 1),
    )
    db.execute(
        "INSERT INTO memories (id, owner, slot, content, created_at, updated_at)"
        " VALUES ('mem_1', 'key_old', '이름', '제 이름은 김하늘입니다', ?, ?)",
        (now, now),
    )
    db.execute(
        "INSERT INTO collections (id, owner, name, created_at) VALUES"
        " ('col_1', 'anonymous', '사내규정', ?)",
        (now,),
    )
    db.close()


def test_upgrade_gives_old_data_to_the_first_admin(
    tmp_path: Path, server_factory: Callable[..., RunningServer]
) -> None:
    home = tmp_path / "old-home"
    _old_database(home)
    add_echo_models(home)
    srv = server_factory(home=home)
    version = sqlite3.connect(home / "haneul.db").execute("PRAGMA user_version").fetchone()[0]
    assert version == len(MIGRATIONS)
    # Before any user: the key still works as it did, and owns its data.
    with httpx.Client(base_url=srv.api, headers={"Authorization": f"Bearer {SECRET}"}) as api:
        assert [c["title"] for c in api.get("/conversations").json()["data"]] == [
            "작년 회의록 정리"
        ]

    admin_id = add_user(srv, "관리자", "--admin")
    member_id = add_user(srv, "김민수")
    db = sqlite3.connect(home / "haneul.db")
    owners = db.execute("SELECT owner FROM conversations ORDER BY id").fetchall()
    assert owners == [(admin_id,), (admin_id,)]
    assert db.execute("SELECT owner FROM memories").fetchall() == [(admin_id,)]
    assert db.execute("SELECT owner FROM collections").fetchall() == [(admin_id,)]
    assert db.execute("SELECT user_id FROM api_keys").fetchall() == [(admin_id,)]
    assert member_id != admin_id

    admin = sign_in(srv, "관리자")
    titles = [c["title"] for c in admin.get("/v1/conversations").json()["data"]]
    assert sorted(titles) == ["작년 회의록 정리", "혼자 쓰던 대화"]
    assert [m["content"] for m in admin.get("/v1/memories").json()["data"]] == [
        "제 이름은 김하늘입니다"
    ]
    assert [c["name"] for c in admin.get("/v1/collections").json()["data"]] == ["사내규정"]
    # The old key now acts as the admin; the member sees none of it.
    with httpx.Client(base_url=srv.api, headers={"Authorization": f"Bearer {SECRET}"}) as api:
        assert api.get("/auth/me").json()["user"]["name"] == "관리자"
        assert len(api.get("/conversations").json()["data"]) == 2
    kim = sign_in(srv, "김민수")
    assert kim.get("/v1/conversations").json()["data"] == []
    assert kim.get("/v1/collections").json()["data"] == []
