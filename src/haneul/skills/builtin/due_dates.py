"""Korean due-date expressions resolved against a given day: deterministic code, never the model.

`resolve("다음 주 수요일까지", today)` is the Wednesday of next week; 이번 달 말 the month's last
day; 3분기 내 the quarter's last day. Weeks start on Monday (as Korean calendars print them);
a bare 이번 주/다음 주 means that week's Friday, 주말 its Sunday; 초/중순/말 of a month are the
10th, the 20th and the last day. Returns None when the text holds no date.
"""

from __future__ import annotations

import calendar as _cal
import datetime as dt
import re

from haneul.skills.builtin.calendar import KST, WEEKDAYS

_RELATIVE = {"그저께": -2, "그제": -2, "어제": -1, "오늘": 0, "금일": 0, "내일": 1, "명일": 1}
_RELATIVE |= {"모레": 2, "글피": 3}
_WEEK_OFFSET = {"지난": -1, "저번": -1, "이번": 0, "금주": 0, "이번주": 0, "다음": 1, "차주": 1}
_WEEK_OFFSET |= {"다다음": 2, "담": 1}
_PART_DAY = {"초": 10, "중순": 20, "중": 20, "말": 31}


def today_kst() -> dt.date:
    return dt.datetime.now(KST).date()


def _month_day(year: int, month: int, day: int) -> dt.date:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return dt.date(year, month, min(day, _cal.monthrange(year, month)[1]))


def _week(today: dt.date, offset: int, weekday: int) -> dt.date:
    monday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=offset)
    return monday + dt.timedelta(days=weekday)


def _absolute(text: str, today: dt.date) -> dt.date | None:
    if m := re.search(r"(\d{4})\s*[년.\-/]\s*(\d{1,2})\s*[월.\-/]\s*(\d{1,2})", text):
        return dt.date(*map(int, m.groups()))
    if m := re.search(r"(?:(내년|올해|\d{4})\s*년?\s*)?(\d{1,2})\s*월\s*(\d{1,2})\s*일", text):
        return _dated(today, m.group(1), int(m.group(2)), int(m.group(3)))
    if m := re.search(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?![\d/])", text):
        return _dated(today, None, int(m.group(1)), int(m.group(2)))
    if m := re.search(r"(?:(내년|올해|\d{4})\s*년?\s*)?(\d{1,2})\s*월\s*(초|중순|중|말)", text):
        return _dated(today, m.group(1), int(m.group(2)), _PART_DAY[m.group(3)], clamp=True)
    return None


def _dated(
    today: dt.date, year: str | None, month: int, day: int, clamp: bool = False
) -> dt.date | None:
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        return None
    explicit = year is not None
    y = today.year + 1 if year == "내년" else int(year) if year and year.isdigit() else today.year
    make = _month_day if clamp else dt.date  # 2월 30일 is no day (ValueError); 2월 말 is
    found = make(y, month, day)
    if not explicit and found < today - dt.timedelta(days=31):  # "1월 5일" said in December
        found = make(y + 1, month, day)
    return found


def _relative(text: str, today: dt.date) -> dt.date | None:
    if m := re.search(r"(\d+)\s*(일|주|주일|개월|달)\s*(?:후|뒤|이내|안에|내)", text):
        n, unit = int(m.group(1)), m.group(2)
        if unit == "일":
            return today + dt.timedelta(days=n)
        if unit in ("주", "주일"):
            return today + dt.timedelta(weeks=n)
        return _month_day(today.year, today.month + n, today.day)
    week = r"(지난|저번|이번|금주|다다음|다음|차주|담)\s*주"
    if m := re.search(week + r"\s*([월화수목금토일])요일", text):
        return _week(today, _WEEK_OFFSET[m.group(1)], WEEKDAYS.index(m.group(2)))
    if m := re.search(week + r"\s*(말|주말)", text):
        return _week(today, _WEEK_OFFSET[m.group(1)], 6)
    if m := re.search(week, text):
        return _week(today, _WEEK_OFFSET[m.group(1)], 4)
    if re.search(r"(?<![가-힣])(이번\s*)?주말", text):
        return _week(today, 0, 6)
    if m := re.search(r"(?<![가-힣])([월화수목금토일])요일", text):
        ahead = (WEEKDAYS.index(m.group(1)) - today.weekday()) % 7
        return today + dt.timedelta(days=ahead)
    for word, days in _RELATIVE.items():
        if word in text:
            return today + dt.timedelta(days=days)
    return None


def _periods(text: str, today: dt.date) -> dt.date | None:
    month = r"(이번|이|다음|담|다다음|지난)\s*달|(금월|익월)"
    if m := re.search(r"(?:" + month + r")\s*(?:(초|중순|중|말)|(\d{1,2})\s*일)?", text):
        offset = {"이번": 0, "이": 0, "다음": 1, "담": 1, "다다음": 2, "지난": -1}.get(
            m.group(1) or "", 1 if m.group(2) == "익월" else 0
        )
        if m.group(4):  # «다음 달 10일까지»: that day of that month (was the month's end)
            first = _month_day(today.year, today.month + offset, 1)
            return first.replace(day=int(m.group(4)))  # 2월 30일: ValueError, no day
        return _month_day(today.year, today.month + offset, _PART_DAY[m.group(3) or "말"])
    if m := re.search(r"(내년|올해|금년|\d{4}\s*년)?\s*([1-4])\s*분기", text):
        return _ahead(m.group(1), today, int(m.group(2)) * 3)
    if m := re.search(r"(내년|올해|금년|\d{4}\s*년)?\s*(상반기|하반기)", text):
        return _ahead(m.group(1), today, 6 if m.group(2) == "상반기" else 12)
    if m := re.search(r"(내년|올해|금년)\s*(말|안|내|중)|연말|년말", text):
        return dt.date(_year(m.group(1), today), 12, 31)
    if m := re.search(r"(?<![\d월])(\d{1,2})\s*일\s*(?:까지|에|전|오전|오후|중)", text):
        day = int(m.group(1))
        if 1 <= day <= 31:
            found = _month_day(today.year, today.month, day)
            return found if found >= today else _month_day(today.year, today.month + 1, day)
    return None


def _ahead(word: str | None, today: dt.date, month: int) -> dt.date:
    """A period's last day; a period already past without a year named is next year's."""
    found = _month_day(_year(word, today), month, 31)
    return _month_day(found.year + 1, month, 31) if word is None and found < today else found


def _year(word: str | None, today: dt.date) -> int:
    if word and word[:4].isdigit():
        return int(word[:4])
    return today.year + 1 if word == "내년" else today.year


def resolve(text: str, today: dt.date | None = None) -> dt.date | None:
    """The day a Korean due-date expression names, or None."""
    today = today or today_kst()
    text = (text or "").strip()
    if not text:
        return None
    try:
        return _absolute(text, today) or _periods(text, today) or _relative(text, today)
    except ValueError:  # 2월 30일 and the like
        return None
