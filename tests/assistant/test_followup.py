"""Short follow-ups read with the question before them (assistant/followup.py): new
quantities of the same units, or a pronoun standing for the previous question's topic."""

from __future__ import annotations

import pytest

from haneul.assistant.followup import rewrite


@pytest.mark.parametrize(
    ("text", "previous", "rewritten"),
    [
        ("그럼 3근은?", "삼겹살 2근은 몇 그램이야?", "삼겹살 3근은 몇 그램이야?"),
        ("40평이면?", "30평은 몇 제곱미터야?", "40평은 몇 제곱미터야?"),
        ("그럼 1월 1일은?", "12월 25일은 무슨 요일이야?", "1월 1일은 무슨 요일이야?"),
        ("그건 언제 써야 해?", "여름휴가는 며칠이야?", "여름휴가는 언제 써야 해?"),
        ("그게 며칠이야?", "병가 규정 알려줘", "병가는 며칠이야?"),
        ("그건 누가 승인해?", "재택근무 신청은 언제까지야?", "재택근무는 누가 승인해?"),
        # not a follow-up of either form: left alone
        ("그럼 내일은?", "오늘 며칠이야?", None),  # no quantity, no pronoun (the skill reads it)
        ("그럼 3근은?", "오늘 날씨 어때?", None),  # no quantity of that unit before
        ("그럼 반지름이 5면?", "반지름이 3인 원의 넓이는?", None),
        ("그럼 3근은?", None, None),
        ("3근은 몇 그램이야?", "2근은 몇 그램이야?", None),  # too long: a question of its own
    ],
)
def test_a_follow_up_is_read_with_the_question_before(
    text: str, previous: str | None, rewritten: str | None
) -> None:
    assert rewrite(text, previous) == rewritten
