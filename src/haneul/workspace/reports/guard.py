"""The guards a report section passes before it is kept: the assistant's own answer checks
(src/haneul/assistant/compose.py `check`): no prompt text (the writer's instructions, or the
labels of its request: «보고서 주제:», «작성할 항목:», «자료:», or its passage list's
layout, a line opening with «[n] »), no passage copied whole (more than `COPIED_SENTENCES`
of the passages' sentences word for word), no loop (a span of 16 characters written twice),
no JSON, no number the passages do not hold, and Korean prose (more Hangul than Latin
letters). A section the model wrote that fails is replaced, whole, by
an extractive one: the sentences of the cited passages closest to the topic and heading, each
with its [n], marked `drafted: "extractive"` with the reason. Right by construction: every
sentence of such a section is a sentence of a real passage. All functions here are pure."""

from __future__ import annotations

import re
from typing import Any

from haneul.assistant.compose import check, sentences

LOOP_WIDTH = 16  # as the assistant's streamed answers: long enough for names said twice
EXTRACT_SENTENCES = 3
COPIED_SENTENCES = 3  # more of the passages' sentences than this, verbatim: a copy, not a draft
SENTENCE_CHARS = (12, 260)  # shorter is a fragment or a label; longer is a table run together
PROMPT_LABELS = re.compile(
    r"(?:보고서\s*주제|작성할\s*항목|자료|다음\s*글)\s*[:：]|^\s*\[\d+\]\s", re.M
)  # the request's labels, and its passage list's «[n] » line openings
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_LATIN = re.compile(r"[A-Za-z]")


def not_prose(text: str) -> str | None:
    """Why `text` is not Korean prose, or None."""
    hangul, latin = len(_HANGUL.findall(text)), len(_LATIN.findall(text))
    if hangul == 0 or latin > hangul:
        return "not Korean prose"
    return None


def copied(text: str, passages: list[str]) -> int:
    """How many of `text`'s sentences are passages' sentences word for word."""
    flat = [re.sub(r"\s+", "", p) for p in passages]
    lines = [re.sub(r"\s+|\[\d+\]", "", s) for s in sentences(text)]
    return sum(1 for line in lines if len(line) >= 12 and any(line in p for p in flat))


def section_problem(
    text: str, *, prompts: list[str], grounds: list[str], passages: list[str] | None = None
) -> str | None:
    """Why the model's section `text` cannot be kept (None when it can): `prompts` are the
    instructions it was given, `grounds` the topic, heading and passages it was given,
    `passages` those it must not copy whole."""
    if not text.strip():
        return "the model wrote nothing"
    label = PROMPT_LABELS.search(text)
    if label:
        return f"prompt text '{label.group(0).strip()}' leaked"
    if passages and copied(text, passages) > COPIED_SENTENCES:
        return "a passage copied whole"
    clauses = [part for prompt in prompts for part in re.split(r"[,，]", prompt)]  # finer
    why = check(text, question="", grounds=grounds, prompts=clauses, loop_width=LOOP_WIDTH)
    return why or not_prose(text)


def _bigrams(text: str) -> set[str]:
    flat = re.sub(r"\W+", "", text)
    return {flat[i : i + 2] for i in range(len(flat) - 1)}


def _candidates(text: str) -> list[str]:
    lo, hi = SENTENCE_CHARS
    out = []
    for line in sentences(text):
        line = re.sub(r"\s+", " ", line).strip()
        if lo <= len(line) <= hi and not not_prose(line):
            out.append(line)
    return out


def extractive(
    topic: str, heading: str, hits: list[dict[str, Any]], avoid: list[str] | None = None
) -> str:
    """A section made of the passages' own sentences: per passage, its sentences ranked by
    the character pairs they share with the heading (the topic breaks ties: every section
    shares it), leaving out sentences already in `avoid` (earlier sections) while others
    remain, taken a round at a time (the
    best of each passage, then the second best...) up to `EXTRACT_SENTENCES`, then written
    in passage order, each followed by its passage's [n]. Empty when no passage has a
    sentence."""
    about, wanted = _bigrams(topic), _bigrams(heading)
    said = re.sub(r"\s+", "", " ".join(avoid or []))

    def score(line: str) -> tuple[int, int]:
        pairs = _bigrams(line)
        return (-len(pairs & wanted), -len(pairs & about))

    ranked: list[list[tuple[int, str]]] = []
    for hit in hits:
        found = list(enumerate(_candidates(str(hit.get("text") or ""))))
        found.sort(key=lambda p: (score(p[1]), p[0]))
        ranked.append(found)
    fresh = [[p for p in found if re.sub(r"\s+", "", p[1]) not in said] for found in ranked]
    if any(fresh):  # sentences an earlier section has used only when nothing else is left
        ranked = fresh
    chosen: list[tuple[int, int, str]] = []  # (passage, place in it, sentence)
    for depth in range(EXTRACT_SENTENCES):
        for n, found in enumerate(ranked):
            if depth < len(found) and len(chosen) < EXTRACT_SENTENCES:
                place, line = found[depth]
                chosen.append((n, place, line))
    chosen.sort()
    return " ".join(f"{line} [{n + 1}]" for n, _, line in chosen)
