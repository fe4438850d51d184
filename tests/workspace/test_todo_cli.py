"""`haneul todo` against a real server (echo model, keys required): add with a Korean due
date read by the CLI, list, today's briefing, done, and 할 일 생성 with its review step
(nothing saved until picked; only the picked candidates saved)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from haneul.skills.builtin.due_dates import resolve, today_kst
from tests.conftest import RunningServer, add_echo_models, start_server, stop_server

pytestmark = pytest.mark.slow  # starts haneul serve

MEETING = (
    "주간 회의록\n"
    "- 다음 주 수요일까지 A 모델 출시 일정 공유\n"
    "- 개인 정보 보호 교육 수강 (이번 달 말까지)\n"
    "- 긴급: 내일 고객사 견적서 제출"
)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningServer, str]]:
    home = tmp_path_factory.mktemp("todo-cli")
    add_echo_models(home)
    srv = start_server(home, default_model="echo", require_keys="true")
    try:
        yield srv, srv.create_key("기획팀")
    finally:
        stop_server(srv)


def _todo(srv: RunningServer, key: str, *args: str, input: str | None = None) -> tuple[str, str]:
    done = srv.cli("todo", *args, "--api-key", key, input=input)
    assert done.returncode == 0, done.stderr
    return done.stdout, done.stderr


def test_add_list_today_and_done(served: tuple[RunningServer, str]) -> None:
    srv, key = served
    added = ("경쟁사 분석", "--due", "다음 주 수요일", "--priority", "high")
    stdout, stderr = _todo(srv, key, "add", *added, "--sub", "시장 동향 조사", "--sub", "가격 비교")
    wednesday = resolve("다음 주 수요일", today_kst())
    assert wednesday is not None
    assert f"추가했습니다: 경쟁사 분석 · {wednesday.isoformat()}" in stderr
    made = stdout.strip()
    overdue, _ = _todo(srv, key, "add", "3분기 실적 리뷰", "--due", "2020-01-02")

    listed, _ = _todo(srv, key, "list")
    lines = listed.splitlines()
    assert lines[0].startswith("- 3분기 실적 리뷰 · 2020-01-02 기한 지남")
    assert lines[1].startswith(f"- 경쟁사 분석 (중요) · {wednesday.isoformat()}")
    assert lines[2].startswith("  - 시장 동향 조사 · 기한 없음")

    briefing, head = _todo(srv, key, "today")
    assert "할 일 1개, 기한 지남 1개" in head
    assert "3분기 실적 리뷰" in briefing and "경쟁사 분석" not in briefing

    _, said = _todo(srv, key, "done", overdue.strip())
    assert "완료: 3분기 실적 리뷰" in said
    data = json.loads(_todo(srv, key, "list", "--json")[0])["data"]
    assert [t["id"] for t in data] == [made]

    bad = srv.cli("todo", "add", "보고", "--due", "언젠가", "--api-key", key)
    assert bad.returncode == 2 and "날짜로 읽을 수 없습니다" in bad.stderr
    missing = srv.cli("todo", "done", "todo_없는것", "--api-key", key)
    assert missing.returncode == 2 and "no to-do" in missing.stderr


def test_extract_reviews_before_saving(served: tuple[RunningServer, str], tmp_path: Path) -> None:
    srv, key = served
    before = json.loads(_todo(srv, key, "list", "--json")[0])["data"]
    note = tmp_path / "회의록.txt"
    note.write_text(MEETING, encoding="utf-8")
    # Reviewed and declined (Enter at the prompt): nothing is saved.
    shown, told = _todo(srv, key, "extract", str(note), input="\n")
    assert "후보 3개" in told and "저장하지 않았습니다" in told
    assert shown.splitlines()[0].startswith("1. A 모델 출시 일정 공유 · ")
    assert json.loads(_todo(srv, key, "list", "--json")[0])["data"] == before

    # Two of the three picked at the prompt.
    _, told = _todo(srv, key, "extract", str(note), input="1,3\n")
    assert "2개를 저장했습니다" in told
    after = json.loads(_todo(srv, key, "list", "--json")[0])["data"]
    new = {t["title"]: t for t in after if t["id"] not in {b["id"] for b in before}}
    assert set(new) == {"A 모델 출시 일정 공유", "고객사 견적서 제출"}
    tomorrow = today_kst() + dt.timedelta(days=1)
    assert new["고객사 견적서 제출"]["due"] == tomorrow.isoformat()
    assert new["고객사 견적서 제출"]["priority"] == "high"
    assert new["A 모델 출시 일정 공유"]["source"] == {"kind": "document", "ref": "회의록.txt"}

    wrong = srv.cli("todo", "extract", "--text", MEETING, "--pick", "7", "--api-key", key)
    assert wrong.returncode == 2 and "7번 후보는 없습니다" in wrong.stderr
    piped = srv.cli("todo", "extract", "-", "--api-key", key, input=MEETING)
    assert piped.returncode == 2 and "--pick" in piped.stderr
    _, told = _todo(srv, key, "extract", "-", "--pick", "a", input="- 금요일까지 예산안 검토")
    assert "1개를 저장했습니다" in told
