"""`todo_list` over the real store in a SQLite file (StoreTodos, no server): which to-dos a
day, a period, 밀린 and 전체 select, and `todo_add` refusing a due it cannot read."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from haneul.skills import SkillArgumentError, SkillContext, get_skill
from haneul.skills.builtin.due_dates import resolve, today_kst
from haneul.store.db import connect
from haneul.workspace.todos import StoreTodos, TodoStore, Viewer

OWNER = "김민수"


@pytest.fixture
def context(tmp_path: Path) -> SkillContext:
    store = TodoStore(connect(tmp_path / "haneul.db"))
    today = today_kst()
    friday = resolve("이번 주 금요일", today)
    wednesday = resolve("다음 주 수요일", today)
    assert friday is not None and wednesday is not None
    for title, due in [
        ("지난 보고", today - dt.timedelta(days=3)),
        ("오늘 회의 준비", today),
        ("내일 견적서", today + dt.timedelta(days=1)),
        ("다음 주 수요일 발표", wednesday),
        ("내년 예산", today + dt.timedelta(days=400)),
    ]:
        store.add(Viewer(OWNER), {"title": title, "due": due.isoformat()})
    store.add(Viewer(OWNER), {"title": "기한 없는 정리"})
    store.add(Viewer("이서연"), {"title": "남의 할 일", "due": today.isoformat()})
    return SkillContext(owner=OWNER, todos=StoreTodos(store))


def _titles(context: SkillContext, when: str) -> list[str]:
    result = asyncio.run(get_skill("todo_list").run({"when": when}, context))
    data: dict[str, Any] = result.data
    return [t["title"] for t in data["todos"]]


def test_days_and_periods_select_the_right_todos(context: SkillContext) -> None:
    assert _titles(context, "오늘") == ["지난 보고", "오늘 회의 준비", "기한 없는 정리"]
    assert _titles(context, "내일") == ["내일 견적서"]
    assert _titles(context, "다음 주 수요일") == ["다음 주 수요일 발표"]  # that day only
    until = _titles(context, "다음 주 수요일까지")  # from today to then
    assert until == ["오늘 회의 준비", "내일 견적서", "다음 주 수요일 발표"]
    assert _titles(context, "밀린") == ["지난 보고"]
    assert len(_titles(context, "전체")) == 6 and "남의 할 일" not in _titles(context, "전체")


def test_an_unreadable_due_is_refused_and_nothing_saved(context: SkillContext) -> None:
    add = get_skill("todo_add")
    with pytest.raises(SkillArgumentError, match="날짜로 읽을 수 없습니다"):
        asyncio.run(add.run({"title": "보고서", "due": "언젠가"}, context))
    assert "보고서" not in _titles(context, "전체")
    done = asyncio.run(add.run({"title": "보고서", "due": "2026-12-24"}, context))
    assert done.answer is not None and done.answer.endswith("(2026-12-24).")
