"""The second stage of retrieval: a learned linear ranker over the few candidates that the
fused BM25 and dense rankings bring up. It knows nothing of SQLite or e5: it reads what
`Candidate` holds. Its features are what tells the right passage from its neighbours,
most often other paragraphs of the same article:

- `bm25`: the morpheme BM25 score over the best one among the candidates;
- `coverage`: the share of the query's terms (IDF-weighted) the chunk holds;
- `window`: the same share within the best 12 consecutive terms of the chunk (the terms of
  a question usually sit in one sentence of its answer);
- `pairs`: adjacent query-term pairs that stand adjacent (or one apart) in the chunk;
- `bigrams`: the share of the query's character bigrams the chunk holds (catches what the
  morpheme analyser split differently: 데뷔작 / 데뷔);
- `bigram_window`: the same share within the best 60 characters;
- (the five dense features below take the embedded candidates' mean for a chunk whose
  vectors are still queued: see `_neutral_dense`)
- `sentence`: the best cosine between the e5 query vector and a sentence of the chunk,
  relative to the best candidate (a question matches one sentence, not a paragraph);
- `dense`: the cosine of the query and the whole chunk, relative to the best candidate;
- `dense_rank`: 1 / (1 + the chunk's place in the dense ranking);
- `sentence_rank`: 1 / (1 + the place of the chunk's best sentence among all the candidates'
  sentences, by cosine with the query);
- `dense_z`: the chunk cosine as a z-score over the embedded candidates: `dense` says how
  far a chunk lies below the best, this says how far that is for this query's spread (a
  gap of 0.02 decides where the cosines all lie within 0.03, and little where they spread
  over 0.2). Chosen by cross-validation among the rows of `bench/retrieval_features.py`:
  the only one that lifted held-out R@1 and MRR@10 on three different fold splits;
- `length`: log(1 + the chunk's terms), relative to the candidates' mean (BM25 already
  normalises length; this lets the ranker undo some of it);
- `asks_number`: the question asks for a number or a date (몇, 언제, 얼마, 연도…) and a digit
  stands near one of its terms in the chunk: the answer-type cue (a paragraph that mentions
  the question's subject but holds no number near it rarely answers "몇 년에…?"). The same
  cue for names (이름, 제목 and a quote or a bracket nearby) was tried and added nothing;
- `asks_extreme`: the same cue for a question that asks for a first, last or most (첫,
  처음, 최초, 마지막, 가장, 최고…) and a chunk that says one near its terms (the analyser
  drops 첫, and among a question's other terms one such word weighs little);
- `numbers`: the share (IDF-weighted) of the query's numbers the chunk holds: a year or a
  count the question names (1965년에…) tells apart paragraphs that share its other terms;
- `question_words`: the share of the query's weight that lies in question words (무엇, 어디,
  누구, 어떤…) the chunk also holds. Its weight comes out negative: such a word in a passage
  says nothing of its answer, so this undoes the credit `coverage` and `window` gave it
  (dropping the words from the query instead lost more than it won).

IDF here is counted over the candidates themselves: cheap, scoped to the collection and the
filters, and it weighs most what tells the candidates apart. The weights are fitted by
`python -m bench.retrieval --fit` (a softmax over each query's candidates, 5-fold
cross-validation by article on KorQuAD; docs/benchmarks.md gives the held-out numbers).
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

FEATURES = (
    "bm25",
    "coverage",
    "window",
    "pairs",
    "bigrams",
    "bigram_window",
    "sentence",
    "dense",
    "dense_rank",
    "sentence_rank",
    "dense_z",
    "length",
    "asks_number",
    "asks_extreme",
    "numbers",
    "question_words",
)
# fitted by `python -m bench.retrieval --fit` on all of KorQuAD dev-even (see above), with
# chunk vectors pooled from the sentences' (knowledge/embed_queue.py)
WEIGHTS = np.array(
    [2.94, 1.81, 2.91, 2.01, 4.19, 4.83, 1.53, 0.21, -0.23, 1.11, 0.37, -0.58,
     1.26, 1.64, 1.66, -2.86]
)  # fmt: skip
DENSE = slice(6, 11)  # sentence, dense, dense_rank, sentence_rank, dense_z: neutral unembedded
WINDOW = 12  # terms
BIGRAM_WINDOW = 60  # characters
UNRANKED = 60  # the dense place given to a candidate the dense ranking did not bring
NEAR = 40  # characters either side of a query term where an answer-type cue counts
ASKS_NUMBER = re.compile(r"몇|언제|얼마|년도|연도|며칠|나이")
NUMBER = re.compile(r"\d")
EXTREME = re.compile(r"첫|처음|최초|마지막|가장|최고|최대|최소")
QUESTION_WORDS = frozenset(
    {
        "이름", "명칭", "곳", "누구", "누가", "무엇", "뭐",
        "어디", "언제", "몇", "어떤", "무슨", "어느", "얼마",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Candidate:
    """What the ranker reads of one candidate chunk."""

    id: int
    bm25: float | None  # None when BM25 did not bring it up
    cosine: float | None  # of the query and chunk vectors; None when dense did not
    dense_rank: int | None  # its place in the dense ranking, from 0
    terms: Sequence[str]  # the chunk's search terms, in order
    text: str
    sentence_vectors: np.ndarray | None  # (sentences, dim), normalised rows
    embedded: bool = True  # False while its vectors wait in the queue: see `DENSE`


def char_bigrams(text: str) -> set[str]:
    """The character bigrams of each whitespace-separated word (a one-letter word is kept)."""
    return {w[i : i + 2] for w in text.lower().split() for i in range(max(1, len(w) - 1))}


def _held(grams: set[str], text: str) -> set[str]:
    """The grams found in `text`: a substring test each (a query has a few dozen bigrams;
    splitting every candidate into its own bigrams cost five times more). A bigram holds
    no space, so a hit always lies inside one word, as `char_bigrams` counts them."""
    return {g for g in grams if g in text}


def _idf(query: set[str], held: Sequence[set[str]]) -> dict[str, float]:
    """BM25's IDF of each query term, counted over the candidates (`held`: the query terms
    each candidate holds)."""
    n = len(held)
    df = Counter(t for s in held for t in s)
    return {t: math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5)) for t in query}


def _best_span(hits: list[tuple[int, str]], weight: dict[str, float], width: int) -> float:
    """The most weight of distinct items among hits (position, item) sorted by position
    that lie within `width` of each other: a sliding window."""
    inside: Counter[str] = Counter()
    total = best = 0.0
    lo = 0
    for pos, item in hits:
        if inside[item] == 0:
            total += weight[item]
        inside[item] += 1
        while pos - hits[lo][0] >= width:
            gone = hits[lo][1]
            inside[gone] -= 1
            if inside[gone] == 0:
                total -= weight[gone]
            lo += 1
        best = max(best, total)
    return best


def _term_hits(terms: Sequence[str], weight: dict[str, float]) -> list[tuple[int, str]]:
    return [(i, t) for i, t in enumerate(terms) if t in weight]


def _bigram_hits(text: str, held: set[str]) -> list[tuple[int, str]]:
    hits = []
    for gram in held:
        at = text.find(gram)
        while at >= 0:
            hits.append((at, gram))
            at = text.find(gram, at + 1)
    return sorted(hits)


def _pairs(hits: list[tuple[int, str]], qpairs: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The query's adjacent term pairs that stand at most one term apart in the chunk."""
    found = set()
    for k, (i, t) in enumerate(hits):
        for j, u in hits[k + 1 : k + 3]:
            if j - i <= 2 and (t, u) in qpairs:
                found.add((t, u))
    return found


def _relative(values: list[float | None]) -> np.ndarray:
    """Each value minus the best one; a missing value counts as the worst seen."""
    known = [v for v in values if v is not None]
    if not known:
        return np.zeros(len(values))
    top, low = max(known), min(known)
    return np.array([(low if v is None else v) - top for v in values])


def _best_sentence(c: Candidate, query_vector: np.ndarray | None) -> float | None:
    vectors = c.sentence_vectors
    if query_vector is None or vectors is None or not len(vectors):
        return None
    return float((vectors @ query_vector).max())


def _sentence_places(candidates: Sequence[Candidate], query_vector: np.ndarray | None) -> list[int]:
    """Each candidate's best place among all the candidates' sentences (UNRANKED: none)."""
    if query_vector is None:
        return [UNRANKED] * len(candidates)
    scored = [
        (float(x), k)
        for k, c in enumerate(candidates)
        if c.sentence_vectors is not None and len(c.sentence_vectors)
        for x in c.sentence_vectors @ query_vector
    ]
    scored.sort(key=lambda pair: -pair[0])
    place: dict[int, int] = {}
    for p, (_, k) in enumerate(scored):
        place.setdefault(k, p)
    return [place.get(k, UNRANKED) for k in range(len(candidates))]


def _z_scores(values: list[float | None], embedded: list[bool]) -> np.ndarray:
    """Each value as a z-score over the embedded candidates' values, a missing one counted
    as the lowest seen (a chunk with vectors that the dense ranking did not bring); 0 where
    nothing is known or all are equal. A candidate still waiting for its vectors takes no
    part in the mean or the spread (`_neutral_dense` then gives it the mean)."""
    known = [v for v, e in zip(values, embedded, strict=True) if e and v is not None]
    if not known:
        return np.zeros(len(values))
    low = min(known)
    filled = np.array([low if v is None else v for v in values])
    inside = filled[np.array(embedded, dtype=bool)]
    spread: np.ndarray = (filled - inside.mean()) / (inside.std() + 1e-6)
    return spread


def _cue_near(text: str, terms: set[str], cue: re.Pattern[str]) -> float:
    """1 when `cue` occurs within NEAR characters of the first place a term is written."""
    for term in terms:
        at = text.find(term)
        if at >= 0 and cue.search(text, max(0, at - NEAR), at + len(term) + NEAR):
            return 1.0
    return 0.0


def _neutral_dense(rows: np.ndarray, embedded: list[bool]) -> None:
    """A candidate still waiting for its vectors gets, for each dense feature, the mean of
    the embedded candidates' values: it is neither rewarded nor punished for having no
    vector, and its place among the others is the lexical features' to decide. With no
    candidate embedded the columns are constant (they then rank nothing)."""
    waiting = ~np.array(embedded, dtype=bool)
    if not waiting.any():
        return
    done = rows[~waiting, DENSE]
    rows[waiting, DENSE] = done.mean(axis=0) if len(done) else 0.0


def features(
    query_terms: Sequence[str],
    query_text: str,
    query_vector: np.ndarray | None,
    candidates: Sequence[Candidate],
) -> np.ndarray:
    """One row of `FEATURES` per candidate."""
    qset = set(query_terms)
    idf = _idf(qset, [qset.intersection(c.terms) for c in candidates])
    total = sum(idf.values()) or 1.0
    qpairs = set(itertools.pairwise(query_terms))
    qbigrams = char_bigrams(query_text)
    texts = [c.text.lower() for c in candidates]
    bigram_sets = [_held(qbigrams, t) for t in texts]
    bidf = _idf(qbigrams, bigram_sets)
    btotal = sum(bidf.values()) or 1.0
    bm25 = [c.bm25 for c in candidates if c.bm25 is not None]
    top, low = max(bm25, default=1.0) or 1.0, min(bm25, default=0.0)
    rows = np.zeros((len(candidates), len(FEATURES)))
    for r, (c, text, held) in enumerate(zip(candidates, texts, bigram_sets, strict=True)):
        hits = _term_hits(c.terms, idf)
        rows[r, :6] = (
            (c.bm25 if c.bm25 is not None else low) / top,
            sum(idf[t] for t in {t for _, t in hits}) / total,
            _best_span(hits, idf, WINDOW) / total,
            sum(idf[a] + idf[b] for a, b in _pairs(hits, qpairs)) / total,
            sum(bidf[b] for b in held) / btotal,
            _best_span(_bigram_hits(text, held), bidf, BIGRAM_WINDOW) / btotal,
        )
    rows[:, 6] = _relative([_best_sentence(c, query_vector) for c in candidates])
    rows[:, 7] = _relative([c.cosine for c in candidates])
    places = [UNRANKED if c.dense_rank is None else c.dense_rank for c in candidates]
    rows[:, 8] = 1 / (1 + np.array(places, dtype=np.float64))
    rows[:, 9] = 1 / (1 + np.array(_sentence_places(candidates, query_vector), dtype=np.float64))
    embedded = [c.embedded for c in candidates]
    rows[:, 10] = _z_scores([c.cosine for c in candidates], embedded)
    _neutral_dense(rows, embedded)
    lengths = np.log1p([len(c.terms) for c in candidates])
    rows[:, 11] = lengths - lengths.mean()
    long_terms = {t for t in qset if len(t) > 1}  # 년, 월: near every number
    if ASKS_NUMBER.search(query_text):
        rows[:, 12] = [_cue_near(text, long_terms, NUMBER) for text in texts]
    if EXTREME.search(query_text):
        rows[:, 13] = [_cue_near(text, long_terms, EXTREME) for text in texts]
    numbers = {t for t in qset if t.isdigit()}
    if numbers:
        ntotal = sum(idf[t] for t in numbers) or 1.0
        rows[:, 14] = [
            sum(idf[t] for t in numbers.intersection(c.terms)) / ntotal for c in candidates
        ]
    asked = qset & QUESTION_WORDS
    if asked:
        rows[:, 15] = [sum(idf[t] for t in asked.intersection(c.terms)) / total for c in candidates]
    return rows


def rank(
    query_terms: Sequence[str],
    query_text: str,
    query_vector: np.ndarray | None,
    candidates: Sequence[Candidate],
    weights: np.ndarray = WEIGHTS,
) -> list[tuple[int, float]]:
    """(candidate id, score), best first; ties keep the candidates' order."""
    if not candidates:
        return []
    scores = features(query_terms, query_text, query_vector, candidates) @ weights
    order = np.argsort(-scores, kind="stable")
    return [(candidates[i].id, float(scores[i])) for i in order]
