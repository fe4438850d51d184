"""The consistency check compares units, not only numbers: «120억 달러» is not «120억원»,
«3 km» is not «3 m», «5분» is not «5시간»; one unit in other spellings still agrees."""

from __future__ import annotations

import pytest

from haneul.assistant import compose
from haneul.assistant.compose_units import quantities

PROMPTS = ["당신은 하늘(Haneul)입니다. 한국어로 정확하고 친절하게, 간결하게 답합니다."]

MISMATCHES = [
    ("사업비는 120억 달러입니다.", "올해 사업 예산은 120억원이다.", "120억달러"),
    ("총액은 120만원입니다.", "올해 사업 예산은 120억원이다.", "120만원"),
    ("두 지점은 3 km 떨어져 있습니다.", "두 지점 사이의 거리: 3 m", "3km"),
    ("무게는 3 kg입니다.", "무게 3 g", "3kg"),
    ("5분이면 도착합니다.", "소요 시간: 5시간", "5분"),
    ("5시에 도착합니다.", "소요 시간: 5시간", "5시"),
    ("공사는 3일 걸립니다.", "공사 기간 3개월", "3일"),
    ("수수료는 3%p 올랐습니다.", "수수료 3%", "3%p"),
]

AGREEMENTS = [
    ("사업비는 120억 원입니다.", "올해 사업 예산은 120억원이다."),
    ("사업비는 12,000,000,000원입니다.", "올해 사업 예산은 120억원이다."),
    ("약 1.2억 원입니다.", "120,000,000원"),
    ("3킬로미터 거리입니다.", "거리 3 km"),
    ("3㎞ 거리입니다.", "거리 3 km"),
    ("약 99.17 제곱미터입니다.", "30평 = 99.1736 m²"),
    ("5 시간 걸립니다.", "소요 시간: 5시간"),
    ("세 번 나누면 3달 걸려요.", "기간: 3개월"),
    ("$120입니다.", "가격 120 달러"),
    ("2026년 9월 25일입니다.", "2026-09-25"),
    ("약 0.447입니다.", "√5/5 ≈ 0.447214"),
]


@pytest.mark.parametrize(("said", "ground", "flagged"), MISMATCHES)
def test_a_number_in_another_unit_is_a_mismatch(said: str, ground: str, flagged: str) -> None:
    assert compose.unsupported_number(said, [ground]) == flagged
    why = compose.check(said, question="알려줘", grounds=[ground], prompts=PROMPTS)
    assert why is not None and flagged in why


@pytest.mark.parametrize(("said", "ground"), AGREEMENTS)
def test_one_amount_in_other_spellings_agrees(said: str, ground: str) -> None:
    assert compose.unsupported_number(said, [ground]) is None


def test_magnitudes_scale_and_particles_are_no_units() -> None:
    first, second, third = quantities("120억 달러와 3천만원, 30평은")
    assert (first.value, first.unit, first.written) == (1.2e10, "달러", "120억달러")
    assert (second.value, second.unit) == (3e7, "원")
    assert third.unit == "평"
    assert quantities("10만큼")[0].value == 10  # 만큼 is a particle, not 만
    assert quantities("3 minutes")[0].unit == "분" and quantities("3 ms")[0].unit == ""


def test_a_question_number_repeated_in_another_unit_is_a_contradiction() -> None:
    question = "5시간은 몇 분이야?"
    assert compose.contradicting_number("5분이면 충분합니다.", question) == "5분"
    assert compose.contradicting_number("5 시간은 300분입니다.", question) is None


def test_a_skill_explanation_with_the_wrong_currency_is_dropped() -> None:
    answer = "올해 예산은 120억원입니다."
    composed = compose.explain(
        answer,
        "이는 약 120억 달러에 해당하는 큰 금액입니다.",
        question="올해 예산은 얼마야?",
        grounds=["예산 120억원"],
        prompts=PROMPTS,
    )
    assert composed.text == answer and composed.explanation == "dropped"
    assert composed.reason is not None and "120억달러" in composed.reason
    kept = compose.explain(
        answer,
        "작년 예산도 120억 원이었습니다.",
        question="올해 예산은 얼마야?",
        grounds=["예산 120억원"],
        prompts=PROMPTS,
    )
    assert kept.explanation == "kept"
