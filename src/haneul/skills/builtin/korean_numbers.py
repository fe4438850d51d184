"""Native Korean numbers said before a counter or a unit («세 개», «한 돈», «두 시간»),
written in digits so the skills' number patterns read them: one table and one builder for
the math and units skills."""

from __future__ import annotations

import re
from collections.abc import Callable

NATIVE = {
    "한": 1, "하나": 1, "두": 2, "둘": 2, "세": 3, "셋": 3, "네": 4, "넷": 4, "다섯": 5,
    "여섯": 6, "일곱": 7, "여덟": 8, "아홉": 9, "열": 10,
}  # fmt: skip
_WORDS = "|".join(sorted(NATIVE, key=len, reverse=True))


def digits_before(counters: str, after: str = "") -> Callable[[str], str]:
    """A function writing every native number before one of `counters` (a regex
    alternation) in digits, «세 개» → «3개»; `after` is a lookahead the counter must be
    followed by (a unit is a whole word: «한 돈은», not «한 돈가스»)."""
    pattern = re.compile(rf"(?<![가-힣])({_WORDS})\s*({counters}){after}")
    return lambda text: pattern.sub(lambda m: f"{NATIVE[m[1]]}{m[2]}", text)
