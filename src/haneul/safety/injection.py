"""Prompt injection in documents and skill outputs: text that tries to give the model orders.

Pattern-based, Korean and English. It is meant for text that should be *data* (a retrieved
document, a web page, a tool result): there, an order to the model is suspicious whatever
its wording. A user's own message is not checked with it.

The patterns read the text after `normalise.fold` (full-width letters, zero-width characters,
loose jamo, runs of spaces undone), and the Korean ones also read it squeezed (spaces and
symbols dropped, so «이 전 지 시 를 무 시 하 고» and «이.전 지.시» match). The English ones also
read the text with spaced-out letters joined («i g n o r e  p r e v i o u s», «i.g.n.o.r.e»), with
the spaces between words optional there; a finding of that reading counts only where it covers
such a run, so ordinary English («you are nowadays») is never read without its spaces.
Every finding is reported on the original text's span. Each pattern is bounded on the folded
text (spaces come one at a time), and long texts are read in windows (`windows.windowed`), so a
check costs time linear in the text, in a worker thread.
"""

from __future__ import annotations

import asyncio
import re

from haneul.safety.normalise import Folded, fold
from haneul.safety.protocol import Finding, Verdict
from haneul.safety.windows import windowed

PATTERNS: list[tuple[float, str]] = [
    (
        1.0,
        r"ignore\s+(?:all\s+|any\s+)?(?:the\s+)?(?:previous|prior|above|earlier|preceding)\s+"
        r"(?:instructions?|prompts?|rules|messages?|directions?)",
    ),
    (
        1.0,
        r"disregard\s+(?:all\s+|any\s+)?(?:the\s+)?(?:previous|prior|above|your)\s+"
        r"(?:instructions?|prompts?|rules|guidelines)",
    ),
    (0.9, r"forget\s+(?:everything|all)\s+(?:you|that|above|previous)"),
    (
        0.9,
        r"(?:reveal|print|show|repeat)\s+(?:me\s+)?(?:your|the)\s+(?:system\s+prompt|instructions)",
    ),
    (0.8, r"you\s+are\s+now\s+(?:a|an|in)\s+"),
    (0.8, r"(?:developer|dan|jailbreak|god)\s+mode"),
    (0.7, r"new\s+instructions?\s*:"),
    (
        1.0,
        r"(?:이전|앞|위|기존|지금까지)의?\s*(?:모든\s*)?(?:지시|지침|명령|규칙|프롬프트|내용|대화)"
        r"(?:사항)?(?:을|를|은|는|들을)?\s*(?:모두\s*|전부\s*|다\s*)?(?:무시|잊)",
    ),
    (1.0, r"(?:지시|지침|명령|규칙)(?:사항)?(?:을|를)?\s*(?:모두\s*|전부\s*)?무시(?:하고|해)"),
    (0.9, r"시스템\s*프롬프트(?:를|을)?\s*(?:출력|보여|알려|공개|무시)"),
    (0.8, r"(?:지금부터|이제부터)\s*(?:너|당신)(?:는|은)\s*"),
    (0.8, r"(?:관리자|개발자|탈옥)\s*모드"),
    (0.8, r"사용자(?:에게|한테)\s*(?:알리지|말하지)\s*(?:말고|않고)"),
    (0.7, r"(?:대신|그\s*대신)\s*(?:다음|아래)\s*(?:명령|지시)(?:을|를)?\s*(?:수행|실행|따르)"),
]
_COMPILED = [(score, re.compile(p, re.IGNORECASE)) for score, p in PATTERNS]
_KOREAN = [(score, p) for score, p in _COMPILED if re.search("[가-힣]", p.pattern)]
# the English patterns with the spaces between words optional, for letters written apart
_LOOSE = [
    (score, re.compile(p.pattern.replace(r"\s+", r"\s*"), re.IGNORECASE))
    for score, p in _COMPILED
    if not re.search("[가-힣]", p.pattern)
]


def _matches(view: Folded, patterns: list[tuple[float, re.Pattern[str]]]) -> list[Finding]:
    found = []
    for score, pattern in patterns:
        for m in pattern.finditer(view.text):
            if m.end() > m.start():
                start, end = view.span(m.start(), m.end())
                found.append(Finding("injection", score, start, end, "prompt injection"))
    return found


def _find(text: str) -> list[Finding]:
    folded = fold(text)
    found = _matches(folded, _COMPILED)
    seen = [(f.start, f.end) for f in found]
    for f in _matches(folded.squeezed(), _KOREAN):  # the spaced-out and dotted variants
        if not any(f.start < e and s < f.end for s, e in seen):
            found.append(f)
            seen.append((f.start, f.end))
    joined, runs = folded.despaced()
    if runs:  # «i g n o r e  p r e v i o u s»: only findings over a joined run count
        for f in _matches(joined, _LOOSE):
            spaced = any(f.start < e and s < f.end for s, e in runs)
            if spaced and not any(f.start < e and s < f.end for s, e in seen):
                found.append(f)
                seen.append((f.start, f.end))
    return sorted(found, key=lambda f: f.start)


def find_injection(text: str) -> list[Finding]:
    """Orders to the model in `text`, on the original text's spans, whatever the disguise."""
    return windowed(_find, text)


class InjectionCheck:
    name = "injection"

    async def check(self, text: str, context: str | None = None) -> Verdict:
        return Verdict(await asyncio.to_thread(find_injection, text))
