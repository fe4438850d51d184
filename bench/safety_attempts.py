"""The attempts listed in docs/safety.md ("What the data can and cannot teach"), reproducible.

Each is scored like bench/safety.py: 5-fold stratified CV (seed 0), macro-F1; a threshold,
where one is used, is chosen inside the training folds only.

- KoSBi judged on the sentence alone (the label is the sentence's) instead of context + sentence
- a linear SVM (C=0.3, balanced) on the shipped features, its own decision boundary
- SQuARe with 1,500 KorQuAD questions as extra negatives in the training folds (cut 0.5),
  and the share of ordinary chat (tests/safety/data) each fold's model flags

Usage: python -m bench.safety_attempts [--data ../shared/data]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold

from haneul.safety.train import load_task, ours, tune_threshold, with_morphemes

ROOT = Path(__file__).resolve().parents[1]
ORDINARY_CHAT = ROOT / "tests" / "safety" / "data" / "ordinary_chat_ko.txt"


def folds(y: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    return list(StratifiedKFold(5, shuffle=True, random_state=0).split(y, y))


def tuned_lr(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    pred = np.zeros_like(y)
    for tr, te in folds(y):
        cut = tune_threshold(ours, x[tr], y[tr])
        pred[te] = ours().fit(x[tr], y[tr]).predict_proba(x[te])[:, 1] >= cut
    return pred


def svm(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    from sklearn.svm import LinearSVC

    pred = np.zeros_like(y)
    for tr, te in folds(y):
        model = ours().set_params(lr=LinearSVC(C=0.3, class_weight="balanced"))
        pred[te] = model.fit(x[tr], y[tr]).predict(x[te])
    return pred


def with_korquad(data: Path) -> tuple[float, float]:
    texts, y = load_task(data / "safety", "sensitive")
    korquad = json.loads((data / "korquad" / "korquad_v1.0_dev_even.json").read_text("utf-8"))
    questions = [q["question"] for a in korquad["data"] for p in a["paragraphs"] for q in p["qas"]]
    extra = with_morphemes(questions[::2][:1500])
    chat = [line for line in ORDINARY_CHAT.read_text(encoding="utf-8").splitlines() if line]
    x, x_chat = with_morphemes(texts), with_morphemes(chat)
    pred, flagged = np.zeros_like(y), []
    for tr, te in folds(y):
        model: Any = ours().fit(
            np.vstack([x[tr], extra]), np.concatenate([y[tr], np.zeros(len(extra), int)])
        )
        pred[te] = model.predict_proba(x[te])[:, 1] >= 0.5
        flagged.append(float((model.predict_proba(x_chat)[:, 1] >= 0.5).mean()))
    return float(f1_score(y, pred, average="macro")), float(np.mean(flagged))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    rows = json.loads((args.data / "safety" / "kosbi_valid.json").read_text("utf-8"))
    y_bias = np.array([int(r["sentence_label"] == "unsafe") for r in rows])
    sentences = with_morphemes([r["sentence"] for r in rows])
    sentence_only = f1_score(y_bias, tuned_lr(sentences, y_bias), average="macro")
    print(f"KoSBi sentence only, LR: {sentence_only:.3f}")
    for task in ("sensitive", "bias"):
        texts, y = load_task(args.data / "safety", task)
        print(
            f"{task} linear SVM: {f1_score(y, svm(with_morphemes(texts), y), average='macro'):.3f}"
        )
    f1, chat = with_korquad(args.data)
    print(f"SQuARe + KorQuAD negatives: macro-F1 {f1:.3f}, flags {chat:.0%} of ordinary chat")


if __name__ == "__main__":
    main()
