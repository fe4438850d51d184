"""What a person reads under an answer survives a reload: the stored message keeps the turn's
`composed` (with the corrections code made), the `memories_used` and the `finish_reason`,
and the conversation API returns them as the live `done` event had them. In process, on a
scripted echo model that writes a wrong product, with the real e5 memory and real SQLite."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from haneul.assistant.conversations import Conversations
from haneul.store.db import MIGRATIONS, migrate
from tests.assistant.scripted_plugin import PLUGIN, scripted_home
from tests.conftest import AppClient

SCRIPT = {"이사": "이사 축하드려요! 참고로 12 × 12 = 154입니다."}


def _say(app: AppClient, cid: str, content: str) -> dict[str, Any]:
    body = {"content": content, "stream": False, "skills": []}
    reply = app.post(f"conversations/{cid}/messages", json=body, timeout=600)
    assert reply.status_code == 200, reply.text
    done: dict[str, Any] = reply.json()
    return done


def test_a_turn_with_a_memory_and_a_correction_reads_the_same_after_reload(
    app_factory: Callable[..., AppClient], tmp_path: Path
) -> None:
    home = scripted_home(tmp_path / "scripted", SCRIPT)
    app = app_factory(home, plugins=PLUGIN, default_model="scripted")
    cid = app.post("conversations", json={}).json()["id"]
    first = _say(app, cid, "저는 부산에 살아요")
    assert [o["op"] for o in first["memory"]] == ["APPEND"]
    assert first["memories_used"] == []

    live = _say(app, cid, "저 서울로 이사했어요. 이사 선물로 뭐가 좋을까요?")
    assert live["memories_used"] == ["사는 곳: 부산"]  # the fact it is changing
    assert live["composed"]["corrections"] == ["12 × 12 = 144"]
    assert "12 × 12 = 144" in live["message"]["content"]

    stored = app.get(f"conversations/{cid}").json()["messages"]
    assert [m["role"] for m in stored] == ["user", "assistant", "user", "assistant"]
    answer = stored[-1]
    assert answer["id"] == live["message"]["id"]
    assert answer["composed"] == live["composed"]
    assert answer["composed"]["corrections"] == ["12 × 12 = 144"]
    assert answer["memories_used"] == ["사는 곳: 부산"]
    assert answer["finish_reason"] == live["finish_reason"] == "stop"
    assert answer == live["message"]  # the live message is the stored one, field for field
    assert stored[1]["memories_used"] == [] and stored[1]["composed"]["corrections"] == []
    # the user's own messages carry nothing of the kind
    assert stored[0]["composed"] is None and stored[0]["memories_used"] == []


def test_a_turn_without_memory_stores_none_used(
    app_factory: Callable[..., AppClient], tmp_path: Path
) -> None:
    home = scripted_home(tmp_path / "scripted", SCRIPT)
    app = app_factory(home, plugins=PLUGIN, default_model="scripted")
    cid = app.post("conversations", json={}).json()["id"]
    _say(app, cid, "저는 부산에 살아요")
    content = "저 서울로 이사했어요. 이사 선물로 뭐가 좋을까요?"
    body = {"content": content, "stream": False, "skills": [], "memory": False}
    live = app.post(f"conversations/{cid}/messages", json=body, timeout=600).json()
    assert live["memories_used"] == []
    answer = app.get(f"conversations/{cid}").json()["messages"][-1]
    assert answer["memories_used"] == [] and answer["composed"]["corrections"] == ["12 × 12 = 144"]


def test_messages_stored_before_the_migration_read_as_empty(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "old.db", check_same_thread=False, isolation_level=None)
    mine = next(i for i, sql in enumerate(MIGRATIONS) if "COLUMN memories_used" in sql)
    before = MIGRATIONS[:mine]  # the schema as the release before this column left it
    conn.execute("PRAGMA user_version = 0")
    for number, sql in enumerate(before, start=1):
        for statement in filter(str.strip, sql.split(";")):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {number}")
    conn.execute("INSERT INTO conversations VALUES ('conv_1', 'key_1', '옛 대화', 'chat', 1, 1)")
    conn.execute(
        "INSERT INTO messages (id, conversation_id, seq, role, content, skill_calls, citations,"
        " created_at) VALUES ('msg_1', 'conv_1', 1, 'assistant', '안녕하세요', '[]', ?, 1)",
        (json.dumps([{"n": 1, "document": "규정.txt"}], ensure_ascii=False),),
    )
    migrate(conn)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    (message,) = Conversations(conn).messages("key_1", "conv_1")
    assert message.content == "안녕하세요" and message.citations[0]["document"] == "규정.txt"
    assert message.composed is None
    assert message.memories_used == []
    assert message.finish_reason is None
