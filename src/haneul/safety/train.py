"""Training the learned checks (`haneul safety train`): needs scikit-learn (`pip install
haneul[train]`), reads SQuARe and KoSBi JSON files, and writes `.npz` models that
`haneul.safety.classifier` loads without scikit-learn.

Reproducible: the folds, the model and the threshold search are seeded.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from haneul.errors import InvalidRequestError
from haneul.safety.classifier import SEPARATOR, morphemes

log = logging.getLogger(__name__)
SQUARE = "square_question_valid.json"
KOSBI = "kosbi_valid.json"


def load_task(data_dir: Path, task: str) -> tuple[list[str], np.ndarray]:
    """Texts and 0/1 labels of one task: `sensitive` (SQuARe) or `bias` (KoSBi)."""
    name = SQUARE if task == "sensitive" else KOSBI
    path = data_dir / name
    if not path.is_file():
        raise InvalidRequestError(f"{path} is missing: give the folder that holds {name}")
    rows = json.loads(path.read_text(encoding="utf-8"))
    if task == "sensitive":
        return [r["question"] for r in rows], np.array([int(r["sensitive?"]) for r in rows])
    texts = [f"{r['context']}{SEPARATOR}{r['sentence']}" for r in rows]
    return texts, np.array([int(r["sentence_label"] == "unsafe") for r in rows])


def ours() -> Any:
    """The shipped model: char 1-4 (within words) + morpheme 1-2 TF-IDF, balanced LR."""
    from sklearn.compose import ColumnTransformer
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    features = ColumnTransformer(
        [
            (
                "char",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True, min_df=2
                ),
                0,
            ),
            (
                "morph",
                TfidfVectorizer(
                    token_pattern=r"\S+", ngram_range=(1, 2), sublinear_tf=True, min_df=2
                ),
                1,
            ),
        ]
    )
    model = LogisticRegression(max_iter=3000, C=1.0, class_weight="balanced")
    return Pipeline([("features", features), ("lr", model)])


def baseline() -> Any:
    """The issue's baseline: character 1-4-gram TF-IDF + logistic regression."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    return Pipeline(
        [
            ("tfidf", TfidfVectorizer(analyzer="char", ngram_range=(1, 4), sublinear_tf=True)),
            ("lr", LogisticRegression(max_iter=3000)),
        ]
    )


def with_morphemes(texts: list[str]) -> np.ndarray:
    return np.array([[t, morphemes(t)] for t in texts], dtype=object)


def tune_threshold(build: Callable[[], Any], x: Any, y: np.ndarray) -> float:
    """The probability cut that maximises macro-F1 in a 3-fold split of the training data."""
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    proba = cross_val_predict(
        build(), x, y, cv=StratifiedKFold(3, shuffle=True, random_state=0), method="predict_proba"
    )[:, 1]
    cuts = np.linspace(0.2, 0.8, 25)
    return float(max(cuts, key=lambda c: f1_score(y, proba >= c, average="macro")))


def export(pipeline: Any, threshold: float, path: Path) -> None:
    features = pipeline.named_steps["features"]
    char = features.named_transformers_["char"]
    morph = features.named_transformers_["morph"]
    lr = pipeline.named_steps["lr"]

    def vocab(vec: Any) -> np.ndarray:
        terms = sorted(vec.vocabulary_, key=vec.vocabulary_.get)
        return np.array(terms, dtype=str)

    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        path,
        char_vocab=vocab(char),
        char_idf=char.idf_.astype(np.float32),
        morph_vocab=vocab(morph),
        morph_idf=morph.idf_.astype(np.float32),
        coef=lr.coef_[0].astype(np.float32),
        intercept=np.float64(lr.intercept_[0]),
        threshold=np.float64(threshold),
    )


def train(
    data_dir: Path, out_dir: Path, tasks: tuple[str, ...] = ("sensitive", "bias")
) -> dict[str, Path]:
    written = {}
    for task in tasks:
        texts, y = load_task(data_dir, task)
        x = with_morphemes(texts)
        threshold = tune_threshold(ours, x, y)
        model = ours().fit(x, y)
        path = out_dir / f"{task}.npz"
        export(model, threshold, path)
        log.info("trained %s on %d examples (threshold %.3f) -> %s", task, len(y), threshold, path)
        written[task] = path
    return written
