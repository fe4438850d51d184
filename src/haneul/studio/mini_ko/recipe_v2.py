"""The v2 data recipe of haneul-mini-ko: data made for the job the model does in Haneul,
right by construction or written by hand, never read from an evaluation set.

    haneul tune mini-ko --recipe v2 --data ../shared/data --work build/mini-ko-v2 --data-only

Sources (counts in `manifest.json`):
- skill turns (`skill_turns.py`): varied Korean questions answered by the REAL math, units
  and calendar skills, in the assistant's own prompt layout; the reply restates the skill's
  answer sentence and adds at most one sentence the assistant's composition check keeps;
- document QA (`docqa.py`) over KorQuAD 1.0 dev even articles minus the held-out fifth, in
  the assistant's document layout with `[n]` markers, and «문서에 없습니다.» for a question
  paired with passages of other articles; and a few in the `korquad` eval's own prompt (one
  phrasing among the others);
- chat written by hand (`data/*.jsonl`): who 하늘 is, greetings, small talk that is never
  JSON, refusals, questions it cannot know (it says so), explanations, summaries;
- to-do JSON and mail replies (`generated.py`), each only where the user asks for it.

Every task comes in several phrasings: the preset's system prompt, other system prompts or
none, other instruction words, the question before or after its context, and some turns
after an earlier greeting in the history. One in ten written and composed conversations
(skill and document turns included) goes to `heldout.jsonl`, never trained on. v1's recipe
(`recipe.py`) is unchanged; v2 has been the shipped recipe since 2026-12-06, and v3
(`recipe_v3.py`) builds on its sources.

Nothing evaluated is read: KorQuAD's held-out fifth is skipped, and no generated or written
question equals a user turn of the answer-quality benchmark (`bench/data/answers_ko.jsonl`,
read from the source checkout; the manifest records how many were avoided and their hash).
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path
from typing import Any

from haneul.assistant.presets import PRESETS
from haneul.errors import NotFoundError
from haneul.studio.mini_ko import docqa, generated, written
from haneul.studio.mini_ko.skill_turns import SYSTEMS, all_turns

Messages = list[dict[str, str]]
SOURCE = "korquad/korquad_v1.0_dev_even.json"
# How many of each: sized so one epoch is about 4,000 conversations.
COUNTS = {
    "math": 1100,
    "units": 450,
    "calendar": 450,
    "docqa_answerable": 750,
    "docqa_unanswerable": 250,
    "korquad_task_prompt": 100,
    "todo_json": 150,
    "mail_replies": 50,
}
HELDOUT_SHARE = 0.1
BENCH = Path(__file__).resolve().parents[4] / "bench" / "data" / "answers_ko.jsonl"


def _head(rng: random.Random) -> Messages:
    roll = rng.random()
    if roll < 0.5:
        return [{"role": "system", "content": PRESETS["chat"]}]
    if roll < 0.75:
        return [{"role": "system", "content": rng.choice(SYSTEMS)}]
    return []


def _pairs(
    pairs: list[tuple[str, str]], copies: int, rng: random.Random, avoid: frozenset[str]
) -> list[Messages]:
    """Each pair `copies` times, each copy with another system prompt (or none); none whose
    question is in `avoid`."""
    out = []
    for user, answer in pairs:
        if user in avoid:
            continue
        heads = [[{"role": "system", "content": PRESETS["chat"]}], []]
        for i in range(copies):
            head = heads[i] if i < len(heads) else _head(rng)
            out.append([*head, {"role": "user", "content": user}, _a(answer)])
    return out


def _a(text: str) -> dict[str, str]:
    return {"role": "assistant", "content": text}


def chat(seed: int, avoid: frozenset[str]) -> dict[str, list[Messages]]:
    rng = random.Random(f"chat:{seed}")
    summaries = [
        [*_head(rng), {"role": "user", "content": ask.format(text=text)}, _a(summary)]
        for text, summary in written.summaries()
        for ask in written.SUMMARY_ASKS
    ]
    return {
        "introductions": _pairs(written.introductions(), 3, rng, avoid),
        "greetings": _pairs(written.greetings(), 2, rng, avoid),
        "plain_requests": _pairs(written.plain_requests(), 3, rng, avoid),
        "unknown": _pairs(written.unknown(), 3, rng, avoid),
        "refusals": _pairs(written.refusals(), 2, rng, avoid),
        "explanations": _pairs(written.explanations(), 2, rng, avoid),
        "summaries": summaries,
    }


def _after_greeting(
    conversations: list[Messages], share: float, rng: random.Random, avoid: frozenset[str]
) -> None:
    """Put an earlier greeting turn into the history of `share` of the conversations (after
    their system prompt), as the assistant's prompt keeps history before the new turn."""
    greetings = [(u, a) for u, a in written.greetings() if u not in avoid]
    for messages in conversations:
        if rng.random() < share:
            user, answer = rng.choice(greetings)
            at = 1 if messages[0]["role"] == "system" else 0
            messages[at:at] = [{"role": "user", "content": user}, _a(answer)]


def sources(
    data_dir: Path, seed: int, avoid: frozenset[str], counts: dict[str, int] = COUNTS
) -> dict[str, list[Messages]]:
    """v2's conversations by source, `counts` of each generated kind (v3 passes its own)."""
    skills = all_turns(seed, counts["math"], counts["units"], counts["calendar"], avoid)
    out: dict[str, list[Messages]] = {k: [t.messages for t in v] for k, v in skills.items()}
    out.update(
        docqa.korquad(
            data_dir,
            seed,
            counts["docqa_answerable"],
            counts["docqa_unanswerable"],
            counts["korquad_task_prompt"],
        )
    )
    out.update(chat(seed, avoid))
    out["todo_json"] = generated.todo_conversations(counts["todo_json"], seed)
    out["mail_replies"] = generated.mail_conversations(counts["mail_replies"], seed)
    rng = random.Random(f"history:{seed}")
    for name in ("skill_math", "skill_units", "skill_calendar", "docqa_answerable"):
        _after_greeting(out[name], 0.1, rng, avoid)
    return out


def evaluation_questions(path: Path = BENCH) -> frozenset[str]:
    """The user turns of the answer-quality benchmark (`bench/data/answers_ko.jsonl` in a
    source checkout; empty where it is absent): never generated as training questions."""
    if not path.is_file():
        return frozenset()
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    return frozenset(t["text"] for r in rows for t in r.get("turns", []) if "text" in t)


def build(
    data_dir: Path, out: Path, seed: int = 0, avoid: frozenset[str] | None = None
) -> dict[str, Any]:
    """Write train.jsonl, heldout.jsonl and manifest.json into `out`; returns the manifest.
    `avoid`: questions never trained on (default: the benchmark's, `evaluation_questions`)."""
    if not (data_dir / SOURCE).is_file():
        raise NotFoundError(f"데이터가 없습니다: {data_dir / SOURCE}")
    avoid = evaluation_questions() if avoid is None else avoid
    return write(out, "v2", seed, avoid, sources(data_dir, seed, avoid))


def write(
    out: Path,
    recipe: str,
    seed: int,
    avoid: frozenset[str],
    made: dict[str, list[Messages]],
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One in ten conversations of each source (a conversation made twice is kept once) to
    heldout.jsonl, the rest shuffled into train.jsonl; the manifest with counts and hashes
    (and `extra`, a recipe's own notes)."""
    rng = random.Random(seed)
    train: list[Messages] = []
    held: list[Messages] = []
    counts: dict[str, dict[str, int]] = {}
    seen: set[str] = set()
    for name, conversations in made.items():
        kept = 0
        unique = []
        for messages in conversations:  # a conversation made twice is kept once
            key = json.dumps(messages, ensure_ascii=False)
            if key not in seen:
                seen.add(key)
                unique.append(messages)
        for messages in unique:
            if rng.random() < HELDOUT_SHARE:
                held.append(messages)
            else:
                train.append(messages)
                kept += 1
        counts[name] = {"train": kept, "heldout": len(unique) - kept}
    rng.shuffle(train)
    out.mkdir(parents=True, exist_ok=True)
    files = {}
    for filename, rows in (("train.jsonl", train), ("heldout.jsonl", held)):
        text = "".join(json.dumps({"messages": m}, ensure_ascii=False) + "\n" for m in rows)
        (out / filename).write_text(text, encoding="utf-8")
        files[filename] = {
            "rows": len(rows),
            "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        }
    avoided = hashlib.sha256("\n".join(sorted(avoid)).encode("utf-8")).hexdigest()
    manifest = {
        "recipe": recipe,
        "seed": seed,
        "avoided_questions": {"count": len(avoid), "sha256": avoided},
        "sources": counts,
        "files": files,
        **(extra or {}),
    }
    (out / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return manifest
