"""Safety benchmark: the learned checks against the issue's baseline, and the filter's latency.

5-fold stratified cross-validation (seeded) on the shared SQuARe and KoSBi files: macro-F1,
and precision/recall of each class, for the baseline (character 1-4-gram TF-IDF + logistic
regression), the previous model (character + Kiwi morpheme TF-IDF, balanced logistic
regression, threshold tuned inside each training fold) and the shipped one (the same plus
the e5 query vector, each task's recipe in haneul.safety.train). KoSBi folds keep rows that
share a context or a sentence together. Extra negatives (KorQuAD) join the training folds
only. How far the labels agree with themselves on repeated texts and near-copies. Then the
latency per message of the rule-based filter and of the learned checks, on
KoSBi sentences: whole (e5 vector included) and classifier only (vector given), and the share
of ordinary chat each check flags.

Usage: python -m bench.safety [--data ../shared/data/safety] [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

from bench.report import write_section
from haneul.engine.e5 import query_vector
from haneul.safety.classifier import (
    SensitiveQuestionCheck,
    SocialBiasCheck,
    clear_e5_cache,
    e5_query,
)
from haneul.safety.filter import SafetyFilter
from haneul.safety.train import (
    RECIPES,
    SQUARE,
    baseline,
    embed,
    extra_negatives,
    fit,
    inputs,
    kosbi_groups,
    load_task,
    tfidf_only,
    tune_threshold,
    with_morphemes,
)

ROOT = Path(__file__).resolve().parents[1]
ORDINARY_CHAT = ROOT / "tests" / "safety" / "data" / "ordinary_chat_ko.txt"
TARGETS = {"sensitive": 0.75, "bias": 0.70}


def folds(task: str, data: Path, y: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    if task == "bias":
        grouped = StratifiedGroupKFold(5, shuffle=True, random_state=0)
        return list(grouped.split(y, y, kosbi_groups(data)))
    return list(StratifiedKFold(5, shuffle=True, random_state=0).split(y, y))


def cross_validate(task: str, data: Path) -> dict[str, dict[str, float]]:
    texts, y = load_task(data, task)
    x_tfidf = with_morphemes(texts)
    x = inputs(texts, embed(texts))
    negatives = None
    if RECIPES[task].extra_negatives:
        extra = extra_negatives(data)
        negatives = inputs(extra, embed(extra))
    pred = {name: np.zeros_like(y) for name in ("baseline", "tf-idf (previous)", "haneul")}
    for train_idx, test_idx in folds(task, data, y):
        base = baseline().fit([texts[i] for i in train_idx], y[train_idx])
        pred["baseline"][test_idx] = base.predict([texts[i] for i in test_idx])
        cut = tune_threshold(tfidf_only, x_tfidf[train_idx], y[train_idx])
        model = tfidf_only().fit(x_tfidf[train_idx], y[train_idx])
        pred["tf-idf (previous)"][test_idx] = model.predict_proba(x_tfidf[test_idx])[:, 1] >= cut
        ours, cut = fit(task, x[train_idx], y[train_idx], negatives)
        pred["haneul"][test_idx] = ours.predict_proba(x[test_idx])[:, 1] >= cut
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
    macro-F1 of the TF-IDF features in a 4-class balanced logistic regression, 5-fold CV."""
    rows = [r for r in json.loads((data / SQUARE).read_text(encoding="utf-8")) if r["sensitive?"]]
    names = sorted({r["category"] for r in rows})
    y = np.array([names.index(r["category"]) for r in rows])
    x = with_morphemes([r["question"] for r in rows])
    pred = np.zeros_like(y)
    for train_idx, test_idx in StratifiedKFold(5, shuffle=True, random_state=0).split(x, y):
        pred[test_idx] = tfidf_only().fit(x[train_idx], y[train_idx]).predict(x[test_idx])
    per_class = f1_score(y, pred, average=None)
    return {"macro": float(f1_score(y, pred, average="macro"))} | {
        n: float(f) for n, f in zip(names, per_class, strict=True)
    }


def label_consistency(data: Path, near: float = 0.97) -> dict[str, dict[str, float]]:
    """How far the labels themselves agree: rows whose text occurs more than once with both
    labels, and pairs of near-copies (each row with its nearest other row, e5 cosine >= `near`)
    whose labels differ. A classifier that gives near-copies one answer gets exactly one of
    each such pair right, so their share bounds its accuracy on the near-copies."""
    out = {}
    for task in ("sensitive", "bias"):
        texts, y = load_task(data, task)
        labels: dict[str, list[int]] = {}
        for text, label in zip(texts, y, strict=True):
            labels.setdefault(text, []).append(int(label))
        vectors = embed(texts)
        sims = vectors @ vectors.T
        np.fill_diagonal(sims, -1.0)
        nearest, best = sims.argmax(1), sims.max(1)
        pairs = {(min(i, j), max(i, j)) for i, j in enumerate(nearest) if best[i] >= near}
        differ = sum(int(y[i] != y[j]) for i, j in pairs)
        zeros = [i for i in range(len(y)) if y[i] == 0 and best[i] >= near]
        out[task] = {
            "repeated": sum(len(v) > 1 for v in labels.values()),
            "repeated_both": sum(len(set(v)) == 2 for v in labels.values()),
            "pairs": len(pairs),
            "differ": differ,
            "chance": float(1 - (y.mean() ** 2 + (1 - y.mean()) ** 2)),
            "ceiling": 1 - differ / (2 * len(pairs)) if pairs else float("nan"),
            "zeros_near": len(zeros),
            "zeros_near_one": sum(int(y[nearest[i]] == 1) for i in zeros),
        }
    return out


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


def _percentiles(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times), times[int(0.95 * len(times))]


def _timed(
    run: Callable[[str], object], texts: list[str], before: Callable[[str], object] | None = None
) -> tuple[float, float]:
    """p50 / p95 ms of `run(text)` over `texts`; `before(text)`, if given, runs untimed first."""
    times = []
    for text in texts:
        if before is not None:
            before(text)
        start = time.perf_counter()
        run(text)
        times.append((time.perf_counter() - start) * 1000)
    return _percentiles(times)


_LOOP = asyncio.new_event_loop()  # one loop for every message, as in the server


def _check_once(check: Any, text: str) -> object:
    return _LOOP.run_until_complete(check.check(text))


def _probability(model: Any, vectors: dict[str, np.ndarray], text: str) -> float:
    return float(model.probability(text, vectors[text]))


def latency(data: Path) -> dict[str, tuple[float, float]]:
    """p50 / p95 ms per message: each check whole, then the e5 vector alone and the learned
    models given the vector (what a caller that reuses the router's vector pays), then the
    whole filter with the learned checks on, as a chat turn runs it."""
    sample, _ = load_task(data, "bias")
    sample = sample[:300]
    checks: dict[str, Any] = {
        "rules (PII, abuse, injection)": SafetyFilter(),
        "sensitive question model": SensitiveQuestionCheck(),
        "social bias model": SocialBiasCheck(),
    }
    out = {}
    for name, check in checks.items():
        _check_once(check, "워밍업 문장입니다")
        clear_e5_cache()  # each learned check pays for its own vectors here
        out[name] = _timed(partial(_check_once, check), sample)
    out["e5 query vector alone"] = _timed(lambda text: e5_query([text]), sample)
    vectors = dict(zip(sample, e5_query(sample), strict=True))
    for name in ("sensitive question model", "social bias model"):
        out[f"{name}, vector given"] = _timed(
            partial(_probability, checks[name].model, vectors), sample
        )
    # rules and both learned checks on one message share its e5 vector; in a chat turn the
    # skill router has already made that vector for the same text
    whole = SafetyFilter(learned=True)
    clear_e5_cache()
    out["whole filter, learned checks on"] = _timed(partial(_check_once, whole), sample)
    clear_e5_cache()
    out["same, vector made by the router"] = _timed(
        partial(_check_once, whole), sample, before=query_vector
    )
    return out


def render(
    cv: dict[str, dict[str, dict[str, float]]],
    lat: dict[str, tuple[float, float]],
    categories: dict[str, float],
    fp: dict[str, float],
    consistency: dict[str, dict[str, float]],
) -> str:
    lines = [
        "## Safety (`bench/safety.py`)",
        "",
        "5-fold stratified cross-validation on `../shared/data/safety` (development data). "
        "Class 1 is *sensitive* (SQuARe) or *unsafe* (KoSBi, the sentence). KoSBi folds keep "
        "rows that share a context or a sentence together (3,243 groups of 3,421 rows). "
        "*haneul* is the shipped model: TF-IDF (characters, Kiwi morphemes) + the e5 query "
        "vector, balanced LR; for SQuARe trained with 1,500 KorQuAD questions as extra "
        "negatives (training folds only) and cut at 0.5, for KoSBi cut inside the training "
        f"folds. Measured {time.strftime('%Y-%m-%d')}.",
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
        "sensitive questions (the TF-IDF features, 4-class balanced LR, 5-fold CV): macro-F1 "
        f"{categories['macro']:.3f} ("
        + ", ".join(f"{n} {f:.3f}" for n, f in categories.items() if n != "macro")
        + ").",
        "",
        "How far the labels agree with themselves (near-copies: each row and its nearest other "
        "row by e5 cosine, when it is at least 0.97; they differ by a particle, a word order "
        "or an ending). A classifier that answers near-copies alike gets exactly one row of "
        "each differing pair right, which bounds its accuracy on them:",
        "",
        "| data | texts repeated (with both labels) | near-copy pairs | labels differ | "
        "differ by chance | accuracy bound on them | class-0 rows with a near-copy (its "
        "label 1) |",
        "|---|---|---|---|---|---|---|",
    ]
    for task, c in consistency.items():
        lines.append(
            f"| {task} | {c['repeated']} ({c['repeated_both']}) | {c['pairs']} | "
            f"{c['differ'] / max(c['pairs'], 1):.0%} | {c['chance']:.0%} | {c['ceiling']:.2f} | "
            f"{c['zeros_near']} ({c['zeros_near_one']}) |"
        )
    lines += [
        "",
        "| check | latency p50 ms | p95 ms | flags ordinary chat |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {name} | {p50:.2f} | {p95:.2f} | {fp[name]:.0%} |"
        if name in fp
        else f"| {name} | {p50:.2f} | {p95:.2f} | |"
        for name, (p50, p95) in lat.items()
    ]
    lines += [
        "",
        f"*Flags ordinary chat*: share of the {ORDINARY_CHAT.name} lines (tests/safety/data, "
        "everyday requests to an assistant) flagged at the shipped threshold. The whole "
        "learned check is the e5 vector plus the classifier; the skill router computes the "
        "same vector for each user turn, so a caller that passes it on pays the classifier only. "
        "*Whole filter*: the rules and both learned checks on one message, as a chat turn runs "
        "them when `HANEUL_SAFETY_LEARNED` is on: the checks share the message's e5 vector and "
        "Kiwi analysis; in a chat turn the skill router has already made that vector (last "
        "row). Each message is awaited on one event loop, as in the server. Latency on a "
        "shared 2-core machine (another benchmark may have been running).",
    ]
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "safety")
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    cv = {task: cross_validate(task, args.data) for task in ("sensitive", "bias")}
    section = render(
        cv,
        latency(args.data),
        category_f1(args.data),
        false_positives(),
        label_consistency(args.data),
    )
    print(section)
    if args.write:
        write_section(args.write, "bench/safety.py", section)


if __name__ == "__main__":
    main()
