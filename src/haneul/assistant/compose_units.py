"""Quantities in Korean text, read with their units, for the answer checks of compose.py:
«120억원» is 12,000,000,000 원 and «120억 달러» 12,000,000,000 달러 (not the same amount);
«3 km» is not «3 m»; «5시간» is not «5분» nor «5시». Spellings of one unit are one unit
(㎡ = m² = 제곱미터, 개월 = 달, km = ㎞ = 킬로미터) and Korean magnitudes scale the number
(억, 천만, 만), so «120억원» and «12,000,000,000원» agree.

A word after a number that is no known unit counts by its first letter, as before (30평 vs
30레벨); a particle (은, 는, 이...) or punctuation is no unit, and a number without a unit
agrees with the same number in any unit (the check is for contradictions, not style).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# canonical unit -> its spellings (longest first when matched)
_SPELLINGS: dict[str, tuple[str, ...]] = {
    "원": ("원", "₩", "KRW"),
    "달러": ("달러", "불", "USD", "$", "US$"),
    "엔": ("엔", "JPY", "¥"),
    "유로": ("유로", "EUR", "€"),
    "위안": ("위안", "CNY"),
    "파운드": ("파운드", "GBP", "£"),
    "km/h": ("km/h", "㎞/h", "킬로미터/시", "kph"),
    "km": ("km", "㎞", "킬로미터"),
    "m": ("m", "미터"),
    "cm": ("cm", "㎝", "센티미터", "센티"),
    "mm": ("mm", "㎜", "밀리미터"),
    "㎢": ("㎢", "km²", "km2", "제곱킬로미터", "평방킬로미터"),
    "㎡": ("㎡", "m²", "m2", "제곱미터", "평방미터"),
    "평": ("평",),
    "ha": ("ha", "헥타르"),
    "kg": ("kg", "㎏", "킬로그램"),
    "g": ("g", "그램"),
    "mg": ("mg", "㎎", "밀리그램"),
    "t": ("t", "톤"),
    "L": ("L", "ℓ", "l", "리터"),
    "mL": ("mL", "ml", "㎖", "밀리리터", "cc"),
    "시간": ("시간", "h", "hr", "hours", "hour"),
    "분": ("분", "min", "minutes"),
    "초": ("초", "sec", "seconds"),
    "시": ("시",),  # o'clock: 5시 is not 5시간
    "일": ("일", "days", "day"),
    "주": ("주일", "주", "weeks"),
    "개월": ("개월", "달", "months"),
    "년": ("년", "years"),
    "월": ("월",),
    "세": ("세", "살"),
    "%": ("%", "퍼센트", "프로"),
    "%p": ("%p", "퍼센트포인트"),
    "℃": ("℃", "°C", "도씨"),
    "℉": ("℉", "°F"),
    "kcal": ("kcal", "칼로리"),
    "kWh": ("kWh",),
    "kW": ("kW",),
    "W": ("W", "와트"),
    "GB": ("GB", "기가바이트", "기가"),
    "MB": ("MB", "메가바이트", "메가"),
    "TB": ("TB", "테라바이트", "테라"),
    "개": ("개",),
    "명": ("명",),
    "번": ("번",),
    "회": ("회",),
    "배": ("배",),
    "층": ("층",),
    "권": ("권",),
    "대": ("대",),
    "마리": ("마리",),
    "장": ("장",),
    "쪽": ("쪽", "페이지"),
}
_AMBIGUOUS = ("킬로",)  # km or kg: agrees with either
_UNIT = {spelling: unit for unit, spellings in _SPELLINGS.items() for spelling in spellings}
_SPELLED = sorted([*_UNIT, *_AMBIGUOUS], key=len, reverse=True)
_MAGNITUDES = {"십": 10.0, "백": 100.0, "천": 1000.0, "만": 1e4, "억": 1e8, "조": 1e12}
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_PARTICLES = "은는이가을를의에와과도만로으인입이며"
# words after a number that are no unit: operators and particles of more than one letter
_NOT_UNITS: tuple[str, ...] = ("더하기", "빼기", "곱하기", "나누기", "플러스", "마이너스")
_NOT_UNITS += ("부터", "까지", "보다", "처럼", "만큼", "마다", "씩", "라고", "이라", "이나", "나")
_NOT_UNITS += ("쯤", "정도")


@dataclass(frozen=True)
class Quantity:
    """A number as written (`raw`, e.g. "120"), its value with the magnitude applied
    (1.2e10 for 120억), and its unit: a canonical unit, a first letter for an unknown
    word, or "" when none."""

    raw: str
    value: float
    unit: str
    magnitude: float = 1.0
    scale: str = ""  # the magnitude as written: 억, 천만

    @property
    def written(self) -> str:
        return self.raw + self.scale + self.unit


def _magnitude(text: str, start: int) -> tuple[float, int]:
    """The product of Korean magnitudes right after a number (천만 = 1e7) and its end."""
    scale, end = 1.0, start
    while end < len(text) and text[end] in _MAGNITUDES and not text.startswith("만큼", end):
        scale *= _MAGNITUDES[text[end]]
        end += 1
    return scale, end


def _unit_at(text: str, start: int) -> str:
    """The unit written at `start` (one space allowed before it), canonical when known."""
    at = start + 1 if text[start : start + 1] == " " else start
    for spelling in _SPELLED:
        if not text.startswith(spelling, at):
            continue
        after = text[at + len(spelling) : at + len(spelling) + 1]
        if (
            spelling[-1].isascii()
            and spelling[-1].isalpha()
            and after.isascii()
            and after.isalpha()
        ):
            continue  # m of "min", k of "kcal": a longer word
        return "" if spelling in _AMBIGUOUS else _UNIT[spelling]
    if text.startswith(_NOT_UNITS, at):
        return ""
    first = text[at : at + 1]
    if first and (first.isalpha() and not first.isascii()) and first not in _PARTICLES:
        return first  # an unknown word: 30레벨 -> 레
    return ""


def _prefix_unit(text: str, start: int) -> str:
    """A currency sign written before the number ($120, ₩5,000)."""
    before = text[max(0, start - 3) : start].rstrip(" ")
    for sign in ("US$", "$", "₩", "€", "¥", "£"):
        if before.endswith(sign):
            return _UNIT[sign]
    return ""


def _number(raw: str) -> float | None:
    try:
        return float(raw.replace(",", ""))
    except ValueError:
        return None


def quantities(text: str) -> list[Quantity]:
    """Every number of `text` with its magnitude and unit."""
    found = []
    for m in _NUMBER.finditer(text):
        raw = m.group(0).rstrip(".,")
        value = _number(raw)
        if value is None:
            continue
        scale, end = _magnitude(text, m.end())
        unit = _unit_at(text, end) or _prefix_unit(text, m.start())
        found.append(Quantity(raw, value * scale, unit, scale, text[m.end() : end]))
    return found


def agree(said: Quantity, known: Quantity) -> bool:
    """`said` can be `known`: the same amount (rounded as `said` is written), and the same
    unit when both have one."""
    if said.unit and known.unit and said.unit != known.unit:
        return False
    if said.value == known.value:
        return True
    decimals = len(said.raw.split(".")[1]) if "." in said.raw else 0
    if decimals and round(known.value / said.magnitude, decimals) == _number(said.raw):
        return True
    bare = not known.unit and known.magnitude == 1.0  # a number of a table or JSON
    return bare and _number(said.raw) == known.value


def mismatch(said: Quantity, asked: list[Quantity]) -> bool:
    """`said` repeats a number of the question in another unit (30평 -> 30레벨)."""
    units = {q.unit for q in asked if q.value == said.value and q.unit}
    return bool(units) and bool(said.unit) and said.unit not in units
