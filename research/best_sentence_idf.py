"""Which sentence of the gold paragraph does the documents skill quote? Over KorQuAD 1.0 dev
(even articles; every question with its whole gold paragraph), the share of questions whose
quoted sentence holds the gold answer, for the rule before (every question word weighs the
same: `documents.support` per sentence) and now (`documents.best_sentence`: each word
weighed by BM25's IDF within the passage; two sentences that tie are both quoted, and the
share of such quotes is printed). No model; seconds.

Usage: PYTHONPATH=src python research/best_sentence_idf.py
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from haneul.skills.builtin import documents

DATA = Path(__file__).resolve().parents[2] / "shared/data/korquad/korquad_v1.0_dev_even.json"


def before(question: str, passage: str) -> str:
    parts = [s.strip() for s in re.split(r"(?<=[.!?。])\s+|\n+", passage) if s.strip()]
    sentences = [p for p in parts if documents.SENTENCE_LIKE.search(p)] or parts
    return max(sentences, key=lambda s: documents.support(question, s), default=passage)


def main() -> None:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    n = old = new = two = 0
    for article in data["data"]:
        for para in article["paragraphs"]:
            for qa in para["qas"]:
                gold = qa["answers"][0]["text"]
                n += 1
                old += gold in before(qa["question"], para["context"])
                quote = documents.best_sentence(qa["question"], para["context"])
                new += gold in quote
                parts = re.split(r"(?<=[.!?。])\s+|\n+", para["context"])
                two += quote not in [p.strip() for p in parts]
    print(f"{n} questions: quote holds the gold answer {old / n:.3f} before, {new / n:.3f} now")
    print(f"quotes of two tied sentences: {two / n:.3f}")


if __name__ == "__main__":
    main()
