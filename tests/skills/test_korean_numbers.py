"""Korean numbers the skills read: native counts before a counter («세 개»), and amounts said
in several units («3만 5천원»), which a reader of one part at a time got wrong."""

from __future__ import annotations

import pytest

from haneul.skills.builtin.korean_numbers import amounts_in_digits, digits_before


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3만 5천원의 20%는?", "35000원의 20%는?"),
        ("3만5천원", "35000원"),
        ("1억 2천만원", "120000000원"),
        ("1억 2천 3백만 원", "123000000 원"),  # 천/백 count the digits of their 만 group
        ("12만 3천 5백원", "123500원"),
        ("1만 2천 500원", "12500원"),
        ("2.5만 3천원", "28000원"),
        ("4800만원", "4800만원"),  # one part: read by its scale word, left as it is
        ("3시 5분", "3시 5분"),
    ],
)
def test_an_amount_in_several_units_is_one_number(text: str, expected: str) -> None:
    assert amounts_in_digits(text) == expected


def test_native_numbers_before_a_counter_become_digits() -> None:
    counted = digits_before("개|명")
    assert counted("사과 세 개와 두 명") == "사과 3개와 2명"
    assert counted("세개") == "3개" and counted("가세 개") == "가세 개"  # a word's end only
    unit = digits_before("돈", after="(?=[^가-힣]|은|$)")
    assert unit("금 한 돈은") == "금 1돈은" and unit("한 돈가스") == "한 돈가스"
