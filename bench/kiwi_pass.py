"""Kiwi passes per paragraph in the lexical phase of ingestion: the two-pass path (the peer:
sentence split for chunking, then `korean.terms` of each chunk) against the one pass of issue 24
(`chunking.analysed_chunks`: the split's own tokens give the terms), in one run, on the
shared KorQuAD paragraphs, one document each.

Two measures, each old and new in turn (alternating, `--repeats` times, best kept):
- analysis: load, chunk and terms only, CPU ms per paragraph (time.process_time);
- lexical ingest: the real `Ingestor` (lexical only, no embedder) into a fresh SQLite file,
  CPU ms per paragraph and paragraphs per second of wall time.
The chunks and terms of both paths are compared and the number of chunks whose terms
differ is printed (0 expected at the default 600 characters).

Usage: nice -n 5 python -m bench.kiwi_pass [--paragraphs 300] [--repeats 3]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.ingest import DATA, korquad
from haneul.knowledge import korean
from haneul.knowledge.chunking import Chunk, analysed_chunks, chunk_document
from haneul.knowledge.index import ChunkRecord, indexed_text
from haneul.knowledge.ingest import Ingestor
from haneul.knowledge.library import Library
from haneul.knowledge.loaders import LoadedDocument, load_document
from haneul.store.db import connect

Analysed = list[tuple[Chunk, list[str]]]


def two_pass(doc: LoadedDocument) -> Analysed:
    """Before issue 24: split into sentences, then analyse each chunk again."""
    out = []
    for c in chunk_document(doc):
        record = ChunkRecord(c.text, c.start, c.end, c.page, c.heading)
        out.append((c, korean.terms(indexed_text(record))))
    return out


def one_pass(doc: LoadedDocument) -> Analysed:
    out = []
    for c, found in analysed_chunks(doc):
        if found is None:
            found = korean.terms(indexed_text(ChunkRecord(c.text, c.start, c.end, None, c.heading)))
        out.append((c, found))
    return out


class TwoPassIngestor(Ingestor):
    def _prepare(
        self, name: str, data: bytes
    ) -> tuple[LoadedDocument, list[ChunkRecord], list[str]]:
        doc = load_document(name, data)
        pairs = two_pass(doc)
        records = [ChunkRecord(c.text, c.start, c.end, c.page, c.heading) for c, _ in pairs]
        return doc, records, [" ".join(t) for _, t in pairs]


def analysis_ms(docs: list[LoadedDocument], path: Callable[[LoadedDocument], Analysed]) -> float:
    started = time.process_time()
    for doc in docs:
        path(doc)
    return (time.process_time() - started) * 1000 / len(docs)


def ingest(texts: list[str], kind: type[Ingestor]) -> tuple[float, float]:
    """(CPU ms per paragraph, paragraphs per second) of a lexical-only ingest."""
    with tempfile.TemporaryDirectory() as tmp:
        library = Library(connect(Path(tmp) / "bench.db"))
        collection = library.create_collection("bench", "코퍼스").id
        ingestor = kind(library, None)
        files = [(f"p{i:04d}.txt", (lambda t=t: t.encode())) for i, t in enumerate(texts)]
        cpu, wall = time.process_time(), time.perf_counter()
        done = asyncio.run(ingestor.ingest_many(collection, files))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        assert done.added == len(texts), done.results[:3]
    return cpu * 1000 / len(texts), len(texts) / wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    texts = korquad(DATA)[0][: args.paragraphs]
    docs = [load_document(f"p{i}.txt", t.encode()) for i, t in enumerate(texts)]
    korean.load()
    old, new = [two_pass(d) for d in docs], [one_pass(d) for d in docs]  # also warms up
    chunks = sum(len(o) for o in old)
    assert [c for o in old for c, _ in o] == [c for n in new for c, _ in n]
    pairs = [pair for o, n in zip(old, new, strict=True) for pair in zip(o, n, strict=True)]
    differ = sum(a != b for (_, a), (_, b) in pairs)
    print(f"{len(docs)} paragraphs, {chunks} chunks; chunks whose terms differ: {differ}")
    best: dict[str, float] = {}
    for _ in range(args.repeats):
        for name, path in (("two", two_pass), ("one", one_pass)):
            best[name] = min(best.get(name, 1e9), analysis_ms(docs, path))
        for name, kind in (("two", TwoPassIngestor), ("one", Ingestor)):
            cpu, rate = ingest(texts, kind)
            best[f"{name} ingest"] = min(best.get(f"{name} ingest", 1e9), cpu)
            best[f"{name} rate"] = max(best.get(f"{name} rate", 0.0), rate)
    print(f"analysis CPU ms/paragraph: two passes {best['two']:.2f}, one pass {best['one']:.2f}")
    print(f"  ratio two/one {best['two'] / best['one']:.2f}x")
    print(
        f"lexical ingest CPU ms/paragraph: two passes {best['two ingest']:.2f}, "
        f"one pass {best['one ingest']:.2f}; ratio {best['two ingest'] / best['one ingest']:.2f}x"
    )
    print(
        f"lexical ingest paragraphs/s (wall): two passes {best['two rate']:.1f}, "
        f"one pass {best['one rate']:.1f}"
    )


if __name__ == "__main__":
    main()
