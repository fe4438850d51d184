"""Writing a report: each section of the outline from the passages the collection's search
finds for it, cited with the assistant's own rules (src/haneul/assistant/compose.py): a
marker [n] stays only when n is one of the section's real passages, every other is cut.
Passages longer than the model's context allows are summarised piece by piece first (map),
and the section is written from the summaries (reduce). Each finished section is handed to
`on_section` at once, so a stopped job resumes at the first section not yet written."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from haneul.assistant.compose import citations, strip_citations
from haneul.engine.protocol import Backend

Search = Callable[[str, int], Awaitable[list[dict[str, Any]]]]

SYSTEM_KO = (
    "당신은 회사 보고서를 쓰는 도우미입니다. 주어진 자료만 근거로 한국어로 간결하게 쓰고, "
    "근거로 쓴 자료의 번호를 [1]처럼 문장 끝에 붙이세요. 자료에 없는 내용은 쓰지 마세요."
)
SUMMARY_KO = "다음 글을 핵심만 두세 문장으로 요약하세요."
NO_SOURCES_KO = "이 항목에 관한 자료를 문서에서 찾지 못했습니다."
CHARS_PER_TOKEN = 1.5  # Korean text: a token is about one and a half characters
ANSWER_TOKENS = 512


@dataclass(frozen=True)
class Progress:
    index: int  # the section's place in the outline
    heading: str
    stage: str  # "search", "summarise", "write", "done"


def budget_chars(context_tokens: int) -> int:
    """Characters of passages one request may carry, leaving room for the answer."""
    return max(400, int((context_tokens - ANSWER_TOKENS - 200) * CHARS_PER_TOKEN))


def pieces(text: str, size: int) -> list[str]:
    """`text` cut into pieces of at most `size` characters, at line ends where it can."""
    out: list[str] = []
    rest = text
    while len(rest) > size:
        cut = rest.rfind("\n", size // 2, size)
        cut = cut if cut > 0 else size
        out.append(rest[:cut])
        rest = rest[cut:].lstrip("\n")
    return [*out, rest] if rest else out


async def _ask(backend: Backend, model: str, system: str, user: str) -> str:
    reply = await backend.chat(
        {
            "model": model,
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
            "max_tokens": ANSWER_TOKENS,
            "temperature": 0.2,
        }
    )
    return str(reply["choices"][0]["message"].get("content") or "").strip()


async def summarise(backend: Backend, model: str, text: str, size: int) -> str:
    """Map-reduce: `text` within `size` characters, summarising each piece and then the
    summaries together until it fits."""
    while len(text) > size:
        parts = [await _ask(backend, model, SUMMARY_KO, piece) for piece in pieces(text, size)]
        shorter = "\n".join(p for p in parts if p)
        if len(shorter) >= len(text):  # a model that does not shorten: keep the start
            return text[:size]
        text = shorter
    return text


def _prompt(topic: str, heading: str, notes: list[str]) -> str:
    sources = "\n\n".join(f"[{n}] {note}" for n, note in enumerate(notes, start=1))
    return f"보고서 주제: {topic}\n작성할 항목: {heading}\n\n자료:\n{sources}"


def first_sentence(text: str, limit: int = 80) -> str:
    line = next((s for s in text.splitlines() if s.strip()), "").strip()
    found = re.match(r".+?[.!?。다](?=\s|$)", line)
    out = found.group(0) if found else line
    return out if len(out) <= limit else out[: limit - 1] + "…"


async def write_section(
    backend: Backend, model: str, topic: str, heading: str, search: Search, top_k: int
) -> AsyncIterator[Progress | dict[str, Any]]:
    """Progress events, then the section: heading, text and its citations."""
    yield Progress(0, heading, "search")
    hits = await search(f"{topic} {heading}", top_k)
    if not hits:
        yield {"heading": heading, "text": NO_SOURCES_KO, "citations": []}
        return
    size = budget_chars(backend.context_size) // len(hits)
    notes = []
    for hit in hits:
        text = str(hit.get("text") or "")
        if len(text) > size:
            yield Progress(0, heading, "summarise")
        notes.append(await summarise(backend, model, text, size))
    yield Progress(0, heading, "write")
    written = await _ask(backend, model, SYSTEM_KO, _prompt(topic, heading, notes))
    text = strip_citations(written, allowed=len(hits)) or NO_SOURCES_KO
    cited = citations(hits, supported=True)
    used = {int(n) for n in re.findall(r"\[(\d+)\]", text)}
    if not used:  # the model cited nothing: the section still names what it was written from
        text = f"{text} " + "".join(f"[{c['n']}]" for c in cited)
    yield {"heading": heading, "text": text.strip(), "citations": cited}


def summary_table(sections: list[dict[str, Any]]) -> list[list[str]]:
    """항목 | 핵심 내용 | 출처: one row a section, its sources by document name."""
    rows = [["항목", "핵심 내용", "출처"]]
    for s in sections:
        docs = dict.fromkeys(str(c["document"]) for c in s["citations"])
        point = first_sentence(re.sub(r"\s*\[\d+\]", "", s["text"]))
        rows.append([s["heading"], point, ", ".join(docs) or "-"])
    return rows


def sources(sections: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every passage the report cites, once, in order of first citation."""
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for s in sections:
        for c in s["citations"]:
            seen.setdefault((str(c["document_id"]), str(c["text"])), c)
    return list(seen.values())
