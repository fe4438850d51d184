"""Does a cross-encoder trained here, from the shipped e5 weights, lift held-out retrieval
(issue 24)? No Korean reranker is in the registries, so one is made from multilingual-e5-small
itself, in the manner of PreTTR (MacAvaney et al. 2020): the question and each passage go
through e5's first `12 - --joint` layers apart (passage states computed once, as an index
would keep them), then through the last `--joint` layers together, question tokens
attending to the passage's; those layers (copies of e5's, fine-tuned) and a linear score on
the question tokens' mean state are trained with a softmax over the gold and the shipped
ranker's three best other candidates.

Cross-fitted by article over the same five folds as `bench/retrieval.py`: each question is
scored by a model that never saw its article. At test time the model re-reads the ranker's
`--top` best candidates (the ranker fitted on the training folds), and the final score is
`ranker + lam * cross` over them, `lam` chosen on the training folds' own out-of-fold scores
(those were made by models that saw the test fold's questions: one scalar chosen on them, a
little optimistic, as `ranker_colbert.py` without `--nested`).

Usage: python -m research.ranker_cross [--db build/bench-retrieval-i8t.db] [--joint 3]
       [--epochs 1] [--top 5] [--cache build/cross-bottom.pkl]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.retrieval_features import Query, gather, near_places, shipped
from haneul.engine.e5_gguf import E5Image, read_image, shipped_weights
from haneul.engine.e5_onnx import Pieces, _dequant
from research.ranker_colbert import base_logits, folds_of
from research.ranker_maxsim import PREFIX, cached


def _weights(image: E5Image, i: int) -> dict[str, np.ndarray]:
    h, ff = image.hidden, image.ffn
    out = {}
    for part, cols in (("q", h), ("k", h), ("v", h), ("ao", h), ("fi", h), ("fo", ff)):
        out[part + ".w"] = _dequant(image.tensors[f"l{i}.{part}.w"][1], cols)
        out[part + ".b"] = image.tensors[f"l{i}.{part}.b"][1].copy()
    for part in ("aln", "oln"):
        for kind in ("w", "b"):
            out[f"{part}.{kind}"] = image.tensors[f"l{i}.{part}.{kind}"][1].copy()
    return out


def layer_module(image: E5Image, i: int) -> Any:
    """e5's layer `i` as a torch module (float32 weights dequantized from Q4_0)."""
    import torch
    import torch.nn.functional as F

    w = _weights(image, i)
    heads, eps = image.heads, image.eps

    class Layer(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.p = torch.nn.ParameterDict(
                {k.replace(".", "_"): torch.nn.Parameter(torch.tensor(v)) for k, v in w.items()}
            )

        def lin(self, x: Any, name: str) -> Any:
            return F.linear(x, self.p[name + "_w"], self.p[name + "_b"])

        def forward(self, x: Any, bias: Any) -> Any:  # x (B, T, H), bias (B, 1, 1, T)
            b, t, h = x.shape
            q, k, v = (self.lin(x, n).view(b, t, heads, -1).transpose(1, 2) for n in "qkv")
            ctx = F.scaled_dot_product_attention(q, k, v, attn_mask=bias.to(q.dtype))
            ctx = ctx.transpose(1, 2).reshape(b, t, h)
            x = F.layer_norm(x + self.lin(ctx, "ao"), (h,), self.p["aln_w"], self.p["aln_b"], eps)
            mid = F.gelu(self.lin(x, "fi"))
            out = x + self.lin(mid, "fo")
            return F.layer_norm(out, (h,), self.p["oln_w"], self.p["oln_b"], eps)

    return Layer()


class Bottom:
    """Token ids and e5's first layers, run on one text at a time, no gradient."""

    def __init__(self, image: E5Image, layers: int) -> None:
        import torch

        self.image = image
        self.tok = Pieces(image)
        self.bos, self.eos = image.specials["bos"], image.specials["eos"]
        h = image.hidden
        self.word = image.tensors["emb.word"][1].reshape(image.vocab_rows, -1)
        self.pos = image.tensors["emb.pos"][1].reshape(-1, h) + image.tensors["emb.type"][1][:h]
        self.ln = (
            torch.tensor(image.tensors["emb.ln.w"][1].copy()),
            torch.tensor(image.tensors["emb.ln.b"][1].copy()),
        )
        self.layers = [layer_module(image, i) for i in range(layers)]

    def states(self, text: str) -> np.ndarray:
        import torch
        import torch.nn.functional as F

        ids = [self.bos, *self.tok.encode(text)[:510], self.eos]
        x = _dequant(self.word[np.array(ids)], self.pos.shape[1]) + self.pos[: len(ids)]
        with torch.no_grad():
            t = F.layer_norm(torch.tensor(x[None], dtype=torch.float32), (x.shape[1],),
                             *self.ln, self.image.eps)  # fmt: skip
            bias = torch.zeros(1, 1, 1, len(ids))
            for layer in self.layers:
                t = layer(t, bias)
        return t[0].numpy().astype(np.float16)


def bottom_states(found: list[Query], image: E5Image, layers: int, cache: Path) -> dict:
    """The first `layers` layers' states of every candidate passage and question (`cached`)."""

    def encode(todo: list[tuple[str, str]]) -> dict[tuple[str, str], np.ndarray]:
        bottom = Bottom(image, layers)
        started, out = time.monotonic(), {}
        for n, (kind, text) in enumerate(todo):
            out[(kind, text)] = bottom.states(PREFIX[kind] + text)
            if n % 500 == 0:
                print(f"  bottom {n}/{len(todo)}, {time.monotonic() - started:.0f} s",
                      file=sys.stderr, flush=True)  # fmt: skip
        return out

    return cached(found, cache, encode)


class Top:
    """The joint layers and the score."""

    def __init__(self, image: E5Image, joint: int, seed: int) -> None:
        import torch

        torch.manual_seed(seed)
        first = image.layers - joint
        self.layers = torch.nn.ModuleList(
            [layer_module(image, i) for i in range(first, image.layers)]
        )
        self.segment = torch.nn.Parameter(torch.zeros(image.hidden))
        self.head = torch.nn.Linear(image.hidden, 1)
        torch.nn.init.normal_(self.head.weight, std=0.02)
        torch.nn.init.zeros_(self.head.bias)
        # the e5 cosine of the question's and the passage's pooled states, so that step 0
        # ranks about as e5 does (a head alone on the question's states starts at chance)
        self.scale = torch.nn.Parameter(torch.tensor(20.0))

    def parameters(self) -> list[Any]:
        return [*self.layers.parameters(), self.segment, self.scale, *self.head.parameters()]

    def score(self, pairs: list[tuple[np.ndarray, np.ndarray]]) -> Any:
        """(question states, passage states) pairs → one score each."""
        import torch

        width = max(len(q) + len(p) for q, p in pairs)
        h = pairs[0][0].shape[1]
        x = torch.zeros(len(pairs), width, h)
        keep = torch.zeros(len(pairs), width, dtype=torch.bool)
        qmask = torch.zeros(len(pairs), width)
        seg = torch.zeros(len(pairs), width, 1)
        for r, (q, p) in enumerate(pairs):
            x[r, : len(q)] = torch.from_numpy(q.astype(np.float32))
            x[r, len(q) : len(q) + len(p)] = torch.from_numpy(p.astype(np.float32))
            keep[r, : len(q) + len(p)] = True
            qmask[r, : len(q)] = 1
            seg[r, len(q) : len(q) + len(p)] = 1
        x = x + seg * self.segment
        bias = torch.where(keep, 0.0, -1e4)[:, None, None, :]
        with torch.autocast("cpu", dtype=torch.bfloat16):
            for layer in self.layers:
                x = layer(x, bias)
        x = x.float()
        pooled = (x * qmask[..., None]).sum(1) / qmask.sum(1, keepdim=True)
        pmask = seg[..., 0]
        passage = (x * pmask[..., None]).sum(1) / pmask.sum(1, keepdim=True)
        cosine = torch.nn.functional.cosine_similarity(pooled, passage, dim=-1)
        return self.scale * cosine + self.head(pooled)[:, 0]


def train(
    top: Top,
    found: list[Query],
    states: dict,
    rows: np.ndarray,
    logits: np.ndarray,
    epochs: int,
    negatives: int = 3,
    batch: int = 4,
) -> None:
    import torch

    rows = np.array([r for r in rows if found[r].place >= 0])
    layer_params = list(top.layers.parameters())
    opt = torch.optim.AdamW(
        [
            {"params": layer_params, "lr": 5e-5},
            {"params": [top.segment, top.scale, *top.head.parameters()], "lr": 1e-3},
        ],
        weight_decay=0.01,
    )
    steps = epochs * math.ceil(len(rows) / batch)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / (steps * 0.1)) * max(0.0, (steps - s) / steps)
    )
    rng = np.random.default_rng(0)
    started = time.monotonic()
    step = 0
    for _ in range(epochs):
        for part in np.array_split(rng.permutation(rows), math.ceil(len(rows) / batch)):
            pairs = []
            for r in part:
                q = found[r]
                n = len(q.candidates)
                order = [c for c in np.argsort(-logits[r][:n]) if c != q.place][:negatives]
                for c in [q.place, *order]:
                    pairs.append((states[("q", q.text)], states[("p", q.candidates[c].text)]))
            s = top.score(pairs).view(len(part), negatives + 1)
            loss = torch.nn.functional.cross_entropy(s, torch.zeros(len(part), dtype=torch.long))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            if step % 100 == 0:
                took = time.monotonic() - started
                print(f"    step {step}/{steps} loss {float(loss.detach()):.3f} {took:.0f} s",
                      file=sys.stderr, flush=True)  # fmt: skip


def read(top: Top, found: list[Query], states: dict, rows: np.ndarray, logits: np.ndarray,
         k: int) -> np.ndarray:  # fmt: skip
    """The cross score of each row's `k` best candidates by `logits` (NaN elsewhere)."""
    import torch

    out = np.full((len(found), logits.shape[1]), np.nan, np.float32)
    with torch.no_grad():
        for r in rows:
            q = found[r]
            best = np.argsort(-logits[r][: len(q.candidates)])[:k]
            pairs = [(states[("q", q.text)], states[("p", q.candidates[c].text)]) for c in best]
            out[r, best] = top.score(pairs).numpy()
    return out


def fused(logits: np.ndarray, cross: np.ndarray, lam: float) -> np.ndarray:
    """Each row's pick: the ranker's candidates re-read, ranker + lam * cross over them."""
    read_ = ~np.isnan(cross)
    total = np.where(read_, logits + lam * np.nan_to_num(cross), -np.inf)
    return np.argmax(total, axis=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("build/bench-retrieval-i8t.db"))
    parser.add_argument("--cache", type=Path, default=Path("build/cross-bottom.pkl"))
    parser.add_argument("--out", type=Path, default=Path("build/cross-oof.npz"))
    parser.add_argument("--joint", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--top", type=int, default=5)
    parser.add_argument("--folds", type=int, nargs="*", default=[0, 1, 2, 3, 4])
    args = parser.parse_args()
    import torch

    torch.set_num_threads(2)
    image = read_image(shipped_weights())
    found, docs, articles, _ = gather(args.db)
    golds = np.array([q.place for q in found])
    near = near_places(found, docs)
    base = [shipped(q) for q in found]
    fold = folds_of(articles)
    everyone = np.arange(len(found))
    states = bottom_states(found, image, image.layers - args.joint, args.cache)
    oof = np.full((len(found), max(len(q.candidates) for q in found)), np.nan, np.float32)
    held = np.full_like(oof, -1e4)
    done = dict(np.load(args.out)) if args.out.exists() else {}
    for k in range(5):
        test = everyone[fold == k]
        logits = base_logits(base, golds, everyone[fold != k])
        held[test] = logits[test]
        if f"oof{k}" in done:
            oof[test] = done[f"oof{k}"][test]
            continue
        if k not in args.folds:
            continue
        top = Top(image, args.joint, k)
        started = time.monotonic()
        train(top, found, states, everyone[fold != k], logits, args.epochs)
        oof[test] = read(top, found, states, test, logits, args.top)[test]
        print(f"fold {k}: trained and read in {time.monotonic() - started:.0f} s",
              file=sys.stderr, flush=True)  # fmt: skip
        done[f"oof{k}"] = oof
        np.savez(args.out, **done)
    scored = everyone[~np.isnan(oof).all(axis=1)]
    if not len(scored):
        return
    alone = fused(np.zeros_like(held), oof, 1.0)
    ranker = np.argmax(held, axis=1)
    r1 = np.mean(ranker[scored] == golds[scored])
    print(f"{len(scored)} questions scored; ranker R@1 {r1:.4f}, cross alone over the top "
          f"{args.top} {np.mean(alone[scored] == golds[scored]):.4f}", file=sys.stderr)  # fmt: skip
    grid = [0.0, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0]
    picks = np.zeros(len(found), int)
    for k in sorted(set(fold[scored])):
        test = scored[fold[scored] == k]
        train_rows = scored[fold[scored] != k]
        if not len(train_rows):
            train_rows = test  # one fold only: in-sample
        lam = max(grid, key=lambda x: np.mean(fused(held[train_rows], oof[train_rows], x)
                                              == golds[train_rows]))  # fmt: skip
        picks[test] = fused(held[test], oof[test], lam)
        print(f"  fold {k}: lam {lam}", file=sys.stderr)
    right = picks[scored] == golds[scored]
    close = [picks[r] in near[r] for r in scored]
    print(
        f"ranker + cross: held-out R@1 {np.mean(right):.4f} (near-copies counted "
        f"{np.mean(close):.4f}) on {len(scored)} questions",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
