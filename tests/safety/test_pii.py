"""Personal data: validated numbers, Korean context words, masking, false-positive traps."""

from __future__ import annotations

import pytest

from haneul.safety.pii import find_pii, luhn_valid, mask, rrn_valid


def make_rrn(front: str, back6: str, foreign: bool = False) -> str:
    """A registration number with a correct check digit (test data, not a real person)."""
    digits = [int(c) for c in front + back6]
    total = sum(d * w for d, w in zip(digits, [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5], strict=True))
    check = ((13 if foreign else 11) - total % 11) % 10
    return f"{front}-{back6}{check}"


RRN = make_rrn("900101", "123456")
FOREIGN = make_rrn("850315", "512345", foreign=True)


def categories(text: str) -> list[str]:
    return [f.category for f in find_pii(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"제 주민등록번호는 {RRN}입니다", ["pii.rrn"]),
        (f"주민번호 {RRN.replace('-', '')} 로 조회", ["pii.rrn"]),
        (f"외국인등록번호 {FOREIGN}", ["pii.rrn"]),
        ("연락처는 010-1234-5678 입니다", ["pii.phone"]),
        ("사무실 02-123-4567, 휴대폰 01098765432", ["pii.phone", "pii.phone"]),
        ("국제전화 +82 10-9876-5432", ["pii.phone"]),
        ("메일은 kim.minsu@example.co.kr 로 주세요", ["pii.email"]),
        ("카드번호 4111 1111 1111 1111 로 결제", ["pii.card"]),
        ("국민은행 계좌 123456-01-123456 으로 송금해 주세요", ["pii.account"]),
        ("여권번호는 M12345678 입니다", ["pii.passport"]),
        ("저는 서울시 강남구 테헤란로 152 에 살아요", ["pii.address"]),
        ("경기도 성남시 분당구 정자동 178-1 번지", ["pii.address"]),
    ],
)
def test_finds_korean_personal_data(text: str, expected: list[str]) -> None:
    assert categories(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "900231-1234567 은 2월 31일이라 날짜가 아닙니다",  # (a wrong check digit alone is
        # no longer enough: numbers issued since October 2020 have none, see test_rrn.py)
        "991301-1234567 은 13월이라 날짜가 아닙니다",
        "주문번호 4111 1111 1111 1112",  # fails Luhn
        "사건번호 123456-01-123456 을 확인하세요",  # account shape, no account word
        "제품 코드 M12345678 재고 있음",  # passport shape, no passport word
        "회의는 2024-01-15 오후 3시, 참석자 12명, 예산 1,000,000원",
        "정부는 2025년 예산안 656조 원을 발표했다",
    ],
)
def test_false_positive_traps(text: str) -> None:
    assert find_pii(text) == []


def test_check_digits() -> None:
    assert rrn_valid(RRN) and not rrn_valid(RRN[:-1] + str((int(RRN[-1]) + 1) % 10))
    assert luhn_valid("4111-1111-1111-1111") and not luhn_valid("4111-1111-1111-1112")


def test_mask_replaces_each_piece_with_its_tag() -> None:
    text = f"김민수({RRN}) 010-1234-5678 kim@example.com"
    masked = mask(text)
    assert masked == "김민수([주민등록번호]) [전화번호] [이메일]"
    assert RRN not in masked and "5678" not in masked


def test_findings_never_carry_the_data() -> None:
    for f in find_pii(f"주민번호 {RRN}, 전화 010-1234-5678"):
        assert RRN not in f.label and "010" not in f.label
