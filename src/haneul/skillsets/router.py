"""Which operation of a skillset an utterance asks for (or `none`), from e5 query vectors.

Two routers with one interface (`route(vector) -> Planned`):

- `NearestExamples`, the untrained router: the assistant's rule (skills/router.py), the mean
  of the three best cosines with each operation's examples (those of its manifest and its
  summary), `none` with Haneul's own general requests.
- `Classifier`, what the Skill Trainer fits: multinomial logistic regression over the
  standardised vectors of every example (the manifest's, the trainer's, `none`'s), by full
  batch gradient descent with L2; 100 examples train in well under a second on one core.

The vectors are computed by the caller (`embed`), so this module does no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from haneul.skills.router import NO_SKILL, NO_SKILL_EXAMPLES

NONE = NO_SKILL  # the label of an utterance no operation answers
GENERAL = NO_SKILL_EXAMPLES  # `none`'s built-in examples
EmbedTexts = Callable[[list[str]], np.ndarray]  # texts -> (n, dim) unit rows
TOP = 3  # cosines averaged per class by the untrained router


@dataclass(frozen=True)
class Planned:
    operation: str  # an operationId or NONE
    score: float  # the chosen class's score (a mean cosine, or a probability)
    scores: dict[str, float]


def _planned(scores: dict[str, float]) -> Planned:
    best = max(scores, key=lambda label: scores[label])
    return Planned(best, scores[best], scores)


class NearestExamples:
    """The untrained router: nearest examples, as the assistant routes its skills."""

    def __init__(self, labels: Sequence[str], vectors: np.ndarray) -> None:
        self.labels = np.array(list(labels))
        self.vectors = vectors

    def route(self, vector: np.ndarray) -> Planned:
        sims = self.vectors @ vector
        scores = {}
        for label in dict.fromkeys(self.labels.tolist()):
            mine = np.sort(sims[self.labels == label])[::-1][:TOP]
            scores[str(label)] = float(mine.mean())
        return _planned(scores)


@dataclass
class Classifier:
    """Softmax regression on standardised e5 vectors (the trained router)."""

    labels: list[str]
    weights: np.ndarray  # (classes, dim)
    bias: np.ndarray  # (classes,)
    mean: np.ndarray  # (dim,)
    scale: np.ndarray  # (dim,)

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        logits = ((vectors - self.mean) / self.scale) @ self.weights.T + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        result: np.ndarray = exp / exp.sum(axis=1, keepdims=True)
        return result

    def route(self, vector: np.ndarray) -> Planned:
        probs = self.probabilities(vector[None, :])[0]
        return _planned({label: float(p) for label, p in zip(self.labels, probs, strict=True)})

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "softmax",
            "labels": self.labels,
            "weights": np.round(self.weights, 6).tolist(),
            "bias": np.round(self.bias, 6).tolist(),
            "mean": np.round(self.mean, 6).tolist(),
            "scale": np.round(self.scale, 6).tolist(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Classifier:
        def array(key: str) -> np.ndarray:
            return np.asarray(data[key], dtype=np.float32)

        return cls(
            list(data["labels"]), array("weights"), array("bias"), array("mean"), array("scale")
        )


def fit_classifier(
    vectors: np.ndarray,
    labels: Sequence[str],
    *,
    epochs: int = 400,
    rate: float = 0.5,
    l2: float = 1e-2,
) -> Classifier:
    """Fit the softmax router; classes are weighted equally whatever their example counts
    (so `none`'s many general examples do not swamp an operation with few)."""
    classes = list(dict.fromkeys(labels))
    index = np.array([classes.index(label) for label in labels])
    mean = vectors.mean(axis=0)
    scale = vectors.std(axis=0) + 1e-3
    x = ((vectors - mean) / scale).astype(np.float64)
    n, dim = x.shape
    onehot = np.zeros((n, len(classes)))
    onehot[np.arange(n), index] = 1.0
    counts = onehot.sum(axis=0)
    weight = (1.0 / counts[index]) * (n / len(classes))  # per example
    w = np.zeros((len(classes), dim))
    b = np.zeros(len(classes))
    for _ in range(epochs):
        logits = x @ w.T + b
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        grad = (probs - onehot) * weight[:, None] / n
        w -= rate * (grad.T @ x + l2 * w)
        b -= rate * grad.sum(axis=0)
    return Classifier(
        classes,
        w.astype(np.float32),
        b.astype(np.float32),
        mean.astype(np.float32),
        scale.astype(np.float32),
    )
