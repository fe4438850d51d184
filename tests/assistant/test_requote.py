"""A document answer quoted again from the sentence its explanation restates
(assistant/requote.py), and never from a sentence that is not about the question."""

from __future__ import annotations

from typing import Any

from haneul.assistant.compose import explain, reason_ko
from haneul.assistant.requote import requoted

PROMPTS = ["문서의 내용으로만 답하세요."]


def _hit(name: str, text: str) -> dict[str, Any]:
    return {"text": text, "citation": {"document_name": name, "page": None}, "supported": True}


RACES = _hit(
    "뉘르부르크링 2.txt",
    "뉘르부르크링 최초 레이스에는 만오천명의 관객이 모였다. "
    "첫 레이스의 우승은 체코의 Čeněk Junek이 차지하였다.",
)
LEAVE = _hit(
    "휴가규정.txt",
    "여름휴가는 연차와 별도로 5일을 준다. 배우자 출산 시 10일의 경조사 휴가를 준다.",
)


def test_the_sentence_that_holds_the_explanation_is_quoted() -> None:
    question = "뉘르부르크링 첫 레이스에서 우승한 인물은?"
    said = "문서 [1]에 따르면 Čeněk Junek입니다."
    first = explain(
        '뉘르부르크링 2.txt에 따르면 "뉘르부르크링 최초 레이스에는 만오천명의 관객이 모였다." [1]',
        said,
        question=question,
        grounds=["뉘르부르크링 최초 레이스에는 만오천명의 관객이 모였다."],
        prompts=PROMPTS,
        markers=1,
        documents=True,
    )
    assert first.explanation == "dropped" and reason_ko(first.reason) == "출처에 없는 말 Čeněk"
    found = requoted(said, question=question, hits=[RACES], prompts=PROMPTS, markers=1)
    assert found is not None and found.text == (
        '뉘르부르크링 2.txt에 따르면 "첫 레이스의 우승은 체코의 Čeněk Junek이 차지하였다." [1]'
        "\n\n문서 [1]에 따르면 Čeněk Junek입니다."
    )


def test_a_sentence_about_something_else_is_never_quoted_for_a_wrong_number() -> None:
    """«10일» is in the leave rules, but in the sentence on a spouse's childbirth."""
    found = requoted(
        "문서 [1]에 따르면 10일입니다.",
        question="여름휴가는 며칠이야?",
        hits=[LEAVE],
        prompts=PROMPTS,
        markers=1,
    )
    assert found is None


def test_an_explanation_that_adds_nothing_to_the_question_is_dropped() -> None:
    composed = explain(
        '뉘르부르크링 2.txt에 따르면 "뉘르부르크링 최초 레이스에는 만오천명의 관객이 모였다." [1]',
        "문서 [1]에 따르면 뉘르부르크링입니다.",
        question="뉘르부르크링을 설계한 사람은?",
        grounds=["뉘르부르크링 최초 레이스에는 만오천명의 관객이 모였다."],
        prompts=PROMPTS,
        markers=1,
        documents=True,
    )
    assert composed.explanation == "dropped"
    assert reason_ko(composed.reason) == "질문에 더한 내용이 없음"
