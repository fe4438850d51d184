"""The attempts listed in docs/safety.md ("Attempts"), reproducible.

Each is scored like bench/safety.py: 5-fold stratified CV (seed 0; KoSBi folds keep rows that
share a context or a sentence together), macro-F1; a threshold, where one is tuned, is chosen
by a 3-fold split of the training folds only; extra negatives (KorQuAD questions) join the
training folds only. Each row also gives the share of ordinary chat (tests/safety/data) the
fold models flag, averaged over the folds. e5 vectors come from the cache of
haneul.safety.train.embed (computed on first use).

Usage: python -m research.safety_attempts [--data ../shared/data] [--only sensitive|bias]
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.metrics import f1_score

from bench.safety import ORDINARY_CHAT, folds
from haneul.safety.train import (
    embed,
    extra_negatives,
    inputs,
    load_task,
    ours,
    tfidf_only,
    tune_threshold,
)

Build = Callable[[], Any]


def _columns(x: Any, start: int = 2) -> np.ndarray:
    return np.asarray(x[:, start:], dtype=np.float64)


def e5_lr(c: float = 3.0, weight: str | None = "balanced") -> Build:
    """Logistic regression on the e5 columns alone (every column after text and morphemes)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    return lambda: Pipeline(
        [
            ("e5", FunctionTransformer(_columns)),
            ("lr", LogisticRegression(C=c, class_weight=weight, max_iter=3000)),
        ]
    )


def unweighted(build: Build) -> Build:
    return lambda: build().set_params(lr__class_weight=None)


class Collapsed(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """A 5-class e5 model (not sensitive + SQuARe's 4 categories); P(sensitive) = 1 - P(none).
    `categories`: each question's category ('none' for the negatives)."""

    def __init__(self, categories: dict[str, str] | None = None) -> None:
        self.categories = categories

    def fit(self, x: np.ndarray, y: np.ndarray) -> Collapsed:
        assert self.categories is not None
        labels = [self.categories.get(t, "none") for t in x[:, 0]]
        self.model_ = e5_lr()().fit(x, labels)
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        none = list(self.model_.classes_).index("none")
        p = 1 - self.model_.predict_proba(x)[:, none]
        return np.stack([1 - p, p], axis=1)

    def predict(self, x: np.ndarray) -> np.ndarray:
        return (self.predict_proba(x)[:, 1] >= 0.5).astype(int)


def evaluate(
    task: str,
    data: Path,
    x: np.ndarray,
    y: np.ndarray,
    build: Any,
    *,
    tune: bool = True,
    negatives: np.ndarray | None = None,
    chat: np.ndarray | None = None,
) -> tuple[float, float]:
    """Macro-F1 in 5-fold CV and the mean share of `chat` rows the fold models flag."""
    pred, flagged = np.zeros_like(y), []
    for tr, te in folds(task, data / "safety", y):
        cut = tune_threshold(build, x[tr], y[tr]) if tune else 0.5
        xs, ys = x[tr], y[tr]
        if negatives is not None:
            xs = np.vstack([xs, negatives])
            ys = np.concatenate([ys, np.zeros(len(negatives), dtype=y.dtype)])
        model = build().fit(xs, ys)
        pred[te] = model.predict_proba(x[te])[:, 1] >= cut
        if chat is not None:
            flagged.append(float((model.predict_proba(chat)[:, 1] >= cut).mean()))
    return float(f1_score(y, pred, average="macro")), float(np.mean(flagged or [np.nan]))


def square_attempts(data: Path) -> dict[str, tuple[float, float]]:
    texts, y = load_task(data / "safety", "sensitive")
    x = inputs(texts, embed(texts))
    chat_lines = [line for line in ORDINARY_CHAT.read_text("utf-8").splitlines() if line]
    chat = inputs(chat_lines, embed(chat_lines))
    extra = extra_negatives(data / "safety")
    negatives = inputs(extra, embed(extra))
    rows = json.loads((data / "safety" / "square_question_valid.json").read_text("utf-8"))
    categories = {r["question"]: r["category"] or "none" for r in rows}
    tfidf = x[:, :2]
    run = {
        "e5 alone, LR C=3 balanced": lambda: evaluate("sensitive", data, x, y, e5_lr(), chat=chat),
        "e5 alone, LR C=3 unweighted": lambda: evaluate(
            "sensitive", data, x, y, e5_lr(weight=None), chat=chat
        ),
        "e5 alone, 5-class LR (none + 4 categories) collapsed": lambda: evaluate(
            "sensitive", data, x, y, lambda: Collapsed(categories), chat=chat
        ),
        "e5 alone + KorQuAD negatives, balanced, cut 0.5": lambda: evaluate(
            "sensitive", data, x, y, e5_lr(), tune=False, negatives=negatives, chat=chat
        ),
        "TF-IDF + KorQuAD negatives, cut 0.5 (no e5)": lambda: evaluate(
            "sensitive",
            data,
            tfidf,
            y,
            tfidf_only,
            tune=False,
            negatives=negatives[:, :2],
            chat=chat[:, :2],
        ),
        "TF-IDF + e5, unweighted, cut in folds": lambda: evaluate(
            "sensitive", data, x, y, unweighted(ours), chat=chat
        ),
        "TF-IDF + e5 + KorQuAD negatives, cut 0.5 (shipped)": lambda: evaluate(
            "sensitive", data, x, y, ours, tune=False, negatives=negatives, chat=chat
        ),
    }
    return {name: f() for name, f in run.items()}


def kosbi_attempts(data: Path) -> dict[str, tuple[float, float]]:
    rows = json.loads((data / "safety" / "kosbi_valid.json").read_text("utf-8"))
    sentences, y = load_task(data / "safety", "bias")
    contexts = [r["context"] for r in rows]
    e_s, e_c = embed(sentences), embed(contexts)
    x = inputs(sentences, e_s)
    chat_lines = [line for line in ORDINARY_CHAT.read_text("utf-8").splitlines() if line]
    e_chat = embed(chat_lines)
    chat = inputs(chat_lines, e_chat)

    def wide(vectors: np.ndarray) -> np.ndarray:
        out = np.empty((len(sentences), 2 + vectors.shape[1]), dtype=object)
        out[:, :2], out[:, 2:] = x[:, :2], vectors
        return out

    def run(name: str, xs: np.ndarray, build: Build, chat_rows: np.ndarray | None) -> None:
        results[name] = evaluate("bias", data, xs, y, build, chat=chat_rows)

    results: dict[str, tuple[float, float]] = {}
    run("e5 sentence, LR C=3", x, e5_lr(), chat)
    run("e5 sentence + e5 context, LR C=3", wide(np.hstack([e_s, e_c])), e5_lr(), None)
    pair = np.hstack([e_s, e_c, 10 * e_s * e_c, np.abs(e_s - e_c)])
    run("e5 sentence, context, product, |difference|, LR C=3", wide(pair), e5_lr(), None)
    categories = sorted({r["demographic_category"] for r in rows})
    gold = np.array([[r["demographic_category"] == c for c in categories] for r in rows])
    oracle = wide(np.hstack([e_s, 0.1 * gold]))
    run("ORACLE: e5 sentence + the gold demographic category, LR C=3", oracle, e5_lr(), None)
    run("TF-IDF sentence (no e5)", x[:, :2], tfidf_only, chat[:, :2])
    run("TF-IDF + e5 sentence (shipped)", x, ours, chat)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).parents[2] / "shared/data")
    parser.add_argument("--only", choices=["sensitive", "bias"])
    args = parser.parse_args()
    tasks = {"sensitive": square_attempts, "bias": kosbi_attempts}
    for task, attempts in tasks.items():
        if args.only in (None, task):
            for name, (f1, chat) in attempts(args.data).items():
                share = "" if np.isnan(chat) else f", flags {chat:.0%} of ordinary chat"
                print(f"{task} | {name}: macro-F1 {f1:.3f}{share}", flush=True)


if __name__ == "__main__":
    main()
