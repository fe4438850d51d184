"""Issue 18: with documents, a factual question searches them first (skills/router.py,
`QUESTION`), in process on the echo model with the real e5 router and document search. The
answer is the documents' (system citations) when they hold it, and says they do not when
they do not; greetings, explicit general chat and skill questions keep their route; a user
without documents gets plain chat for the same question."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from haneul.skills.builtin.documents import NOT_FOUND_KO
from haneul.skills.router import NO_SKILL, SkillRouter
from tests.conftest import AppClient, in_process_app

NEWSLETTER = (
    "하늘상사 사보 제12호\n\n"
    "하늘상사를 세운 사람은 김하늘 대표로, 2001년 서울 마포구에서 회사를 열었다.\n\n"
    "사내 합창단은 2015년에 처음 만들어졌으며 매주 수요일 저녁에 연습한다.\n"
)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppClient]:
    """One in-process app for the module (the router is built once, from e5)."""
    with in_process_app(tmp_path_factory.mktemp("route-docs")) as made:
        yield made


def _ask(app: AppClient, cid: str, content: str) -> dict[str, Any]:
    reply = app.post(
        f"conversations/{cid}/messages", json={"content": content, "stream": False}, timeout=600
    )
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def _skills(body: dict[str, Any]) -> list[str]:
    return [call["name"] for call in body["skill_calls"]]


def test_a_factual_question_reaches_the_documents_and_only_them(app: AppClient) -> None:
    cid = app.post("conversations", json={}).json()["id"]
    # no documents yet: the same question is plain chat (the echo), not «올려 주세요»
    before = _ask(app, cid, "한글을 만든 왕은 누구야?")
    assert _skills(before) == [] and before["message"]["content"] == "한글을 만든 왕은 누구야?"
    app.post("collections", json={"name": "사보"})
    files = [("files", ("사보12호.txt", NEWSLETTER.encode()))]
    assert app.post("collections/사보/documents", files=files).json()["added"] == 1

    held = _ask(app, cid, "하늘상사를 세운 사람은 누구야?")
    assert _skills(held) == ["search_documents"]
    first = held["citations"][0]
    assert first["document"] == "사보12호.txt" and first["supported"] is True
    content = held["message"]["content"]
    assert content.startswith('사보12호.txt에 따르면 "하늘상사를 세운 사람은 김하늘 대표로')
    assert "[1]" in content and "(출처" not in content

    # no hit holds 한글 or 왕: a general question, and the (echo) model answers open ones
    general = _ask(app, cid, "한글을 만든 왕은 누구야?")
    assert _skills(general) == [] and general["message"]["content"] == "한글을 만든 왕은 누구야?"
    missing = _ask(app, cid, "하늘상사의 창립 기념일은 언제야?")  # 하늘상사 is in the newsletter
    assert _skills(missing) == ["search_documents"]
    assert missing["message"]["content"].startswith(NOT_FOUND_KO)
    assert missing["citations"] and all(c["supported"] is False for c in missing["citations"])
    assert missing["composed"]["explanation"] == "none"  # the model was not asked

    hello = _ask(app, cid, "안녕하세요! 오늘도 잘 부탁해요")
    assert _skills(hello) == [] and hello["citations"] == []
    opinion = _ask(app, cid, "문서 말고 그냥 네 생각을 말해줘: 재택근무 좋아?")
    assert _skills(opinion) == [] and opinion["citations"] == []
    area = _ask(app, cid, "가로 5cm 세로 8cm인 직사각형의 넓이는?")
    assert _skills(area) == ["math"] and "40" in area["message"]["content"]


@pytest.mark.parametrize(
    ("utterance", "skill"),
    [
        ("백제가 멸망한 해는 언제야?", "search_documents"),
        ("DNA 이중 나선 구조를 밝혀낸 사람은 누구인가?", "search_documents"),
        ("수습 기간에도 연차가 생겨?", "search_documents"),
        ("좋은 아침이에요", NO_SKILL),
        ("비 오는 날 어울리는 시 한 편 지어줘", NO_SKILL),
        ("문서 찾지 말고 일반 상식으로 답해줘. 지구에서 가장 높은 산은?", NO_SKILL),
        ("반지름이 3인 원의 넓이는?", "math"),
        ("2026년 12월 25일은 무슨 요일이야?", "korean_calendar"),
        ("30평은 몇 제곱미터야?", "convert_units"),
        # a conversion asked in full is one, whatever its words' neighbours (it was a search)
        ("3시간은 몇 분이야?", "convert_units"),
        ("1갤런은 몇 리터야?", "convert_units"),
        # a search asked for in so many words, with documents or without
        ("매뉴얼에서 비밀번호 초기화 방법 찾아줘", "search_documents"),
        ("사내 문서 검색: 신입 온보딩 절차", "search_documents"),
        # documents asked for as a table are the table skill's, not a search's
        ("재택근무 지침의 핵심을 표로 보여줘", "document_table"),
        ("출장비 지급 기준을 표로 요약해 줘", "document_table"),
        ("내일 할 일 있어?", "todo_list"),
        ("받은 메일 보여줘", "mail"),
    ],
)
def test_the_router_with_documents(app: AppClient, utterance: str, skill: str) -> None:
    router: SkillRouter = app.portal.call(app.app.state.assistant.router)
    route = router.route(utterance, None, True)
    assert route.skill == skill, (utterance, route.scores)
    without = router.route(utterance, None, False)
    if route.fallback is not None:  # a question searched first: without documents, today's
        assert route.skill == "search_documents"
        assert (route.fallback.skill, route.fallback.arguments) == (
            without.skill,
            without.arguments,
        )
    else:
        assert (without.skill, without.arguments) == (route.skill, route.arguments)
