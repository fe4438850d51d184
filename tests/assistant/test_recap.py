"""«이 대화 요약해줘» went to the document summary and summarised an uploaded rule book: a
recap of the conversation is written by code from its turns (assistant/recap.py), on a real
server with the real router and a real collection."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import pytest

from haneul.assistant import recap
from tests.conftest import RunningServer


def test_what_asks_for_a_recap() -> None:
    for text in ("이 대화 요약해줘", "지금까지 얘기한 거 정리해 줘", "우리 대화 내용 요약",
                 "방금 내용 정리해줘"):  # fmt: skip
        assert recap.asks(text), text
    for text in ("휴가 규정 요약해줘", "이 문서 요약해줘", "회의록 정리해줘", "대화법 알려줘"):
        assert not recap.asks(text), text


def test_the_recap_lists_each_question_with_its_answers_first_sentence() -> None:
    said = [
        ("user", "연봉 4800만원이면 월급은 얼마야?"),
        ("assistant", "연봉 48,000,000원이면 월급은 세전 4,000,000원입니다. 세금과 …입니다."),
        ("user", "이 대화 요약해줘"),  # an earlier recap is not a question of its own
        ("assistant", "지금까지 1가지를 물어보셨어요."),
        ("user", "재택근무는 몇 번 돼?"),
        ("assistant", '규정에 따르면 "재택근무는 주 2회까지 할 수 있다. 승인은 팀장이 한다." [1]'),
    ]
    history = [SimpleNamespace(role=r, content=c) for r, c in said]
    assert recap.reply(history) == (
        "지금까지 2가지를 물어보셨어요.\n\n"
        "1. 연봉 4800만원이면 월급은 얼마야?\n"
        "   → 연봉 48,000,000원이면 월급은 세전 4,000,000원입니다.\n"
        "2. 재택근무는 몇 번 돼?\n"
        '   → 규정에 따르면 "재택근무는 주 2회까지 할 수 있다.…"'
    )
    assert recap.reply([]).startswith("아직 요약할 대화가 없어요.")


@pytest.mark.slow  # starts haneul serve
def test_a_recap_on_a_server_with_documents_is_of_the_conversation(
    server_factory: Callable[..., RunningServer],
) -> None:
    srv = server_factory()
    with srv.http() as http:
        assert http.post("/collections", json={"name": "규정"}).status_code in (200, 201)
        rules = "제1조 (재택근무) 재택근무는 주 2회까지 할 수 있다.".encode()
        done = http.post("/collections/규정/documents", files=[("files", ("규정.txt", rules))])
        assert done.status_code in (200, 201), done.text
        cid = http.post("/conversations", json={}).json()["id"]

        def say(text: str) -> dict[str, object]:
            reply = http.post(f"/conversations/{cid}/messages", json={"content": text})
            assert reply.status_code == 200, reply.text
            return dict(reply.json())

        first = say("이 대화 요약해줘")
        assert first["skill_calls"] == []  # not the document summary
        assert str(first["message"]["content"]).startswith("아직 요약할 대화가 없어요.")  # type: ignore[index]
        say("3시간은 몇 분이야?")
        again = say("지금까지 나눈 대화 정리해줘")
        text = str(again["message"]["content"])  # type: ignore[index]
        assert again["skill_calls"] == [] and again["composed"]["reason"] == recap.REASON  # type: ignore[index]
        assert text.startswith("지금까지 1가지를 물어보셨어요.") and "3시간은 몇 분이야?" in text
        assert "180분" in text
