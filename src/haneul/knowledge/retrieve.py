"""Retrieval in two stages: the morpheme BM25 ranking and the e5 dense ranking fused by
score, then the best `pool` of those re-ranked by the learned ranker of `rank.py` (term
coverage and proximity, character bigrams, the best-matching sentence's vector); an
optional external rerank after that; a citation for every hit (document, page or slide,
heading, character span, a snippet with the matched terms marked); and copies folded: a
hit whose shown passage an earlier hit already holds (the same text saved as PDF and DOCX, a
report and its "_최종" copy, the overlap of two chunks) is not shown again, its document
listed under the earlier hit's `also_in`."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from haneul.knowledge import rank
from haneul.knowledge.index import (
    COMMON_SHARE,
    SearchIndex,
    StoredChunk,
    score_fusion,
)
from haneul.knowledge.library import DocumentFilters, DocumentInfo, Library

SNIPPET_CHARS = 240
SAME_TEXT = 15  # characters (no spaces) of matched lines making a copy: more than a heading
POOL = 20  # candidates the ranker re-orders (on KorQuAD the right one is among 20 in 99.9%)
Mode = Literal["hybrid", "lexical", "dense"]
EmbedQuery = Callable[[str], np.ndarray]  # query -> its normalised vector
Rerank = Callable[[str, list[str]], list[float]]  # query, texts -> one score per text


@dataclass(frozen=True)
class Citation:
    document_id: str
    document_name: str
    page: int | None
    heading: str | None
    start: int  # character span of the chunk in the document's text
    end: int


@dataclass(frozen=True)
class SearchHit:
    chunk_id: int
    document: DocumentInfo
    text: str
    score: float
    citation: Citation
    snippet: str  # HTML-escaped, matched terms in <mark>
    highlights: list[tuple[int, int]] = field(default_factory=list)  # spans in `text`
    # e5 cosine of the query and the chunk or its closest sentence (the higher), when known
    cosine: float | None = None
    # other documents holding the passage this hit shows (copies folded into it: `fold`)
    also_in: list[Citation] = field(default_factory=list)


def _lower(text: str) -> str:
    """`text` lower-cased character by character, keeping its length (so offsets found in
    it are offsets in `text`): a character whose lower case is longer (İ) stays as it is."""
    lower = text.lower()
    if len(lower) == len(text):
        return lower
    return "".join(low if len(low := c.lower()) == 1 else c for c in text)


def highlight(text: str, query_terms: set[str]) -> list[tuple[int, int]]:
    """Spans of `text` where the query's search terms are written, overlapping or adjacent
    spans merged. The terms are Kiwi's forms with their particles gone, so each is found
    as a string (서울시청 in 서울시청은); terms of one character are left unmarked (년, 곳:
    found inside too many words). Searching strings, not analysing the text again, keeps
    Kiwi off the hits: it cost more than the search itself."""
    lower = _lower(text)
    found = []
    for term in query_terms:
        if len(term) < 2:
            continue
        at = lower.find(term)
        while at >= 0:
            found.append((at, at + len(term)))
            at = lower.find(term, at + 1)
    spans: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if spans and start <= spans[-1][1] + 1 and not text[spans[-1][1] : start].strip():
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    return spans


def window(text: str, query_terms: set[str], width: int = SNIPPET_CHARS) -> tuple[int, int]:
    """The part of a chunk a snippet shows: from a little before the first place a query
    term is written (found as a string: cheap, and close enough to place a window)."""
    found = [i for i in (_lower(text).find(t) for t in query_terms if len(t) > 1) if i >= 0]
    first = min(found, default=0)
    lo = max(0, min(first - width // 4, len(text) - width))
    return lo, min(len(text), lo + width)


def snippet(text: str, spans: list[tuple[int, int]], lo: int, hi: int) -> str:
    """text[lo:hi] HTML-escaped, the spans wrapped in <mark>, … where it is cut."""
    out, pos = [], lo
    for start, end in spans:
        if end <= lo or start >= hi:
            continue
        start, end = max(start, lo), min(end, hi)
        out += [html.escape(text[pos:start]), "<mark>", html.escape(text[start:end]), "</mark>"]
        pos = end
    out.append(html.escape(text[pos:hi]))
    return ("…" if lo > 0 else "") + "".join(out) + ("…" if hi < len(text) else "")


@dataclass
class _Stage:
    """The first stage's result: fused (chunk id, score) best first, and what was read."""

    words: list[str]
    fused: list[tuple[int, float]]
    chunks: dict[int, StoredChunk]
    docs: dict[str, DocumentInfo]
    candidates: list[rank.Candidate]


def _first_stage(
    library: Library,
    collection_id: str,
    query: str,
    query_vector: np.ndarray | None,
    filters: DocumentFilters | None,
    depth: int,
    keep: int,
    mode: Mode,
) -> _Stage:
    index: SearchIndex = library.index
    words = index.analyze(query)  # once: for BM25, the ranker and marking the snippets
    hybrid = mode == "hybrid"
    with library.lock:
        allowed = library.allowed_documents(collection_id, filters or DocumentFilters())
        lexical = (
            index.lexical(words, depth, collection_id, allowed, COMMON_SHARE if hybrid else None)
            if mode != "dense"
            else []
        )
        dense = (
            index.dense(query_vector, depth, collection_id, allowed)
            if query_vector is not None
            else []
        )
        waiting = index.unembedded([i for i, _ in lexical]) if dense else set()
        fused = score_fusion(lexical, dense, unembedded=waiting)[:keep]
        chunks = index.chunks([i for i, _ in fused])
        inputs = index.rank_inputs([i for i, _ in fused]) if hybrid else {}
        docs = library.documents_by_id(collection_id, {c.doc_id for c in chunks.values()})
    bm25, cosine = dict(lexical), dict(dense)
    places = {i: n for n, (i, _) in enumerate(dense)}
    candidates = [
        rank.Candidate(
            id=i,
            bm25=bm25.get(i),
            cosine=cosine.get(i),
            dense_rank=places.get(i),
            terms=inputs[i].terms,
            text=chunks[i].record.text,
            sentence_vectors=inputs[i].sentence_vectors,
            embedded=inputs[i].embedded,
        )
        for i, _ in fused
        if i in chunks and i in inputs and chunks[i].doc_id in docs
    ]
    return _Stage(words, fused, chunks, docs, candidates)


def rank_candidates(
    library: Library,
    collection_id: str,
    query: str,
    query_vector: np.ndarray | None,
    *,
    filters: DocumentFilters | None = None,
    depth: int = 50,
    pool: int = POOL,
) -> tuple[list[str], list[rank.Candidate]]:
    """The query's terms and the candidates the ranker would re-order (for fitting it)."""
    stage = _first_stage(
        library, collection_id, query, query_vector, filters, depth, pool, "hybrid"
    )
    return stage.words, stage.candidates


def retrieve(
    library: Library,
    collection_id: str,
    query: str,
    embed_query: EmbedQuery | None,
    *,
    top_k: int = 5,
    filters: DocumentFilters | None = None,
    depth: int = 50,
    pool: int = POOL,
    rerank: Rerank | None = None,
    mode: Mode = "hybrid",
    collapse: bool = True,
) -> list[SearchHit]:
    """The best chunks of a collection for a query: BM25 over morphemes fused with the
    dense ranking, the best `pool` re-ranked by the learned ranker (`mode` "hybrid"), or
    either first-stage ranking alone. The query vector is not computed beside the BM25
    ranking on purpose: e5 already keeps every core busy, and measured on 2 cores the
    overlap made both slower. With `collapse`, copies are folded (`fold`) and the list
    filled from further down the ranking."""
    query_vector = embed_query(query) if embed_query and mode != "lexical" else None
    alone = 2 * top_k if collapse else top_k  # room to fill the list after folding copies
    keep = max(top_k, pool if mode == "hybrid" or rerank else alone)
    stage = _first_stage(library, collection_id, query, query_vector, filters, depth, keep, mode)
    chunks, docs = stage.chunks, stage.docs
    fused = stage.fused
    if mode == "hybrid" and stage.candidates:
        fused = rank.rank(stage.words, query, query_vector, stage.candidates)
    ranked = [(chunks[i], s) for i, s in fused if i in chunks and chunks[i].doc_id in docs]
    if rerank and ranked:
        scores = rerank(query, [c.record.text for c, _ in ranked])
        ranked = sorted(zip([c for c, _ in ranked], scores, strict=True), key=lambda x: -x[1])
    query_terms = set(stage.words)
    cosines = {c.id: _closest(c, query_vector) for c in stage.candidates}
    hits = [
        _hit(chunk, score, docs[chunk.doc_id], query_terms, cosines.get(chunk.id))
        for chunk, score in ranked[: top_k if not collapse else len(ranked)]
    ]
    return (fold(hits, query_terms) if collapse else hits)[:top_k]


def _plain(text: str) -> str:
    """Text compared for copies: without whitespace (a PDF wraps lines where a DOCX does
    not) and lower-cased."""
    return re.sub(r"\s+", "", text).lower()


def _shown(hit: SearchHit, query_terms: set[str]) -> list[str]:
    """What a hit shows for the query, compared for copies: the sentences (or lines) of its
    snippet's window that hold a query term, or the whole window where none does. Chunk
    boundaries differ between copies (a PDF's page against a DOCX's heading), so the
    window's edges and its sentences without the query's words do not count."""
    lo, hi = window(hit.text, query_terms)
    pieces = re.split(r"(?<=[.?!。])\s+|\n+", hit.text[lo:hi])
    terms = [t for t in query_terms if len(t) > 1]
    matched = [p for p in (_plain(p) for p in pieces if any(t in _lower(p) for t in terms)) if p]
    if sum(map(len, matched)) < SAME_TEXT:  # a shared heading («휴가 규정») is no copy
        return [_plain(hit.text[lo:hi])]
    return matched


def fold(hits: list[SearchHit], query_terms: set[str]) -> list[SearchHit]:
    """The hits without copies: a hit whose shown passage (`_shown`) an earlier hit's text
    already holds is dropped, and its document listed in that hit's `also_in` (once per
    document; the same document's overlapping chunk adds none). The first hit never
    moves, so Recall@1 is the ranker's."""
    kept: list[tuple[SearchHit, str]] = []
    for hit in hits:
        shown = _shown(hit, query_terms)
        into = next(
            (k for k, (_, text) in enumerate(kept) if all(p and p in text for p in shown)), None
        )
        if into is None:
            kept.append((hit, _plain(hit.text)))
            continue
        first = kept[into][0]
        known = {first.document.id} | {c.document_id for c in first.also_in}
        if hit.document.id not in known:
            first.also_in.append(hit.citation)
    return [hit for hit, _ in kept]


def _closest(c: rank.Candidate, query_vector: np.ndarray | None) -> float | None:
    """The query's e5 cosine with the chunk's closest sentence (a question about one rule
    of a short document meets that rule's sentence), or with the chunk when it has no
    sentence vectors. Not the chunk's own: it is pooled from its sentences' vectors, and
    a mean of e5 vectors sits closer to every query than its sentences do (above the best
    sentence for 98.5% of unrelated KorQuAD pairs, +0.027 on average), which would pass
    the documents skill's support thresholds (0.87) for passages that do not answer."""
    if query_vector is not None and c.sentence_vectors is not None and len(c.sentence_vectors):
        return float((c.sentence_vectors @ query_vector.reshape(-1)).max())
    return c.cosine


def _hit(
    chunk: StoredChunk,
    score: float,
    doc: DocumentInfo,
    query_terms: set[str],
    cosine: float | None = None,
) -> SearchHit:
    record = chunk.record
    lo, hi = window(record.text, query_terms)
    spans = [(a + lo, b + lo) for a, b in highlight(record.text[lo:hi], query_terms)]
    return SearchHit(
        chunk_id=chunk.id,
        document=doc,
        text=record.text,
        score=round(float(score), 6),
        citation=Citation(doc.id, doc.name, record.page, record.heading, record.start, record.end),
        snippet=snippet(record.text, spans, lo, hi),
        highlights=spans,
        cosine=None if cosine is None else round(float(cosine), 4),
    )


def hybrid_search(
    index: SearchIndex, query: str, query_vector: np.ndarray | None, k: int = 10, depth: int = 50
) -> list[StoredChunk]:
    """Fused ranking over the default collection of a bare index (benchmarks, tests)."""
    lexical = index.lexical(query, depth)
    dense = index.dense(query_vector, depth) if query_vector is not None else []
    fused = score_fusion(lexical, dense)[:k]
    chunks = index.chunks([i for i, _ in fused])
    return [chunks[i] for i, _ in fused if i in chunks]
