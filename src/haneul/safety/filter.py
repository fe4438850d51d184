"""The AI Filter: runs the checks on a text and sums up the verdict.

`SafetyFilter.check(text, kind=...)` runs the checks that make sense for that kind of text:
personal data and abuse everywhere, prompt injection only on text that should be data
(documents, skill outputs), never on what a user typed.
"""

from __future__ import annotations

import asyncio
from typing import Literal

from haneul.safety.protocol import Check, Verdict

TextKind = Literal["input", "output", "document", "skill"]

# CLOVA Studio's aiFilter names for the categories that have one
CLOVA_NAMES = {
    "insult": ("curse", "insult"),
    "profanity": ("curse", "insult"),
    "sexual": ("unsafeContents", "sexualHarassment"),
    "bias": ("curse", "discrimination"),
}


# which kinds of text each check reads (absent: all of them)
APPLIES_TO: dict[str, tuple[str, ...]] = {
    "injection": ("document", "skill"),  # an order is suspicious in data, not from the user
    "sensitive": ("input",),  # SQuARe judges the user's question
}


class SafetyFilter:
    """The default checks are those registered through the `register_checks` hook: the
    rule-based built-ins (`haneul.safety.builtin`) and any plugin's. `learned=True` adds the
    SQuARe and KoSBi models, which are still below their macro-F1 targets (see docs/safety.md,
    "What the data can and cannot teach")."""

    def __init__(self, checks: list[Check] | None = None, *, learned: bool = False) -> None:
        if checks is None:
            from haneul.plugins import registered_checks

            checks = registered_checks()
        self.checks: list[Check] = list(checks)
        if learned:
            from haneul.safety.classifier import SensitiveQuestionCheck, SocialBiasCheck

            self.checks += [SensitiveQuestionCheck(), SocialBiasCheck()]

    async def check(
        self, text: str, *, context: str | None = None, kind: TextKind = "input"
    ) -> Verdict:
        checks = [c for c in self.checks if kind in APPLIES_TO.get(c.name, (kind,))]
        verdicts = await asyncio.gather(*(c.check(text, context) for c in checks))
        total = Verdict()
        for v in verdicts:
            total.extend(v)
        return total


def clova_ai_filter(verdict: Verdict) -> list[dict[str, str]]:
    """The verdict in CLOVA's `aiFilter` shape: score "0" likely, "1" possible, "2" unlikely."""
    worst: dict[tuple[str, str], float] = {}
    for category, score in verdict.scores().items():
        if (names := CLOVA_NAMES.get(category.split(".")[0])) is not None:
            worst[names] = max(worst.get(names, 0.0), score)
    out = []
    for group, name in [
        ("curse", "discrimination"),
        ("curse", "insult"),
        ("unsafeContents", "sexualHarassment"),
    ]:
        score = worst.get((group, name), 0.0)
        level = "0" if score >= 0.8 else "1" if score >= 0.5 else "2"
        out.append({"groupName": group, "name": name, "score": level, "result": "OK"})
    return out
