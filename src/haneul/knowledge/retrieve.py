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
from haneul.knowledge.korean import term_spans, terms
from haneul.knowledge.library import DocumentFilters, DocumentInfo, Library

SNIPPET_CHARS = 240
Mode = Literal["hybrid", "lexical", "dense"]
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


def snippet(text: str, spans: list[tuple[int, int]], width: int = SNIPPET_CHARS) -> str:
    """A window of the text around the first match, matches wrapped in <mark>."""
    first = spans[0][0] if spans else 0
    lo = max(0, min(first - width // 4, len(text) - width))
    hi = min(len(text), lo + width)
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
    query_vector: np.ndarray | None,
    *,
    top_k: int = 5,
    filters: DocumentFilters | None = None,
    depth: int = 50,
    rerank: Rerank | None = None,
    mode: Mode = "hybrid",
) -> list[SearchHit]:
    """The best chunks of a collection for a query: BM25 over morphemes fused with the
    dense ranking (`mode` "hybrid"), or either ranking alone. Without a query vector the
    dense ranking is empty."""
    index: SearchIndex = library.index
    with library.lock:
        allowed = library.allowed_documents(collection_id, filters or DocumentFilters())
        lexical = index.lexical(query, depth, collection_id, allowed) if mode != "dense" else []
        dense = (
            index.dense(query_vector, depth, collection_id, allowed)
            if query_vector is not None and mode != "lexical"
            else []
        )
        fused = score_fusion(lexical, dense)[: max(top_k, depth if rerank else top_k)]
        chunks = index.chunks([i for i, _ in fused])
        docs = {d.id: d for d in library.documents(collection_id)}
    ranked = [(chunks[i], s) for i, s in fused if i in chunks and chunks[i].doc_id in docs]
    if rerank and ranked:
        scores = rerank(query, [c.record.text for c, _ in ranked])
        ranked = sorted(zip([c for c, _ in ranked], scores, strict=True), key=lambda x: -x[1])
    query_terms = set(terms(query))
    return [_hit(chunk, score, docs[chunk.doc_id], query_terms) for chunk, score in ranked[:top_k]]


def _hit(chunk: StoredChunk, score: float, doc: DocumentInfo, query_terms: set[str]) -> SearchHit:
    record = chunk.record
    spans = highlight(record.text, query_terms)
    return SearchHit(
        chunk_id=chunk.id,
        document=doc,
        text=record.text,
        score=round(float(score), 6),
        citation=Citation(doc.id, doc.name, record.page, record.heading, record.start, record.end),
        snippet=snippet(record.text, spans),
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
