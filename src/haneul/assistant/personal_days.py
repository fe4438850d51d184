"""«내 생일까지 며칠 남았어?», «제 생일은 무슨 요일이야?»: a day of the user's own that the
memory holds («생일: 5월 3일»), put in the question for the calendar skill to date («5월 3일까지
며칠 남았어?»). The memory had it, and the question was declined as an open one. The stored
message stays as the user typed it; the skill call shows the question the calendar read."""

from __future__ import annotations

import re
from collections.abc import Iterable

from haneul.assistant.memory import remembered

_OWN_DAY = re.compile(r"(?<![가-힣])(?:제|내|저의|나의)\s*생일")
_ASKS_DAY = re.compile(r"며칠|몇\s*일|요일|언제|디데이|D-|남았")


def asks_own_day(text: str) -> bool:
    """Whether `text` asks about the user's own day as a date («내 생일까지 며칠 남았어?»)."""
    return bool(_OWN_DAY.search(text)) and bool(_ASKS_DAY.search(text))


def rewrite(text: str, memories: Iterable[str]) -> str | None:
    """`text` with «내 생일» replaced by the remembered day, or None when there is none to put."""
    if not asks_own_day(text):
        return None
    day = remembered(memories, "birthday")
    if not day or not re.fullmatch(r"\d{1,2}\s*월\s*\d{1,2}\s*일", day):
        return None
    return _OWN_DAY.sub(day, text, count=1)
