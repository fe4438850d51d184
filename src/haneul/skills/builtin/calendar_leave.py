"""When a person is back from a leave of so many working days: «다음 주 월요일부터 3일 휴가면
언제 복귀해?». The days of leave are working days (weekends and public holidays are not
counted, as a company's leave is), and the day back is the next working day after them. The
calendar skill had answered the question with the first day's weekday alone."""

from __future__ import annotations

import datetime as dt
import re

# «3일 휴가», «5일간 연차», «이틀 쉬면», «2일 동안 출장»; and that the day back is asked
_LEAVE = re.compile(
    r"(\d+|하루|이틀|사흘|나흘|닷새)\s*(?:일)?\s*(?:간|동안)?\s*(휴가|연차|쉬|출장|병가|휴직|여행)"
)
_BACK = re.compile(r"복귀|출근|돌아오|돌아와|복직|언제\s*(?:와|오|나와)")
_WORDS = {"하루": 1, "이틀": 2, "사흘": 3, "나흘": 4, "닷새": 5}
MAX_DAYS = 365


def asked_leave(utterance: str) -> tuple[int, str] | None:
    """The days away and what they are called (휴가, 연차, 출장, 병가, 휴직) when `utterance`
    asks when the person is back, else None."""
    found = _LEAVE.search(utterance)
    if not found or not _BACK.search(utterance):
        return None
    said, kind = found[1], found[2]
    kind = kind if kind in ("연차", "출장", "병가", "휴직") else "휴가"
    return (_WORDS[said] if said in _WORDS else int(said)), kind


def working(day: dt.date, holidays: dict[dt.date, str]) -> bool:
    return day.weekday() < 5 and day not in holidays


def back_from_leave(
    start: dt.date, days: int, holidays: dict[dt.date, str]
) -> tuple[dt.date, dt.date]:
    """The last day of a leave of `days` working days from `start` (or the first working day
    after it), and the working day after that, when the person is back."""
    day, taken, last = start, 0, start
    while taken < days:
        if working(day, holidays):
            taken, last = taken + 1, day
        day += dt.timedelta(days=1)
    while not working(day, holidays):
        day += dt.timedelta(days=1)
    return last, day
