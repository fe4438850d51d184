"""Relative dates in Korean questions, resolved by code against a given day: «100일 뒤»,
«3주 후», «두 달 전», «사흘 뒤», «다음 달 말일», «다음 주 금요일», «D-30», «D+100»,
«12월 25일까지 며칠 남았어?», «3월 1일부터 100일째».

`relative(text, today)` returns a `Relative` (the day, the words that named it, and for a
count the number of days between) or None when the text names no relative day. Counting
follows Korean use: «N일 뒤» is N days later; «N일째» and «만난 지 N일» count the first day
as day 1 (N-1 days later); «D-N» is N days before the D-day (today when no day is named),
«D+N» N days after it.
"""

from __future__ import annotations

import calendar as _cal
import datetime as dt
import re
from dataclasses import dataclass

WEEKDAYS = "월화수목금토일"
_NATIVE_DAYS = {  # 하루, 이틀, ... 보름: days said in native Korean words
    "하루": 1,
    "이틀": 2,
    "사흘": 3,
    "나흘": 4,
    "닷새": 5,
    "엿새": 6,
    "이레": 7,
    "여드레": 8,
    "아흐레": 9,
    "열흘": 10,
    "보름": 15,
}
_NATIVE_COUNT = {"한": 1, "두": 2, "세": 3, "네": 4, "다섯": 5, "여섯": 6, "일곱": 7}
_NATIVE_COUNT |= {"여덟": 8, "아홉": 9, "열": 10, "열한": 11, "열두": 12, "일": 1}
_AFTER = r"(뒤|후|이후|지나면|지난\s*날|있으면|전|이전)"
_NUMBER = r"(\d+|" + "|".join(sorted(_NATIVE_COUNT, key=len, reverse=True)) + r")"
_UNITS = r"(일|주일|주|개월|달|년)"
_SHIFT = {"지난": -1, "저번": -1, "이번": 0, "이": 0, "금": 0, "다음": 1, "담": 1, "다다음": 2}
_BASE_WORDS = {"그저께": -2, "그제": -2, "어제": -1, "오늘": 0, "내일": 1, "모레": 2}


@dataclass(frozen=True)
class Relative:
    day: dt.date
    label: str  # the words that named it, as the answer repeats them: «오늘부터 100일 뒤»
    count: int | None = None  # for «며칠 남았어/지났어»: days from today to `day`


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (or earlier), clamped to the month's last day."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    return dt.date(year, month + 1, min(day.day, _cal.monthrange(year, month + 1)[1]))


def _shift(base: dt.date, n: int, unit: str) -> dt.date:
    if unit == "일":
        return base + dt.timedelta(days=n)
    if unit in ("주", "주일"):
        return base + dt.timedelta(weeks=n)
    if unit == "년":
        return add_months(base, 12 * n)
    return add_months(base, n)


def _base(text: str, today: dt.date) -> tuple[dt.date, str]:
    """The day a count starts from: a date named before 부터/에서/로부터, else today."""
    start = r"\s*(?:부터|에서|로부터|기준으로|기준)"
    full = re.search(r"(\d{4})\s*[년.\-/]\s*(\d{1,2})\s*[월.\-/]\s*(\d{1,2})\s*일?" + start, text)
    if full:
        y, m, d = map(int, full.groups())
        return dt.date(y, m, d), f"{y}년 {m}월 {d}일"
    month_day = re.search(r"(\d{1,2})\s*월\s*(\d{1,2})\s*일\s*(?:에\s*만났\S*\s*)?" + start, text)
    month_day = month_day or re.search(r"(\d{1,2})\s*월\s*(\d{1,2})\s*일에\s*만났", text)
    if month_day:
        m, d = map(int, month_day.groups())
        return dt.date(today.year, m, d), f"{m}월 {d}일"
    for word, days in _BASE_WORDS.items():
        if re.search(word + start, text):
            return today + dt.timedelta(days=days), word
    return today, "오늘"


def _offset(text: str, today: dt.date) -> Relative | None:
    """«100일 뒤», «3주 후», «두 달 전», «사흘 뒤», «1년 후», «반년 뒤», «일주일 뒤»."""
    native = "|".join(sorted(_NATIVE_DAYS, key=len, reverse=True))
    found = re.search(r"(" + native + r"|반년|일주일)\s*" + _AFTER, text)
    if found:
        word = found.group(1)
        named = {"반년": (6, "개월"), "일주일": (1, "주")}
        n, unit = named.get(word, (_NATIVE_DAYS.get(word, 0), "일"))
    else:
        found = re.search(_NUMBER + r"\s*" + _UNITS + r"\s*" + _AFTER, text)
        if not found:
            return None
        word = found.group(1)
        n = int(word) if word.isdigit() else _NATIVE_COUNT[word]
        unit = found.group(2)
        if unit == "일" and not word.isdigit():  # «한 일 뒤» is no Korean; «일 년» is
            return None
    before = found.group(found.lastindex or 0).strip() in ("전", "이전")
    base, said = _base(text, today)
    day = _shift(base, -n if before else n, unit)
    return Relative(day, f"{said}부터 {found.group(0).strip()}")


def _nth_day(text: str, today: dt.date) -> Relative | None:
    """«3월 1일부터 100일째», «만난 지 100일» (the first day is day 1)."""
    found = re.search(r"(\d+)\s*일\s*(?:째|기념일|되는\s*날)", text) or re.search(
        r"(?:만난|사귄|사귀기\s*시작한|태어난|입사한|시작한)\s*지\s*(\d+)\s*일", text
    )
    if not found:
        return None
    base, said = _base(text, today)
    n = int(found.group(1))
    if n < 1:
        return None
    return Relative(base + dt.timedelta(days=n - 1), f"{said}부터 {n}일째")


def _d_day(text: str, today: dt.date, target: dt.date | None) -> Relative | None:
    """«D-30»: 30 days before the D-day (the named day, else today is D-30: the D-day is
    30 days ahead); «D+100»: 100 days after it."""
    found = re.search(r"(?<![A-Za-z])[Dd디]\s*(?:데이)?\s*([-+−])\s*(\d+)", text)
    if not found:
        return None
    n = int(found.group(2))
    sign = -1 if found.group(1) in "-−" else 1
    mark = f"D{'-' if sign < 0 else '+'}{n}"
    if target is not None:
        return Relative(target + dt.timedelta(days=sign * n), f"{_label(target)}의 {mark}")
    if sign < 0:  # today is D-N: the D-day is N days ahead
        return Relative(today + dt.timedelta(days=n), f"오늘이 {mark}일 때 D-day")
    return Relative(today - dt.timedelta(days=n), f"오늘이 {mark}일 때 D-day")


def _month_part(text: str, today: dt.date) -> Relative | None:
    """«다음 달 말일», «이번 달 마지막 날», «지난달 1일», «다음 달 15일», «다음 달 첫날»."""
    found = re.search(
        r"(다다음|다음|담|이번|이|지난|저번)\s*달\s*(말일|마지막\s*날|말|첫날|첫\s*날|초하루|\d{1,2}\s*일)",
        text,
    ) or re.search(r"(금|익)월\s*(말일|마지막\s*날|말|첫날|\d{1,2}\s*일)", text)
    if not found:
        return None
    shift = {"익": 1}.get(found.group(1), _SHIFT.get(found.group(1), 0))
    first = add_months(today.replace(day=1), shift)
    part = re.sub(r"\s+", "", found.group(2))
    if part in ("말일", "마지막날", "말"):
        last = _cal.monthrange(first.year, first.month)[1]
        day = first.replace(day=last)
    elif part in ("첫날", "초하루"):
        day = first
    else:
        number = int(part[:-1])
        if not 1 <= number <= _cal.monthrange(first.year, first.month)[1]:
            return None
        day = first.replace(day=number)
    return Relative(day, re.sub(r"\s+", " ", found.group(0)))


def _week_day(text: str, today: dt.date) -> Relative | None:
    """«다음 주 금요일», «이번 주 토요일», «다다음 주 월요일» (weeks start on Monday)."""
    found = re.search(r"(다다음|다음|담|이번|금|지난|저번)\s*주\s*([월화수목금토일])요일", text)
    if not found:
        return _bare_week_day(text, today)
    monday = today - dt.timedelta(days=today.weekday())
    monday += dt.timedelta(weeks=_SHIFT.get(found.group(1), 0))
    day = monday + dt.timedelta(days=WEEKDAYS.index(found.group(2)))
    return Relative(day, re.sub(r"\s+", " ", found.group(0)))


# «금요일부터 이틀 쉬면», «금요일은 며칠이야?», «이번 금요일», «지난 월요일»: a weekday said
# without its week is the coming one (today's when today is that day), or with 지난/저번 the
# last one before today; «매주 금요일», «금요일마다» name no one day
_BARE_WEEKDAY = re.compile(
    r"(?:(이번|돌아오는|오는|지난|저번)\s*)?(?<![가-힣])([월화수목금토일])요일(?!\s*마다)"
)


def _bare_week_day(text: str, today: dt.date) -> Relative | None:
    found = _BARE_WEEKDAY.search(text)
    if not found or re.search(r"매\s*주|요일\s*마다", text):
        return None
    ahead = (WEEKDAYS.index(found.group(2)) - today.weekday()) % 7
    if found.group(1) in ("지난", "저번"):
        ahead -= 7
    day = today + dt.timedelta(days=ahead)
    return Relative(day, re.sub(r"\s+", " ", found.group(0)))


# «월급날이 25일인데 며칠 남았어?», «25일까지 며칠 남았어?»: a day of the month said alone
# (not a count of days: «3일 휴가», «3일 뒤», «3일간», «3일이 지나면»)
_BARE_DAY = re.compile(
    r"(?<![\d.])(\d{1,2})\s*일(?!\s*(?:이|가)\s*(?:지나|걸|남))"
    r"(?=\s*(?:까지|은|는|이|가|에|인데|이면|이야|이지|날|[?？]|$))"
)


def _bare_month_day(text: str, today: dt.date) -> Relative | None:
    """The day a day-of-month said without its month means: this month's (next month's
    when it has passed), or the month «다음 달»/«이번 달» names elsewhere in the text."""
    found = _BARE_DAY.search(text)
    if not found or re.search(r"\d\s*월|[년주]\s*\d", text):
        return None
    said = re.search(r"(다다음|다음|담|이번|지난|저번)\s*달", text)
    shift = _SHIFT.get(said.group(1), 0) if said else 0
    first = add_months(today.replace(day=1), shift)
    number = int(found.group(1))
    if said is None and number < today.day:
        first = add_months(first, 1)  # passed this month: the coming one
    if not 1 <= number <= _cal.monthrange(first.year, first.month)[1]:
        return None
    return Relative(first.replace(day=number), "")


def _label(day: dt.date) -> str:
    return f"{day.year}년 {day.month}월 {day.day}일"


def relative(text: str, today: dt.date, target: dt.date | None = None) -> Relative | None:
    """The day a relative phrase in `text` names, counted from `today` (or from a date the
    text names before 부터); `target` is an absolute day the text also names (for D-N)."""
    try:
        return (
            _d_day(text, today, target)
            or _nth_day(text, today)
            or _offset(text, today)
            or _month_part(text, today)
            or _week_day(text, today)
            or _bare_month_day(text, today)
        )
    except (ValueError, OverflowError):  # 2월 30일부터, or a count past year 9999
        return None


def days_left(text: str) -> bool:
    """Whether the question asks how many days remain until (or passed since) a day."""
    return bool(
        re.search(
            r"며칠\s*(?:남|지났|지나|째|됐|되었|걸)|몇\s*일\s*(?:남|지났|째|됐)|"
            r"디데이|D-?day|D-\s*몇|D\+\s*몇|how\s+many\s+days\s+(?:until|till|to|left|before)",
            text,
            re.IGNORECASE,
        )
    )
