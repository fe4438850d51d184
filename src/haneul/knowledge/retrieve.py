"""Retrieval: hybrid fusion of the morpheme BM25 ranking and the e5 dense ranking, an
optional rerank, and a citation for every hit (document, page or slide, heading,
character span, a snippet with the matched terms marked)."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from haneul.knowledge.index import SearchIndex, StoredChunk, score_fusion
from haneul.knowledge.korean import term_spans
from haneul.knowledge.library import DocumentFilters, DocumentInfo, Library

SNIPPET_CHARS = 240
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


def highlight(text: str, query_terms: set[str]) -> list[tuple[int, int]]:
    """Spans of `text` whose search terms are among the query's, adjacent spans merged."""
    spans: list[tuple[int, int]] = []
    for start, end in sorted((a, b) for form, a, b in term_spans(text) if form in query_terms):
        if spans and start <= spans[-1][1] + 1 and not text[spans[-1][1] : start].strip():
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    return spans


def window(text: str, query_terms: set[str], width: int = SNIPPET_CHARS) -> tuple[int, int]:
    """The part of a chunk a snippet shows: from a little before the first place a query
    term is written (found as a string: cheap, and close enough to place a window)."""
    found = [i for i in (text.lower().find(t) for t in query_terms if len(t) > 1) if i >= 0]
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


def retrieve(
    library: Library,
    collection_id: str,
    query: str,
    embed_query: EmbedQuery | None,
    *,
    top_k: int = 5,
    filters: DocumentFilters | None = None,
    depth: int = 50,
    rerank: Rerank | None = None,
    mode: Mode = "hybrid",
) -> list[SearchHit]:
    """The best chunks of a collection for a query: BM25 over morphemes fused with the
    dense ranking (`mode` "hybrid"), or either ranking alone. The query vector is not
    computed beside the BM25 ranking on purpose: e5 already keeps every core busy, and
    measured on 2 cores the overlap made both slower."""
    index: SearchIndex = library.index
    query_vector = embed_query(query) if embed_query and mode != "lexical" else None
    words = index.analyze(query)  # once: for BM25 and for marking the snippets
    with library.lock:
        allowed = library.allowed_documents(collection_id, filters or DocumentFilters())
        lexical = index.lexical(words, depth, collection_id, allowed) if mode != "dense" else []
        dense = (
            index.dense(query_vector, depth, collection_id, allowed)
            if query_vector is not None
            else []
        )
        fused = score_fusion(lexical, dense)[: max(top_k, depth if rerank else top_k)]
        chunks = index.chunks([i for i, _ in fused])
        docs = library.documents_by_id(collection_id, {c.doc_id for c in chunks.values()})
    ranked = [(chunks[i], s) for i, s in fused if i in chunks and chunks[i].doc_id in docs]
    if rerank and ranked:
        scores = rerank(query, [c.record.text for c, _ in ranked])
        ranked = sorted(zip([c for c, _ in ranked], scores, strict=True), key=lambda x: -x[1])
    query_terms = set(words)
    return [_hit(chunk, score, docs[chunk.doc_id], query_terms) for chunk, score in ranked[:top_k]]


def _hit(chunk: StoredChunk, score: float, doc: DocumentInfo, query_terms: set[str]) -> SearchHit:
    record = chunk.record
    lo, hi = window(record.text, query_terms)
    # Kiwi reads only the window: marking the whole chunk costs more than the search
    spans = [(a + lo, b + lo) for a, b in highlight(record.text[lo:hi], query_terms)]
    return SearchHit(
        chunk_id=chunk.id,
        document=doc,
        text=record.text,
        score=round(float(score), 6),
        citation=Citation(doc.id, doc.name, record.page, record.heading, record.start, record.end),
        snippet=snippet(record.text, spans, lo, hi),
        highlights=spans,
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
