"""The v5 data recipe of haneul-mini-ko: v4 with most bare span turns laid out question
first (issue 18, the KorQuAD spread).

    haneul tune mini-ko --recipe v5 --data ../shared/data --work build/mini-ko-v5 --data-only

v4 extracts spans far better than v2 (held-out KorQuAD F1 38-48 under three unseen
phrasings) but not evenly: 46.5 and 45.8 where the passage comes before the question (p1, the
eval's own prompt), 37.5 and 40.1 where the question comes first (p2, p3; the 2026-12-06
run of 100 items, `bench/korquad_phrasings.py`). The items that differ are the model taking
another span of the same passage, not a format slip: a 270M causal model that reads the
question first has to carry it across the whole passage. v4's span turns put the question
first in 35 of 100 and every document turn of the assistant's layout puts the passages
first, so v5 turns the span turns round: the question first in 65 of 100
(`span_turns.question_first`). Every other source, count and setting is v4's.

Trained and measured 2026-12-06 on 100 items (docs/tuning.md, "Recipe v5"): F1 p1 / p2 / p3
44.5 / 40.6 / 36.3 against v4's 46.5 / 37.5 / 40.1, spread 8.2 against 9.0, too few items to
tell; on 300 items v4's spread is 16.5 (passage first about 50, question first 33) and v5's
9.2 (47 / 38). Not shipped: the answers benchmark has not been run on it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from haneul.studio.mini_ko import recipe_v3, recipe_v4
from haneul.studio.mini_ko.span_turns import span_turns

Messages = list[dict[str, str]]
COUNTS = recipe_v4.COUNTS
QUESTION_FIRST = 0.65


def sources(
    data_dir: Path, seed: int, avoid: frozenset[str], question_first: float = QUESTION_FIRST
) -> dict[str, list[Messages]]:
    """v4's sources with the span turns' question first in the share `question_first`."""
    out = recipe_v4.sources(data_dir, seed, avoid)
    out["span"] = span_turns(data_dir, seed, COUNTS["span"], question_first)
    return out


def build(
    data_dir: Path, out: Path, seed: int = 0, avoid: frozenset[str] | None = None
) -> dict[str, Any]:
    """Write train.jsonl, heldout.jsonl and manifest.json into `out`; returns the manifest.
    `avoid`: questions never trained on (default: the benchmark's)."""
    return recipe_v3.write_recipe(data_dir, out, seed, avoid, ("v5", COUNTS, sources))
