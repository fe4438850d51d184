"""A short follow-up read with the question before it, by code: «그럼 3근은?» after «삼겹살
2근은 몇 그램이야?» asks the same conversion of 3근, «그럼 1월 1일은?» after «12월 25일은
무슨 요일이야?» the same of 1월 1일, and «그건 언제 써야 해?» after «여름휴가는 며칠이야?» asks
of 여름휴가. A small model cannot be trusted to carry the question over (it had declined all
three as open questions), so the assistant routes the rewritten question as if the user had
typed it, and only when the message alone reaches no skill (`Assistant.run`).

Two forms, written by hand: quantities that replace the previous question's quantities of
the same units, in the same order, and a pronoun (그건, 그거, 그게…) at the start that stands
for the previous question's first key noun. Anything else is left as it is."""

from __future__ import annotations

import re

from haneul.skills.builtin.documents import key_terms
from haneul.skills.builtin.math_format import josa

_LEAD = re.compile(r"^\s*(?:그럼|그러면|그렇다면|그럼\s*혹시|혹시)\s*")
_PRONOUN = re.compile(r"^(?:그건|그거는|그것은|그거|그게|그것이|그것도|그건요)\s+")
# what a follow-up of the first form holds besides its quantities: «그럼 3근은?», «40평이면?»
_BESIDES = re.compile(r"[\s?？!.,~]|이라면|이면|면|은|는|이|가|의|도|요|로|으로|을|를|하고|과|와")
# a number and the unit written right after it (근, 킬로미터, 월, ㎡), up to a particle
_QUANTITY = re.compile(
    r"(\d+(?:[.,]\d+)?)\s*([가-힣A-Za-z㎡㎞%]+?)(?=(?:은|는|이|가|을|를|이면|면|이라면|로|으로|의)?"
    r"(?:\s|[?？!.]|$))"
)


def _new_quantities(body: str, previous: str) -> str | None:
    new = list(_QUANTITY.finditer(body))
    old = list(_QUANTITY.finditer(previous))
    if not new or _BESIDES.sub("", _QUANTITY.sub("", body)):
        return None  # no quantity, or more than quantities: a question of its own
    if [m[2] for m in new] != [m[2] for m in old]:
        return None
    out, at = [], 0
    for was, now in zip(old, new, strict=True):
        out += [previous[at : was.start(1)], now[1]]
        at = was.end(1)
    rewritten = "".join(out) + previous[at:]
    return None if rewritten == previous else rewritten


def _for_pronoun(body: str, previous: str) -> str | None:
    found = _PRONOUN.match(body)
    terms = key_terms(previous)
    if not found or not terms:
        return None
    topic = terms[0]
    return f"{topic}{josa(topic, '은는')} {body[found.end() :]}"


def rewrite(text: str, previous: str | None) -> str | None:
    """The question `text` asks, read with the `previous` one, or None (not a follow-up of
    either form, or nothing before it)."""
    if not previous or not text.strip():
        return None
    body = _LEAD.sub("", text.strip())
    return _new_quantities(body, previous.strip()) or _for_pronoun(body, previous.strip())
