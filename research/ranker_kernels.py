"""Kernel pooling (K-NRM, Xiong et al. 2017) over e5's token states as ranker columns (issue
24): for each question token, soft counts of the passage tokens at a few similarity levels
(RBF kernels), log-summed over the question, one column per kernel; the linear ranker fits
their weights like any other feature, cross-validated by article on three fold splits.
Untrained apart from those weights (MaxSim keeps only each token's best match; these count
how many passage tokens match well, and how well).

Usage: python -m research.ranker_kernels [--db build/bench-retrieval-i8t.db]
       [--cache build/maxsim.pkl] [--centre]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from bench.retrieval_features import Query, gather, near_places, row, shipped
from research.ranker_maxsim import cached_states

MU = np.array([0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.65])
SIGMA = 0.025


def kernels(
    q: Query, states: dict, mean: np.ndarray | None, mu: np.ndarray, sigma: float
) -> np.ndarray:
    def unit(x: np.ndarray) -> np.ndarray:
        x = x.astype(np.float32)
        if mean is not None:
            x = x - mean
        return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-9)

    qs = unit(states[("q", q.text)])
    out = []
    for c in q.candidates:
        s = qs @ unit(states[("p", c.text)]).T  # (Lq, Lp)
        k = np.exp(-((s[..., None] - mu) ** 2) / (2 * sigma**2)).sum(axis=1)  # (Lq, K)
        out.append(np.log1p(k).mean(axis=0))
    a = np.array(out)
    return np.column_stack([a, (a - a.mean(0)) / (a.std(0) + 1e-6)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("build/bench-retrieval-i8t.db"))
    parser.add_argument("--cache", type=Path, default=Path("build/maxsim.pkl"))
    parser.add_argument("--centre", action="store_true", help="subtract the mean state first")
    args = parser.parse_args()
    found, docs, articles, _ = gather(args.db)
    states = cached_states(found, args.cache)
    mean = None
    mu, sigma = MU, SIGMA
    if args.centre:
        mean = (
            np.concatenate([v for k, v in states.items() if k[0] == "p"]).astype(np.float32).mean(0)
        )
        mu, sigma = np.array([0.9, 0.7, 0.5, 0.3, 0.1]), 0.1
    golds = [q.place for q in found]
    near = near_places(found, docs)
    base = [shipped(q) for q in found]
    extra = [kernels(q, states, mean, mu, sigma) for q in found]
    k = len(mu)
    splits = {"": articles}
    for seed in (1, 2):
        perm = np.random.default_rng(seed).permutation(max(articles) + 1)
        splits[f", fold split {seed}"] = [int(perm[a]) for a in articles]
    for label, dealt in splits.items():
        row(f"shipped ranker{label}", base, golds, dealt, near)
        for name, cols in [
            ("raw", list(range(k))),
            ("z", list(range(k, 2 * k))),
            ("both", list(range(2 * k))),
        ]:
            feats = [np.column_stack([b, m[:, cols]]) for b, m in zip(base, extra, strict=True)]
            row(f"+ kernels {name}{label}", feats, golds, dealt, near)


if __name__ == "__main__":
    main()
