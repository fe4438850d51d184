"""Memory turns for the v3 recipe, in the assistant's own memory layout (assistant/turn.py:
the final user message opens with `MEMORY_NOTE`, one `- fact` line per memory, then the
question as `질문: ...`; with no memories the message is the bare text).

Facts are made by construction from `data/memory_facts.jsonl` (a slot, its label, values, and
templates for the user's statement, a question about it, an answer and an acknowledgement;
`[이|가]`-style markers pick the particle for the value's last syllable). A memory is written
as the memory store writes an extracted fact (`label: value`) or, as a person adds one by
hand, in the user's own voice (`저는 부산에 살아요.`).

- `memory_recall`: one to four memories, one of them the fact asked about; the answer states
  that value and no other memory's (some also have the user's statement in the history, a
  few only there);
- `memory_irrelevant`: memories with a question about something else (`data/memory_offtopic.jsonl`
  and v1's written explanations); the answer never uses a word of any memory;
- `memory_history`: the fact said earlier in the conversation (the user's statement and the
  acknowledgement in the history), then a question about something else, with or without
  the memory block: the answer ignores it;
- `memory_statements`: the user states a fact; the answer acknowledges it in a sentence.

`with_memories` puts memories unrelated to the turn in front of skill and document turns
laid out as the assistant lays them out; their replies stay as they are.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from haneul.assistant.presets import PRESETS
from haneul.assistant.turn import DATA_NOTE, DOCUMENT_NOTE, MEMORY_NOTE
from haneul.studio.mini_ko import written
from haneul.studio.mini_ko.skill_turns import SYSTEMS

Messages = list[dict[str, str]]
_MARKER = re.compile(r"(\S)\[([^|\]]+)\|([^\]]+)\]")
_RIEUL = 8  # the final consonant ㄹ: 로, not 으로


def particles(text: str) -> str:
    """`부산[으로|로]` -> `부산으로`: the first form after a final consonant, else the second."""

    def pick(m: re.Match[str]) -> str:
        last, after_consonant, after_vowel = m.groups()
        code = ord(last) - 0xAC00
        final = code % 28 if 0 <= code < 11172 else 0
        if after_consonant.startswith("으로") and final == _RIEUL:
            return last + after_vowel
        return last + (after_consonant if final else after_vowel)

    return _MARKER.sub(pick, text)


@cache
def slots() -> list[dict[str, Any]]:
    text = resources.files(__package__).joinpath("data", "memory_facts.jsonl").read_text("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@cache
def offtopic() -> list[tuple[str, str]]:
    """(a question about something else, its answer): written for these turns, and v1's
    written explanations."""
    path = resources.files(__package__).joinpath("data", "memory_offtopic.jsonl")
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    return [(r["user"], r["assistant"]) for r in rows] + written.explanations()


@dataclass(frozen=True)
class Fact:
    slot: str
    value: str
    memory: str  # the line as the memory holds it
    said: str  # the user's own statement of it
    row: dict[str, Any]

    def words(self) -> list[str]:
        """The value and its words of two syllables or more: what an unrelated answer never
        says."""
        return [self.value, *(w for w in self.value.split() if len(w) >= 2)]


def fact(row: dict[str, Any], rng: random.Random) -> Fact:
    value = rng.choice(row["values"])
    said = particles(rng.choice(row["voice"]).format(v=value))
    memory = f"{row['label']}: {value}" if rng.random() < 0.65 else said
    return Fact(row["slot"], value, memory, said, row)


def facts(
    rng: random.Random, n: int, avoid_text: str = "", groups: frozenset[str] = frozenset()
) -> list[Fact]:
    """At most `n` facts of different slots, none of whose words occur in `avoid_text` and
    none of `groups` (slots a question could mix up: allergy and food one does not eat,
    children and family, hobbies and sports, ...)."""
    out: list[Fact] = []
    for row in rng.sample(slots(), len(slots())):
        if len(out) == n:
            break
        made = fact(row, rng)
        if row["group"] not in groups and not any(w in avoid_text for w in made.words()):
            out.append(made)
    return out


def block(memories: list[str]) -> str:
    """The memory block exactly as the assistant writes it into the final user message."""
    return MEMORY_NOTE + "\n" + "\n".join(f"- {m}" for m in memories)


def final_user(memories: list[str], text: str) -> str:
    """The final user message of a turn with no skill result and no documents."""
    return f"{block(memories)}\n\n질문: {text}" if memories else text


def _head(rng: random.Random) -> Messages:
    roll = rng.random()
    if roll < 0.7:
        return [{"role": "system", "content": PRESETS["chat"]}]
    if roll < 0.85:
        return [{"role": "system", "content": rng.choice(SYSTEMS)}]
    return []


def _turn(role: str, text: str) -> dict[str, str]:
    return {"role": role, "content": text}


def _said(item: Fact, rng: random.Random) -> Messages:
    """The earlier turn where the user said the fact, and its acknowledgement."""
    ack = particles(rng.choice(item.row["acks"]).format(v=item.value))
    return [_turn("user", item.said), _turn("assistant", ack)]


def recall(rng: random.Random) -> Messages:
    asked = fact(rng.choice(slots()), rng)
    question = rng.choice(asked.row["asks"])
    answer = particles(rng.choice(asked.row["answers"]).format(v=asked.value))
    group = frozenset([asked.row["group"]])
    others = facts(rng, rng.choice([0, 1, 1, 2, 3]), question + answer, group)
    memories = [f.memory for f in rng.sample([asked, *others], len(others) + 1)]
    history = _said(asked, rng) if rng.random() < 0.3 else []
    if history and rng.random() < 0.3:
        memories = []  # only the history holds it (memory off, or the threshold missed it)
    last = final_user(memories, question)
    return [*_head(rng), *history, _turn("user", last), _turn("assistant", answer)]


def irrelevant(rng: random.Random) -> Messages:
    question, answer = rng.choice(offtopic())
    memories = [f.memory for f in facts(rng, rng.choice([1, 1, 2, 3]), question + answer)]
    last = final_user(memories, question)
    return [*_head(rng), _turn("user", last), _turn("assistant", answer)]


def history(rng: random.Random) -> Messages:
    question, answer = rng.choice(offtopic())
    told = facts(rng, 1, question + answer)
    memories = [told[0].memory] if rng.random() < 0.5 else []
    last = final_user(memories, question)
    return [*_head(rng), *_said(told[0], rng), _turn("user", last), _turn("assistant", answer)]


def statement(rng: random.Random) -> Messages:
    said, *others = facts(rng, rng.choice([1, 1, 2]))
    ack = particles(rng.choice(said.row["acks"]).format(v=said.value))
    last = final_user([o.memory for o in others], said.said)
    return [*_head(rng), _turn("user", last), _turn("assistant", ack)]


MAKERS = {
    "memory_recall": recall,
    "memory_irrelevant": irrelevant,
    "memory_history": history,
    "memory_statements": statement,
}


def _users(messages: Messages) -> list[str]:
    texts = [m["content"] for m in messages if m["role"] == "user"]
    return texts + [t.rsplit("\n\n질문: ", 1)[-1] for t in texts]


def conversations(
    counts: dict[str, int], seed: int, avoid: frozenset[str] = frozenset()
) -> dict[str, list[Messages]]:
    """`counts[name]` distinct conversations of each kind in `MAKERS`; no user turn (nor
    question after the memory block) is in `avoid`."""
    out: dict[str, list[Messages]] = {}
    for name, make in MAKERS.items():
        rng = random.Random(f"{name}:{seed}")
        made: list[Messages] = []
        seen: set[str] = set()
        tries = 0
        while len(made) < counts.get(name, 0) and tries < counts.get(name, 0) * 50:
            tries += 1
            messages = make(rng)
            key = json.dumps(messages, ensure_ascii=False)
            if key in seen or avoid & set(_users(messages)):
                continue
            seen.add(key)
            made.append(messages)
        out[name] = made
    return out


def with_memories(conversations: list[Messages], share: float, rng: random.Random) -> int:
    """Put one or two memories unrelated to the turn in front of `share` of the skill and
    document turns in the assistant's layout (their final message opens with the data or the
    document note); the reply is unchanged. Returns how many were given memories."""
    given = 0
    for messages in conversations:
        last = messages[-2]["content"]
        if not last.startswith((DATA_NOTE, DOCUMENT_NOTE)) or rng.random() >= share:
            continue
        text = "\n".join(m["content"] for m in messages)
        memories = [f.memory for f in facts(rng, rng.choice([1, 1, 2]), text)]
        messages[-2] = _turn("user", block(memories) + "\n\n" + last)
        given += 1
    return given
