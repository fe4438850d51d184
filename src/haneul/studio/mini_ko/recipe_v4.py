"""The v4 data recipe of haneul-mini-ko: v3, plus near-miss refusals and twice the unrelated
memory turns, the two things v3 did worse than v2 (issue 18).

    haneul tune mini-ko --recipe v4 --data ../shared/data --work build/mini-ko-v4 --data-only

v3 met the span-extraction goal (held-out KorQuAD F1 31.7 / 32.3 / 27.4 under three unseen
phrasings, spread 4.9) but refused fewer unanswerable document questions (0.750 against
v2's 0.900) and kept an unrelated memory out less often (0.733 against 0.800): its 900 span
turns always have an answer, so it learnt to take one from a passage on the same subject
that does not hold it, and its 220 unrelated-memory turns were fewer than the recall ones.
v4 keeps v3's sources and adds:

- `docqa_near_miss`: the question beside other paragraphs of its own article (the same
  subject, not the answer), in the assistant's document layout; the reply is «문서에
  없습니다.» (`docqa.near_misses`). v2's and v3's unanswerable turns paired a question with
  other articles only, which are easy to refuse;
- `memory_irrelevant` doubled (440).

The epoch stays near v3's size: the math and span turns give up what the new turns add.
Nothing evaluated is read, as in v2 and v3.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from haneul.studio.mini_ko import docqa, recipe_v3

Messages = list[dict[str, str]]
COUNTS = {
    **recipe_v3.COUNTS,
    "math": 550,  # v3 700
    "docqa_unanswerable": 250,  # v3 200
    "memory_irrelevant": 440,  # v3 220
    "span": 800,  # v3 900
    # new in v4
    "docqa_near_miss": 300,
}


def sources(data_dir: Path, seed: int, avoid: frozenset[str]) -> dict[str, list[Messages]]:
    out = recipe_v3.sources(data_dir, seed, avoid, COUNTS)
    out["docqa_near_miss"] = docqa.near_misses(data_dir, seed, COUNTS["docqa_near_miss"])
    return out


def build(
    data_dir: Path, out: Path, seed: int = 0, avoid: frozenset[str] | None = None
) -> dict[str, Any]:
    """Write train.jsonl, heldout.jsonl and manifest.json into `out`; returns the manifest.
    `avoid`: questions never trained on (default: the benchmark's)."""
    return recipe_v3.write_recipe(data_dir, out, seed, avoid, ("v4", COUNTS, sources))
