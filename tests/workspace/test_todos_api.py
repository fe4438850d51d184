"""/todos on a real server (the echo model): CRUD with nested sub-tasks and filters,
오늘 할 일 ordering with overdue items, another owner's to-do is a 404, the review flow saves
nothing until accepted, and the iCalendar export and feed parse back with `icalendar`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import httpx
from icalendar import Calendar

from tests.accounts.helpers import add_team, add_user, sign_in
from tests.conftest import RunningServer

TODAY = dt.date(2026, 12, 2)
MEETING = (
    "전략 회의록 (12월 2일)\n"
    "- 다음 주 수요일까지 A 모델 출시 일정 공유\n"
    "- 개인 정보 보호 교육 수강 (이번 달 말까지)\n"
    "3분기 실적 리뷰는 지난주에 완료했습니다.\n"
    "긴급: 내일 고객사 견적서 제출 부탁드립니다."
)


def test_crud_today_and_owners(keyed: tuple[RunningServer, str, str]) -> None:
    srv, key_a, key_b = keyed
    a, b = srv.http(key_a), srv.http(key_b)
    made = a.post(
        "/todos",
        json={
            "title": "전기차 사업 전략 수립",
            "due": "2026-12-01",
            "priority": "high",
            "notes": "본부장 보고용",
            "source": {"kind": "document", "ref": "전략/전기차.hwpx"},
            "subtasks": [
                {"title": "시장 동향 조사", "subtasks": [{"title": "보고서 세 편 읽기"}]},
                "경쟁사 분석",
            ],
        },
    )
    assert made.status_code == 201, made.text
    todo = made.json()
    assert [s["title"] for s in todo["subtasks"]] == ["시장 동향 조사", "경쟁사 분석"]
    assert todo["subtasks"][0]["subtasks"][0]["title"] == "보고서 세 편 읽기"
    assert todo["source"] == {"kind": "document", "ref": "전략/전기차.hwpx"}
    for title, due, priority in [
        ("A 모델 출시 일정 공유", "2026-12-02", "normal"),
        ("3분기 실적 리뷰", "2026-12-02", "high"),
        ("개인 정보 보호 교육 수강", None, "low"),
        ("내년 예산 초안", "2026-12-20", "normal"),
    ]:
        assert (
            a.post("/todos", json={"title": title, "due": due, "priority": priority}).status_code
            == 201
        )

    briefing = a.get("/todos/today", params={"date": TODAY.isoformat()}).json()
    titles = [t["title"] for t in briefing["data"]]
    assert titles == [
        "전기차 사업 전략 수립",
        "3분기 실적 리뷰",
        "A 모델 출시 일정 공유",
        "개인 정보 보호 교육 수강",
    ]
    assert [t["overdue"] for t in briefing["data"]] == [True, False, False, False]
    assert briefing["overdue"] == 1

    # Filters and updates.
    assert [t["title"] for t in a.get("/todos", params={"priority": "high"}).json()["data"]] == [
        "전기차 사업 전략 수립",
        "3분기 실적 리뷰",
    ]
    assert [t["title"] for t in a.get("/todos", params={"q": "예산"}).json()["data"]] == [
        "내년 예산 초안"
    ]
    late = a.get("/todos", params={"due_after": "2026-12-10"}).json()["data"]
    assert [t["title"] for t in late] == ["내년 예산 초안"]
    done = a.patch(f"/todos/{todo['id']}", json={"status": "done"})
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert "전기차 사업 전략 수립" not in [t["title"] for t in a.get("/todos/today").json()["data"]]
    assert a.patch(f"/todos/{todo['id']}", json={"priority": "급함"}).status_code == 400
    sub = a.post(f"/todos/{todo['id']}/subtasks", json={"title": "투자 계획 검토"})
    assert sub.status_code == 201 and len(sub.json()["subtasks"]) == 3

    # Another owner sees none of it: a 404, never a 403.
    assert b.get("/todos").json()["data"] == []
    for response in (
        b.get(f"/todos/{todo['id']}"),
        b.patch(f"/todos/{todo['id']}", json={"title": "가로채기"}),
        b.delete(f"/todos/{todo['id']}"),
        b.post(f"/todos/{todo['id']}/subtasks", json={"title": "끼어들기"}),
    ):
        assert response.status_code == 404, response.text
    assert a.get(f"/todos/{todo['id']}").json()["title"] == "전기차 사업 전략 수립"
    assert a.delete(f"/todos/{todo['id']}").json()["deleted"] is True
    assert a.get(f"/todos/{todo['id']}").status_code == 404


def test_review_flow_saves_nothing_until_accepted(keyed: tuple[RunningServer, str, str]) -> None:
    srv, key_a, key_b = keyed
    a = srv.http(key_a)
    proposal = a.post("/todos/extract", json={"text": MEETING, "today": TODAY.isoformat()})
    assert proposal.status_code == 200, proposal.text
    body = proposal.json()
    assert body["saved"] is False and body["method"] == "rules"  # echo: no constrained decoding
    due = {c["title"]: c["due"] for c in body["candidates"]}
    assert len(due) == 3, due
    assert "2026-12-09" in due.values() and "2026-12-31" in due.values()
    assert a.get("/todos").json()["data"] == []  # nothing saved yet

    chosen = body["candidates"][:2]
    chosen[0]["title"] = "A 모델 출시 일정 팀에 공유"  # the user edits before accepting
    saved = a.post("/todos/accept", json={"candidates": chosen})
    assert saved.status_code == 201, saved.text
    listed = a.get("/todos").json()["data"]
    assert sorted(t["title"] for t in listed) == sorted(
        ["A 모델 출시 일정 팀에 공유", chosen[1]["title"]]
    )
    assert all(t["source"] == {"kind": "text", "ref": None} for t in listed)
    assert srv.http(key_b).get("/todos").json()["data"] == []
    assert a.post("/todos/extract", json={"text": "  "}).status_code == 400

    files = {"file": ("회의록.txt", MEETING.encode())}
    uploaded = a.post("/todos/extract/upload", files=files)
    assert uploaded.status_code == 200, uploaded.text
    assert uploaded.json()["source"] == {"kind": "document", "ref": "회의록.txt"}
    assert len(a.get("/todos").json()["data"]) == 2


def test_icalendar_export_and_feed(keyed: tuple[RunningServer, str, str]) -> None:
    srv, key_a, _ = keyed
    a = srv.http(key_a)
    a.post(
        "/todos",
        json={"title": "3분기 실적 리뷰", "due": "2026-12-09", "subtasks": ["자료 취합"]},
    )
    a.post("/todos", json={"title": "개인 정보 보호 교육 수강"})
    exported = a.get("/todos/export.ics")
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/calendar")
    cal = Calendar.from_ical(exported.content)
    events = cal.walk("VEVENT")
    todos = {str(t["SUMMARY"]): t for t in cal.walk("VTODO")}
    assert set(todos) == {"3분기 실적 리뷰", "자료 취합", "개인 정보 보호 교육 수강"}
    assert todos["3분기 실적 리뷰"].decoded("DUE") == dt.date(2026, 12, 9)
    assert [str(e["SUMMARY"]) for e in events] == ["할 일: 3분기 실적 리뷰"]
    assert events[0].decoded("DTSTART") == dt.date(2026, 12, 9)

    feed = a.post("/todos/feed").json()
    path = feed["url"].removeprefix(srv.url)
    assert feed["webcal"].startswith("webcal://")
    subscribed = httpx.get(srv.url + path)  # a calendar app: no key, the URL is the secret
    assert subscribed.status_code == 200
    assert len(Calendar.from_ical(subscribed.content).walk("VTODO")) == 3
    assert httpx.get(srv.url + "/todos/feed/hcal_없는토큰.ics").status_code == 404
    a.post("/todos/feed")  # a new URL replaces the old
    assert httpx.get(srv.url + path).status_code == 404


def test_teams_see_team_todos(server_factory: Callable[..., RunningServer]) -> None:
    srv = server_factory()
    add_user(srv, "관리자", "--admin")
    for name in ("김민수", "박지훈", "이서연"):
        add_user(srv, name)
    add_team(srv, "영업팀", "김민수", "박지훈")
    add_team(srv, "개발팀", "이서연")
    kim, park, lee = sign_in(srv, "김민수"), sign_in(srv, "박지훈"), sign_in(srv, "이서연")
    admin = sign_in(srv, "관리자")

    shared = kim.post("/v1/todos", json={"title": "부산 지점 실적 정리", "team_id": "영업팀"})
    assert shared.status_code == 201, shared.text
    mine = kim.post("/v1/todos", json={"title": "연차 신청"}).json()
    tid = shared.json()["id"]
    assert lee.post("/v1/todos", json={"title": "x", "team_id": "영업팀"}).status_code == 400

    assert [t["title"] for t in park.get("/v1/todos").json()["data"]] == ["부산 지점 실적 정리"]
    assert park.get(f"/v1/todos/{tid}").status_code == 200
    assert park.patch(f"/v1/todos/{tid}", json={"title": "바꾸기"}).status_code == 404  # reads only
    assert park.get(f"/v1/todos/{mine['id']}").status_code == 404
    assert lee.get(f"/v1/todos/{tid}").status_code == 404  # another team's
    assert lee.get("/v1/todos").json()["data"] == []
    assert admin.get(f"/v1/todos/{tid}").status_code == 200  # an admin sees every team's
    assert admin.get(f"/v1/todos/{mine['id']}").status_code == 404  # never a user's own
    assert kim.patch(f"/v1/todos/{tid}", json={"status": "done"}).json()["status"] == "done"
