"""Does a *learned* late-interaction head lift held-out retrieval (issue 24)? The untrained
MaxSim over e5's token states was noise (`research/ranker_maxsim.py`); here a small head is
trained on top of the frozen states: a linear projection of each token state (384 → `--dim`,
started from the passage states' principal directions, so that step 0 is the untrained
MaxSim in a smaller space) and a learned weight per question token, scored as ColBERT does
(each question token's best cosine among the passage's tokens, weighted), trained with a
softmax over each question's 20 candidates.

Nothing it scores was seen in its training: the head is cross-fitted by article over the
same five folds as `bench/retrieval.py`'s cross-validation. With `--nested`, for each test
fold the ranker's own training questions are scored by heads that saw neither them nor the
test fold (four inner heads, then one outer head for the test fold: 25 heads in all), so
the ranker's weights never meet an in-sample head score; without it, each question is
scored by the one head that did not see its fold (5 heads: quicker, a little optimistic).

With `--residual`, the head is trained on what the shipped ranker (fitted on the head's
training questions) gets wrong: its logits are the ranker's plus the head's.

Usage: python -m research.ranker_colbert [--db build/bench-retrieval-i8t.db]
       [--cache build/maxsim.pkl] [--dim 64] [--epochs 8] [--nested] [--residual]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.retrieval import fit_weights
from bench.retrieval_features import Query, gather, near_places, row, shipped
from research.ranker_maxsim import cached_states


@dataclass
class Tensors:
    p: np.ndarray  # (passages, Lp, 384) float16, zero padded
    pmask: np.ndarray  # (passages, Lp) bool
    q: np.ndarray  # (questions, Lq, 384)
    qmask: np.ndarray
    cands: np.ndarray  # (questions, 20) passage rows
    golds: np.ndarray  # (questions,) the gold's place among its candidates, -1 if absent


def tensors(found: list[Query], states: dict[tuple[str, str], np.ndarray]) -> Tensors:
    texts = list(dict.fromkeys(c.text for q in found for c in q.candidates))
    index = {t: k for k, t in enumerate(texts)}

    def pad(arrays: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        width = max(len(a) for a in arrays)
        out = np.zeros((len(arrays), width, arrays[0].shape[1]), np.float16)
        mask = np.zeros((len(arrays), width), bool)
        for k, a in enumerate(arrays):
            out[k, : len(a)] = a
            mask[k, : len(a)] = True
        return out, mask

    p, pmask = pad([states[("p", t)] for t in texts])
    q, qmask = pad([states[("q", x.text)] for x in found])
    pool = max(len(x.candidates) for x in found)
    cands = np.array(
        [[index[c.text] for c in x.candidates] + [0] * (pool - len(x.candidates)) for x in found]
    )
    return Tensors(p, pmask, q, qmask, cands, np.array([x.place for x in found]))


class Head:
    """The projection and the question-token weights, in torch."""

    def __init__(self, t: Tensors, dim: int, seed: int) -> None:
        import torch

        torch.manual_seed(seed)
        flat = t.p[t.pmask].astype(np.float32)
        sample = flat[np.random.default_rng(seed).choice(len(flat), 20000, replace=False)]
        _, _, vt = np.linalg.svd(sample - sample.mean(0), full_matrices=False)
        self.proj = torch.nn.Parameter(torch.tensor(vt[:dim].T.copy()))  # (384, dim)
        self.qw = torch.nn.Parameter(torch.zeros(t.q.shape[2]))
        self.qb = torch.nn.Parameter(torch.zeros(()))
        self.scale = torch.nn.Parameter(torch.tensor(10.0))

    def parameters(self) -> list[Any]:
        return [self.proj, self.qw, self.qb, self.scale]

    def passages(self, p: Any, pmask: Any) -> Any:  # torch tensors
        import torch.nn.functional as F

        return F.normalize(p @ self.proj, dim=-1) * pmask[..., None]

    def score(self, q: Any, qmask: Any, pp: Any, pmask: Any) -> Any:
        """q (B, Lq, 384), pp (B, C, Lp, dim) projected passages → (B, C) scores."""
        import torch
        import torch.nn.functional as F

        qp = F.normalize(q @ self.proj, dim=-1)
        sim = torch.einsum("bqd,bcpd->bcqp", qp, pp)
        sim = sim.masked_fill(~pmask[:, :, None, :], -2.0)
        best = sim.max(dim=-1).values  # (B, C, Lq)
        w = torch.softmax((q @ self.qw + self.qb).masked_fill(~qmask, -1e4), dim=-1)
        return self.scale * (best * w[:, None, :]).sum(-1)


def train(
    t: Tensors,
    rows: np.ndarray,
    dim: int,
    epochs: int,
    base: np.ndarray | None,
    seed: int = 0,
) -> Head:
    """A head fitted on the questions `rows` (those whose gold is among the candidates)."""
    import torch

    rows = rows[t.golds[rows] >= 0]
    head = Head(t, dim, seed)
    opt = torch.optim.Adam(head.parameters(), lr=3e-3, weight_decay=0.0)
    p = torch.tensor(t.p, dtype=torch.float32)
    pmask = torch.tensor(t.pmask)
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        for batch in np.array_split(rng.permutation(rows), max(1, len(rows) // 128)):
            pp = head.passages(p, pmask)
            c = torch.tensor(t.cands[batch])
            logits = head.score(
                torch.tensor(t.q[batch], dtype=torch.float32),
                torch.tensor(t.qmask[batch]),
                pp[c],
                pmask[c],
            )
            if base is not None:
                logits = logits + torch.tensor(base[batch], dtype=torch.float32)
            loss = torch.nn.functional.cross_entropy(logits, torch.tensor(t.golds[batch]))
            opt.zero_grad()
            loss.backward()
            opt.step()
    return head


def scores(head: Head, t: Tensors, rows: np.ndarray) -> np.ndarray:
    import torch

    out = np.zeros((len(rows), t.cands.shape[1]), np.float32)
    with torch.no_grad():
        pp = head.passages(torch.tensor(t.p, dtype=torch.float32), torch.tensor(t.pmask))
        pmask = torch.tensor(t.pmask)
        for k in range(0, len(rows), 128):
            batch = rows[k : k + 128]
            c = torch.tensor(t.cands[batch])
            s = head.score(
                torch.tensor(t.q[batch], dtype=torch.float32), torch.tensor(t.qmask[batch]),
                pp[c], pmask[c],
            )  # fmt: skip
            out[k : k + len(batch)] = s.numpy()
    return out


def folds_of(articles: list[int], folds: int = 5) -> np.ndarray:
    """Each question's fold, dealt exactly as `bench.retrieval.cross_validate` deals them."""
    groups = np.array(articles)
    order = np.unique(groups)
    np.random.default_rng(0).shuffle(order)
    fold = np.zeros(len(groups), int)
    for k, part in enumerate(np.array_split(order, folds)):
        fold[np.isin(groups, part)] = k
    return fold


def base_logits(base: list[np.ndarray], golds: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The shipped ranker's logits for every question, its weights fitted on `rows`."""
    w = fit_weights([base[r] for r in rows], [int(golds[r]) for r in rows])
    pool = max(len(b) for b in base)
    out = np.full((len(base), pool), -1e4, np.float32)
    for k, b in enumerate(base):
        out[k, : len(b)] = b @ w
    return out


def column(s: np.ndarray, n: int) -> np.ndarray:
    s = s[:n]
    return np.column_stack([s, (s - s.mean()) / (s.std() + 1e-6)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("build/bench-retrieval-i8t.db"))
    parser.add_argument("--cache", type=Path, default=Path("build/maxsim.pkl"))
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--nested", action="store_true")
    parser.add_argument("--residual", action="store_true")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(2)
    found, docs, articles, _ = gather(args.db)
    t = tensors(found, cached_states(found, args.cache))
    golds = [q.place for q in found]
    near = near_places(found, docs)
    base = [shipped(q) for q in found]
    fold = folds_of(articles)
    everyone = np.arange(len(found))
    started = time.monotonic()

    def fitted(rows: np.ndarray, seed: int) -> Head:
        logits = base_logits(base, t.golds, rows) if args.residual else None
        head = train(t, rows, args.dim, args.epochs, logits, seed)
        print(f"  head on {len(rows)} questions, {time.monotonic() - started:.0f} s",
              file=sys.stderr, flush=True)  # fmt: skip
        return head

    oof = np.zeros((len(found), t.cands.shape[1]), np.float32)
    for k in range(5):  # each question scored by the head that did not see its fold
        test = everyone[fold == k]
        oof[test] = scores(fitted(everyone[fold != k], k), t, test)
    alone = np.mean([g >= 0 and int(np.argmax(oof[i, : len(found[i].candidates)])) == g
                     for i, g in enumerate(golds)])  # fmt: skip
    print(f"head alone, out of fold: R@1 {alone:.4f}", file=sys.stderr, flush=True)
    row("shipped ranker", base, golds, articles, near)
    feats = [np.column_stack([b, column(oof[i], len(b))]) for i, b in enumerate(base)]
    row(f"+ learned MaxSim (dim {args.dim}, out of fold)", feats, golds, articles, near)
    if not args.nested:
        return
    hits = 0
    for k in range(5):
        inner = np.zeros_like(oof)
        for j in range(5):
            if j != k:
                part = everyone[fold == j]
                inner[part] = scores(fitted(everyone[(fold != k) & (fold != j)], 10 * k + j), t,
                                     part)  # fmt: skip
        test = everyone[fold == k]
        inner[test] = oof[test]  # the outer head's, which did not see fold k
        train_rows = everyone[fold != k]
        w = fit_weights(
            [np.column_stack([base[r], column(inner[r], len(base[r]))]) for r in train_rows],
            [golds[r] for r in train_rows],
        )
        for r in test:
            f = np.column_stack([base[r], column(inner[r], len(base[r]))])
            hits += golds[r] >= 0 and int(np.argmax(f @ w)) == golds[r]
        print(f"fold {k}: R@1 so far {hits}", file=sys.stderr, flush=True)
    print(f"nested: held-out R@1 {hits / len(found):.4f}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
