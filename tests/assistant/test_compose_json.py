"""JSON of the items a message lists, written by code (assistant/compose_json.py)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from haneul.assistant.compose_json import listed_json

SUNDAY = dt.date(2026, 12, 6)


def _items(text: str | None) -> list[dict[str, str | None]]:
    assert text is not None and text.startswith("```json\n") and text.endswith("\n```")
    return json.loads(text.removeprefix("```json").removesuffix("```"))


def test_items_after_the_colon_with_the_request_s_day() -> None:
    made = listed_json("내일 할 일 JSON으로 정리: 치과 예약, 택배 보내기", SUNDAY)
    assert _items(made) == [
        {"task": "치과 예약", "due": "2026-12-07"},
        {"task": "택배 보내기", "due": "2026-12-07"},
    ]


def test_an_item_s_own_day_wins_and_leaves_its_title() -> None:
    made = listed_json(
        "이번 주 일정을 json 배열로 만들어 줘: 화요일 팀 회의, 금요일까지 보고서", SUNDAY
    )
    assert _items(made) == [
        {"task": "팀 회의", "due": "2026-12-08"},
        {"task": "보고서", "due": "2026-12-11"},
    ]


def test_quoted_items() -> None:
    made = listed_json("«우유 사기, 분리수거»를 할 일 JSON으로 바꿔 줘", SUNDAY)
    assert [i["task"] for i in _items(made)] == ["우유 사기", "분리수거"]


@pytest.mark.parametrize(
    "message",
    [
        "오늘 할 일을 JSON으로 줘",  # nothing listed: the model's
        "JSON 형식이 뭐야?",
        "회의 안건: 예산, 채용",  # no JSON asked for
        "JSON으로 정리해 줘: 오늘 회의에서 나온 이야기를 모두 정리하고 팀장님께 보고하기 전에 검토",
    ],
)
def test_nothing_made_when_code_cannot_read_a_list(message: str) -> None:
    assert listed_json(message, SUNDAY) is None
