"""Which remembered facts a question should get: e5 similarity (`assistant.memory.relevance`)
against the word overlap used before (the peer), on labelled Korean (memory, question,
relevant?) pairs in bench/data/memory_relevance.jsonl.

The threshold is chosen on the even rows (best F1) and reported on the odd rows too, so the
numbers are not only in-sample: `python bench/memory_relevance.py`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from haneul.assistant.memory import LABELS, RELEVANCE, relevance
from haneul.engine.e5 import passage_vector
from haneul.safety.classifier import e5_query_cached

DATA = Path(__file__).with_name("data") / "memory_relevance.jsonl"
Row = dict[str, object]


def _words(text: str) -> set[str]:
    return set(re.findall(r"[가-힣A-Za-z0-9]{2,}", text))


def _slot(row: Row) -> str:
    """The slot a stored memory of this content would have («사는 곳: 부산»: residence)."""
    label = str(row["memory"]).partition(": ")[0]
    return next((slot for slot, name in LABELS.items() if name == label), "note")


def _e5(question: str, memory: str) -> float:
    return float(passage_vector(memory) @ e5_query_cached([question])[0])


def _prf(pred: list[bool], gold: list[bool]) -> tuple[float, float, float]:
    tp = sum(p and g for p, g in zip(pred, gold, strict=True))
    p = tp / max(1, sum(pred))
    r = tp / max(1, sum(gold))
    return p, r, 2 * p * r / max(1e-9, p + r)


def main() -> None:
    rows: list[Row] = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]
    scores = [relevance(str(r["question"]), [str(r["memory"])], [_slot(r)])[0] for r in rows]
    plain = [
        float(passage_vector(str(r["memory"])) @ e5_query_cached([str(r["question"])])[0])
        for r in rows
    ]
    gold = [bool(r["relevant"]) for r in rows]
    tune = [i for i in range(len(rows)) if i % 2 == 0]
    held = [i for i in range(len(rows)) if i % 2 == 1]
    grid = [round(0.76 + 0.005 * k, 3) for k in range(25)]

    def prf(t: float, idx: list[int], by: list[float] = scores) -> tuple[float, float, float]:
        return _prf([by[i] >= t for i in idx], [gold[i] for i in idx])

    best = max(grid, key=lambda t: prf(t, tune)[2])
    print(f"{len(rows)} pairs ({sum(gold)} relevant); best threshold on the even rows: {best}")
    print("| method | threshold | rows | precision | recall | F1 |")
    print("|---|---|---|---|---|---|")
    for t in sorted({best, RELEVANCE}):
        for name, idx in (("even (tuning)", tune), ("odd (held out)", held), ("all", tune + held)):
            p, r, f = prf(t, idx)
            print(f"| e5 + rules | {t} | {name} | {p:.2f} | {r:.2f} | {f:.2f} |")
    p, r, f = prf(RELEVANCE, tune + held, plain)
    print(f"| e5 alone | {RELEVANCE} | all | {p:.2f} | {r:.2f} | {f:.2f} |")
    p, r, f = _prf([True] * len(rows), gold)
    print(f"| every memory (before, while at most 8) | | all | {p:.2f} | {r:.2f} | {f:.2f} |")
    overlap = [bool(_words(str(r["memory"])) & _words(str(r["question"]))) for r in rows]
    p, r, f = _prf(overlap, gold)
    print(f"| word overlap (peer) | ≥1 shared word | all | {p:.2f} | {r:.2f} | {f:.2f} |")


if __name__ == "__main__":
    main()
