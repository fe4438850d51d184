"""Chunking on Korean text: whole sentences (found by Kiwi, with or without punctuation),
overlap, never across a section, over-long sentences cut at a line break or a space, and
every chunk an exact span of the document's text."""

from __future__ import annotations

import itertools
import random

import pytest

from haneul.errors import InvalidRequestError
from haneul.knowledge.chunking import Chunk, chunk_document
from haneul.knowledge.korean import sentences
from haneul.knowledge.loaders import LoadedDocument, Section

REPORT = " ".join(f"{i}번 문장은 분기 보고서의 한 줄이다." for i in range(1, 13))
SPOKEN = " ".join(
    ["회의는 오후 세 시에 시작합니다", "참석자는 모두 열 명입니다", "회의록은 김대리가 작성합니다"]
    * 4
)


def _doc(*sections: Section) -> LoadedDocument:
    return LoadedDocument("문서.txt", "text", list(sections))


def _check_spans(doc: LoadedDocument, chunks: list[Chunk], max_chars: int) -> None:
    """Exact spans, within one section each, with that section's page and heading."""
    text, starts, offset = doc.text, [], 0
    for section in doc.sections:
        starts.append((offset, offset + len(section.text), section))
        offset += len(section.text) + 2
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text
        assert chunk.text.strip() and len(chunk.text) <= max_chars
        owner = [s for a, b, s in starts if a <= chunk.start and chunk.end <= b]
        assert len(owner) == 1, f"chunk {chunk.text!r} crosses a section"
        assert (chunk.page, chunk.heading) == (owner[0].page, owner[0].heading)
    assert [c.start for c in chunks] == sorted(c.start for c in chunks)


def test_whole_sentences_packed_with_one_sentence_of_overlap() -> None:
    doc = _doc(Section(REPORT))
    chunks = chunk_document(doc, max_chars=80, overlap=1)
    _check_spans(doc, chunks, 80)
    assert len(chunks) > 3
    assert all(c.text.startswith(tuple("0123456789")) and c.text.endswith("이다.") for c in chunks)
    for before, after in itertools.pairwise(chunks):
        last_sentence = before.text[before.text.rindex("다. ") + 3 :]
        assert after.text.startswith(last_sentence)  # the overlap
        assert after.end > before.end  # and always something new


def test_without_overlap_chunks_tile_the_sentences() -> None:
    doc = _doc(Section(REPORT))
    chunks = chunk_document(doc, max_chars=80, overlap=0)
    _check_spans(doc, chunks, 80)
    assert " ".join(c.text for c in chunks) == REPORT
    assert all(a.end < b.start for a, b in itertools.pairwise(chunks))


def test_sentences_without_punctuation_are_kept_whole() -> None:
    doc = _doc(Section(SPOKEN))
    chunks = chunk_document(doc, max_chars=40, overlap=0)
    _check_spans(doc, chunks, 40)
    assert [c.text for c in chunks[:3]] == [
        "회의는 오후 세 시에 시작합니다 참석자는 모두 열 명입니다",
        "회의록은 김대리가 작성합니다 회의는 오후 세 시에 시작합니다",
        "참석자는 모두 열 명입니다 회의록은 김대리가 작성합니다",
    ]


def test_never_across_sections_pages_and_headings() -> None:
    doc = _doc(
        Section("첫 쪽의 첫 문장이다. 첫 쪽의 둘째 문장이다.", page=1, heading="개요"),
        Section("   \n  ", page=2),  # whitespace only: no chunk, offsets still right
        Section("둘째 쪽이다. " * 6, page=3, heading="본론"),
        Section("표 없이 끝나는 마지막 절", page=3, heading="결론"),
    )
    for max_chars, overlap in ((600, 1), (30, 1), (30, 0), (12, 2)):
        chunks = chunk_document(doc, max_chars=max_chars, overlap=overlap)
        _check_spans(doc, chunks, max_chars)
        assert {c.page for c in chunks} == {1, 3}
    whole = chunk_document(doc)
    assert [(c.page, c.heading) for c in whole] == [(1, "개요"), (3, "본론"), (3, "결론")]
    assert whole[-1].text == "표 없이 끝나는 마지막 절"


def test_a_long_sentence_is_cut_at_spaces_never_mid_word() -> None:
    words = [f"{w}{i}" for i in range(60) for w in ("가나다라", "마바사")]
    run_on = " ".join(words)
    assert len(sentences(run_on)) == 1
    doc = _doc(Section(run_on))
    chunks = chunk_document(doc, max_chars=50)
    _check_spans(doc, chunks, 50)
    assert " ".join(c.text for c in chunks) == run_on
    for chunk in chunks:
        assert set(chunk.text.split()) <= set(words)


def test_a_table_is_cut_at_line_breaks() -> None:
    table = "\n".join(f"강남점{i}\t{i * 7}\t홍길동\t인사팀" for i in range(40))
    doc = _doc(Section(table, page=1, heading="매출"))
    chunks = chunk_document(doc, max_chars=100)
    _check_spans(doc, chunks, 100)
    rows = table.splitlines()
    assert [row for c in chunks for row in c.text.splitlines()] == rows
    assert all(len(c.text) > 50 for c in chunks[:-1])  # cut near the limit, not early


def test_a_run_without_spaces_is_cut_between_syllables_and_jamo_stay_whole() -> None:
    syllables = "가" * 250
    doc = _doc(Section(syllables))
    chunks = chunk_document(doc, max_chars=100)
    _check_spans(doc, chunks, 100)
    assert "".join(c.text for c in chunks) == syllables
    old_hangul = "\u1112\u119e\u11ab" * 70  # 한 in old Hangul: three conjoining jamo
    doc = _doc(Section(old_hangul))
    chunks = chunk_document(doc, max_chars=100)
    _check_spans(doc, chunks, 100)
    assert "".join(c.text for c in chunks) == old_hangul
    assert all(c.text.startswith("\u1112") and c.text.endswith("\u11ab") for c in chunks)


def test_overlap_gives_way_to_a_new_sentence() -> None:
    long_one = "이 문장은 상당히 길어서 다음 문장과 함께 한 덩어리에 들어가지 못한다."
    text = f"짧은 문장이다. {long_one} 또 다른 긴 문장도 여기에 하나 더 있어서 자리를 차지한다."
    doc = _doc(Section(text))
    chunks = chunk_document(doc, max_chars=len(long_one) + 12, overlap=1)
    _check_spans(doc, chunks, len(long_one) + 12)
    for before, after in itertools.pairwise(chunks):
        assert not (after.start >= before.start and after.end <= before.end)


def test_random_korean_documents_keep_every_invariant() -> None:
    rng = random.Random(7)
    words = [
        "서울시청은",
        "연차",
        "휴가를",
        "신청한다",
        "보고서",
        "작성",
        "회의록",
        "예산안",
        "검토",
    ]
    enders = [".", "?", "!", "", "다.", "요"]
    for _ in range(8):
        sections_ = []
        for page in range(1, rng.randint(2, 5)):
            sentences_ = [
                " ".join(rng.choices(words, k=rng.randint(1, 14))) + rng.choice(enders)
                for _ in range(rng.randint(1, 12))
            ]
            sections_.append(Section(rng.choice([" ", "\n", "  "]).join(sentences_), page=page))
        doc = _doc(*sections_)
        max_chars, overlap = rng.randint(15, 120), rng.randint(0, 3)
        chunks = chunk_document(doc, max_chars=max_chars, overlap=overlap)
        _check_spans(doc, chunks, max_chars)
        covered = {i for c in chunks for i in range(c.start, c.end)}
        assert all(i in covered for i, ch in enumerate(doc.text) if not ch.isspace())


def test_bad_arguments_are_refused() -> None:
    doc = _doc(Section(REPORT))
    with pytest.raises(InvalidRequestError, match="max_chars"):
        chunk_document(doc, max_chars=0)
    with pytest.raises(InvalidRequestError, match="overlap"):
        chunk_document(doc, overlap=-1)
    assert chunk_document(_doc()) == []
