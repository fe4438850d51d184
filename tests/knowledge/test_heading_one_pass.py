"""Chunks under a heading share the section's one Kiwi pass (issue 24): their search terms
are the heading's (analysed once per section) then their own from the pass, equal to what
`korean.terms` gives for the heading and the text each read alone. Read joined
(`indexed_text`, as the two-pass path did) Kiwi sometimes reads across the line break
(노아는 after 제2조(정의) became 아): the one pass keeps the text's own reading. Markdown
sections over KorQuAD paragraphs, Korean headings."""

from __future__ import annotations

import json

import pytest

from haneul.knowledge.chunking import analysed_chunks, chunk_document
from haneul.knowledge.index import ChunkRecord, indexed_text
from haneul.knowledge.korean import terms
from haneul.knowledge.loaders import load_document
from tests.conftest import SHARED_DATA

KORQUAD = SHARED_DATA / "korquad" / "korquad_v1.0_dev_even.json"
needs_data = pytest.mark.skipif(not KORQUAD.exists(), reason="shared data absent")
HEADINGS = ["제1장 총칙", "제2조(정의)", "서울특별시 지하철", "계약 해지 및 위약금", "부록 가"]


def _markdown(paragraphs: list[str]) -> str:
    """Sections of two paragraphs each under a Korean heading (the article's title words
    make some headings end in a noun that the text begins with: 서울 / 서울시청)."""
    parts = []
    for i in range(0, len(paragraphs), 2):
        heading = HEADINGS[(i // 2) % len(HEADINGS)]
        parts.append(f"# {heading}\n\n" + "\n\n".join(paragraphs[i : i + 2]))
    return "\n\n".join(parts) + "\n"


def _check(text: str, max_chars: int) -> tuple[int, int, int]:
    """(chunks, chunks under a heading, chunks whose terms differ from the joined reading);
    asserts both paths' chunks are equal and that every chunk of whole sentences took its
    terms from the pass: the heading's, then its own as read alone."""
    doc = load_document("문서.md", text.encode())
    old = chunk_document(doc, max_chars)
    new = analysed_chunks(doc, max_chars)
    assert [c for c, _ in new] == old
    headed = joined = 0
    for chunk, found in new:
        record = ChunkRecord(chunk.text, chunk.start, chunk.end, chunk.page, chunk.heading)
        headed += chunk.heading is not None
        assert found is not None, chunk.text[:40]  # no chunk is left to a second pass
        assert found == terms(chunk.heading or "") + terms(chunk.text), chunk.text[:40]
        joined += found != terms(indexed_text(record))
    return len(new), headed, joined


def test_a_headed_chunk_takes_the_headings_terms_then_its_own() -> None:
    text = "# 제3장 계약 해지\n\n계약은 서면으로 해지한다. 위약금은 없다.\n"
    doc = load_document("계약.md", text.encode())
    [(chunk, found)] = analysed_chunks(doc)
    assert chunk.heading == "제3장 계약 해지"
    assert found == terms("제3장 계약 해지") + terms("계약은 서면으로 해지한다. 위약금은 없다.")
    assert found == terms(indexed_text(ChunkRecord(chunk.text, heading=chunk.heading)))


@needs_data
def test_korquad_sections_under_headings_give_the_two_pass_terms() -> None:
    data = json.loads(KORQUAD.read_text(encoding="utf-8"))["data"]
    paragraphs = [p["context"] for a in data for p in a["paragraphs"]][:60]
    chunks, headed, joined = _check(_markdown(paragraphs), 600)
    assert headed == chunks and chunks > 60  # every chunk lies under a heading
    # the joined reading differs only at a few heading/text boundaries (6 of 68 here)
    assert joined <= chunks // 10


def test_the_text_keeps_its_own_reading_after_a_heading() -> None:
    """Kiwi reads 노아는 after the heading 제2조(정의) as 아 when the two are joined; the one
    pass reads the text alone and keeps 노아, which a query for 노아 finds."""
    text = "# 제2조(정의)\n\n노아는 하나님의 명령에 따라 배를 만들었다.\n"
    [(chunk, found)] = analysed_chunks(load_document("창세기.md", text.encode()))
    assert found is not None and "노아" in found
    assert found == terms("제2조(정의)") + terms(chunk.text)
