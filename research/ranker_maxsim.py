"""Does late interaction lift held-out retrieval (issue 24)? MaxSim (ColBERT's score, here
untrained): the e5 encoder's own token states, from the `int8-token` ONNX graph with its
last hidden layer exposed, each question token matched to its most similar passage token,
the mean (and the median) of those maxima as ranker columns, raw and as a z-score over the
query's candidates. Cross-validated by article like `bench/retrieval_features.py`, on the
three fold splits.

Encodes the 573 candidate paragraphs and 3,316 questions once (about a minute on 2 cores),
kept in `--cache`.

Usage: python -m research.ranker_maxsim [--db build/bench-retrieval-i8t.db]
       [--cache build/maxsim.pkl]
"""

from __future__ import annotations

import argparse
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bench.retrieval_features import Query, gather, near_places, row, shipped
from haneul.engine import e5_onnx
from haneul.engine.e5_gguf import read_image, shipped_weights


def token_encoder(folder: Path) -> Any:
    """An `OnnxE5` whose session also returns the last layer's token states."""
    import onnx
    from onnx import TensorProto, helper

    image = read_image(shipped_weights())
    model = e5_onnx.build(image, "int8-token")
    made_by = {out: node for node in model.graph.node for out in node.output}
    pooling = [n for n in model.graph.node if n.op_type == "ReduceSum"][-2]  # Σ states × mask
    states = made_by[pooling.input[0]].input[0]
    model.graph.output.append(
        helper.make_tensor_value_info(states, TensorProto.FLOAT, ["B", "T", image.hidden])
    )
    onnx.save(model, folder / "e5-states.onnx")
    enc = e5_onnx.OnnxE5.__new__(e5_onnx.OnnxE5)
    enc.tok = e5_onnx.Pieces(image)
    enc.bos, enc.eos = image.specials["bos"], image.specials["eos"]
    enc.pad = image.specials["pad"]
    h = image.hidden
    enc.word = image.tensors["emb.word"][1].reshape(image.vocab_rows, -1)
    enc.pos = image.tensors["emb.pos"][1].reshape(-1, h) + image.tensors["emb.type"][1][:h]
    enc.session = e5_onnx._session(folder / "e5-states.onnx", 2)
    return enc


def token_states(enc: Any, text: str, prefix: str) -> np.ndarray:
    """Unit-length states of the text's own tokens (no BOS, prefix or EOS)."""
    ids = enc.ids(prefix + text)
    embeds, mask = enc._embeds([ids], len(ids))
    _pooled, x = enc.session.run(None, {"embeds": embeds, "mask": mask})
    t = x[0, 1 + len(enc.tok.encode(prefix.strip())) : -1]
    return t / np.maximum(np.linalg.norm(t, axis=1, keepdims=True), 1e-9)


def cached(
    found: list[Query],
    cache: Path,
    encode: Callable[[list[tuple[str, str]]], dict[tuple[str, str], np.ndarray]],
) -> dict[tuple[str, str], np.ndarray]:
    """Per-token states of every candidate passage and question, keyed ("p" or "q", text):
    those `cache` lacks made by `encode` (given the missing keys) and kept in `cache`."""
    states: dict[tuple[str, str], np.ndarray] = {}
    if cache.exists():
        states = pickle.loads(cache.read_bytes())
    todo = [("p", c.text) for q in found for c in q.candidates] + [("q", q.text) for q in found]
    todo = [k for k in dict.fromkeys(todo) if k not in states]
    if todo:
        states.update(encode(todo))
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_bytes(pickle.dumps(states))
    return states


def _last_layer(todo: list[tuple[str, str]]) -> dict[tuple[str, str], np.ndarray]:
    with tempfile.TemporaryDirectory() as tmp:
        enc = token_encoder(Path(tmp))
        return {
            (kind, text): token_states(enc, text, PREFIX[kind]).astype(np.float16)
            for kind, text in todo
        }


PREFIX = {"p": "passage: ", "q": "query: "}


def cached_states(found: list[Query], cache: Path) -> dict[tuple[str, str], np.ndarray]:
    """e5's last-layer token states (float16, unit length), encoded once (`cached`)."""
    return cached(found, cache, _last_layer)


def maxsim(q: Query, states: dict[tuple[str, str], np.ndarray]) -> np.ndarray:
    """Per candidate: mean and median MaxSim, then both as z-scores over the candidates."""
    qs = states[("q", q.text)].astype(np.float32)
    rows = []
    for c in q.candidates:
        best = (qs @ states[("p", c.text)].astype(np.float32).T).max(axis=1)
        rows.append([best.mean(), np.median(best)])
    a = np.array(rows)
    return np.column_stack([a, (a - a.mean(0)) / (a.std(0) + 1e-6)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("build/bench-retrieval-i8t.db"))
    parser.add_argument("--cache", type=Path, default=Path("build/maxsim.pkl"))
    args = parser.parse_args()
    found, docs, articles, _ = gather(args.db)
    states = cached_states(found, args.cache)
    golds = [q.place for q in found]
    near = near_places(found, docs)
    base = [shipped(q) for q in found]
    extra = [maxsim(q, states) for q in found]
    splits = {"": articles}
    for seed in (1, 2):  # the same articles dealt into other folds
        perm = np.random.default_rng(seed).permutation(max(articles) + 1)
        splits[f", fold split {seed}"] = [int(perm[a]) for a in articles]
    for label, dealt in splits.items():
        row(f"shipped ranker{label}", base, golds, dealt, near)
        for name, cols in [("mean", [0]), ("z-score", [2]), ("all four", [0, 1, 2, 3])]:
            feats = [np.column_stack([b, m[:, cols]]) for b, m in zip(base, extra, strict=True)]
            row(f"+ MaxSim {name}{label}", feats, golds, dealt, near)


if __name__ == "__main__":
    main()
