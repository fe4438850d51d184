"""Searching one's conversations by title and message text, with Korean morphemes (a word
found whatever particle follows it), over the real store and the API."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from haneul.assistant.conversations import Conversations, Message
from haneul.store.db import connect
from tests.conftest import AppClient


def answer(text: str) -> Message:
    return Message("msg_" + str(time.monotonic_ns()), "assistant", text, time.time())


def test_search_finds_words_in_titles_and_messages_whatever_the_particle(
    tmp_path: Path,
) -> None:
    store = Conversations(connect(tmp_path / "h.db"))
    leave = store.create("나", "휴가 문의")
    store.add_turn("나", leave.id, "연차 휴가는 며칠이야?", answer("입사 1년 뒤 15일입니다."))
    trip = store.create("나", "부산 여행")
    store.add_turn(
        "나", trip.id, "부산에서 갈 만한 곳 알려줘", answer("해운대와 감천문화마을이 있습니다.")
    )
    store.create("남", "휴가 계획")  # another owner's: never found
    assert [(c.id, m) for c, m in store.search("나", "휴가를")] == [(leave.id, "휴가 문의")]
    assert [c.id for c, _ in store.search("나", "해운대")] == [trip.id]
    found = store.search("나", "15일 입사")  # every word, in any message
    assert [(c.id, m) for c, m in found] == [(leave.id, "입사 1년 뒤 15일입니다.")]
    assert store.search("나", "휴가 해운대") == []  # not one conversation holds both
    assert [c.id for c, _ in store.search("나", "감천문화")] == [trip.id]  # as typed


def test_the_list_route_searches_with_q(app_factory: Callable[..., AppClient]) -> None:
    app = app_factory()
    cid = app.post("/v1/conversations", json={"title": "회의록 정리"}).json()["id"]
    app.post("/v1/conversations", json={"title": "저녁 메뉴"})
    found = app.get("/v1/conversations", params={"q": "회의록을"}).json()["data"]
    assert [(c["id"], c["match"]) for c in found] == [(cid, "회의록 정리")]
    assert len(app.get("/v1/conversations").json()["data"]) == 2
    assert app.get("/v1/conversations", params={"q": "x" * 201}).status_code == 400
