"""The AI Filter's audit log names the user, not only the key: a user's own API key and their
browser session both record the user (`principal.owner`), the key id stays beside it, and an
admin reads both through `/v1/admin/audit`. A database from before the column gets its old
entries' users from the keys that made them."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from haneul.store.audit import AuditLog
from haneul.store.db import MIGRATIONS, connect, migrate
from tests.accounts.helpers import add_user, sign_in
from tests.conftest import RunningServer

SWEAR = "씨@발 이게 뭐야"


def _safety(admin: httpx.Client, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 30  # the audit log is written in batches, off the loop
    while True:
        found: list[dict[str, Any]] = admin.get("/v1/admin/audit").json()["safety"]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.3)


def test_audit_entries_name_the_user(server_factory: Callable[..., RunningServer]) -> None:
    srv = server_factory(safety_policy="block")
    add_user(srv, "관리자", "--admin")
    kim_id = add_user(srv, "김민수")
    admin, kim = sign_in(srv, "관리자"), sign_in(srv, "김민수")
    made = kim.post("/v1/me/keys", json={"name": "노트북"})
    assert made.status_code == 201, made.text
    key = made.json()

    api = openai.OpenAI(base_url=srv.api, api_key=key["secret"], max_retries=0)
    with pytest.raises(openai.BadRequestError):
        api.chat.completions.create(model="echo", messages=[{"role": "user", "content": SWEAR}])
    by_session = kim.post(
        "/v1/chat/completions",
        json={"model": "echo", "messages": [{"role": "user", "content": SWEAR}]},
    )
    assert by_session.status_code == 400

    entries = _safety(admin, 2)
    assert len(entries) == 2, entries
    users = {e["owner"] for e in entries}
    assert users == {kim_id}, entries
    assert {e["key_id"] for e in entries} == {key["id"], kim_id}
    assert all(e["action"] == "blocked" and e["direction"] == "input" for e in entries)


def test_old_entries_get_their_keys_user(tmp_path: Path) -> None:
    path = tmp_path / "haneul.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    # the database as the release before this column left it
    before = next(i for i, sql in enumerate(MIGRATIONS) if "safety_audit ADD COLUMN owner" in sql)
    for number, sql in enumerate(MIGRATIONS[:before], start=1):
        for statement in filter(str.strip, sql.split(";")):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {number}")
    conn.execute(
        "INSERT INTO api_keys (id, name, prefix, hash, created_at, user_id)"
        " VALUES ('key_1', '노트북', 'hn-', 'h', 0, 'usr_kim')"
    )
    for key in ("key_1", "key_cli"):
        conn.execute(
            "INSERT INTO safety_audit (at, key_id, direction, action, categories)"
            " VALUES (1, ?, 'input', 'blocked', '[]')",
            (key,),
        )
    migrate(conn)
    conn.close()
    log = AuditLog(connect(path))
    try:
        owners = {e.key_id: e.owner for e in log.recent()}
    finally:
        log.close()
    assert owners == {"key_1": "usr_kim", "key_cli": "key_cli"}
