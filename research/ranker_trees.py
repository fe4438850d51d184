"""Does a tree ranker lift held-out retrieval (issue 24)? Gradient-boosted trees (sklearn's
HistGradientBoostingClassifier, pointwise: the gold candidate against the others) on the
shipped ranker's 16 features, and on those plus each feature's z-score and gap to the best
candidate of its query, 5-fold cross-validated by article exactly as `bench/retrieval.py`
cross-validates the linear ranker, on the collection and query vectors its `--db` kept.
It also counts where the linear ranker's held-out mistakes go: another paragraph of the
gold's own article, or another article (what a title or document-level feature could fix).

Usage: python -m research.ranker_trees [--db build/bench-retrieval-i8t.db]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

from bench.retrieval import DATA, cross_validate, fit_weights, load
from bench.retrieval_features import gather, shipped

SETTINGS = (
    {"max_depth": 3, "max_iter": 200, "learning_rate": 0.05},
    {"max_depth": 4, "max_iter": 300, "learning_rate": 0.05, "l2_regularization": 1.0},
)


def relative(f: np.ndarray) -> np.ndarray:
    """The features, their z-scores over the query's candidates, and their gap to the best."""
    z = (f - f.mean(0)) / (f.std(0) + 1e-6)
    return np.hstack([f, z, f - f.max(0)])


def trees(
    feats: list[np.ndarray], golds: list[int], articles: list[int], settings: dict[str, float]
) -> tuple[float, float]:
    groups = np.array(articles)
    order = np.unique(groups)
    np.random.default_rng(0).shuffle(order)  # the same folds as bench/retrieval.py
    r1 = mrr = 0.0
    for fold in np.array_split(order, 5):
        test = np.isin(groups, fold)
        train = [(f, g) for f, g, t in zip(feats, golds, test, strict=True) if not t and g >= 0]
        x = np.vstack([f for f, _ in train])
        y = np.concatenate([np.arange(len(f)) == g for f, g in train])
        model = HistGradientBoostingClassifier(random_state=0, **settings).fit(x, y)
        for f, g, t in zip(feats, golds, test, strict=True):
            if t and g >= 0:
                ranked = np.argsort(-model.predict_proba(f)[:, 1], kind="stable")
                place = int(np.where(ranked == g)[0][0])
                r1 += place == 0
                mrr += 1 / (place + 1) if place < 10 else 0
    return r1 / len(feats), mrr / len(feats)


def mistakes(
    found: list, feats: list[np.ndarray], golds: list[int], articles: list[int]
) -> tuple[int, int]:
    """The linear ranker's held-out top-1 mistakes: (same article as the gold, another)."""
    _docs, _pairs, article_of = load(DATA)
    groups = np.array(articles)
    order = np.unique(groups)
    np.random.default_rng(0).shuffle(order)
    same = other = 0
    for fold in np.array_split(order, 5):
        test = np.isin(groups, fold)
        keep = [i for i, t in enumerate(test) if not t]
        w = fit_weights([feats[i] for i in keep], [golds[i] for i in keep], 1e-4)
        for q, f, g, t in zip(found, feats, golds, test, strict=True):
            top = int(np.argsort(-(f @ w), kind="stable")[0]) if t and g >= 0 else g
            if top != g:
                same += article_of[q.paragraphs[top]] == article_of[q.gold]
                other += article_of[q.paragraphs[top]] != article_of[q.gold]
    return same, other


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("build/bench-retrieval-i8t.db"))
    args = parser.parse_args()
    found, _docs, articles, _chunks = gather(args.db)
    feats = [shipped(q) for q in found]
    golds = [q.place for q in found]
    linear, _ = cross_validate(feats, golds, articles)
    print(f"linear (shipped): R@1 {linear['R@1']:.4f}, MRR@10 {linear['MRR@10']:.4f}")
    same, other = mistakes(found, feats, golds, articles)
    print(f"its held-out mistakes: {same} in the gold's own article, {other} in another")
    for name, make in (("features", lambda f: f), ("features, z-scores, gaps", relative)):
        for settings in SETTINGS:
            r1, mrr = trees([make(f) for f in feats], golds, articles, settings)
            print(f"trees on {name} {settings}: R@1 {r1:.4f}, MRR@10 {mrr:.4f}")


if __name__ == "__main__":
    main()
