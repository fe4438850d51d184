"""Ranking texts that a request brings with it (no index): CLOVA's reranker gets a query and
its own search results. The same second stage as document search (`rank.rank`, its fitted
weights) reads the same features: morpheme BM25 counted over the given texts, e5 cosines of
the query with each text and with each of its sentences, the lexical coverage features.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from haneul.knowledge import korean, rank
from haneul.knowledge.embed_queue import pooled

K1, B = 1.2, 0.75  # BM25's usual constants
EMBED_CHARS = 1500  # characters of a sentence read for its vector (e5: 512 tokens)


@dataclass(frozen=True)
class Ranked:
    index: int  # the text's place in the request
    score: float
    best_sentence: str  # the sentence most similar to the query


def bm25(query: Sequence[str], docs: Sequence[Sequence[str]]) -> list[float]:
    """BM25 of each term list against the query's terms, IDF over `docs` themselves."""
    n = len(docs)
    mean = sum(len(d) for d in docs) / n if n else 0.0
    df = Counter(t for d in docs for t in set(d))
    scores = []
    for d in docs:
        tf = Counter(d)
        score = 0.0
        for t in set(query):
            if tf[t]:
                idf = math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))
                norm = tf[t] + K1 * (1 - B + B * len(d) / (mean or 1))
                score += idf * tf[t] * (K1 + 1) / norm
        scores.append(score)
    return scores


def rank_texts(query: str, texts: Sequence[str]) -> list[Ranked]:
    """The texts best first, by Haneul's ranker (CPU: e5 and Kiwi; call off the loop)."""
    from haneul.engine.e5 import MODEL_LOCK, query_vector, shared_model

    qterms = korean.terms(query)
    terms = [korean.terms(t) for t in texts]
    qvec = query_vector(query)
    model = shared_model()
    sentence_lists = [[t[a:b].strip() for a, b in korean.sentences(t)] or [t] for t in texts]
    with MODEL_LOCK:
        per_text = [
            np.asarray(model.encode([s[:EMBED_CHARS] for s in ss], False), np.float32).reshape(
                len(ss), -1
            )
            for ss in sentence_lists
        ]
    # a text's vector is pooled from its sentences', as a stored chunk's is (embed_queue)
    whole = [pooled(v, ss) for v, ss in zip(per_text, sentence_lists, strict=True)]
    cosines = [float(v @ qvec) for v in whole]
    order = sorted(range(len(texts)), key=lambda i: -cosines[i])
    places = {i: p for p, i in enumerate(order)}
    scores = bm25(qterms, terms)
    candidates = [
        rank.Candidate(
            id=i,
            bm25=scores[i] if scores[i] > 0 else None,
            cosine=cosines[i],
            dense_rank=places[i],
            terms=terms[i],
            text=texts[i],
            sentence_vectors=per_text[i],
        )
        for i in range(len(texts))
    ]
    out = []
    for i, score in rank.rank(qterms, query, qvec, candidates):
        sims = per_text[i] @ qvec
        out.append(Ranked(i, score, sentence_lists[i][int(np.argmax(sims))]))
    return out
