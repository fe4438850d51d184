"""Document search over the caller's own collections, with citations. The search itself
is a service the server puts in the skill context (skills sit below `knowledge/`)."""

from __future__ import annotations

from typing import Any

from haneul.skills import SkillArgumentError, SkillContext, SkillResult, skill


def parse(utterance: str) -> dict[str, Any] | None:
    return {"query": utterance.strip()} if utterance.strip() else None


@skill(
    "search_documents",
    examples=(
        "우리 회사 휴가 규정에서 연차는 며칠이야?",
        "업로드한 문서에서 계약 기간 찾아줘",
        "사내 문서에 출장비 기준이 어떻게 돼 있어?",
        "회의록에서 다음 회의 날짜 찾아줘",
        "문서에 나온 프로젝트 예산 알려줘",
        "취업 규칙에 재택근무 관련 내용 있어?",
        "find the refund policy in our documents",
        "보고서에서 매출 관련 부분 찾아줘",
    ),
    parser=parse,
)
async def search(
    query: str, context: SkillContext, collection: str | None = None, top_k: int = 3
) -> SkillResult:
    """Search the user's own documents (their collections) and return the passages with
    their sources.

    Args:
        query: What to look for, in the user's words.
        collection: The collection to search; omit to search all of the user's collections.
        top_k: How many passages to return (1-10).
    """
    run = context.services.get("search")
    if run is None:
        raise SkillArgumentError("search_documents: document search is not available here")
    if not 1 <= top_k <= 10:
        raise SkillArgumentError("search_documents: top_k is 1 to 10", param="top_k")
    hits: list[dict[str, Any]] = await run(context.owner, collection, query, top_k)
    if not hits:
        return SkillResult("관련 문서를 찾지 못했습니다.", [])
    lines = []
    for n, hit in enumerate(hits, start=1):
        c = hit["citation"]
        where = c["document_name"] + (f" p.{c['page']}" if c.get("page") else "")
        lines.append(f"[{n}] ({where}) {hit['text']}")
    return SkillResult("\n\n".join(lines), hits)
