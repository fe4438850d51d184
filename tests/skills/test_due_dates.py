"""Korean due-date expressions, resolved by code against a fixed today (2026-12-02, a
Wednesday), and the rule-based fallback extractor."""

from __future__ import annotations

import datetime as dt

import pytest

from haneul.skills.builtin.due_dates import resolve
from haneul.workspace.extract import parse_reply, rule_candidates

TODAY = dt.date(2026, 12, 2)  # 수요일

TABLE = [
    ("오늘까지", "2026-12-02"),
    ("내일 오전", "2026-12-03"),
    ("모레", "2026-12-04"),
    ("금요일까지", "2026-12-04"),
    ("월요일", "2026-12-07"),
    ("이번 주 안에", "2026-12-04"),
    ("이번 주 금요일", "2026-12-04"),
    ("이번 주말", "2026-12-06"),
    ("다음 주 수요일까지", "2026-12-09"),
    ("다음 주 월요일 회의 전", "2026-12-07"),
    ("차주 화요일", "2026-12-08"),
    ("다다음 주 목요일", "2026-12-17"),
    ("다음 주까지", "2026-12-11"),
    ("이번 달 말", "2026-12-31"),
    ("이번 달 중순", "2026-12-20"),
    ("다음 달 초", "2027-01-10"),
    ("다음 달 말까지", "2027-01-31"),
    ("다음 달 10일까지", "2027-01-10"),  # was the month's end
    ("이번 달 25일까지", "2026-12-25"),
    ("12월 20일까지", "2026-12-20"),
    ("1월 5일", "2027-01-05"),
    ("2027년 2월 3일", "2027-02-03"),
    ("2027-03-15", "2027-03-15"),
    ("12/24", "2026-12-24"),
    ("15일까지", "2026-12-15"),
    ("1일까지", "2027-01-01"),
    ("3일 후", "2026-12-05"),
    ("2주 뒤", "2026-12-16"),
    ("1개월 이내", "2027-01-02"),
    ("내년 1분기 내", "2027-03-31"),
    ("3분기 내", "2027-09-30"),
    ("4분기 말", "2026-12-31"),
    ("상반기", "2027-06-30"),
    ("올해 안", "2026-12-31"),
    ("연말까지", "2026-12-31"),
    ("2월 말", "2027-02-28"),
]


@pytest.mark.parametrize(("text", "expected"), TABLE)
def test_korean_due_dates(text: str, expected: str) -> None:
    found = resolve(text, TODAY)
    assert found is not None, text
    assert found.isoformat() == expected, text


@pytest.mark.parametrize("text", ["", "회의 자료 정리", "2월 30일", "담당: 김민수"])
def test_no_date(text: str) -> None:
    assert resolve(text, TODAY) is None


def test_model_reply_parses_and_dates_come_from_code() -> None:
    reply = (
        '{"todos": [{"title": "전기차 사업 전략 수립", "due": "이번 달 말", "priority": "high",'
        ' "subtasks": ["시장 동향 조사", "경쟁사 분석"]}, {"title": "3분기 실적 리뷰",'
        ' "due": "", "priority": "normal", "subtasks": []}]}'
    )
    found = parse_reply(reply, TODAY)
    assert found is not None
    assert [c["title"] for c in found] == ["전기차 사업 전략 수립", "3분기 실적 리뷰"]
    assert found[0]["due"] == "2026-12-31" and found[0]["due_text"] == "이번 달 말"
    assert [s["title"] for s in found[0]["subtasks"]] == ["시장 동향 조사", "경쟁사 분석"]
    assert found[1]["due"] is None
    assert parse_reply('{"todos": [{"title": "잘린', TODAY) is None


def test_rule_fallback() -> None:
    text = (
        "안녕하세요, 팀장님.\n"
        "- 다음 주 수요일까지 A 모델 출시 일정 공유\n"
        "- 개인 정보 보호 교육 수강 (이번 달 말까지)\n"
        "지난주 회의록 정리는 완료했습니다.\n"
        "긴급: 내일 고객사 견적서 제출 부탁드립니다."
    )
    found = rule_candidates(text, TODAY)
    titles = [c["title"] for c in found]
    assert len(found) == 3, titles
    assert found[0]["due"] == "2026-12-09" and "A 모델 출시 일정 공유" in titles[0]
    assert found[1]["due"] == "2026-12-31" and titles[1] == "개인 정보 보호 교육 수강"
    assert found[2]["due"] == "2026-12-03" and found[2]["priority"] == "high"
