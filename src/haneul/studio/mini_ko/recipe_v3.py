"""The v3 data recipe of haneul-mini-ko: v2's sources, rebalanced, plus memory turns and bare
span answers in many wordings, the two things v2 did worse than v1 (issue 18).

    haneul tune mini-ko --recipe v3 --data ../shared/data --work build/mini-ko-v3 --data-only

v2 (`recipe_v2.py`) had no turn with memories, and it answered extractive questions with the
assistant's cited sentence in the few wordings it saw: memory recall fell to 0.533 (v1 0.800)
and held-out KorQuAD F1 under three unseen phrasings to 19.7 / 3.2 / 5.1. v3 adds:

- memory turns (`memory_turns.py`) in the assistant's exact memory layout: recall of one
  fact among several memories, questions about something else that never use a memory,
  a fact said earlier in the history and then ignored, the user stating a fact; and one
  in ten skill and document turns given unrelated memories, their replies unchanged;
- bare span answers (`span_turns.py`) over KorQuAD paragraphs: the gold span alone, under
  instructions drawn from templates x slots (Korean and English, system prompt or none,
  context before or after the question, plain/tagged/markdown/numbered layouts).

The epoch stays about v2's size (training time scales with it): skill turns are cut most,
because the assistant writes the skill's sentence itself and v2 already stated it in every
turn (1.000); document QA a little; the `korquad` eval's own prompt to 50, one phrasing among
the span turns' many. What is not counted here (the written chat) is v2's, unchanged.

Nothing evaluated is read, as in v2: KorQuAD's held-out fifth is skipped, and no user turn
(nor question after a memory block) equals a user turn of the answer-quality benchmark.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

from haneul.assistant.turn import MEMORY_NOTE
from haneul.errors import NotFoundError
from haneul.studio.mini_ko import memory_turns, recipe_v2
from haneul.studio.mini_ko.span_turns import span_turns

Messages = list[dict[str, str]]
COUNTS = {
    # v2's sources (v2's count in the comment)
    "math": 700,  # 1100
    "units": 250,  # 450
    "calendar": 250,  # 450
    "docqa_answerable": 600,  # 750
    "docqa_unanswerable": 200,  # 250
    "korquad_task_prompt": 50,  # 100
    "todo_json": 120,  # 150
    "mail_replies": 40,  # 50
    # new in v3
    "memory_recall": 300,
    "memory_irrelevant": 220,
    "memory_history": 100,
    "memory_statements": 80,
    "span": 900,
}
MEMORY_SHARE = 0.1  # of skill and document turns given memories unrelated to them
# v2's sources in the assistant's layout (skill result or documents in the last message)
LAID_OUT = ("skill_math", "skill_units", "skill_calendar", "docqa_answerable", "docqa_unanswerable")


def sources(
    data_dir: Path, seed: int, avoid: frozenset[str], counts: dict[str, int] = COUNTS
) -> dict[str, list[Messages]]:
    """v3's conversations by source, `counts` of each kind (v4 passes its own)."""
    out = recipe_v2.sources(data_dir, seed, avoid, counts)
    rng = random.Random(f"memories:{seed}")
    for name in LAID_OUT:
        memory_turns.with_memories(out[name], MEMORY_SHARE, rng)
    out.update(memory_turns.conversations(counts, seed, avoid))
    out["span"] = span_turns(data_dir, seed, counts["span"])
    return out


Sources = Callable[[Path, int, frozenset[str]], dict[str, list[Messages]]]


def write_recipe(
    data_dir: Path,
    out: Path,
    seed: int,
    avoid: frozenset[str] | None,
    recipe: tuple[str, dict[str, int], Sources],
) -> dict[str, Any]:
    """A recipe's files from its `(name, counts, sources)` (v3's and v4's build)."""
    name, counts, make = recipe
    if not (data_dir / recipe_v2.SOURCE).is_file():
        raise NotFoundError(f"데이터가 없습니다: {data_dir / recipe_v2.SOURCE}")
    avoid = recipe_v2.evaluation_questions() if avoid is None else avoid
    made = make(data_dir, seed, avoid)
    with_memory = sum(
        m[-2]["content"].startswith(MEMORY_NOTE) for kind in LAID_OUT for m in made[kind]
    )
    extra = {"counts": counts, "skill_and_document_turns_with_memories": with_memory}
    return recipe_v2.write(out, name, seed, avoid, made, extra)


def build(
    data_dir: Path, out: Path, seed: int = 0, avoid: frozenset[str] | None = None
) -> dict[str, Any]:
    """Write train.jsonl, heldout.jsonl and manifest.json into `out`; returns the manifest.
    `avoid`: questions never trained on (default: the benchmark's)."""
    return write_recipe(data_dir, out, seed, avoid, ("v3", COUNTS, sources))
