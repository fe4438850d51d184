"""Document to table: the key points of an uploaded document as a Markdown table (항목 |
내용 | 출처; without 출처 when the document has no pages or headings to cite), picked and
split without a model: sentences that carry numbers, dates or amounts come first, in the
document's order. A row's 항목 is the sentence's own label: an article heading («제2조
(여름휴가)»), the part before a colon, or its topic up to the particle Kiwi reads as 은/는
(so «연차휴가는 반일 단위로…» gives 연차휴가, and «하늘전자 휴가 규정» is never cut after
the 가 of 휴가). The bundled models are too small to summarise reliably; a table of the
document's own sentences cannot invent anything, and every row says where it came from."""

from __future__ import annotations

import re
from typing import Any

from haneul.engine.kiwi import LOCK, kiwi
from haneul.skills import SkillArgumentError, SkillContext, SkillResult, skill
from haneul.skills.builtin.documents import SENTENCE_LIKE, question_terms
from haneul.skills.documents_source import Sentence

FILE = re.compile(r"([\w가-힣().\-]+\.(?:pdf|docx|pptx|xlsx|hwpx?|html?|md|txt))", re.I)
KEY_VALUE = re.compile(r"^\s*([^:：]{1,30})[:：]\s*(.+)$")
ARTICLE = re.compile(r"^\s*(제\s*\d+\s*조(?:\s*[(（][^)）]{1,20}[)）])?)\s*(.{4,})$")
TOPIC_CHARS = 30  # a topic longer than this is a clause, not a label
# numbers and spans of time; 년, 월, 일, 원 alone are in too many words (직원, 일한다, 매월)
FACT = re.compile(r"\d|시간|기간|까지|이상|이하")


# «표» as a word of its own («표로 정리해줘», «표 만들어 줘»), never inside 발표, 대표, 목표, 표시
TABLE = re.compile(
    r"(?<![가-힣])표(?:로|를|가|는|에서|에|처럼)?(?![가-힣])|(?<![가-힣])표\s*(?:형식|형태)"
    r"|도표|테이블|table",
    re.I,
)


def parse(utterance: str) -> dict[str, Any] | None:
    """The document named in the utterance, if any; None unless a table is asked for (so
    "find X in my documents" goes on to the search skill)."""
    if not TABLE.search(utterance):
        return None
    found = FILE.search(utterance)
    return {"document": found.group(1)} if found else {"about": utterance.strip()}


def _topic(text: str) -> tuple[str, str] | None:
    """The sentence's topic and the rest, split at its first 은/는 particle (Kiwi's JX)."""
    with LOCK:
        tokens = kiwi().tokenize(text[: TOPIC_CHARS + 2])
    for token in tokens:
        if token.tag == "JX" and token.form in ("은", "는") and token.start > 0:
            item, rest = text[: token.start].strip(), text[token.start + token.len :].strip()
            return (item, rest) if len(item) <= TOPIC_CHARS and len(rest) >= 4 else None
    return None


def _split(text: str) -> tuple[int, str, str] | None:
    """(how much the form says it is a key point, item, content), or None."""
    for pattern in (ARTICLE, KEY_VALUE):
        found = pattern.match(text)
        if found:
            return 2, found.group(1).strip(), found.group(2).strip()
    topic = _topic(text)
    return (1, *topic) if topic else None


def _row(sentence: Sentence) -> tuple[int, str, str, str]:
    text = " ".join(sentence.text.split())
    where = f"p.{sentence.page}" if sentence.page else (sentence.heading or "")
    split = _split(text)
    if split:
        form, item, content = split
        return form + 2 * bool(FACT.search(content)), item, content, where
    return 2 * bool(FACT.search(text)), sentence.heading or "내용", text, where


def says_something(text: str) -> bool:
    """A line that ends like a sentence and is long enough to say something: not a title,
    a heading or a numbering left on a line of its own («나.»)."""
    return bool(SENTENCE_LIKE.search(text.strip())) and len(text.strip()) >= 8


def score(sentence: Sentence) -> int:
    """How much a sentence reads as a key point: 2 for a label of its own (an article, a
    colon), 1 for a topic, 2 more when it carries numbers, dates or amounts."""
    return _row(sentence)[0]


# words of a request that name no part of a document («출장비 규정 표로 정리해줘»: 출장비 does)
_NOT_TOPIC = re.compile(
    r"(?:규정|규칙|지침|문서|파일|내용|핵심|주요|요점|전체|전부|관련|부분|조항|항목|요약|정리|표|"
    r"보여|만들어|알려|간추려|줄여)\S*"
)


_HEADING = re.compile(r"(?:^|\n)\s*(제\s*\d+\s*조\s*(?:[(（][^)）]{1,20}[)）])?)")


def focus(sentences: list[Sentence], about: str | None, name: str) -> list[Sentence]:
    """The sentences of the parts (articles «제5조 (출장비)», headings) the request names
    when it names some but not all of them: «출장비 규정 표로 정리해줘» is 제5조, not the
    whole rule book. A word of the document's own name names the whole («휴가 규정 요약해줘»
    for 휴가규정.txt), and a request naming no part keeps every sentence."""
    if not about:
        return sentences
    plain = re.sub(r"\s+", "", name)
    terms = [t for t in question_terms(about) if not _NOT_TOPIC.fullmatch(t) and t not in plain]
    if not terms:
        return sentences
    heading, kept = "", []
    for sentence in sentences:
        article = _HEADING.search(sentence.text)  # on its first line or after a title line
        heading = article.group(1) if article else sentence.heading or heading
        named = re.sub(r"^제\s*\d+\s*조\s*|[(（)）\s]", "", heading)
        if named and any(t in named or named in t for t in terms):  # «재택근무랑», «연차»
            kept.append(sentence)
    return kept if 0 < len(kept) < len(sentences) else sentences


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


@skill(
    "document_table",
    examples=(
        "이 문서에서 핵심 내용을 표로 만들어줘",
        "업로드한 파일 내용을 표로 정리해줘",
        "계약서 주요 조건을 표로 보여줘",
        "방금 올린 문서 요점을 표로 만들어 줘",
        "회의록을 표로 정리해 줘",
        "make a table of the key points in this document",
    ),
    parser=parse,
)
async def document_table(
    context: SkillContext, document: str | None = None, rows: int = 8, about: str | None = None
) -> SkillResult:
    """Make a Markdown table of the key points of one of the user's uploaded documents.

    Args:
        document: The document's file name (or part of it); omit for the one uploaded last.
        rows: How many rows at most (1-20).
        about: The user's request: without `document`, the document whose name it mentions
            («휴가 규정 문서를 표로…» for 휴가규정.txt), else the one uploaded last.
    """
    if not 1 <= rows <= 20:
        raise SkillArgumentError("document_table: rows is 1 to 20", param="rows")
    if context.documents is None:
        raise SkillArgumentError("document_table: documents are not available here")
    doc = await context.documents.document(context.owner, document, about)
    part = focus(doc.sentences, about, doc.name)
    candidates = [(i, *_row(s)) for i, s in enumerate(part) if s.text.strip()]
    # a title or heading line («하늘전자 국내 출장비 지급 기준») is no key point of its own
    # ...nor a numbering left on a line of its own («나.»)
    candidates = [c for c in candidates if c[1] > 0 or says_something(c[3])]
    best = sorted(candidates, key=lambda c: (-c[1], c[0]))[:rows]
    chosen = sorted(best)  # back in the document's order
    # no 출처 column without a page or heading to cite (a plain text file): the title names it
    header = ["항목", "내용", "출처"] if any(where for *_, where in chosen) else ["항목", "내용"]
    cells = [[i, c, w][: len(header)] for _, _, i, c, w in chosen]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(map(_cell, row)) + " |" for row in cells]
    table = "\n".join(lines)
    data = [{"item": c[2], "content": c[3], "source": c[4]} for c in chosen]
    content = f"**{doc.name}** 핵심 내용\n\n{table}"
    return SkillResult(content, data=data, answer=content)
