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
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from haneul.skills.openapi import OpenApiSkill

HANGUL = re.compile(r"[가-힣]+")


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
    values.update(found)
    known = skill.spec.parameters.get("properties", {})
    values = skill._typed({k: v for k, v in values.items() if k in known})
    missing = [k for k in skill.spec.parameters.get("required", []) if k not in values]
    return values, missing
