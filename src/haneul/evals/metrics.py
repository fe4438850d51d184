"""Metric code, kept free of I/O so that it can be checked on hand-made cases.

KorQuAD EM/F1 follow the official KorQuAD v1.0 script: answers are normalised (punctuation and
whitespace removed, lower-cased) and F1 counts *characters*, not words, because Korean particles
attach to nouns (서울시청은 vs 서울시청). Particles are not stripped: the official script
keeps them.
"""

from __future__ import annotations

import json
import math
import re
import string
from collections import Counter
from collections.abc import Sequence

_PUNCT = set(string.punctuation) | set("‘’´`_·「」『』《》〈〉…“”")


def normalize_answer(text: str) -> str:
    """KorQuAD's normalisation: no punctuation, no whitespace, lower case."""
    text = text.lower()
    text = "".join(ch for ch in text if ch not in _PUNCT)
    return "".join(text.split())


def exact_match(prediction: str, gold: str) -> float:
    return float(normalize_answer(prediction) == normalize_answer(gold))


def f1_score(prediction: str, gold: str) -> float:
    """Character-level F1 of the normalised strings (KorQuAD v1.0 official)."""
    pred, ref = list(normalize_answer(prediction)), list(normalize_answer(gold))
    common = Counter(pred) & Counter(ref)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision, recall = same / len(pred), same / len(ref)
    return 2 * precision * recall / (precision + recall)


def best_over_golds(prediction: str, golds: Sequence[str]) -> tuple[float, float]:
    """(EM, F1), each the best over the gold answers."""
    return (
        max(exact_match(prediction, g) for g in golds),
        max(f1_score(prediction, g) for g in golds),
    )


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Pearson correlation; 0.0 when either side is constant (undefined)."""
    if len(xs) != len(ys) or len(xs) < 2:
        raise ValueError("pearson needs two sequences of the same length >= 2")
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    cov = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    vx = sum((x - mx) ** 2 for x in xs)
    vy = sum((y - my) ** 2 for y in ys)
    if vx == 0 or vy == 0:
        return 0.0
    return cov / math.sqrt(vx * vy)


NLI_LABELS = {
    "entailment": ("entailment", "함의", "수반", "참"),
    "neutral": ("neutral", "중립", "알 수 없"),
    "contradiction": ("contradiction", "모순", "거짓", "반박"),
}


def parse_nli_label(answer: str) -> str | None:
    """The label named first in the answer (English or Korean), or None."""
    low = answer.lower()
    found: list[tuple[int, str]] = []
    for label, words in NLI_LABELS.items():
        positions = [low.find(w) for w in words if w in low]
        if positions:
            found.append((min(positions), label))
    return min(found)[1] if found else None


_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def parse_score(answer: str, low: float = 0.0, high: float = 5.0) -> float | None:
    """The first number in the answer, clipped to [low, high], or None."""
    match = _NUMBER.search(answer)
    if match is None:
        return None
    return min(high, max(low, float(match.group())))


def parse_todo_json(answer: str) -> list[dict[str, object]] | None:
    """A JSON list of to-dos with a non-empty string "task" each (code fences allowed), or None."""
    text = answer.strip()
    fence = re.search(r"```(?:json)?\s*(.*?)```", text, re.DOTALL)
    if fence:
        text = fence.group(1).strip()
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return None
    if isinstance(data, dict) and isinstance(data.get("todos"), list):
        data = data["todos"]
    if not isinstance(data, list) or not data:
        return None
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("task"), str) or not item["task"]:
            return None
    return data
