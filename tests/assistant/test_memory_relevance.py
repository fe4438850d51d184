"""Memories only when relevant (assistant/memory.py `relevance`): e5 similarity with a
measured threshold, a remembered Busan trip kept out of a Jeju question, on the real e5 model,
a real SQLite store and a real server."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from haneul.assistant.memory import RELEVANCE, MemoryStore, extract, relevance, unrelated_said
from haneul.store.db import connect
from tests.conftest import ROOT, RunningServer

PAIRS = ROOT / "bench" / "data" / "memory_relevance.jsonl"
BUSAN_TRIP = "부산 여행을 다녀옴"
JEJU = "제주도 여행 일정 좀 짜 줘"
BUSAN = "지난번 부산 여행에서 가 본 곳 말고 새로운 부산 명소 추천해 줘"


def test_a_busan_memory_stays_out_of_a_jeju_question(tmp_path: Path) -> None:
    store = MemoryStore(connect(tmp_path / "m.db"))
    store.add("나", BUSAN_TRIP)
    store.add("나", "알레르기: 땅콩")
    store.add("나", "직업: 간호사")
    store.update("나", extract("저는 부산에 살아요"), source="test")
    assert store.relevant("나", JEJU) == []
    assert store.relevant("나", BUSAN) == [BUSAN_TRIP, "사는 곳: 부산"]
    assert store.relevant("남", BUSAN) == []  # another owner's memories are never used


def test_a_memory_the_message_changes_is_given(tmp_path: Path) -> None:
    store = MemoryStore(connect(tmp_path / "m.db"))
    store.update("나", extract("저는 부산에 살아요"), source="test")
    assert store.relevant("나", "저 서울로 이사했어요") == ["사는 곳: 부산"]
    assert store.relevant("나", JEJU) == []


def test_the_users_own_fact_does_not_answer_for_someone_else(tmp_path: Path) -> None:
    store = MemoryStore(connect(tmp_path / "m.db"))
    store.update("나", extract("제 이름은 김민수예요"), source="test")
    store.update("나", extract("저는 부산에 살아요"), source="test")
    assert store.relevant("나", "제 친구 이름이 뭐였죠?") == []
    assert "사는 곳: 부산" not in store.relevant("나", "동생이 사는 곳이 어디였더라?")
    # the user's own name: e5's score as before (the rule is about someone else's)
    assert relevance("제 이름이 뭐였죠?", ["이름: 김민수"], ["name"])[0] > 0.5


@pytest.mark.timeout(900)  # 81 pairs through e5 and Kiwi on a busy 2-core machine
def test_the_labelled_pairs_are_mostly_right() -> None:
    rows = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 80
    predicted = []
    for row in rows:
        label = row["memory"].partition(": ")[0]
        slot = {"사는 곳": "residence", "좋아하는 것": "likes"}.get(label, "note")
        predicted.append(relevance(row["question"], [row["memory"]], [slot])[0] >= RELEVANCE)
    hits = sum(p and r["relevant"] for p, r in zip(predicted, rows, strict=True))
    precision = hits / sum(predicted)
    recall = hits / sum(r["relevant"] for r in rows)
    assert precision >= 0.85 and recall >= 0.55, (precision, recall)  # 0.94 and 0.64 measured


def _say(http: Any, cid: str, text: str) -> dict[str, Any]:
    response = http.post(f"/conversations/{cid}/messages", json={"content": text})
    assert response.status_code == 200, response.text
    done: dict[str, Any] = response.json()["events"][-1]
    assert done["type"] == "done"
    return done


@pytest.mark.timeout(900)  # the skill router embeds its examples on the first turn
def test_on_a_real_server_only_relevant_memories_are_used(
    server_factory: Callable[..., RunningServer],
) -> None:
    srv = server_factory()
    with srv.http() as http:
        http.timeout = 900  # type: ignore[assignment]  # the router's first fit is slow here
        assert http.post("/memories", json={"content": BUSAN_TRIP}).status_code == 201
        cid = http.post("/conversations", json={}).json()["id"]
        assert _say(http, cid, JEJU)["memories_used"] == []
        assert _say(http, cid, BUSAN)["memories_used"] == [BUSAN_TRIP]


def test_facts_said_earlier_and_unrelated_to_the_question_are_named() -> None:
    """What the user said of themselves earlier in the conversation, when the question is
    about something else (e5 relevance below the threshold), is what a plain answer must
    not repeat; a related question, or one naming the value, leaves it free."""
    assert unrelated_said("비 오는 날 듣기 좋은 노래 추천해줘", ["저는 초등학교 교사예요."]) == [
        "초등학교 교사"
    ]
    assert unrelated_said("라면 맛있게 끓이는 법", ["제 이름은 이서연입니다."]) == ["이서연"]
    assert unrelated_said("주말에 부산에서 갈 만한 곳 추천해줘", ["저는 부산에 살아요."]) == []
    assert unrelated_said("제 직업에 맞는 책 추천해줘", ["저는 초등학교 교사예요."]) == []
    assert unrelated_said("라면 끓이는 법", ["라면 좋아해요?"]) == []  # no fact stated
