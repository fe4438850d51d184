"""The typed seam skills read documents through (skills/documents_source.py): the document
skills over `StaticDocuments`, the fake beside the protocol, and the knowledge service's own
source over a real library, each answering for its owner only."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from haneul.config import Settings
from haneul.engine.manager import ModelManager
from haneul.errors import NotFoundError
from haneul.knowledge.library import Library
from haneul.knowledge.service import KnowledgeService
from haneul.skills import SkillArgumentError, SkillContext, SkillResult, get_skill
from haneul.skills.documents_source import DocumentSource, StaticDocuments
from haneul.store.db import connect
from haneul.store.teams import Team, TeamStore
from haneul.store.users import User, UserStore

RULES = (
    "연차 휴가는 입사 1년 후 15일이 주어진다.\n\n"
    "경조사 휴가는 본인 결혼 시 5일이다.\n\n"
    "출장비는 실비로 정산한다."
)


def _run(name: str, arguments: dict[str, object], context: SkillContext) -> SkillResult:
    return asyncio.run(get_skill(name).run(arguments, context))


def _documents() -> StaticDocuments:
    return StaticDocuments({"인사팀": [("규정", "휴가규정.md", RULES)]})


def test_the_fake_is_a_document_source_and_the_skill_reads_typed_hits() -> None:
    source = _documents()
    assert isinstance(source, DocumentSource)
    result = _run("search_documents", {"query": "결혼 휴가"}, SkillContext("인사팀", source))
    best = result.data[0]
    assert best["text"] == "경조사 휴가는 본인 결혼 시 5일이다."
    assert best["citation"]["document_name"] == "휴가규정.md"
    assert best["collection"] == "규정" and "supported" in best
    assert "[1] (휴가규정.md)" in result.content
    stranger = _run("search_documents", {"query": "결혼 휴가"}, SkillContext("영업팀", source))
    assert stranger.data == []
    with pytest.raises(SkillArgumentError, match="not available"):
        _run("search_documents", {"query": "결혼"}, SkillContext("인사팀"))


def test_the_table_skill_reads_a_typed_document() -> None:
    context = SkillContext("인사팀", _documents())
    table = _run("document_table", {"document": "휴가"}, context)
    assert table.content.startswith("**휴가규정.md** 핵심 내용")
    assert any("15일" in row["content"] for row in table.data)
    with pytest.raises(NotFoundError):
        _run("document_table", {"document": "없는문서"}, context)


def test_the_table_is_of_the_document_the_request_mentions() -> None:
    """«휴가 규정 문서를 표로…» names no file, but mentions 휴가규정.md (spaces aside): not
    the document uploaded last; a request that mentions none gets the last one."""
    travel = ("규정", "출장비 지급 기준.md", "국내 출장 일비는 2만 5천 원이다.")
    context = SkillContext(
        "인사팀", StaticDocuments({"인사팀": [*_documents().documents["인사팀"], travel]})
    )
    for request, name in (
        ("휴가 규정 문서를 표로 정리해줘", "휴가규정.md"),
        ("출장비 기준 표로 만들어 줘", "출장비 지급 기준.md"),
        ("이 문서 핵심을 표로 보여줘", "출장비 지급 기준.md"),  # the last one
    ):
        arguments = get_skill("document_table").parse(request)
        assert arguments == {"about": request}
        assert _run("document_table", arguments, context).content.startswith(f"**{name}**")


def test_the_knowledge_services_source_answers_for_its_owner(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    library = Library(connect(settings.db_path))
    service = KnowledgeService(library, ModelManager(settings), settings.embedding_model)

    async def scenario() -> None:
        mine = library.create_collection("인사팀", "규정")
        await service.ingest(mine, [("휴가규정.txt", RULES.encode)])
        await service.embed_queued(mine)
        source = service.documents
        assert isinstance(source, DocumentSource)
        hits = await source.search("인사팀", None, "결혼하면 휴가 며칠", 2)
        assert hits and hits[0].document_name == "휴가규정.txt" and hits[0].collection == "규정"
        assert "결혼" in hits[0].text and hits[0].end > hits[0].start
        assert await source.search("영업팀", None, "결혼 휴가", 2) == []
        doc = await source.document("인사팀", "휴가")
        assert doc.name == "휴가규정.txt"
        assert doc.sentences[0].text == "연차 휴가는 입사 1년 후 15일이 주어진다."
        with pytest.raises(NotFoundError):
            await source.document("영업팀", None)
        await service.manager.close()

    asyncio.run(scenario())


def _sales_team(tmp_path: Path) -> tuple[Library, KnowledgeService, User, Team]:
    """A store with the knowledge service, user 김영업 and the team 영업팀 he belongs to."""
    settings = Settings(home=tmp_path)
    library = Library(connect(settings.db_path))
    service = KnowledgeService(library, ModelManager(settings), settings.embedding_model)
    kim = UserStore(library.conn).create("김영업", "비밀번호-1234")
    teams = TeamStore(library.conn)
    sales = teams.create("영업팀")
    teams.add_member(sales.id, kim.id)
    return library, service, kim, sales


def test_a_team_collection_is_read_by_its_members_only(tmp_path: Path) -> None:
    """The assistant's document skills see what the search API shows a user: their own
    collections, then their teams' (docs/accounts.md); a user of another team sees none."""
    library, service, kim, sales = _sales_team(tmp_path)
    lee = UserStore(library.conn).create("이개발", "비밀번호-5678")

    async def scenario() -> None:
        shared = library.create_collection(sales.id, "팀규정")
        await service.ingest(shared, [("휴가규정.txt", RULES.encode)])
        source = service.documents
        hits = await source.search(kim.id, None, "결혼 휴가", 2)
        assert hits and hits[0].collection == "팀규정" and "결혼" in hits[0].text
        assert await source.search(lee.id, None, "결혼 휴가", 2) == []
        assert (await source.document(kim.id, "휴가")).name == "휴가규정.txt"
        with pytest.raises(NotFoundError):
            await source.document(lee.id, "휴가")
        await service.manager.close()

    asyncio.run(scenario())


def test_a_passage_in_the_owners_and_a_teams_collection_is_cited_once(tmp_path: Path) -> None:
    """A user keeps a copy of the team's rules in their own collection: the document skills
    get the passage once, the other copy named in `also_in`, and the next passage after it."""
    library, service, kim, sales = _sales_team(tmp_path)

    async def scenario() -> None:
        shared = library.create_collection(sales.id, "팀규정")
        await service.ingest(shared, [("휴가규정.txt", RULES.encode)])
        mine = library.create_collection(kim.id, "내자료")
        copy = "내가 받아 둔 규정 사본\n\n" + RULES
        await service.ingest(mine, [("휴가규정_사본.txt", copy.encode)])
        await service.embed_queued(shared)
        await service.embed_queued(mine)
        hits = await service.documents.search(kim.id, None, "본인 결혼 경조사 휴가", 3)
        names = [(h.collection, h.document_name) for h in hits]
        assert len(set(names)) == len(names) == len({h.text for h in hits})
        top = hits[0]
        assert "결혼" in top.text and len(top.also_in) == 1
        other = {"휴가규정.txt", "휴가규정_사본.txt"} - {top.document_name}
        assert top.also_in[0]["document_name"] in other
        assert not any("결혼" in h.text for h in hits[1:])  # no second copy below it
        await service.manager.close()

    asyncio.run(scenario())
