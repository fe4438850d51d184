"""The todo skills on a real server (echo model, real e5 router, real SQLite): «…할 일
추가해줘» asks to confirm and saves nothing until approved, then saves what it showed;
«오늘 할 일 뭐야?» answers from the store by code, with the owner's to-dos only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from haneul.skills.builtin.todo import parse_add, parse_list
from tests.assistant.test_conversations import _stream
from tests.conftest import RunningServer, add_echo_models, start_server, stop_server


@pytest.fixture(scope="module")
def todo_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[RunningServer, str, str]]:
    home = tmp_path_factory.mktemp("todo-skill")
    add_echo_models(home)
    srv = start_server(home, default_model="echo", require_keys="true")
    try:
        yield srv, srv.create_key("기획팀"), srv.create_key("영업팀")
    finally:
        stop_server(srv)


def _today() -> dt.date:
    return dt.datetime.now(ZoneInfo("Asia/Seoul")).date()


def _say(http: httpx.Client, text: str) -> tuple[str, list[dict[str, Any]]]:
    cid = http.post("/conversations", json={}).json()["id"]
    return cid, _stream(http, cid, text)


@pytest.mark.slow  # starts haneul serve
def test_adding_a_todo_asks_first_then_saves_what_it_showed(
    todo_server: tuple[RunningServer, str, str],
) -> None:
    srv, key, other = todo_server
    with srv.http(key) as http:
        before = {t["id"] for t in http.get("/todos").json()["data"]}
        cid, events = _say(http, "내일까지 보고서 제출 할 일 추가해줘")
        asked = events[0]
        assert asked["type"] == "confirmation_required" and asked["name"] == "todo_add"
        assert asked["arguments"] == {
            "title": "보고서 제출",
            "due": "내일까지",
            "priority": "normal",
        }
        assert events[-1]["finish_reason"] == "confirmation_required"
        assert {t["id"] for t in http.get("/todos").json()["data"]} == before  # nothing yet

        path = f"/conversations/{cid}/confirmations/{asked['id']}"
        with srv.http(other) as stranger:
            assert stranger.post(path, json={"approve": True}).status_code == 404
        done = http.post(path, json={"approve": True})
        assert done.status_code == 200, done.text
        [call] = done.json()["skill_calls"]
        saved = [t for t in http.get("/todos").json()["data"] if t["id"] not in before]
        assert [(t["title"], t["source"]["kind"]) for t in saved] == [
            ("보고서 제출", "conversation")
        ]
        tomorrow = _today() + dt.timedelta(days=1)
        assert saved[0]["due"] == tomorrow.isoformat()
        # The answer is the stored to-do, written by code.
        answer = done.json()["message"]["content"]
        assert answer == f"할 일에 추가했습니다: 보고서 제출, 내일까지 ({tomorrow.isoformat()})."
        assert call["data"]["id"] == saved[0]["id"]
        with srv.http(other) as stranger:
            assert stranger.get(f"/todos/{saved[0]['id']}").status_code == 404


@pytest.mark.slow  # starts haneul serve
def test_todays_list_is_the_owners_store_data(
    todo_server: tuple[RunningServer, str, str],
) -> None:
    srv, _, other = todo_server
    today = _today()
    with srv.http(other) as http:
        for item in http.get("/todos").json()["data"]:
            http.delete(f"/todos/{item['id']}")
        seeded = [
            ("3분기 실적 리뷰", today - dt.timedelta(days=2), "high"),
            ("A 모델 출시 일정 공유", today, "normal"),
            ("내년 예산 초안", today + dt.timedelta(days=20), "normal"),
        ]
        for title, due, priority in seeded:
            body = {"title": title, "due": due.isoformat(), "priority": priority}
            assert http.post("/todos", json=body).status_code == 201
        http.post("/todos", json={"title": "교육 수강", "subtasks": ["1강 듣기"]})
        _, events = _say(http, "오늘 할 일 뭐야?")
    assert not [e for e in events if e["type"] == "confirmation_required"]
    [call] = [e for e in events if e["type"] == "skill_call"]
    assert call["name"] == "todo_list" and call["arguments"] == {"when": "오늘"}
    answer = events[-1]["message"]["content"]
    assert answer.startswith("오늘 할 일은 3개입니다. 그중 1개는 기한이 지났습니다.")
    assert "1. 3분기 실적 리뷰 (" in answer and "기한 지남 · 중요)" in answer
    assert "2. A 모델 출시 일정 공유 (오늘까지)" in answer
    assert "3. 교육 수강 (기한 없음)\n   - 1강 듣기" in answer
    assert "내년 예산 초안" not in answer and "보고서 제출" not in answer  # later; not theirs

    with srv.http(other) as http:
        _, events = _say(http, "밀린 할 일 있어?")
    assert events[-1]["message"]["content"].startswith("기한이 지난 할 일은 1개입니다.")
    # «…목록 보여줘» is the whole list, not today's briefing (it answered «오늘 할 일이 없습니다.»)
    with srv.http(other) as http:
        _, events = _say(http, "내 할 일 목록 보여줘")
        assert events[-1]["message"]["content"].startswith("남은 할 일은 4개입니다.")
        # a day with nothing due says what there is on other days
        for item in http.get("/todos").json()["data"]:
            if item["title"] != "내년 예산 초안":
                http.delete(f"/todos/{item['id']}")
        _, events = _say(http, "오늘 할 일 뭐야?")
    later = _today() + dt.timedelta(days=20)
    assert events[-1]["message"]["content"] == (
        "오늘 할 일이 없습니다. 다른 날 할 일은 1개 있습니다 (가장 가까운 것: 내년 예산 초안, "
        f"{later.month}월 {later.day}일({'월화수목금토일'[later.weekday()]})까지)."
    )


@pytest.mark.slow  # starts haneul serve
def test_a_user_without_todos_hears_so(todo_server: tuple[RunningServer, str, str]) -> None:
    srv, _, _ = todo_server
    key = srv.create_key("인사팀")
    with srv.http(key) as http:
        _, events = _say(http, "오늘 할 일 알려줘")
    assert events[-1]["message"]["content"] == "오늘 할 일이 없습니다."


@pytest.mark.parametrize(
    ("utterance", "arguments"),
    [
        ("할 일에 '주간 회의록 정리' 추가해 줘", {"title": "주간 회의록 정리", "due": None}),
        ("다음 주 수요일까지 경쟁사 분석을 할 일로 등록해 줘",
         {"title": "경쟁사 분석", "due": "다음 주 수요일까지"}),
        ("다음 달 10일까지 세금 신고 해야 하는데 할 일로 넣어줘",
         {"title": "세금 신고", "due": "다음 달 10일까지"}),  # was 12월 10일, «…해야 하는데»
        ("할 일 추가: 이번 달 말까지 3분기 실적 리뷰",
         {"title": "3분기 실적 리뷰", "due": "이번 달 말까지"}),
        ("12월 24일까지 연말 파티 준비 할 일 등록해줘",
         {"title": "연말 파티 준비", "due": "12월 24일까지"}),
    ],
)  # fmt: skip
def test_the_add_parser_reads_title_and_due(utterance: str, arguments: dict[str, Any]) -> None:
    found = parse_add(utterance)
    assert found is not None and {k: found[k] for k in arguments} == arguments


def test_the_confirmation_names_the_day_a_weekday_means() -> None:
    """«금요일까지» is shown as the date the to-do will carry; 오늘/내일/모레 stay words."""
    from haneul.skills.builtin.due_dates import resolve
    from haneul.skills.builtin.todo import confirm_add

    friday = resolve("금요일까지")
    assert friday is not None
    shown = f"{friday.month}월 {friday.day}일(금)까지"
    if friday - _today() <= dt.timedelta(days=2):
        shown = {0: "오늘", 1: "내일", 2: "모레"}[(friday - _today()).days] + "까지"
    assert confirm_add({"title": "보고서 제출", "due": "금요일까지"}).endswith(
        f"- 보고서 제출 (기한: {shown})"
    )
    assert confirm_add({"title": "보고서 제출", "due": "내일까지"}).endswith("(기한: 내일까지)")
    assert confirm_add({"title": "오후 3시 팀 회의", "due": "내일"}).endswith("(날짜: 내일)")
    assert parse_list("내 할 일 목록 보여줘") == {"when": "전체"}
    assert parse_list("내일 할 일 목록") == {"when": "내일"}


def test_the_parsers_leave_other_requests_alone() -> None:
    others = ("내일 오후 3시에 대회의실 예약해줘", "할 일 목록을 JSON으로 만들어 줘",
              "내일 할 일 정리해서 JSON으로 줘: 병원, 세탁", "회의록에서 할 일 뽑아줘")  # fmt: skip
    for text in others:
        assert parse_add(text) is None and parse_list(text) is None, text
    assert parse_list("이번 주 할 일 알려줘") == {"when": "이번 주"}
    assert parse_add("급한 할 일 하나 추가해줘: 오늘 고객사 회신") == {
        "title": "고객사 회신",
        "due": "오늘",
        "priority": "high",
    }


@pytest.mark.parametrize(
    ("utterance", "arguments"),
    [
        (
            "오늘 할 일: 보고서 제출, 팀 회의 준비 정리해줘",
            {"title": "보고서 제출", "due": "오늘", "priority": "normal", "more": ["팀 회의 준비"]},
        ),
        (
            "급한 할 일: 서버 점검 및 백업 확인",
            {"title": "서버 점검", "due": None, "priority": "high", "more": ["백업 확인"]},
        ),
        # one item after the colon: the title, as before
        (
            "할 일 추가: 금요일까지 예산안 검토",
            {"title": "예산안 검토", "due": "금요일까지", "priority": "normal"},
        ),
        ("할 일: 보고서", None),
        ("오늘 할 일 JSON으로: 보고서 제출, 팀 회의 준비", None),  # JSON is written by code
    ],
)
def test_todos_listed_after_a_colon_are_each_a_todo(
    utterance: str, arguments: dict[str, Any] | None
) -> None:
    assert parse_add(utterance) == arguments


@pytest.mark.slow  # starts haneul serve
def test_listed_todos_are_added_together_after_one_confirmation(
    todo_server: tuple[RunningServer, str, str],
) -> None:
    """«오늘 할 일: 보고서 제출, 팀 회의 준비 정리해줘» had gone to the document search; it
    asks once and adds both, due today."""
    srv, key, _ = todo_server
    with srv.http(key) as http:
        before = {t["id"] for t in http.get("/todos").json()["data"]}
        cid, events = _say(http, "오늘 할 일: 보고서 제출, 팀 회의 준비 정리해줘")
        asked = events[0]
        assert asked["type"] == "confirmation_required" and asked["name"] == "todo_add"
        assert asked["arguments"]["more"] == ["팀 회의 준비"]
        # the question is the skill's, in words: each to-do a line, no JSON
        assert events[1]["content"] == (
            "할 일 2개를 추가할까요? 승인하시면 할 일 목록에 저장합니다.\n\n"
            "- 보고서 제출 (기한: 오늘)\n- 팀 회의 준비 (기한: 오늘)"
        )
        path = f"/conversations/{cid}/confirmations/{asked['id']}"
        done = http.post(path, json={"approve": True}).json()
        saved = [t for t in http.get("/todos").json()["data"] if t["id"] not in before]
        today = _today().isoformat()
        assert sorted((t["title"], t["due"]) for t in saved) == [
            ("보고서 제출", today),
            ("팀 회의 준비", today),
        ]
        answer = done["message"]["content"]
        assert answer == f"할 일 2개를 추가했습니다: 보고서 제출, 팀 회의 준비, 오늘까지 ({today})."


@pytest.mark.parametrize(
    ("utterance", "arguments"),
    [
        ("내일 오후 3시에 팀 회의 잡아줘", {"title": "오후 3시 팀 회의", "due": "내일"}),
        ("다음 주 화요일 오전 10시에 고객 미팅 일정 넣어줘",
         {"title": "오전 10시 고객 미팅", "due": "다음 주 화요일"}),
        ("금요일까지 보고서 제출 기억해줘", {"title": "보고서 제출", "due": "금요일까지"}),
        ("모레 치과 예약 잊지 않게 알려줘", {"title": "치과 예약", "due": "모레"}),
        ("3시에 거래처 통화 잡아줘", {"title": "3시 거래처 통화", "due": "오늘"}),
        ("내일 엄마 생신인 거 기억해줘", {"title": "엄마 생신", "due": "내일"}),
        # a day's obligation told (was declined): offered as a to-do, its verb as one
        ("내일 오전에 병원 가야 해", {"title": "오전에 병원 가기", "due": "내일"}),
        ("이번 주 금요일 팀 회식 장소 정해야 함", {"title": "팀 회식 장소 정하기",
                                                "due": "이번 주 금요일"}),
        ("모레 택배 받아야 해", {"title": "택배 받기", "due": "모레"}),
    ],
)  # fmt: skip
def test_something_on_a_day_asked_to_be_kept_is_a_todo(
    utterance: str, arguments: dict[str, Any]
) -> None:
    """«내일 오후 3시에 팀 회의 잡아줘» was declined and «금요일까지 보고서 제출 기억해줘»
    searched the documents: a day (or a time) and a word asking to keep it make a to-do, with
    the words of a calendar as much as with 할 일."""
    from haneul.skills.builtin.todo import asks_schedule

    assert asks_schedule(utterance) == {**arguments, "priority": "normal"}
    for text in ("회의 일정 잡아줘", "제 이름 기억해줘", "내일 회의 잡혀 있어?",
                 "내일 오후 3시에 대회의실 예약해줘", "저는 부산에 살아요 기억해줘",
                 "내일 병원 가야 해?", "오늘 기분이 좋아야 해", "병원 가야 해"):  # fmt: skip
        assert asks_schedule(text) is None, text


def test_the_router_takes_a_day_asked_to_be_kept_before_the_documents() -> None:
    from haneul.skills import builtin_and_plugin_skills
    from haneul.skills.router import SkillRouter
    from tests.skills import e5_memo

    router = SkillRouter(builtin_and_plugin_skills().values(), e5_memo.embed)
    route = router.route("다음 주 화요일 오전 10시에 고객 미팅 일정 넣어줘", documents=True)
    assert route.skill == "todo_add" and route.arguments["due"] == "다음 주 화요일"
    off = router.route("내일 오후 3시에 팀 회의 잡아줘", enabled=["math"], documents=True)
    assert off.skill != "todo_add"


@pytest.mark.slow  # starts haneul serve
def test_a_todo_said_done_is_marked_done_after_a_yes(
    todo_server: tuple[RunningServer, str, str],
) -> None:
    """«보고서 제출 완료했어» went to the document search and «오늘 할 일 다 했어» was declined:
    the matching open to-do is marked done once the user approves, nothing before."""
    srv, key, other = todo_server
    with srv.http(key) as http:
        today = _today().isoformat()
        made = [
            http.post("/todos", json={"title": title, "due": today}).json()["id"]
            for title in ("분기 보고서 제출", "주간 회의록 정리")
        ]
        cid, events = _say(http, "분기 보고서 제출 완료했어")
        asked = events[0]
        assert asked["type"] == "confirmation_required" and asked["name"] == "todo_done"
        assert asked["arguments"] == {"title": "분기 보고서 제출"}
        assert http.get(f"/todos/{made[0]}").json()["status"] == "open"  # nothing yet
        path = f"/conversations/{cid}/confirmations/{asked['id']}"
        with srv.http(other) as stranger:
            assert stranger.post(path, json={"approve": True}).status_code == 404
        done = http.post(path, json={"approve": True}).json()
        assert done["message"]["content"].startswith("완료로 표시했습니다: 분기 보고서 제출.")
        assert http.get(f"/todos/{made[0]}").json()["status"] == "done"
        assert http.get(f"/todos/{made[1]}").json()["status"] == "open"

        cid, events = _say(http, "오늘 할 일 다 했어")
        assert events[0]["arguments"] == {"when": "오늘"}
        path = f"/conversations/{cid}/confirmations/{events[0]['id']}"
        http.post(path, json={"approve": True})
        assert http.get(f"/todos/{made[1]}").json()["status"] == "done"

        cid, events = _say(http, "출장 정산 끝냈어")  # no such to-do: said, nothing changed
        path = f"/conversations/{cid}/confirmations/{events[0]['id']}"
        answer = http.post(path, json={"approve": True}).json()["message"]["content"]
        assert answer.startswith("완료로 표시할 할 일을 찾지 못했습니다.")


def test_what_says_a_todo_is_done() -> None:
    from haneul.skills.builtin.todo_done import parse

    assert parse("보고서 제출 완료했어") == {"title": "보고서 제출"}
    assert parse("주간 회의록 정리 끝냈어") == {"title": "주간 회의록 정리"}
    assert parse("메일 보냈어") == {"title": "메일"}
    assert parse("오늘 할 일 다 했어") == {"when": "오늘"}
    for text in ("완료 기한이 언제야?", "다 했어", "오늘 점심 먹었어", "보고서 다 했어?"):
        assert parse(text) is None, text


def test_a_weekday_at_an_hour_already_past_today_is_next_weeks() -> None:
    """«월요일 오전 9시 주간회의 일정 추가» said on a Monday afternoon was today's."""
    import re

    from haneul.skills.builtin.todo import not_past

    monday_4pm = dt.datetime(2026, 12, 7, 16, 0)  # a Monday
    nine, six = re.search("오전 9시", "오전 9시"), re.search("오후 6시", "오후 6시")
    assert not_past("월요일", nine, monday_4pm) == "다음 주 월요일"
    assert not_past("월요일", six, monday_4pm) == "월요일"  # 18시 is still to come
    assert not_past("화요일", nine, monday_4pm) == "화요일"
    assert not_past("다음 주 월요일", nine, monday_4pm) == "다음 주 월요일"
