"""Korean identifiers by their structure: 주민등록번호 issued since October 2020 have a random
last digit, so a real date and a gender/century digit are enough (a correct check digit only
scores higher); 외국인등록번호, 사업자등록번호 (check digit), 운전면허번호, cards (Luhn)."""

from __future__ import annotations

import pytest

from haneul.safety.pii import brn_valid, find_pii, mask, rrn_date_valid, rrn_score


def check_digit(first12: str, foreign: bool = False) -> int:
    weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]
    total = sum(int(d) * w for d, w in zip(first12, weights, strict=True))
    return ((13 if foreign else 11) - total % 11) % 10


def with_wrong_check(front: str, back6: str) -> str:
    """A number with a valid date and gender digit whose last digit is NOT the old check
    digit: what a number issued since October 2020 usually looks like."""
    wrong = (check_digit(front + back6) + 3) % 10
    return f"{front}-{back6}{wrong}"


POST_2020 = [
    with_wrong_check("201105", "483920"),  # a child born in November 2020
    with_wrong_check("230214", "372615"),
    with_wrong_check("850723", "251846"),  # an adult who was given a new number
    with_wrong_check("990101", "681234"),  # a foreigner born in 1999 (digit 6)
]


@pytest.mark.parametrize("number", POST_2020)
def test_post_2020_numbers_are_flagged_and_masked(number: str) -> None:
    text = f"신청인 주민등록번호: {number} 입니다"
    found = find_pii(text)
    assert [f.category for f in found] == ["pii.rrn"]
    assert 0.5 <= found[0].score < 1.0
    assert number not in mask(text)
    assert "[주민등록번호]" in mask(text) or "[외국인등록번호]" in mask(text)


def test_a_correct_check_digit_scores_higher() -> None:
    front, back6 = "900101", "123456"
    valid = f"{front}-{back6}{check_digit(front + back6)}"
    assert rrn_score(valid) == 1.0
    assert rrn_score(with_wrong_check(front, back6)) == 0.8


@pytest.mark.parametrize(
    "number",
    [
        "901301-1234567",  # month 13
        "900230-1234567",  # 30 February
        "010229-3123456",  # 2001 was not a leap year
        "991231-3123456",  # 2099: born in the future
        "900101-A234567",
    ],
)
def test_invalid_dates_and_digits_are_not_flagged(number: str) -> None:
    assert [f.category for f in find_pii(f"번호 {number} 확인")] != ["pii.rrn"]


def test_century_digits() -> None:
    assert rrn_date_valid("000229-3000000")  # 2000 was a leap year (digit 3: 2000s)
    assert rrn_date_valid("991231-9000000")  # digit 9: born in 1899
    assert not rrn_date_valid("000229-1000000")  # 1900 was not
    assert rrn_date_valid("200101-7000000")  # a foreigner born in 2020


def test_a_bare_13_digit_number_without_check_digit_scores_lower() -> None:
    number = with_wrong_check("880111", "512345").replace("-", "")
    assert find_pii(f"상품 바코드 {number}")[0].score == 0.6  # could be an EAN-13
    assert find_pii(f"주민번호 {number}")[0].score == 0.8


def test_foreign_registration_numbers_have_their_own_tag() -> None:
    front, back6 = "850315", "512345"
    number = f"{front}-{back6}{check_digit(front + back6, foreign=True)}"
    assert mask(f"외국인등록번호 {number}") == "외국인등록번호 [외국인등록번호]"


def test_business_registration_numbers_by_check_digit() -> None:
    assert brn_valid("220-81-62517") and not brn_valid("220-81-62518")
    found = find_pii("사업자등록번호 220-81-62517 (주식회사 하늘)")
    assert [(f.category, f.label) for f in found] == [("pii.business", "사업자등록번호")]
    assert find_pii("문서번호 220-81-62518") == []


def test_driving_licences_next_to_their_word() -> None:
    assert [f.category for f in find_pii("운전면허번호 11-19-123456-01")] == ["pii.license"]
    assert [f.category for f in find_pii("면허: 서울 19-123456-01")] == ["pii.license"]
    assert find_pii("주문 111912345601 처리") == []


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("카드 3782 822463 10005 로 결제", "pii.card"),  # AmEx 4-6-5
        ("여권 M123A4567 갱신", "pii.passport"),  # passports since December 2021
        ("안심번호 0504-1234-5678", "pii.phone"),
    ],
)
def test_other_shapes(text: str, category: str) -> None:
    assert [f.category for f in find_pii(text)] == [category]
