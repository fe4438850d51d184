"""Courtesies answered by the system (assistant/social.py): only messages made of nothing
else, so a question or a request that mentions thanks still reaches the skills and the model."""

from __future__ import annotations

import pytest

from haneul.assistant import social
from haneul.assistant.compose import GREETING_KO, reason_ko


@pytest.mark.parametrize(
    ("message", "reply"),
    [
        ("안녕~", GREETING_KO),
        ("하늘아 안녕하세요!", GREETING_KO),
        ("좋은 아침이네요", GREETING_KO),
        ("처음 뵙겠습니다 ^^", GREETING_KO),
        ("정말 고맙습니다!!", "천만에요! 더 도와드릴 일이 있으면 언제든 말씀해 주세요."),
        ("네 감사해요 ㅎㅎ", "천만에요! 더 도와드릴 일이 있으면 언제든 말씀해 주세요."),
        ("알려 주셔서 감사합니다", "천만에요! 더 도와드릴 일이 있으면 언제든 말씀해 주세요."),
        (
            "다들 고생하셨습니다",
            "고맙습니다! 수고 많으셨어요. 또 도와드릴 일이 있으면 말씀해 주세요.",
        ),
        ("안녕히 가세요", "네, 좋은 하루 보내세요. 필요할 때 언제든 다시 찾아 주세요."),
        ("고마워 잘 자", "천만에요! 편안한 밤 보내세요. 필요할 때 언제든 다시 찾아 주세요."),
        ("좋은 주말 보내세요~", "네, 좋은 주말 보내세요. 필요할 때 언제든 다시 찾아 주세요."),
        ("잘 지냈어?", social.REPLIES["wellbeing"]),
        ("안녕! 요즘 잘 지내?", "안녕하세요! " + social.REPLIES["wellbeing"]),
        # «오늘 기분 어때?» had today's date from the calendar, «안녕! 오늘 기분 어때?» a refusal
        ("오늘 기분 어때?", social.REPLIES["wellbeing"]),
        ("안녕! 오늘 기분 어때?", "안녕하세요! " + social.REPLIES["wellbeing"]),
        ("요즘 어떻게 지내요?", social.REPLIES["wellbeing"]),
        ("기분 전환하는 법 알려줘", None),
        ("오늘 날씨 어때?", None),
        ("안녕?", GREETING_KO),
        ("회사 일은 잘 지내?", None),
        ("잘 지냈어? 오늘 날씨 어때?", None),
        ("내일 또 봐요", None),  # 내일: more than a courtesy, the model answers
        ("고맙다는 말을 영어로 하면?", None),
        ("팀원에게 감사 인사 메일 써줘", None),
        ("안녕하세요. 저는 대전에 살아요", None),
        ("수고비는 얼마가 적당해", None),
        ("안녕하냐고 물어봐", None),
        ("잘 가는 길 알려줘", None),
        ("", None),
    ],
)
def test_only_a_whole_courtesy_gets_the_fixed_reply(message: str, reply: str | None) -> None:
    assert social.reply(message) == reply


def test_the_reason_reads_in_korean() -> None:
    assert reason_ko(social.REASON) == "정해 둔 인사"


def test_every_reason_the_system_gives_reads_in_korean() -> None:
    """«100달러는 몇 원이야?» showed «답 검사를 통과하지 못함» (the phrase for a reason made
    elsewhere) under the live-information reply: each reason the assistant itself sets has
    its own Korean words."""
    from haneul.assistant import compose, compose_json, letters, live, practice, recap, turn

    reasons = [
        live.REASON,
        recap.REASON,
        letters.REASON,
        practice.STEPS_REASON,
        practice.SIMILAR_REASON,
        compose.SKILL_ERROR,
        compose.SMALL_MODEL,
        compose.SMALL_FEELING,
        compose.SMALL_STATEMENT,
        compose_json.REASON,
        social.REASON,
        turn.RECALLED,
        turn.NOTED,
        "fixed self-introduction",
    ]
    for reason in reasons:
        assert reason_ko(reason) != "답 검사를 통과하지 못함", reason


def test_an_office_letter_is_drafted_from_a_template_with_blanks() -> None:
    """«팀장님께 연차 신청 메일 써줘» was declined on the small model: the letter's template,
    filled with what the request says and the remembered name, the rest left as [blanks]."""
    from haneul.assistant.letters import draft

    letter = draft("내일 반차 쓴다고 팀장님께 메일 써줘", ["이름: 김하늘"])
    assert letter is not None
    assert (
        "제목: 반차 사용 신청드립니다" in letter and "팀장님, 안녕하세요.\n김하늘입니다." in letter
    )
    assert "내일 반차를 사용하고자 말씀드립니다.\n사유: [사유]" in letter
    assert letter.rstrip("`\n").endswith("김하늘 드림")
    ranged = draft("12월 24일부터 26일까지 휴가 신청 메일 써줘") or ""
    assert "12월 24일부터 26일까지 휴가를 사용하고자" in ranged and "[이름] 드림" in ranged
    assert "고객님, 안녕하세요." in (draft("고객께 감사 메일 작성해줘") or "")
    assert "제목: [날짜] 회의 불참 말씀드립니다" in (draft("회의 불참 메일 써줘") or "")
    for text in ("시 한 편 써줘", "메일 보냈어", "연차는 며칠이야?", "휴가 규정 요약해줘"):
        assert draft(text) is None, text
