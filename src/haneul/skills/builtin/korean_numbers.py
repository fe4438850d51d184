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


_UNITS = {
    "억": 10**8,
    "천만": 10**7,
    "백만": 10**6,
    "십만": 10**5,
    "만": 10**4,
    "천": 1000,
    "백": 100,
}
_PART = r"(\d[\d,]*(?:\.\d+)?)\s*(억|천만|백만|십만|만|천|백)"
# «3만 5천원», «1억 2천만 원», «12만 3천 5백원»: two parts or more (one part, «4800만원»,
# the skills read by its scale word), and a last plain number only before 원
_AMOUNT = re.compile(rf"(?<![\d.,]){_PART}(?:\s*{_PART})+(?:\s*(\d+)(?=\s*원))?")


def _amount(said: str) -> float:
    """The value of an amount said in Korean units: within a group of 만 or 억, 천/백 count
    its digits, so «1억 2천 3백만» is 1억 + 2300만."""
    total, group = 0.0, 0.0
    for num, unit in re.findall(r"(\d[\d,]*(?:\.\d+)?)\s*(억|천만|백만|십만|만|천|백)?", said):
        n = float(num.replace(",", ""))
        if unit in ("억", "만"):
            total, group = total + (group + n) * _UNITS[unit], 0.0
        elif unit in ("천만", "백만", "십만"):
            total, group = total + (group + n * _UNITS[unit] / 10**4) * 10**4, 0.0
        else:
            group += n * _UNITS.get(unit, 1)
    return total + group


def amounts_in_digits(text: str) -> str:
    """«3만 5천원의 20%» -> «35000원의 20%»: an amount said in several Korean units, as one
    number (read as «5천원» alone it was a wrong answer)."""

    def digits(found: re.Match[str]) -> str:
        value = _amount(found.group(0))
        return str(int(value)) if value == int(value) else str(value)

    return _AMOUNT.sub(digits, text)
