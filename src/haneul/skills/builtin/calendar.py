"""Dates in Korean: today's date and weekday, the weekday of a date, and the public
holidays of Korea (설날, 추석 and the other lunar ones included, with substitute holidays)
from the `holidays` package, and the lunar date (음력) of a day or the solar date of a lunar
one from `korean-lunar-calendar` (KARI's tables)."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from typing import Any, Literal
from zoneinfo import ZoneInfo

from haneul.skills import SkillArgumentError, SkillResult, skill
from haneul.skills.builtin.calendar_leave import MAX_DAYS, asked_leave, back_from_leave
from haneul.skills.builtin.calendar_relative import days_left, relative

KST = ZoneInfo("Asia/Seoul")
WEEKDAYS = "월화수목금토일"
SUBSTITUTE = "대체 휴일"  # in the holiday calendar's names: «삼일절 대체 휴일»
# what a substitute holiday is (관공서의 공휴일에 관한 규정 제3조, as amended in 2023)
SUBSTITUTE_KO = (
    "대체공휴일은 공휴일이 토요일·일요일이나 다른 공휴일과 겹칠 때 그다음 첫 번째 평일을 "
    "쉬는 날입니다. 설날·추석 연휴는 일요일이나 다른 공휴일과 겹칠 때만 생기고, 신정과 "
    "현충일에는 없습니다."
)
_NAMED = {  # what people say -> the name in the holiday calendar
    "설날": "설날",
    "설 연휴": "설날",
    "추석": "추석",
    "어린이날": "어린이날",
    "현충일": "현충일",
    "광복절": "광복절",
    "개천절": "개천절",
    "한글날": "한글날",
    "크리스마스": "기독탄신일",
    "성탄절": "기독탄신일",
    "부처님오신날": "부처님오신날",
    "석가탄신일": "부처님오신날",
    "삼일절": "삼일절",
    "신정": "신정",
    "christmas": "기독탄신일",
    "new year's day": "신정",
    "대체공휴일": SUBSTITUTE,
    "대체 공휴일": SUBSTITUTE,
    "대체휴일": SUBSTITUTE,
    "대체 휴일": SUBSTITUTE,
}
_RELATIVE = {"그저께": -2, "그제": -2, "어제": -1, "오늘": 0, "내일": 1, "모레": 2, "글피": 3}


# Asking for today's date or the time now: the skill's answer without a date named («오늘
# 며칠이야?», «지금 몇 시야?»; a short question such as «몇 시야?» too)
_NOW = re.compile(r"오늘|지금|현재|요즘|today|now|이번\s*(?:주|달)|몇\s*시\s*야")


# a year said in words: «내년 설날», «작년 추석»
_YEARS = {"재작년": -2, "작년": -1, "지난해": -1, "올해": 0, "금년": 0, "내년": 1, "후년": 2}
# asked in the past tense («설날은 언제였어?»): this year's, even when it is over
_PAST = re.compile(r"였|었|했|지났|지난\s*(?:설|추석|번)")


# «올해 남은 공휴일 알려줘», «앞으로 쉬는 날»: only the holidays from today on
_REMAINING = re.compile(r"남은|남아\s*있는|앞으로|다가오는|이제\s*남")


def _said_year(utterance: str) -> int | None:
    return next((v for k, v in _YEARS.items() if k in utterance), None)


def _upcoming(utterance: str, year_said: bool) -> bool:
    """Whether a day named without its year («설날은 언제야?», «1월 1일은 무슨 요일이야?»)
    means the coming one: asked in December, 설날 is next year's, not the one ten months
    ago, unless the question is in the past tense."""
    return not year_said and not _PAST.search(utterance)


# «12시간 후는 몇 시야?», «90분 뒤는?», «3시간 30분 전»: a time from now
_HOURS_LATER = re.compile(
    r"(\d+)\s*시간(?:\s*(\d+)\s*분)?\s*(뒤|후|전)|(?<![시\d])\s*(\d+)\s*분\s*(뒤|후|전)"
)
# «오늘 몇 도야?», «내일 날씨 어때?»: the weather, not a date
_WEATHER = re.compile(r"몇\s*도(?!\S*요일)|날씨|기온|미세\s*먼지|비\s*(?:와|올까|오니)|추워|더워")


def parse(utterance: str) -> dict[str, Any] | None:
    if _WEATHER.search(utterance):
        return None
    today = dt.datetime.now(KST).date()
    args: dict[str, Any] = {}
    full = re.search(r"(\d{4})\s*[년.\-/]\s*(\d{1,2})\s*[월.\-/]\s*(\d{1,2})\s*일?", utterance)
    month_day = re.search(r"(\d{1,2})\s*월\s*(\d{1,2})\s*일", utterance)
    year = re.search(r"(\d{4})\s*년", utterance)
    month = re.search(r"(\d{1,2})\s*월", utterance)
    lunar = re.search(r"음력\s*(?:(\d{4})\s*년\s*)?(\d{1,2})\s*월\s*(\d{1,2})\s*일", utterance)
    if lunar:  # a lunar date given: its solar date is asked for
        y, m, d = lunar.groups()
        offset = _said_year(utterance)
        lunar_year = int(y) if y else today.year + (offset or 0)
        args["date"] = f"{lunar_year:04d}-{int(m):02d}-{int(d):02d}"
        args["lunar"] = True
        if not y and _upcoming(utterance, offset is not None):
            # «음력 1월 1일은 양력으로 언제야?» in December: the coming one, next year's
            try:
                if dt.date.fromisoformat(_solar(args["date"])) < today:
                    args["date"] = f"{lunar_year + 1:04d}-{int(m):02d}-{int(d):02d}"
            except (SkillArgumentError, ValueError):
                pass  # not a lunar date this year: the skill says so
        return args
    named = next((n for n in _NAMED if n in utterance.lower()), None)
    offset = _said_year(utterance)
    upcoming = _upcoming(utterance, bool(year) or offset is not None)
    try:
        target = (
            dt.date(*map(int, full.groups()))
            if full
            else dt.date(today.year + (offset or 0), *map(int, month_day.groups()))
            if month_day
            else None
        )
        if target is not None and not full and upcoming and target < today:
            target = target.replace(year=today.year + 1)
    except ValueError:
        target = None
    if target is None and named and days_left(utterance):
        target = _next_holiday(_NAMED[named], today)
    shifted = relative(utterance, today, target)
    if shifted is not None:  # «100일 뒤», «다음 달 말일», «D-30»: the day code resolved
        args["date"] = shifted.day.isoformat()
        if shifted.label:  # a bare «25일» has none: the answer names the date itself
            args["label"] = shifted.label
    elif target is not None:
        args["date"] = target.isoformat()
    else:
        for word, days in _RELATIVE.items():
            if word in utterance:
                args["date"] = (today + dt.timedelta(days=days)).isoformat()
                break
    later = _HOURS_LATER.search(utterance)
    if later and re.search(r"몇\s*시|언제|시각|시간이\s*(?:돼|되)", utterance):
        hours, minutes = int(later[1] or 0), int(later[2] or later[4] or 0)
        sign = -1 if (later[3] or later[5]) == "전" else 1
        return {"minutes_later": sign * (hours * 60 + minutes)}  # «12시간 후는 몇 시야?»
    leave = asked_leave(utterance)
    if leave is not None and "date" in args:  # «다음 주 월요일부터 3일 휴가면 언제 복귀해?»
        return {**args, "leave_days": leave[0], "leave_kind": leave[1]}
    if days_left(utterance):  # «...까지 며칠 남았어?»: a count needs a day code can name
        return {**args, "count": True} if "date" in args else None
    if shifted is None and re.search(
        r"공휴일|휴일|연휴|쉬는 날|빨간 ?날|holiday|" + "|".join(_NAMED), utterance, re.I
    ):
        args["holidays"] = True
        if named:
            args["name"] = _NAMED[named]
        if year:
            args["year"] = int(year.group(1))
        elif offset:
            args["year"] = today.year + offset
        elif named and upcoming and _over(_NAMED[named], today):
            args["year"] = today.year + 1  # «설날은 언제야?» in December: next year's
        if _REMAINING.search(utterance) and not _PAST.search(utterance):
            args["remaining"] = True  # «올해 남은 공휴일»: from today on
        if month and not month_day and not full:
            args["month"] = int(month.group(1))
            if upcoming and "year" not in args and args["month"] < today.month:
                args["year"] = today.year + 1  # «5월에 쉬는 날 있어?» in December: next May
    if not args and re.search(
        r"(?:올해|지금|현재|금년)\s*(?:가|는|이|은)?\s*(?:몇\s*년(?!\s*생)|연도|년도)", utterance
    ):
        return args  # «올해 몇 년도야?»: today, whose year the answer names
    if not args and not re.search(r"며칠|몇 ?일|날짜|요일|몇 ?시|음력|date|time|day", utterance):
        return None
    if not args and not _NOW.search(utterance) and len("".join(utterance.split())) > 10:
        return None  # «병가는 1년에 며칠까지 쓸 수 있어?» asks a count, not today's date
    return args


def _over(name: str, today: dt.date) -> bool:
    """Whether every day this year's holiday calendar names `name` is already past."""
    import holidays as holiday_data

    kr = holiday_data.country_holidays("KR", years=today.year, language="ko")
    days = [day for day, title in kr.items() if name in title]
    return bool(days) and max(days) < today


def _next_holiday(name: str, today: dt.date) -> dt.date | None:
    """The next day (today or later) that the holiday calendar names exactly `name`."""
    import holidays as holiday_data

    for year in (today.year, today.year + 1):
        kr = holiday_data.country_holidays("KR", years=year, language="ko")
        for day, title in sorted(kr.items()):
            if day >= today and title == name:
                return day
    return None


@skill(
    "korean_calendar",
    examples=(
        "오늘 며칠이야?",
        "올해 추석은 언제야?",
        "2026년 공휴일 알려줘",
        "5월에 쉬는 날 있어?",
        "12월 25일은 무슨 요일이야?",
        "내일이 공휴일이야?",
        "지금 몇 시야?",
        "음력 8월 15일은 양력으로 언제야?",
        "오늘은 음력으로 며칠이야?",
        "what day is it today?",
        "100일 뒤는 며칠이야?",
        "3주 후는 무슨 요일이야?",
        "다음 달 말일이 언제야?",
        "크리스마스까지 며칠 남았어?",
    ),
    parser=parse,
)
async def korean_calendar(
    date: str | None = None,
    holidays: bool = False,
    year: int | None = None,
    month: int | None = None,
    name: str | None = None,
    lunar: bool = False,
    label: str | None = None,
    count: bool = False,
    remaining: bool = False,
    leave_days: int | None = None,
    leave_kind: Literal["휴가", "연차", "출장", "병가", "휴직"] = "휴가",
    minutes_later: int | None = None,
) -> SkillResult:
    """Korean dates: today's date and time in Korea, the weekday of a date and whether it
    is a public holiday, or the public holidays of a year or month.

    Args:
        date: An ISO date (YYYY-MM-DD) to describe; omit for today.
        holidays: List public holidays (of `year`, or of `month` in it) instead.
        year: The year whose holidays to list; omit for this year.
        month: Only this month's holidays (1-12).
        name: Only holidays whose name contains this (추석, 설날, 어린이날...).
        lunar: `date` is a lunar date (음력); answer with its solar date.
        label: The words that named `date` («오늘부터 100일 뒤», «다음 달 말일»), repeated
            in the answer; the date itself is always `date`.
        count: Answer how many days are left until `date` (or have passed since it).
        remaining: List only the holidays from today on (올해 남은 공휴일).
        leave_days: A leave of this many working days starts on `date`: answer when the
            person is back (weekends and public holidays are not leave days).
        leave_kind: What the days away are called in the answer.
        minutes_later: Answer the time this many minutes from now (negative: before now).
    """
    import holidays as holiday_data

    now = dt.datetime.now(KST)
    if minutes_later is not None:
        return _later(now, minutes_later)
    if lunar:
        date = _solar(date or now.date().isoformat())
    try:
        day = dt.date.fromisoformat(date) if date else now.date()
    except ValueError:
        raise SkillArgumentError(f"korean_calendar: '{date}' is not a YYYY-MM-DD date") from None
    if month is not None and not 1 <= month <= 12:
        raise SkillArgumentError("korean_calendar: month is 1 to 12", param="month")
    kr = holiday_data.country_holidays("KR", years=year or day.year, language="ko")
    if leave_days is not None:
        return _leave(day, leave_days, label, leave_kind)
    if holidays and (date is None or year or month or name or remaining):
        listed = [
            (d, n)
            for d, n in sorted(kr.items())
            if (year is None or d.year == year)
            and (month is None or d.month == month)
            and (name is None or name in n)
            and (not remaining or d >= now.date())
        ]
        lines = [f"- {d.isoformat()} ({WEEKDAYS[d.weekday()]}) {n}" for d, n in listed]
        scope = (
            f"{year or day.year}년"
            + (f" {month}월" if month else "")
            + (f" {name}" if name else "")
        )
        content = f"{scope} {'남은 ' if remaining else ''}공휴일:\n" + (
            "\n".join(lines) if lines else "없음"
        )
        found = [{"date": d.isoformat(), "name": n} for d, n in listed]
        answer = _holidays_answer(scope, name, listed, remaining)
        if remaining and not listed:
            coming = _coming_holiday(now.date())
            answer += (
                f" 다음 공휴일은 {_day(coming[0], year=True)} {coming[1]}입니다." if coming else ""
            )
        return SkillResult(content, found, answer=answer)
    return _describe(day, now, kr.get(day), is_now=date is None, label=label, count=count)


def _later(now: dt.datetime, minutes: int) -> SkillResult:
    """The time `minutes` from now (before now when negative), in Korea."""
    if abs(minutes) > 60 * 24 * 366:
        raise SkillArgumentError(
            "korean_calendar: minutes_later is at most a year", param="minutes_later"
        )
    then = now + dt.timedelta(minutes=minutes)
    h, m = divmod(abs(minutes), 60)
    span = (f"{h}시간 " if h else "") + (f"{m}분" if m else "")
    when = f"{span.strip()} {'전' if minutes < 0 else '후'}"
    day = "오늘" if then.date() == now.date() else _day(then.date())
    since = "지금보다" if minutes < 0 else "지금부터"
    answer = f"{since} {when}{_topic(when)} {day} {then:%H시 %M분}입니다(한국 시간)."
    data = {"time": then.isoformat(timespec="minutes"), "minutes_later": minutes}
    return SkillResult(answer, data, answer=answer)


def _leave(start: dt.date, days: int, label: str | None, kind: str) -> SkillResult:
    import holidays as holiday_data

    if not 1 <= days <= MAX_DAYS:
        raise SkillArgumentError(
            f"korean_calendar: leave_days is 1 to {MAX_DAYS}", param="leave_days"
        )
    years = range(start.year, start.year + 3)
    kr = dict(holiday_data.country_holidays("KR", years=years, language="ko"))
    last, back = back_from_leave(start, days, kr)
    named = (
        f"{label}({start.month}월 {start.day}일)"  # «금요일(12월 11일)», its weekday said once
        if label and label.endswith("요일")
        else f"{label}({_day(start)})"
        if label
        else _day(start)
    )
    skipped = [f"{_day(d)} {n}" for d, n in sorted(kr.items()) if start <= d <= last]
    note = f"사이의 공휴일({', '.join(skipped)})과 " if skipped else ""
    answer = (
        f"{named}부터 {days}일 {kind}{'이면' if kind != '휴가' else '면'} {_day(last)}까지 "
        f"{'쉬고' if kind in ('휴가', '연차', '병가') else '다녀오고'} {_day(back)}에 복귀합니다"
        f"({note}주말은 {kind}일로 세지 않았습니다)."
    )
    data = {"start": start.isoformat(), "last": last.isoformat(), "back": back.isoformat()}
    return SkillResult(answer, data, answer=answer)


def _describe(
    day: dt.date,
    now: dt.datetime,
    name: str | None,
    *,
    is_now: bool,
    label: str | None,
    count: bool,
) -> SkillResult:
    """One day: its weekday, lunar date and holiday, or the days left until it."""
    described = f"{day.year}년 {day.month}월 {day.day}일 {WEEKDAYS[day.weekday()]}요일"
    moon = _lunar(day)
    described += f" (음력 {moon})" if moon else ""
    content = described + (f", 공휴일({name})" if name else ", 공휴일 아님")
    data: dict[str, Any] = {"date": day.isoformat(), "weekday": WEEKDAYS[day.weekday()]}
    data |= {"holiday": name, "lunar": moon}
    if is_now:
        content = f"지금은 {described} {now:%H시 %M분} (한국 시간)"
        content += f", 공휴일({name})" if name else ""
        answer = f"지금은 {_day(day, year=True)} {now:%H시 %M분}입니다(한국 시간)."
    elif count:
        data["days_from_today"] = (day - now.date()).days
        answer = _count_answer(day, now.date())
        content = f"{answer} ({content})"
    else:
        holiday = f"공휴일({name})입니다" if name else "공휴일이 아닙니다"
        answer = _dated_answer(day, label, holiday)
        answer += f" 음력으로는 {moon}입니다." if moon else ""
        content = f"{label}: {content}" if label else content
    return SkillResult(content, data, answer=answer)


def _dated_answer(day: dt.date, label: str | None, holiday: str) -> str:
    """«2026년 12월 25일은 금요일이고, 공휴일(기독탄신일)입니다.», with the words that named
    the day first when there were some: «오늘부터 100일 뒤는 2027년 3월 15일 월요일이고, …»."""
    weekday = f"{WEEKDAYS[day.weekday()]}요일"
    if label:
        return f"{label}{_topic(label)} {_day(day, year=True)}이고, {holiday}."
    return f"{day.year}년 {day.month}월 {day.day}일은 {weekday}이고, {holiday}."


def _count_answer(day: dt.date, today: dt.date) -> str:
    """«2026년 12월 25일 금요일까지 20일 남았습니다(D-20).» or «… 20일 지났습니다(D+20).»"""
    days = (day - today).days
    named = _day(day, year=True)
    if days > 0:
        return f"{named}까지 {days}일 남았습니다(D-{days})."
    if days < 0:
        return f"{named}부터 오늘까지 {-days}일 지났습니다(D+{-days})."
    return f"{named}, 바로 오늘입니다(D-day)."


def _day(day: dt.date, year: bool = False) -> str:
    """2026년 9월 25일 금요일 (year) or 9월 25일(금)."""
    if year:
        return f"{day.year}년 {day.month}월 {day.day}일 {WEEKDAYS[day.weekday()]}요일"
    return f"{day.month}월 {day.day}일({WEEKDAYS[day.weekday()]})"


def _coming_holiday(today: dt.date) -> tuple[dt.date, str] | None:
    """The first holiday after today, in this year's calendar or the next."""
    import holidays as holiday_data

    for year in (today.year, today.year + 1):
        kr = holiday_data.country_holidays("KR", years=year, language="ko")
        later = [(d, n) for d, n in sorted(kr.items()) if d > today]
        if later:
            return later[0]
    return None


def _holidays_answer(
    scope: str, name: str | None, listed: list[tuple[dt.date, str]], remaining: bool = False
) -> str:
    """«2026년 추석 연휴는 9월 24일(목)부터 9월 26일(토)까지입니다 (추석 당일 9월 25일(금)).»"""
    if remaining:
        scope += " 남은"
    if not listed:
        return f"{scope} 공휴일은 없습니다." if remaining else f"{scope}에는 공휴일이 없습니다."
    days = [d for d, _ in listed]
    consecutive = all((b - a).days == 1 for a, b in itertools.pairwise(days))
    if name and len(days) > 1 and consecutive:
        answer = f"{scope} 연휴는 {_day(days[0])}부터 {_day(days[-1])}까지입니다"
        main = [d for d, n in listed if n == name]
        if main:
            answer += f" ({name} 당일은 {_day(main[0])})"
        return answer + "."
    if name == SUBSTITUTE:  # «대체공휴일이 뭐야?»: what it is, then the year's
        shown = ", ".join(f"{_day(d)}({n.replace(' ' + SUBSTITUTE, '')})" for d, n in listed)
        year = scope.replace(f" {SUBSTITUTE}", "")
        return f"{SUBSTITUTE_KO} {year} 대체공휴일은 {shown}입니다."
    if name and len(days) == 1:
        return f"{scope}{_topic(scope)} {_day(days[0])}입니다."
    shown = ", ".join(f"{_day(d)} {n}" for d, n in listed[:8])
    more = f" 외 {len(listed) - 8}일" if len(listed) > 8 else ""
    return f"{scope} 공휴일은 {shown}{more}입니다."


def _topic(word: str) -> str:
    """은 or 는 after `word`, as it is read (a final digit as its Sino-Korean reading)."""
    last = word[-1:]
    if last.isdigit():
        return "은" if last in "013678" else "는"
    if "가" <= last <= "힣":
        return "은" if (ord(last) - 0xAC00) % 28 else "는"
    return "는"


def _lunar(day: dt.date) -> str | None:
    """The lunar date of a solar day, as 음력 reads it (윤달 marked); None out of range."""
    from korean_lunar_calendar import KoreanLunarCalendar

    calendar = KoreanLunarCalendar()
    if not calendar.setSolarDate(day.year, day.month, day.day):
        return None
    leap = "윤" if calendar.isIntercalation else ""
    return f"{calendar.lunarYear}년 {leap}{calendar.lunarMonth}월 {calendar.lunarDay}일"


def _solar(lunar_date: str) -> str:
    from korean_lunar_calendar import KoreanLunarCalendar

    found = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", lunar_date)
    calendar = KoreanLunarCalendar()
    if not found or not calendar.setLunarDate(*map(int, found.groups()), False):
        raise SkillArgumentError(f"korean_calendar: 음력 '{lunar_date}' is not a lunar date")
    return str(calendar.SolarIsoFormat())
