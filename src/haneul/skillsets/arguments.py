"""The argument filler: an operation's arguments read from an utterance.

In order, later sources filling only what is still missing:

1. the manifest's defaults, then its own regular expressions (named groups), as the
   assistant reads them (skills/openapi.py);
2. patterns learned from the trainer's examples (`learn`): where an example's argument value
   appears in its utterance, the value's shape (Hangul word, or letters and digits as
   `JE-101` is `[A-Z]{2}-\\d{3}`) with the text around it, e.g. «강릉에서 묵을 데» with
   `city=강릉` gives `(?<![가-힣])(?P<city>[가-힣]+?)에서 묵을`;
3. the values seen in the examples (a small gazetteer), found verbatim in the utterance.

Numbers read as text get the schema's type. A value already used for another argument is
not used again (the origin is not also the destination).

An argument that names a place (`places.json`: city, origin, destination, location) must be
a known place name (the gazetteer in `places.json`) or a noun written before a locative
particle (에/에서/의/로) in the utterance: whatever source read it, a verb form («묵을»,
«할») or a word with another particle («게스트하우스나») is dropped, and a single missing
place is then taken from the known names in the utterance («목포에 하룻밤 묵을 호텔» → 목포).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from haneul.skills.openapi import OpenApiSkill

HANGUL = re.compile(r"[가-힣]+")
SUFFIXES = ("특별자치도", "특별자치시", "특별시", "광역시", "시", "군", "도")
# endings of verb forms that stand before a noun (묵을, 할, 가는, 머물던, 좋은)
VERB_ENDINGS = re.compile(r"(?:을|는|던|은|한|할|갈|잘|볼|살|쉴|놀)$")


@dataclass(frozen=True)
class Places:
    parameters: frozenset[str]
    names: frozenset[str]
    particles: tuple[str, ...]
    not_places: frozenset[str]


@cache
def places() -> Places:
    """The place parameters and the gazetteer, from places.json beside this module."""
    text = resources.files("haneul.skillsets").joinpath("places.json").read_text("utf-8")
    data = json.loads(text)
    return Places(
        frozenset(data["parameters"]),
        frozenset(data["names"]),
        tuple(data["particles"]),
        frozenset(data["not_places"]),
    )


def known_place(value: str) -> bool:
    """`value` is in the gazetteer, with or without 시/군/도 (제주도, 부산시)."""
    names = places().names
    if value in names:
        return True
    return any(value.endswith(s) and value[: -len(s)] in names for s in SUFFIXES)


def place_ok(value: str, utterance: str) -> bool:
    """A place argument read from `utterance`: a known place, or a noun (not a verb form,
    not a time or a common word) followed there by a locative particle."""
    if known_place(value):
        return True
    book = places()
    if not HANGUL.fullmatch(value) or len(value) < 2 or value in book.not_places:
        return False
    if VERB_ENDINGS.search(value):
        return False
    particles = "|".join(book.particles)
    written = rf"(?<![가-힣]){re.escape(value)}(?:{particles})(?![가-힣])"
    return re.search(written, utterance) is not None


def places_in(utterance: str) -> list[str]:
    """The known place names written in `utterance`, as words (a 시/도 or a particle may
    follow), in order."""
    out: list[tuple[int, str]] = []
    for word in re.finditer(r"[가-힣]+", utterance):
        text = word.group()
        best = max((n for n in places().names if text.startswith(n)), key=len, default=None)
        if best is not None:
            out.append((word.start(), best))
    return [name for _, name in out]


@dataclass(frozen=True)
class Example:
    text: str
    operation: str  # an operationId, or "none"
    arguments: dict[str, Any] = field(default_factory=dict)


@dataclass
class Learned:
    """What the trainer learned for one operation's arguments."""

    patterns: dict[str, list[str]] = field(default_factory=dict)  # param -> regexes
    values: dict[str, list[str]] = field(default_factory=dict)  # param -> seen values

    def to_json(self) -> dict[str, Any]:
        return {"patterns": self.patterns, "values": self.values}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Learned:
        return cls(dict(data.get("patterns", {})), dict(data.get("values", {})))


def _shape(value: str) -> str | None:
    """A regex for values shaped like `value`, or None for a shape too loose to learn."""
    if HANGUL.fullmatch(value):
        return r"(?<![가-힣])[가-힣]+?"
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9\-]*", value) and re.search(r"\d", value):
        out = ""
        for run in re.finditer(r"[A-Z]+|[a-z]+|\d+|-", value):
            text = run.group()
            if text == "-":
                out += "-"
            elif text.isdigit():
                out += rf"\d{{{len(text)}}}"
            elif text.isupper():
                out += f"[A-Z]{{{len(text)}}}"
            else:
                out += f"[a-z]{{{len(text)}}}"
        return out
    return None


def _contexts(text: str, start: int, end: int) -> list[tuple[str, str]]:
    """(before, after) contexts of a value at text[start:end], most specific first: the
    rest of its word and the next word; the rest of its word alone (when it is a particle);
    the previous word."""
    after = text[end:]
    rest = re.match(r"\S*", after)
    tail = rest.group() if rest else ""
    follow = re.match(r"\S*\s+\S+", after)
    out: list[tuple[str, str]] = []
    if follow:
        out.append(("", follow.group()))
    if tail and HANGUL.fullmatch(tail) and len(tail) <= 2:
        out.append(("", tail))
    before = re.search(r"(\S+)\s+$", text[:start])
    if before:
        out.append((before.group(1) + " ", ""))
    return out


def learn(examples: Iterable[Example], operations: Iterable[str]) -> dict[str, Learned]:
    """Patterns and values for each operation's arguments, from its examples."""
    learned = {op: Learned() for op in operations}
    for example in examples:
        target = learned.get(example.operation)
        if target is None:
            continue
        for name, raw in example.arguments.items():
            value = str(raw)
            if name in places().parameters and not place_ok(value, example.text):
                continue  # a label that is no place is learned from nowhere
            values = target.values.setdefault(name, [])
            if value not in values:
                values.append(value)
            start = example.text.find(value)
            shape = _shape(value)
            if start < 0 or shape is None:
                continue
            patterns = target.patterns.setdefault(name, [])
            for before, after in _contexts(example.text, start, start + len(value)):
                pattern = f"{re.escape(before)}(?P<{name}>{shape}){re.escape(after)}"
                if pattern not in patterns:
                    patterns.append(pattern)
    return learned


def _mentions(utterance: str, value: str) -> bool:
    """`value` is a word of `utterance` (a Hangul one may carry a particle): «4» is not
    found in «JE-204», nor «주» in «제주»."""
    if len(value) < 2:
        return False
    after = "" if HANGUL.fullmatch(value) else r"(?![\w-])"
    return re.search(rf"(?<![\w-]){re.escape(value)}{after}", utterance) is not None


def fill(
    skill: OpenApiSkill, utterance: str, learned: Learned | None = None
) -> tuple[dict[str, Any], list[str]]:
    """The arguments read from `utterance`, and the required ones still missing."""
    values: dict[str, Any] = dict(skill.manifest.defaults.get(skill.operation_id, {}))
    found: dict[str, Any] = {}
    for compiled in skill.patterns:
        match = compiled.search(utterance)
        if match:
            found.update({k: v for k, v in match.groupdict().items() if v is not None})
    if learned is not None:
        for name, patterns in learned.patterns.items():
            for pattern in patterns:
                if name in found:
                    break
                hit = re.search(pattern, utterance)
                if hit and hit.group(name) not in found.values():
                    found[name] = hit.group(name)
        for name, seen in learned.values.items():
            hits = [v for v in sorted(seen, key=len, reverse=True) if _mentions(utterance, v)]
            hits = [v for v in hits if v not in found.values()]
            if name not in found and hits:
                found[name] = hits[0]
    known = skill.spec.parameters.get("properties", {})
    _check_places(found, utterance, known)
    values.update(found)
    values = skill._typed({k: v for k, v in values.items() if k in known})
    missing = [k for k in skill.spec.parameters.get("required", []) if k not in values]
    return values, missing


def _check_places(found: dict[str, Any], utterance: str, params: Iterable[str]) -> None:
    """Drop the place arguments that are no place; when exactly one of the operation's
    place parameters is then missing, it is the first known place in the utterance that
    no other argument already holds."""
    wanted = [n for n in params if n in places().parameters]
    for name in [n for n in found if n in wanted]:
        if not place_ok(str(found[name]), utterance):
            del found[name]
    missing = [n for n in wanted if n not in found]
    if len(missing) != 1:
        return
    used = {str(v) for v in found.values()}
    free = [p for p in places_in(utterance) if p not in used]
    if free:
        found[missing[0]] = free[0]
