"""Writing a report: each section of the outline from the passages the collection's search
finds for it, cited with the assistant's own rules (src/haneul/assistant/compose.py): a
marker [n] stays only when n is one of the section's real passages, every other is cut.
Passages longer than the model's context allows are summarised piece by piece first (map),
and the section is written from the summaries (reduce). What the model writes, summaries
and sections alike, passes the assistant's leak, loop and number checks (guard.py) or is
replaced by the passages' own sentences: a section so replaced says `drafted: "extractive"`
and why. Each finished section is handed to `on_section` at once, so a stopped job resumes
at the first section not yet written."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from haneul.assistant.compose import citations, sentences, strip_citations
from haneul.engine.protocol import Backend
from haneul.workspace.reports.guard import copied, extractive, section_problem

Search = Callable[[str, int], Awaitable[list[dict[str, Any]]]]

SYSTEM_KO = (
    "당신은 회사 보고서를 쓰는 도우미입니다. 주어진 자료만 근거로 한국어로 간결하게 쓰고, "
    "근거로 쓴 자료의 번호를 [1]처럼 문장 끝에 붙이세요. 자료에 없는 내용은 쓰지 마세요."
)
SUMMARY_KO = "다음 글을 핵심만 두세 문장으로 요약하세요."
NO_SOURCES_KO = "이 항목에 관한 자료를 문서에서 찾지 못했습니다."
CHARS_PER_TOKEN = 1.5  # Korean text: a token is about one and a half characters
ANSWER_TOKENS = 320  # a section of a few sentences; a longer draft is mostly a copied passage


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


def _lead(text: str, size: int) -> str:
    """The whole sentences at the start of `text` that fit in `size` characters (at least
    the first, cut)."""
    out = ""
    for line in sentences(text):
        if out and len(out) + len(line) + 1 > size:
            break
        out = f"{out} {line}".strip()
    return out[:size]


async def _summary(backend: Backend, model: str, piece: str) -> str:
    """The model's summary of `piece` if it passes the guards, else the piece's lead."""
    said = await _ask(backend, model, SUMMARY_KO, piece)
    why = section_problem(said, prompts=[SUMMARY_KO, SYSTEM_KO], grounds=[piece])
    return _lead(piece, max(80, len(piece) // 3)) if why else said


async def summarise(backend: Backend, model: str, text: str, size: int) -> str:
    """Map-reduce: `text` within `size` characters, summarising each piece and then the
    summaries together until it fits."""
    while len(text) > size:
        parts = [await _summary(backend, model, piece) for piece in pieces(text, size)]
        shorter = "\n".join(p for p in parts if p)
        if len(shorter) >= len(text):  # a model that does not shorten: keep the start
            return text[:size]
        text = shorter
    return text


def section_request(topic: str, heading: str, notes: list[str]) -> str:
    """The request for one section: the topic, the heading, the passages numbered [n]."""
    sources = "\n\n".join(f"[{n}] {note}" for n, note in enumerate(notes, start=1))
    return f"보고서 주제: {topic}\n작성할 항목: {heading}\n\n자료:\n{sources}"


def first_sentence(text: str, limit: int = 80) -> str:
    line = next((s for s in text.splitlines() if s.strip()), "").strip()
    found = re.match(r".+?[.!?。다](?=\s|$)", line)
    out = found.group(0) if found else line
    return out if len(out) <= limit else out[: limit - 1] + "…"


async def write_section(
    backend: Backend,
    model: str,
    topic: str,
    heading: str,
    search: Search,
    top_k: int,
    earlier: list[str] | None = None,
) -> AsyncIterator[Progress | dict[str, Any]]:
    """Progress events, then the section: heading, text and its citations. `earlier` are
    the texts of the sections before it, which it must not repeat."""
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
    written = await _ask(backend, model, SYSTEM_KO, section_request(topic, heading, notes))
    yield guarded(topic, heading, hits, notes, written, earlier or [])


def guarded(
    topic: str,
    heading: str,
    hits: list[dict[str, Any]],
    notes: list[str],
    written: str,
    earlier: list[str],
) -> dict[str, Any]:
    """The section from the model's `written` text if it passes the guards and does not
    repeat an `earlier` section, else the extractive one made from the passages (`drafted`
    says which, `reason` why)."""
    cited = citations(hits, supported=True)
    text = strip_citations(written, allowed=len(hits))
    passages = [*notes, *(str(h.get("text") or "") for h in hits)]
    prompts, grounds = [SYSTEM_KO, SUMMARY_KO], [topic, heading, *passages]
    why = section_problem(text, prompts=prompts, grounds=grounds, passages=passages)
    if why is None and copied(text, earlier) >= 2:
        why = "repeats an earlier section"
    if why is None:
        if not re.search(r"\[\d+\]", text):  # cited nothing: still name what it came from
            text = f"{text} " + "".join(f"[{c['n']}]" for c in cited)
        return {"heading": heading, "text": text.strip(), "citations": cited, "drafted": "model"}
    text = extractive(topic, heading, hits, earlier)
    text = text or f"{_lead(str(hits[0].get('text')), 200)} [1]"  # no whole sentence in any
    section = {"heading": heading, "text": text, "citations": cited}
    return section | {"drafted": "extractive", "reason": why}


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
