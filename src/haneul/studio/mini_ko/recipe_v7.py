"""The v7 data recipe of haneul-mini-ko: v6 with every bare span turn laid out question first
(issue 18, the KorQuAD spread).

    haneul tune mini-ko --recipe v7 --data ../shared/data --work build/mini-ko-v7 --data-only

v4, v5 and v6 put 35, 65 and 90 in 100 of the bare span turns question first, and on 300
held-out KorQuAD items (`bench/korquad_phrasings.py`) the spread between the passage-first and
question-first phrasings fell with the share: 16.5, 9.2, 5.06. v7 takes the share to all of
them; the passage-first layout is still trained by the assistant's own document turns and the
eval-prompt turns, which keep the passages first. Every other source, count and setting is v6's.

Trained 2026-12-07 and not shipped (docs/tuning.md, "Recipe v7"): F1 p1 / p2 / p3 40.1 /
45.1 / 40.3 on the 300 items, spread 5.04, mean 41.8 against v6's 44.2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from haneul.studio.mini_ko import recipe_v3, recipe_v5

Messages = list[dict[str, str]]
COUNTS = recipe_v5.COUNTS
QUESTION_FIRST = 1.0


def sources(data_dir: Path, seed: int, avoid: frozenset[str]) -> dict[str, list[Messages]]:
    return recipe_v5.sources(data_dir, seed, avoid, QUESTION_FIRST)


def build(
    data_dir: Path, out: Path, seed: int = 0, avoid: frozenset[str] | None = None
) -> dict[str, Any]:
    """Write train.jsonl, heldout.jsonl and manifest.json into `out`; returns the manifest.
    `avoid`: questions never trained on (default: the benchmark's)."""
    return recipe_v3.write_recipe(data_dir, out, seed, avoid, ("v7", COUNTS, sources))
