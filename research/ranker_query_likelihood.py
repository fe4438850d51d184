"""Does the bundled language model, as a reader, lift held-out retrieval (issue 24)? Query
likelihood (Sachan et al. 2022, "UPR"): log P(question | passage) under gemma3-270m, the
catalog's base model (never tuned on KorQuAD; haneul-mini-ko was, on these very articles),
for the shipped ranker's two best candidates. The linear ranker's held-out scores (5-fold by
article, as `bench/retrieval.py`) are fused with it where the ranker is unsure: the second
candidate wins when `lam * (QL(second) - QL(first)) > margin` and the margin (top-1 score
minus top-2) is under `tau`. `tau` and `lam` (and the mean per token or the sum of the
log-probabilities) are chosen on the training folds and scored on the test fold, the same
folds as the ranker.

The language model is run only where the margin is under 3 (a sixth of the questions, 142
of the ranker's 161 mistakes): the grid's largest `tau` is 3, so the others never change.
About 10 minutes on 2 cores (torch, the `tune` extra's model copy of gemma3-270m).

Usage: python -m research.ranker_query_likelihood
       [--db build/bench-retrieval-i8t.db] [--cache build/ql.pkl]
"""

from __future__ import annotations

import argparse
import pickle
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.retrieval import fit_weights
from bench.retrieval_features import gather, shipped

CUE = "\n\n위 글을 읽고 물을 만한 질문:"
GATE = 3.0
GRID = [
    (tau, lam, norm)
    for tau in (0.5, 1.0, 1.5, 2.0, 3.0)
    for lam in (0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
    for norm in ("mean", "sum")
]


def held_out_scores(feats: list[np.ndarray], golds: list[int], articles: list[int]) -> list[Any]:
    groups = np.array(articles)
    order = np.unique(groups)
    np.random.default_rng(0).shuffle(order)  # the same folds as bench/retrieval.py
    held: list[Any] = [None] * len(feats)
    for fold in np.array_split(order, 5):
        test = np.isin(groups, fold)
        keep = [i for i, t in enumerate(test) if not t]
        w = fit_weights([feats[i] for i in keep], [golds[i] for i in keep], 1e-4)
        for i in np.where(test)[0]:
            held[i] = feats[i] @ w
    return held


def scorer() -> Any:
    """log P(question | passage + CUE) under gemma3-270m: (sum, tokens)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from haneul.config import Settings
    from haneul.studio.base import cached_base

    base = cached_base(Settings(), "gemma3-270m")
    tok = AutoTokenizer.from_pretrained(base)
    model = AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32).eval()
    cap = getattr(model.config, "final_logit_softcapping", None)

    @torch.no_grad()
    def score(passage: str, question: str) -> tuple[float, int]:
        pre = tok(passage.strip()[:1200] + CUE, add_special_tokens=True)["input_ids"]
        q = tok(" " + question.strip(), add_special_tokens=False)["input_ids"]
        hidden = model.model(input_ids=torch.tensor([pre + q])).last_hidden_state
        logits = model.lm_head(hidden[0, len(pre) - 1 : -1])  # the question's positions only
        if cap:
            logits = torch.tanh(logits / cap) * cap
        logp = torch.log_softmax(logits.float(), -1).gather(1, torch.tensor(q)[:, None])
        return float(logp.sum()), len(q)

    return score


def margin(h: np.ndarray) -> float:
    """The ranker's top score minus its second."""
    first, second = np.sort(h)[::-1][:2]
    return float(first - second)


def decide(h: np.ndarray, ql: dict[int, tuple[float, int]] | None, p: tuple) -> int:
    tau, lam, norm = p
    a, b = (int(x) for x in np.argsort(-h, kind="stable")[:2])
    margin = h[a] - h[b]
    if margin >= tau or not ql:
        return a
    value = (lambda v: v[0] / v[1]) if norm == "mean" else (lambda v: v[0])
    return b if lam * (value(ql[b]) - value(ql[a])) > margin else a


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("build/bench-retrieval-i8t.db"))
    parser.add_argument("--cache", type=Path, default=Path("build/ql.pkl"))
    args = parser.parse_args()
    found, _docs, articles, _ = gather(args.db)
    feats = [shipped(q) for q in found]
    golds = [q.place for q in found]
    held = held_out_scores(feats, golds, articles)
    ql: dict[int, dict[int, tuple[float, int]]] = {}
    if args.cache.exists():
        ql = pickle.loads(args.cache.read_bytes())
    todo = [i for i, h in enumerate(held) if i not in ql and len(h) > 1 and margin(h) < GATE]
    if todo:
        score, started = scorer(), time.perf_counter()
        for n, i in enumerate(todo):
            top = np.argsort(-held[i], kind="stable")[:2]
            ql[i] = {int(c): score(found[i].candidates[c].text, found[i].text) for c in top}
            if n % 100 == 99:
                print(f"{n + 1}/{len(todo)} in {time.perf_counter() - started:.0f} s", flush=True)
                args.cache.parent.mkdir(parents=True, exist_ok=True)
                args.cache.write_bytes(pickle.dumps(ql))
        args.cache.write_bytes(pickle.dumps(ql))

    def r1(idx: list[int], p: tuple) -> int:
        return sum(decide(held[i], ql.get(i), p) == golds[i] for i in idx)

    everyone = list(range(len(held)))
    print(f"linear ranker, held out: R@1 {r1(everyone, (0, 0, 'mean')) / len(held):.4f}")
    print(f"questions read by the model (margin under {GATE}): {len(ql)}")
    groups = np.array(articles)
    order = np.unique(groups)
    np.random.default_rng(0).shuffle(order)
    right = 0
    for fold in np.array_split(order, 5):
        test = np.isin(groups, fold)
        p = max(GRID, key=lambda p: r1([i for i in everyone if not test[i]], p))
        right += r1([i for i in everyone if test[i]], p)
        print(f"fold: tau {p[0]}, lam {p[1]}, {p[2]}")
    print(f"linear + query likelihood, held out: R@1 {right / len(held):.4f}")
    best = max(GRID, key=lambda p: r1(everyone, p))
    print(f"(in-sample best {best}: R@1 {r1(everyone, best) / len(held):.4f})")


if __name__ == "__main__":
    main()
