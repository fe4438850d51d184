"""A model's to-do reply checked against the text it came from (`extract.grounded`), on
replies haneul-mini-ko really wrote for bench/data/todos_ko.jsonl: the due phrase is found in
the item's own sentence (the model put it in the title, or wrote the title or the prompt's
example as the due), prompt text copied into sub-tasks is dropped, and the title loses the
due phrase and the polite ending."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from haneul.workspace.extract import parse_reply

TODAY = dt.date(2026, 12, 2)  # a Wednesday
PROMPT_COPY = ["글에 있는 세부 단계", "없으면 빈 문자열."]


def _reply(title: str, due: str, subtasks: list[str] | None = None) -> str:
    item = {"title": title, "due": due, "priority": "high", "subtasks": subtasks or PROMPT_COPY}
    return json.dumps({"todos": [item]}, ensure_ascii=False)


@pytest.mark.parametrize(
    ("text", "title", "due", "want_title", "want_due"),
    [
        # the due is the title again; the deadline sits in the title
        ("팀장님, 내일까지 3분기 실적 보고서 검토 부탁드립니다.", "내일 3분기 실적 보고서 검토",
         "3분기 실적 보고서 검토", "3분기 실적 보고서 검토", "2026-12-03"),
        # the due is the prompt's own example (다음 주 수요일): not in the text, not used
        ("A 모델 출시 일정을 모레 오전 회의에서 공유할 예정입니다.",
         "A 모델 출시 일정을 모레 오전 회의에서 공유할 예정",
         "글에 적힌 기한 표현 그대로 (예: '다음 주 수요일", "A 모델 출시 일정을 오전 회의에서 공유",
         "2026-12-04"),
        # the due is the next sentence; the deadline is in the item's own sentence
        ("금요일까지 출장 경비 정산서를 제출하세요. 영수증도 첨부해야 합니다.",
         "금요일까지 출장 경비 정산서를 제출하세요.", "영수증도 첨부해야 합니다.",
         "출장 경비 정산서를 제출", "2026-12-04"),
        # the due is the whole sentence
        ("회의 결과: 3분기 내 신규 채용 계획을 확정한다.", "신규 채용 계획 확정",
         "3분기 내 신규 채용 계획을 확정한다.", "신규 채용 계획 확정", "2027-09-30"),
        # a noun's modifier is no deadline
        ("3분기 실적 리뷰 자료를 정리해 주세요.", "3분기 실적 리뷰 자료 정리", "",
         "3분기 실적 리뷰 자료 정리", None),
    ],
)  # fmt: skip
def test_the_due_phrase_comes_from_the_items_sentence(
    text: str, title: str, due: str, want_title: str, want_due: str | None
) -> None:
    [found] = parse_reply(_reply(title, due), TODAY, text) or [None]
    assert found is not None
    assert (found["title"], found["due"]) == (want_title, want_due)
    assert found["subtasks"] == []  # the prompt's words are not sub-tasks


def test_copies_of_the_prompt_and_repeats_are_dropped() -> None:
    text = "다음 주 수요일까지 경쟁사 분석 보고서를 작성한다. 시장 동향 조사와 가격 비교를 포함."
    subtasks = ["시장 동향 조사", "다음 주 수요일까지", "가격 비교", "경쟁사 분석 보고서 작성"]
    reply = {"todos": [
        {"title": "경쟁사 분석 보고서 작성", "due": "다음 주 수요일까지", "priority": "normal",
         "subtasks": subtasks},
        {"title": "경쟁사 분석 보고서 작성", "due": "", "priority": "normal", "subtasks": []},
        {"title": "끝난 일과 인사는 빼세요", "due": "", "priority": "low", "subtasks": []},
    ]}  # fmt: skip
    found = parse_reply(json.dumps(reply, ensure_ascii=False), TODAY, text)
    assert found is not None and len(found) == 1
    assert found[0]["due"] == "2026-12-09"
    assert [s["title"] for s in found[0]["subtasks"]] == ["시장 동향 조사", "가격 비교"]


def test_without_the_text_the_reply_is_read_as_written() -> None:
    found = parse_reply(_reply("3분기 실적 보고서 검토", "3분기 실적 보고서 검토", []), TODAY)
    assert found is not None and found[0]["due"] == "2027-09-30"  # what the model said
