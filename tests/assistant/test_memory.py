"""Long-term memory: facts read from what the user says, updated with PASS / REPLACE /
APPEND / DELETE across sessions (and a server restart), injected into later turns, and
shown, edited and deleted through `/v1/memories`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from haneul.assistant.memory import Fact, MemoryStore, extract
from haneul.store.db import connect
from tests.conftest import RunningServer, stop_server


@pytest.mark.parametrize(
    ("text", "facts"),
    [
        (
            "저는 부산에 살아요. 담배를 피워요.",
            [("residence", "set", "부산"), ("smoking", "set", "담배를 피움")],
        ),
        ("지난달에 서울로 이사했어요", [("residence", "set", "서울")]),
        ("담배 끊었어요!", [("smoking", "remove", "")]),
        ("제 이름은 김하늘이에요", [("name", "set", "김하늘")]),
        ("땅콩 알레르기가 있어요", [("allergy", "add", "땅콩")]),
        ("고양이를 키워요", [("pets", "add", "고양이")]),
        ("독서도 좋아해요", [("likes", "add", "독서")]),
        ("네이버에서 일해요", [("workplace", "set", "네이버")]),
        # a surname before a job is how the user is addressed: the job, not a name «김교수»
        ("저는 김교수입니다", [("job", "set", "교수")]),
        ("전 최기자예요", [("job", "set", "기자")]),
        ("저는 한의사예요", [("job", "set", "한의사")]),  # 한 is a surname, 한의사 a job
        ("저는 김민수예요", [("name", "set", "김민수")]),
        ("부산에 살아요?", []),  # a question says nothing about the user
        ("서울시청은 어디에 있어요", []),
        ("오늘 날씨 어때?", []),
    ],
)
def test_facts_are_read_from_korean_self_statements(
    text: str, facts: list[tuple[str, str, str]]
) -> None:
    assert [(f.slot, f.mode, f.value) for f in extract(text)] == facts


def test_operations_follow_keep_me_updated(tmp_path: Path) -> None:
    store = MemoryStore(connect(tmp_path / "m.db"))

    def ops(*facts: Fact) -> list[str]:
        return [o.op for o in store.update("나", list(facts), source="test")]

    assert ops(Fact("residence", "set", "부산")) == ["APPEND"]
    assert ops(Fact("residence", "set", "부산")) == ["PASS"]
    assert ops(Fact("residence", "set", "서울")) == ["REPLACE"]
    assert ops(Fact("likes", "add", "등산"), Fact("likes", "add", "독서")) == ["APPEND", "APPEND"]
    assert ops(Fact("likes", "add", "등산")) == ["PASS"]
    assert ops(Fact("smoking", "remove", "")) == ["PASS"]  # nothing to forget
    assert sorted(m.content for m in store.of("나")) == [
        "사는 곳: 서울",
        "좋아하는 것: 등산, 독서",
    ]
    assert store.of("남") == []


def _say(http: Any, cid: str, text: str) -> dict[str, Any]:
    response = http.post(f"/conversations/{cid}/messages", json={"content": text})
    assert response.status_code == 200, response.text
    done: dict[str, Any] = response.json()["events"][-1]
    return done


def test_memory_follows_a_fact_that_changes_across_sessions(
    server_factory: Callable[..., RunningServer], tmp_path: Path
) -> None:
    home = tmp_path / "home"
    srv = server_factory(home=home, require_keys="true")
    key, other = srv.create_key("김하늘"), srv.create_key("다른 사람")
    with srv.http(key) as http:  # session 1
        cid = http.post("/conversations", json={}).json()["id"]
        assert [o["op"] for o in _say(http, cid, "안녕하세요. 저는 부산에 살아요")["memory"]] == [
            "APPEND"
        ]
        _say(http, cid, "담배를 피워요")
        _say(http, cid, "등산을 좋아해요")
    stop_server(srv)

    srv = server_factory(home=home, require_keys="true")  # session 2, after a restart
    with srv.http(key) as http:
        cid = http.post("/conversations", json={}).json()["id"]
        first = _say(http, cid, "저 서울로 이사했어요")
        assert "사는 곳: 부산" in first["memories_used"]  # what it knew before
        assert [(o["op"], o["content"]) for o in first["memory"]] == [("REPLACE", "사는 곳: 서울")]
        assert [o["op"] for o in _say(http, cid, "그리고 담배 끊었어요")["memory"]] == ["DELETE"]
        assert [o["op"] for o in _say(http, cid, "요즘도 등산을 좋아해요")["memory"]] == ["PASS"]

        cid = http.post("/conversations", json={}).json()["id"]  # session 3
        used = _say(http, cid, "이번 주말에 뭐 하면 좋을까?")["memories_used"]
        assert (
            "좋아하는 것: 등산" in used
        )  # relevant ones only (e5; tests/assistant/test_memory_relevance.py)
        assert set(used) <= {"사는 곳: 서울", "좋아하는 것: 등산"}

        log = http.get("/memories/log").json()["data"]
        assert [(e["op"], e["slot"]) for e in log] == [
            ("APPEND", "residence"),
            ("APPEND", "smoking"),
            ("APPEND", "likes"),
            ("REPLACE", "residence"),
            ("DELETE", "smoking"),
            ("PASS", "likes"),
        ]
    with srv.http(other) as http:  # another key remembers nothing of it
        assert http.get("/memories").json()["data"] == []


def test_people_can_see_edit_add_and_delete_memories(
    keyed: tuple[RunningServer, str, str],
) -> None:
    srv, key, other = keyed
    with srv.http(key) as http:
        cid = http.post("/conversations", json={}).json()["id"]
        _say(http, cid, "제 이름은 김하늘이에요")
        [memory] = http.get("/memories").json()["data"]
        assert memory["content"] == "이름: 김하늘" and memory["slot"] == "name"
        mid = memory["id"]
        edited = http.patch(
            f"/memories/{mid}", json={"content": "이름: 김하늘 (하늘이라고 불러 주세요)"}
        )
        assert edited.status_code == 200 and edited.json()["content"].endswith("주세요)")
        added = http.post("/memories", json={"content": "회의는 오전을 선호함"})
        assert added.status_code == 201
        with srv.http(other) as stranger:
            assert (
                stranger.patch(f"/memories/{mid}", json={"content": "바꿔치기"}).status_code == 404
            )
            assert stranger.delete(f"/memories/{mid}").status_code == 404
        for bad in ({"content": ""}, {"content": "가" * 501}, {"text": "이름"}, {"content": 3}):
            response = http.patch(f"/memories/{mid}", json=bad)
            assert response.status_code == 400, bad
            assert response.json()["error"]["message"]
        assert http.patch("/memories/mem_없음", json={"content": "가"}).status_code == 404
        contents = sorted(m["content"] for m in http.get("/memories").json()["data"])
        assert contents == ["이름: 김하늘 (하늘이라고 불러 주세요)", "회의는 오전을 선호함"]
        assert http.delete(f"/memories/{mid}").json()["deleted"] is True
        used = _say(http, cid, "오늘 일정 정리해 줘")["memories_used"]
        assert used == ["회의는 오전을 선호함"]
        assert http.get("/memories/log").json()["data"][-1]["op"] == "DELETE"


def test_memory_can_be_switched_off(server_factory: Callable[..., RunningServer]) -> None:
    srv = server_factory(memory="false")
    with srv.http() as http:
        cid = http.post("/conversations", json={}).json()["id"]
        done = _say(http, cid, "저는 대전에 살아요")
        assert "memory" not in done
        assert http.get("/memories").json()["data"] == []
