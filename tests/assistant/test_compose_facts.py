"""Facts a plain chat answer states that code can check (assistant/compose_facts.py):
written-out arithmetic, the answer to a question that is only arithmetic, the weekday of a
date and today's date are recomputed; a plain answer is corrected and says so, an
explanation after a skill's sentence is dropped. On a real server with the scripted echo
model, a wrong number never reaches the user."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from haneul.assistant import compose
from haneul.assistant.compose_facts import Facts, evaluate
from tests.assistant.scripted_plugin import PLUGIN, scripted_home
from tests.conftest import RunningServer, start_server, stop_server

SUNDAY = dt.date(2026, 12, 6)
PROMPTS = ["당신은 하늘(Haneul)입니다. 한국어로 정확하고 친절하게, 간결하게 답합니다."]


def _correct(question: str, *sentences: str) -> tuple[list[str], Facts]:
    facts = Facts(question, SUNDAY)
    return [facts.correct(s) for s in sentences], facts


def test_written_arithmetic_is_recomputed_and_the_wrong_number_fixed_where_repeated() -> None:
    said, facts = _correct("사과 12개씩 12상자면?", "12 × 12 = 154입니다.", "그래서 154개예요.")
    assert said == ["12 × 12 = 144입니다.", "그래서 144개예요."]
    assert [f.why for f in facts.fixes] == ["12 × 12 = 144"]
    said, _ = _correct("계산", "3 더하기 5는 9이고, 20 나누기 8은 2.5입니다.")
    assert said == ["3 더하기 5는 8이고, 20 나누기 8은 2.5입니다."]
    said, facts = _correct("계산", "2 * 3 + 4 = 10", "1,200 + 300 = 1,500", "10 / 3 = 3.33")
    assert said == ["2 * 3 + 4 = 10", "1,200 + 300 = 1,500", "10 / 3 = 3.33"] and not facts.fixes
    assert evaluate("7 나누기 0") is None


def test_an_arithmetic_question_fixes_the_number_stated_as_its_answer() -> None:
    said, facts = _correct("123 곱하기 45는?", "정답은 5536입니다.", "123과 45를 곱했어요.")
    assert said == ["정답은 5535입니다.", "123과 45를 곱했어요."]
    assert facts.note() == "(계산·날짜는 코드로 확인해 고쳤습니다: 123 곱하기 45 = 5535)"
    said, facts = _correct("1000 나누기 8은 얼마야?", "125입니다.", "2가지 방법으로 풀 수 있어요.")
    assert said == ["125입니다.", "2가지 방법으로 풀 수 있어요."] and not facts.fixes


def test_weekdays_and_today_are_the_calendars() -> None:
    said, facts = _correct(
        "크리스마스 무슨 요일?", "2026년 12월 25일은 목요일입니다.", "2027년 1월 1일(목)도 쉬어요."
    )
    assert said == ["2026년 12월 25일은 금요일입니다.", "2027년 1월 1일(금)도 쉬어요."]
    said, facts = _correct("오늘 며칠이야?", "오늘은 2024년 5월 3일입니다.", "오늘은 12월 6일요.")
    assert said == ["오늘은 2026년 12월 6일입니다.", "오늘은 12월 6일요."]
    assert [f.why for f in facts.fixes] == ["오늘은 2026년 12월 6일"]
    untouched = ["010-1234-5678로 전화하세요.", "3x+4y-1=0은 직선입니다.", "2026-12-05 회의"]
    said, facts = _correct("아무거나", *untouched)
    assert said == untouched and not facts.fixes


def test_the_gate_corrects_a_plain_answer_and_says_so() -> None:
    gate = compose.Gate("12 곱하기 12는?", PROMPTS, today=SUNDAY)
    shown = gate.feed("12 곱하기 12는 154입니다. 답은 154예요.")
    rest, composed = gate.close()
    assert "154" not in shown + rest
    assert composed.text.startswith("12 곱하기 12는 144입니다. 답은 144예요.")
    assert composed.text.endswith("(계산·날짜는 코드로 확인해 고쳤습니다: 12 곱하기 12 = 144)")
    assert composed.corrections == ["12 곱하기 12 = 144"]
    assert composed.info()["corrections"] == ["12 곱하기 12 = 144"]


def test_an_explanation_with_wrong_arithmetic_is_dropped_after_a_skill_answer() -> None:
    answer = "오늘부터 100일 뒤는 2027년 3월 16일 화요일이고, 공휴일이 아닙니다."
    composed = compose.explain(
        answer,
        "100 더하기 100은 100이기 때문입니다.",
        question="100일 뒤는 며칠이야?",
        grounds=["2027년 3월 16일 화요일"],
        prompts=PROMPTS,
        today=SUNDAY,
    )
    assert composed.text == answer and composed.explanation == "dropped"
    assert composed.reason == "wrong: 100 더하기 100 = 200"


# -- on a real server ----------------------------------------------------------------------

SCRIPT = {
    "12 곱하기 12": "12 곱하기 12는 154입니다. 그래서 답은 154예요.",
    "크리스마스": "2026년 12월 25일은 목요일입니다.",
    "몇 월 며칠": "오늘은 2024년 5월 3일입니다.",
    "제곱미터": "넓은 집 넓은 집 " * 40,  # an explanation that loops
}


@pytest.fixture(scope="module")
def scripted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    home = tmp_path_factory.mktemp("facts")
    scripted_home(home, SCRIPT)
    running = start_server(home, plugins=PLUGIN, default_model="scripted")
    yield running
    stop_server(running)


def _ask(server: RunningServer, content: str, **body: Any) -> list[dict[str, Any]]:
    with server.http() as http:
        http.timeout = httpx.Timeout(600)  # the first routed turn builds the router (e5)
        cid = http.post("/conversations", json={}).json()["id"]
        events = []
        with http.stream(
            "POST",
            f"/conversations/{cid}/messages",
            json={"content": content, "stream": True, **body},
        ) as response:
            assert response.status_code == 200, response.read()
            for line in response.iter_lines():
                if line.startswith("data: ") and line != "data: [DONE]":
                    events.append(json.loads(line[6:]))
    return events


def _text(events: list[dict[str, Any]]) -> str:
    return "".join(e["content"] for e in events if e["type"] == "delta")


def test_plain_chat_never_shows_a_wrong_product_weekday_or_today(scripted: RunningServer) -> None:
    events = _ask(scripted, "12 곱하기 12는?", skills=[])  # no skill: the model answers
    text, done = _text(events), events[-1]
    assert "154" not in text and text.startswith("12 곱하기 12는 144입니다. 그래서 답은 144예요.")
    assert done["message"]["content"] == text
    assert done["composed"]["corrections"] == ["12 곱하기 12 = 144"]
    text = _text(_ask(scripted, "2026년 크리스마스는 무슨 요일이야?", skills=[]))
    assert "목요일" not in text and "2026년 12월 25일은 금요일입니다." in text
    today = compose.today_kst()
    text = _text(_ask(scripted, "오늘이 몇 월 며칠이야?", skills=[]))
    assert "2024년" not in text
    assert f"오늘은 {today.year}년 {today.month}월 {today.day}일입니다." in text


def test_relative_days_reach_the_calendar_on_a_real_turn(scripted: RunningServer) -> None:
    events = _ask(scripted, "100일 뒤는 며칠이야?")
    call = next(e for e in events if e["type"] == "skill_call")
    day = compose.today_kst() + dt.timedelta(days=100)
    assert call["name"] == "korean_calendar" and call["arguments"]["date"] == day.isoformat()
    assert _text(events).startswith(f"오늘부터 100일 뒤는 {day.year}년 {day.month}월 {day.day}일")


def test_a_looping_explanation_is_dropped_and_the_skill_answer_ends_whole(
    scripted: RunningServer,
) -> None:
    events = _ask(scripted, "30평은 몇 제곱미터야?")
    done = events[-1]
    assert _text(events) == "30평은 약 99.17㎡입니다." == done["message"]["content"]
    assert done["composed"]["explanation"] == "dropped" and done["composed"]["reason"]
    assert done["finish_reason"] == "stop"  # nothing cut short is shown
