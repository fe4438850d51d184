"""The follow-ups under a math answer, by code (assistant/practice.py): which messages ask for
the steps or a similar problem alone, and the problem made with other numbers."""

from __future__ import annotations

import asyncio
import random

import pytest

from haneul.assistant.practice import _varied, similar_reply, steps_reply
from haneul.skills import get_skill

CALL = {
    "name": "math",
    "steps": ["삼각형의 넓이 = 밑변 × 높이 ÷ 2", "8 × 5 ÷ 2 = 20"],
    "answer": "밑변 8, 높이 5인 삼각형의 넓이는 20입니다.",
}


@pytest.mark.parametrize(
    "text", ["풀이 과정을 단계별로 설명해 줘", "어떻게 풀었어?", "계산 과정 보여줘", "풀이 보여줘"]
)
def test_the_steps_are_asked(text: str) -> None:
    assert steps_reply(text, CALL) == (
        "풀이 과정입니다.\n\n1. 삼각형의 넓이 = 밑변 × 높이 ÷ 2\n2. 8 × 5 ÷ 2 = 20\n\n"
        "답: 밑변 8, 높이 5인 삼각형의 넓이는 20입니다."
    )


@pytest.mark.parametrize("text", ["출장 정산 과정 알려줘", "풀이 3번째 단계", "오늘 며칠이야?"])
def test_a_question_of_its_own_is_not_a_request_for_the_steps(text: str) -> None:
    assert steps_reply(text, CALL) is None


def test_no_steps_no_reply() -> None:
    assert steps_reply("풀이 보여줘", {**CALL, "steps": []}) is None
    assert steps_reply("풀이 보여줘", None) is None


def test_numbers_move_but_exponents_zeros_and_commas_stay() -> None:
    rng = random.Random(0)
    varied = _varied("x^2-5x+6=0 풀어줘", rng)
    assert (
        varied.startswith("x^2-") and varied.endswith("=0 풀어줘") and varied != "x^2-5x+6=0 풀어줘"
    )
    price = _varied("15% 할인해서 42,500원이면 원래 가격은 얼마야?", random.Random(1))
    assert "," in price.split("원")[0] and "42,500" not in price


def test_a_similar_problem_is_one_the_math_skill_solves() -> None:
    math = get_skill("math")
    made = asyncio.run(similar_reply("비슷한 문제 하나 더", "반지름이 3인 원의 넓이는?", math, 1))
    assert made is not None and made.startswith("비슷한 문제입니다.")
    problem = made.split("\n\n")[1]
    assert problem != "반지름이 3인 원의 넓이는?" and math.parse(problem) is not None
    assert (
        asyncio.run(similar_reply("오늘 며칠이야?", "반지름이 3인 원의 넓이는?", math, 1)) is None
    )
