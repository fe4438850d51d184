"""Safety benchmark: the learned checks against the issue's baseline, and the filter's latency.

5-fold stratified cross-validation (seeded) on the shared SQuARe and KoSBi files: macro-F1,
and precision/recall of each class, for the baseline (character 1-4-gram TF-IDF + logistic
regression) and Haneul's model (character + Kiwi morpheme TF-IDF, balanced logistic
regression, threshold tuned inside each training fold). Then the latency per message of
the rule-based filter and of the learned checks, on KoSBi sentences.

Usage: python -m bench.safety [--data ../shared/data/safety] [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold

from bench.report import write_section
from haneul.safety.classifier import SensitiveQuestionCheck, SocialBiasCheck
from haneul.safety.filter import SafetyFilter
from haneul.safety.train import (
    SQUARE,
    baseline,
    load_task,
    ours,
    tune_threshold,
    with_morphemes,
)

ROOT = Path(__file__).resolve().parents[1]
ORDINARY_CHAT = ROOT / "tests" / "safety" / "data" / "ordinary_chat_ko.txt"
TARGETS = {"sensitive": 0.75, "bias": 0.70}


def cross_validate(task: str, data: Path) -> dict[str, dict[str, float]]:
    texts, y = load_task(data, task)
    x_ours = with_morphemes(texts)
    folds = StratifiedKFold(5, shuffle=True, random_state=0).split(texts, y)
    pred = {"baseline": np.zeros_like(y), "haneul": np.zeros_like(y)}
    for train_idx, test_idx in folds:
        base = baseline().fit([texts[i] for i in train_idx], y[train_idx])
        pred["baseline"][test_idx] = base.predict([texts[i] for i in test_idx])
        cut = tune_threshold(ours, x_ours[train_idx], y[train_idx])
        model = ours().fit(x_ours[train_idx], y[train_idx])
        pred["haneul"][test_idx] = model.predict_proba(x_ours[test_idx])[:, 1] >= cut
        print(f"{task}: fold done", file=sys.stderr)
    out = {}
    for name, p in pred.items():
        prec, rec, _, _ = precision_recall_fscore_support(y, p, labels=[1, 0], zero_division=0)
        out[name] = {
            "macro_f1": f1_score(y, p, average="macro"),
            "p1": prec[0],
            "r1": rec[0],
            "p0": prec[1],
            "r0": rec[1],
            "n": len(y),
            "pos": int(y.sum()),
        }
    return out


def category_f1(data: Path) -> dict[str, float]:
    """SQuARe's category (contentious / ethical / predictive / etc) of the sensitive questions:
    macro-F1 of the same features in a 4-class balanced logistic regression, 5-fold CV."""
    rows = [r for r in json.loads((data / SQUARE).read_text(encoding="utf-8")) if r["sensitive?"]]
    names = sorted({r["category"] for r in rows})
    y = np.array([names.index(r["category"]) for r in rows])
    x = with_morphemes([r["question"] for r in rows])
    pred = np.zeros_like(y)
    for train_idx, test_idx in StratifiedKFold(5, shuffle=True, random_state=0).split(x, y):
        pred[test_idx] = ours().fit(x[train_idx], y[train_idx]).predict(x[test_idx])
    per_class = f1_score(y, pred, average=None)
    return {"macro": float(f1_score(y, pred, average="macro"))} | {
        n: float(f) for n, f in zip(names, per_class, strict=True)
    }


def false_positives() -> dict[str, float]:
    """Share of ordinary Korean chat lines (tests/safety/data) each check flags."""
    lines = ORDINARY_CHAT.read_text(encoding="utf-8").splitlines()
    lines = [line for line in lines if line]
    checks: dict[str, Any] = {
        "rules (PII, abuse, injection)": SafetyFilter(),
        "sensitive question model": SensitiveQuestionCheck(),
        "social bias model": SocialBiasCheck(),
    }
    return {
        name: sum(bool(asyncio.run(c.check(t)).flagged()) for t in lines) / len(lines)
        for name, c in checks.items()
    }


def latency(data: Path) -> dict[str, tuple[float, float]]:
    texts, _ = load_task(data, "bias")
    sample = [t.split(" / ", 1)[1] for t in texts[:300]]
    checks: dict[str, Any] = {
        "rules (PII, abuse, injection)": SafetyFilter(),
        "sensitive question model": SensitiveQuestionCheck(),
        "social bias model": SocialBiasCheck(),
    }
    out = {}
    for name, check in checks.items():
        asyncio.run(check.check("워밍업 문장입니다"))
        times = []
        for text in sample:
            start = time.perf_counter()
            asyncio.run(check.check(text))
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        out[name] = (statistics.median(times), times[int(0.95 * len(times))])
    return out


def render(
    cv: dict[str, dict[str, dict[str, float]]],
    lat: dict[str, tuple[float, float]],
    categories: dict[str, float],
    fp: dict[str, float],
) -> str:
    lines = [
        "## Safety (`bench/safety.py`)",
        "",
        "5-fold stratified cross-validation on `../shared/data/safety` (development data). "
        "Class 1 is *sensitive* (SQuARe) or *unsafe* (KoSBi, the sentence judged with its "
        f"context). Measured {time.strftime('%Y-%m-%d')}.",
        "",
        "| check | model | macro-F1 | target | class 1 P / R | class 0 P / R | n (class 1) |",
        "|---|---|---|---|---|---|---|",
    ]
    for task, rows in cv.items():
        for name, r in rows.items():
            lines.append(
                f"| {task} | {name} | {r['macro_f1']:.3f} | {TARGETS[task]:.2f} | "
                f"{r['p1']:.3f} / {r['r1']:.3f} | {r['p0']:.3f} / {r['r0']:.3f} | "
                f"{r['n']} ({r['pos']}) |"
            )
    lines += [
        "",
        "SQuARe's binary label is 96% *sensitive*: its 246 negatives are opinion questions much "
        "like the positives, so class 0 is what the macro-F1 turns on. The category of the "
        "sensitive questions (same features, 4-class balanced LR, 5-fold CV): macro-F1 "
        f"{categories['macro']:.3f} ("
        + ", ".join(f"{n} {f:.3f}" for n, f in categories.items() if n != "macro")
        + ").",
        "",
        "| check | latency p50 ms | p95 ms | flags ordinary chat |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {name} | {p50:.2f} | {p95:.2f} | {fp[name]:.0%} |" for name, (p50, p95) in lat.items()
    ]
    lines += [
        "",
        f"*Flags ordinary chat*: share of the {ORDINARY_CHAT.name} lines (tests/safety/data, "
        "everyday requests to an assistant) flagged at the shipped threshold.",
    ]
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "safety")
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    cv = {task: cross_validate(task, args.data) for task in ("sensitive", "bias")}
    section = render(cv, latency(args.data), category_f1(args.data), false_positives())
    print(section)
    if args.write:
        write_section(args.write, "bench/safety.py", section)


if __name__ == "__main__":
    main()
