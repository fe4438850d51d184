"""The v6 data recipe of haneul-mini-ko: v5 with nine bare span turns in ten laid out question
first (issue 18, the KorQuAD spread).

    haneul tune mini-ko --recipe v6 --data ../shared/data --work build/mini-ko-v6 --data-only

On 300 held-out KorQuAD items (`bench/korquad_phrasings.py`) the passage-first phrasings and
the question-first ones moved in step with the share of span turns laid out question first:
v4 (35 in 100) F1 about 50 / 33, spread 16.5; v5 (65 in 100) 47 / 38, spread 9.2. v6 takes
the share to 90 in 100 to see whether the two meet; the assistant's own document turns keep
the passages first, as the assistant lays them out. Every other source, count and setting is
v4's (and v5's).

Trained and shipped 2026-12-06 (docs/tuning.md, "Recipe v6"): F1 p1 / p2 / p3 46.7 / 44.3 /
41.6 on the 300 items, spread 5.06, mean 44.2 against v4's 38.6.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from haneul.studio.mini_ko import recipe_v3, recipe_v5

Messages = list[dict[str, str]]
COUNTS = recipe_v5.COUNTS
QUESTION_FIRST = 0.9


def sources(data_dir: Path, seed: int, avoid: frozenset[str]) -> dict[str, list[Messages]]:
    return recipe_v5.sources(data_dir, seed, avoid, QUESTION_FIRST)


def build(
    data_dir: Path, out: Path, seed: int = 0, avoid: frozenset[str] | None = None
) -> dict[str, Any]:
    """Write train.jsonl, heldout.jsonl and manifest.json into `out`; returns the manifest.
    `avoid`: questions never trained on (default: the benchmark's)."""
    return recipe_v3.write_recipe(data_dir, out, seed, avoid, ("v6", COUNTS, sources))
