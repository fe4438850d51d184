"""Training the learned checks (`haneul safety train`): needs scikit-learn (`pip install
haneul[train]`), reads SQuARe and KoSBi JSON files, and writes `.npz` models that
`haneul.safety.classifier` loads without scikit-learn.

Each model is a balanced logistic regression over three blocks: character n-grams,
Kiwi morphemes (both TF-IDF) and the text's multilingual-e5-small query vector
(`E5_SCALE` times the unit vector, so that its weights are not starved by the
regularisation). The recipes differ by task (docs/safety.md, "Attempts"):

- `sensitive` (SQuARe) is trained with 1,500 KorQuAD questions as extra negatives
  (harmless factual questions; SQuARe itself has only 246 negatives, all opinion
  questions) and cut at 0.5;
- `bias` (KoSBi) reads the sentence alone (its label is the sentence's) and its cut is
  chosen by a 3-fold split of the training data.

Reproducible: the folds, the model and the threshold search are seeded. e5 vectors are
cached on disk (keyed by the texts' hash), since computing them is the slow part.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from haneul.errors import InvalidRequestError
from haneul.safety.classifier import E5_DIM, E5_SCALE, e5_query, morphemes

log = logging.getLogger(__name__)
SQUARE = "square_question_valid.json"
KOSBI = "kosbi_valid.json"
KORQUAD = Path("korquad") / "korquad_v1.0_dev_even.json"  # beside the safety folder
EXTRA_NEGATIVES = 1500
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "haneul-safety-e5"


@dataclass(frozen=True)
class Recipe:
    extra_negatives: bool  # add KorQuAD questions as class 0 to the training data
    tune_threshold: bool  # else the cut is 0.5


RECIPES = {
    "sensitive": Recipe(extra_negatives=True, tune_threshold=False),
    "bias": Recipe(extra_negatives=False, tune_threshold=True),
}


def _read(path: Path, hint: str) -> Any:
    if not path.is_file():
        raise InvalidRequestError(f"{path} is missing: give the folder that holds {hint}")
    return json.loads(path.read_text(encoding="utf-8"))


def load_task(data_dir: Path, task: str) -> tuple[list[str], np.ndarray]:
    """Texts and 0/1 labels of one task: `sensitive` (SQuARe questions) or `bias` (KoSBi
    sentences)."""
    name = SQUARE if task == "sensitive" else KOSBI
    rows = _read(data_dir / name, name)
    if task == "sensitive":
        return [r["question"] for r in rows], np.array([int(r["sensitive?"]) for r in rows])
    return [r["sentence"] for r in rows], np.array(
        [int(r["sentence_label"] == "unsafe") for r in rows]
    )


def kosbi_groups(data_dir: Path) -> np.ndarray:
    """A group id per KoSBi row: rows that share a context or a sentence (167 contexts
    appear twice) are one group, so that cross-validation keeps them in one fold."""
    rows = _read(data_dir / KOSBI, KOSBI)
    parent = list(range(len(rows)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    seen: dict[str, int] = {}
    for i, r in enumerate(rows):
        for key in (f"c:{r['context']}", f"s:{r['sentence']}"):
            if key in seen:
                parent[find(i)] = find(seen[key])
            else:
                seen[key] = i
    return np.array([find(i) for i in range(len(rows))])


def extra_negatives(data_dir: Path) -> list[str]:
    """Every other KorQuAD dev question, the first 1,500: harmless factual questions."""
    korquad = _read(data_dir.parent / KORQUAD, f"../{KORQUAD} (the extra negatives)")
    questions = [q["question"] for a in korquad["data"] for p in a["paragraphs"] for q in p["qas"]]
    return questions[::2][:EXTRA_NEGATIVES]


def embed(texts: list[str], cache: Path | None = DEFAULT_CACHE) -> np.ndarray:
    """e5 query vectors of `texts`, (n, 384), from the disk cache when it has them."""
    if not texts:
        return np.zeros((0, E5_DIM), dtype=np.float32)
    key = hashlib.sha256("\n\x00".join(["e5-query-v1", *texts]).encode()).hexdigest()[:24]
    path = cache / f"{key}.npy" if cache else None
    if path is not None and path.is_file():
        return np.asarray(np.load(path), dtype=np.float32)
    vectors = np.vstack([e5_query(texts[i : i + 32]) for i in range(0, len(texts), 32)])
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, vectors)
    return vectors


def inputs(texts: list[str], vectors: np.ndarray) -> np.ndarray:
    """The model's input rows: [text, morphemes, *e5 vector] (an object array)."""
    rows = np.empty((len(texts), 2 + E5_DIM), dtype=object)
    rows[:, 0] = texts
    rows[:, 1] = [morphemes(t) for t in texts]
    rows[:, 2:] = vectors
    return rows


def with_morphemes(texts: list[str]) -> np.ndarray:
    """[text, morphemes] rows, the input of `tfidf_only()` (the previous shipped model)."""
    return np.array([[t, morphemes(t)] for t in texts], dtype=object)


def _e5_block(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=np.float64) * E5_SCALE


def _tfidf_blocks() -> list[tuple[str, Any, Any]]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return [
        (
            "char",
            TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True, min_df=2),
            0,
        ),
        (
            "morph",
            TfidfVectorizer(token_pattern=r"\S+", ngram_range=(1, 2), sublinear_tf=True, min_df=2),
            1,
        ),
    ]


def ours() -> Any:
    """The shipped model: char 1-4 (within words) + morpheme 1-2 TF-IDF + e5, balanced LR."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    e5 = ("e5", FunctionTransformer(_e5_block), slice(2, 2 + E5_DIM))
    features = ColumnTransformer([*_tfidf_blocks(), e5])
    model = LogisticRegression(max_iter=3000, C=1.0, class_weight="balanced")
    return Pipeline([("features", features), ("lr", model)])


def tfidf_only() -> Any:
    """The model shipped before e5: the same TF-IDF blocks on [text, morphemes] rows."""
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    model = LogisticRegression(max_iter=3000, C=1.0, class_weight="balanced")
    return Pipeline([("features", ColumnTransformer(_tfidf_blocks())), ("lr", model)])


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


def tune_threshold(build: Callable[[], Any], x: Any, y: np.ndarray) -> float:
    """The probability cut that maximises macro-F1 in a 3-fold split of the training data."""
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    proba = cross_val_predict(
        build(), x, y, cv=StratifiedKFold(3, shuffle=True, random_state=0), method="predict_proba"
    )[:, 1]
    cuts = np.linspace(0.2, 0.8, 25)
    return float(max(cuts, key=lambda c: f1_score(y, proba >= c, average="macro")))


def fit(task: str, x: np.ndarray, y: np.ndarray, negatives: np.ndarray | None) -> tuple[Any, float]:
    """Fit `task`'s recipe on rows `x` (from `inputs`); `negatives`: rows of extra class-0
    examples, used when the recipe asks for them. Returns the pipeline and its cut."""
    recipe = RECIPES[task]
    cut = tune_threshold(ours, x, y) if recipe.tune_threshold else 0.5
    if recipe.extra_negatives and negatives is not None:
        x = np.vstack([x, negatives])
        y = np.concatenate([y, np.zeros(len(negatives), dtype=y.dtype)])
    return ours().fit(x, y), cut


def export(pipeline: Any, threshold: float, path: Path) -> None:
    features = pipeline.named_steps["features"]
    char = features.named_transformers_["char"]
    morph = features.named_transformers_["morph"]
    coef = pipeline.named_steps["lr"].coef_[0]
    n_text = len(char.vocabulary_) + len(morph.vocabulary_)

    def vocab(vec: Any) -> np.ndarray:
        terms = sorted(vec.vocabulary_, key=vec.vocabulary_.get)
        return np.array(terms, dtype=str)

    arrays = {
        "char_vocab": vocab(char),
        "char_idf": char.idf_.astype(np.float32),
        "morph_vocab": vocab(morph),
        "morph_idf": morph.idf_.astype(np.float32),
        "coef": coef[:n_text].astype(np.float32),
        "intercept": np.float64(pipeline.named_steps["lr"].intercept_[0]),
        "threshold": np.float64(threshold),
    }
    if len(coef) > n_text:  # an e5 block (absent in `tfidf_only()`): its scale folded in
        arrays["e5_coef"] = (coef[n_text:] * E5_SCALE).astype(np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **arrays)


def train(
    data_dir: Path,
    out_dir: Path,
    tasks: tuple[str, ...] = ("sensitive", "bias"),
    cache: Path | None = DEFAULT_CACHE,
) -> dict[str, Path]:
    written = {}
    for task in tasks:
        texts, y = load_task(data_dir, task)
        x = inputs(texts, embed(texts, cache))
        negatives = None
        if RECIPES[task].extra_negatives:
            extra = extra_negatives(data_dir)
            negatives = inputs(extra, embed(extra, cache))
        model, threshold = fit(task, x, y, negatives)
        path = out_dir / f"{task}.npz"
        export(model, threshold, path)
        log.info("trained %s on %d examples (threshold %.3f) -> %s", task, len(y), threshold, path)
        written[task] = path
    return written
