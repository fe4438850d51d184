"""Document summary: «휴가규정.txt 내용을 요약해 줘», «출장비 규정 요약해줘». The summary is the
document's own sentences, picked without a model: first the best of each of its parts (an
article «제2조 (여름휴가)», a labelled line «숙박비: …», a heading), the one that carries most
(a label, numbers, dates, amounts: `table.score`), then the others that carry most, up to
`points`, in the document's order. Prose with no parts gives its first sentence (an
article's lead) and the one that carries most from each stretch of the rest. Title lines
are left out.

Before this skill a summary asked for went to the document search, whose answer quotes one
sentence: the web UI's own follow-up ««휴가규정.txt» 내용을 요약해 줘» came back as the first
article alone. The bundled models are too small to summarise reliably (docs/assistant.md);
sentences copied whole cannot say what the document does not, and each says where it is."""

from __future__ import annotations

import re
from typing import Any

from haneul.engine.kiwi import LOCK, kiwi
from haneul.skills import SkillArgumentError, SkillContext, SkillResult, skill
from haneul.skills.builtin.table import (
    ARTICLE,
    FILE,
    KEY_VALUE,
    TABLE,
    focus,
    says_something,
    score,
)
from haneul.skills.documents_source import Sentence

SUMMARY = re.compile(
    r"요약|간추려|간추린|줄여\s*(?:줘|주세요|서)|핵심(?:만|을|이|은|\s*내용)|요점|개요|"
    r"주요\s*내용|무슨\s*내용|어떤\s*내용"
)
# «이 글 요약해줘: 회사는 내년부터…»: the text to summarise is in the message, not a document
GIVEN_TEXT = re.compile(r"[:：]\s*\S.{15,}|\n\s*\S.{15,}", re.S)
LONGEST_REQUEST = 120  # a longer message brings its own text to summarise


def parse(utterance: str) -> dict[str, Any] | None:
    """The document named in the utterance (or the words that name it); None unless a
    summary of a document is asked for (a table asked for is `document_table`'s, a text in
    the message is not a document)."""
    text = utterance.strip()
    given = GIVEN_TEXT.search(text)
    if given and SUMMARY.search(text[: given.start()]) and not TABLE.search(text[: given.start()]):
        return {"text": given.group(0).lstrip(":： \n")}  # «회의록 요약해줘: 오늘 회의에서…»
    if not SUMMARY.search(text) or TABLE.search(text):
        return None
    if len(text) > LONGEST_REQUEST or given:
        return None
    found = FILE.search(text)
    return {"document": found.group(1)} if found else {"about": text}


def _parts(sentences: list[Sentence]) -> list[int]:
    """Each sentence's part: a new part at each article, labelled line or heading."""
    parts, part, heading = [], -1, object()
    for s in sentences:
        starts = ARTICLE.match(s.text) or KEY_VALUE.match(s.text) or s.heading != heading
        part += bool(starts) or part < 0
        heading = s.heading
        parts.append(part)
    return parts


def key_sentences(sentences: list[Sentence], points: int) -> list[int]:
    """The indices of the sentences a summary quotes, in the document's order."""
    kept = [i for i, s in enumerate(sentences) if s.text.strip()]
    scores = {i: score(sentences[i]) for i in kept}
    # no title or heading line («하늘전자 휴가 규정 (2026년 개정)»), unless nothing else is
    kept = [i for i in kept if says_something(sentences[i].text)] or [i for i in kept if scores[i]]
    parts = _parts(sentences)
    best: dict[int, int] = {}
    for i in kept:
        if parts[i] not in best or scores[i] > scores[best[parts[i]]]:
            best[parts[i]] = i
    if len(best) < 2:  # prose with no parts: its lead, then the best of each stretch
        return _spread(kept, scores, points)
    firsts = sorted(best.values(), key=lambda i: (-scores[i], i))
    rest = sorted((i for i in kept if i not in firsts), key=lambda i: (-scores[i], i))
    return sorted((firsts + rest)[:points])


def _spread(kept: list[int], scores: dict[int, int], points: int) -> list[int]:
    """The first sentence (an article's lead), then the sentence that carries most of each
    of `points - 1` equal stretches of the rest, so the summary covers the whole text."""
    if len(kept) <= points or points == 1:
        return kept[:points]
    rest = kept[1:]
    size = len(rest) / (points - 1)
    stretches = [rest[round(k * size) : round((k + 1) * size)] for k in range(points - 1)]
    return [kept[0], *(max(part, key=lambda i: (scores[i], -i)) for part in stretches if part)]


@skill(
    "document_summary",
    examples=(
        "휴가규정.txt 내용을 요약해 줘",
        "방금 올린 문서 요약해줘",
        "출장비 규정 핵심만 간추려 줘",
        "업로드한 계약서 주요 내용 알려줘",
        "회의록.hwp 요점 정리해 줘",
        "summarize the document I uploaded",
    ),
    parser=parse,
)
async def document_summary(
    context: SkillContext,
    document: str | None = None,
    points: int = 6,
    about: str | None = None,
    text: str | None = None,
) -> SkillResult:
    """Summarise one of the user's uploaded documents, or a text pasted into the message, in
    its own sentences.

    Args:
        document: The document's file name (or part of it); omit for the one uploaded last.
        points: How many sentences at most (1-12).
        about: The user's request: without `document`, the document whose name it mentions
            («출장비 규정 요약해줘» for 출장비규정.txt), else the one uploaded last.
        text: A text the user pasted («회의록 요약해줘: …»): summarised instead of a document.
    """
    if not 1 <= points <= 12:
        raise SkillArgumentError("document_summary: points is 1 to 12", param="points")
    if text is not None:
        return _pasted(text, points)
    if context.documents is None:
        raise SkillArgumentError("document_summary: documents are not available here")
    doc = await context.documents.document(context.owner, document, about)
    part = focus(doc.sentences, about, doc.name)
    picked = key_sentences(part, points)
    lines = []
    for i in picked:
        s = part[i]
        lines.append("- " + " ".join(s.text.split()) + (f" (p.{s.page})" if s.page else ""))
    if not lines:
        text = f"**{doc.name}**에는 요약할 문장이 없습니다."
        return SkillResult(text, data=[], answer=text)
    head = f"**{doc.name}** 요약 (문서의 문장 {len(lines)}개를 그대로 옮겼습니다)"
    content = head + "\n\n" + "\n".join(lines)
    data = [{"text": part[i].text, "page": part[i].page} for i in picked]
    return SkillResult(content, data=data, answer=content)


def _pasted(text: str, points: int) -> SkillResult:
    """A pasted text's key sentences, as a document's are picked (at least three kept, at
    most half of a longer text)."""
    with LOCK:
        found = kiwi().split_into_sents(text)
    sentences = [Sentence(" ".join(s.text.split())) for s in found if s.text.strip()]
    if not sentences:
        raise SkillArgumentError("document_summary: the pasted text is empty", param="text")
    picked = key_sentences(sentences, min(points, max(3, len(sentences) // 2)))
    lines = [f"- {sentences[i].text}" for i in picked]
    head = f"**붙여 주신 글** 요약 (문장 {len(lines)}개를 그대로 옮겼습니다)"
    content = head + "\n\n" + "\n".join(lines)
    data = [{"text": sentences[i].text, "page": None} for i in picked]
    return SkillResult(content, data=data, answer=content)
