"""A conversion asked in full («3시간은 몇 분이야?») is routed to the units skill before the
router's examples are read (skills/router.py); these are the forms that count as one."""

from __future__ import annotations

import pytest

from haneul.skills.builtin.units import asks_conversion


@pytest.mark.parametrize(
    ("utterance", "arguments"),
    [
        ("3시간은 몇 분이야?", (3.0, "시간", "분")),
        ("1갤런은 몇 리터야?", (1.0, "갤런", "리터")),
        ("90분은 몇 시간?", (90.0, "분", "시간")),
        ("1,000평은 몇 제곱미터예요?", (1000.0, "평", "제곱미터")),
    ],
)
def test_a_conversion_asked_in_full(utterance: str, arguments: tuple[float, str, str]) -> None:
    found = asks_conversion(utterance)
    assert found is not None
    assert (found["value"], found["from_unit"], found["to_unit"]) == arguments


@pytest.mark.parametrize(
    "utterance",
    [
        "400km는 몇 시간 걸려?",  # no conversion answers it: distance is not time
        "회의가 1시간은 몇 초과했어?",  # 초 begins 초과
        "2시간 몇 분 남았어?",  # no 은/는: not asked as a conversion
        "연차는 몇 일이야?",  # no quantity
    ],
)
def test_what_is_not_a_conversion(utterance: str) -> None:
    assert asks_conversion(utterance) is None
