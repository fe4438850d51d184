"""A conversion asked in full («3시간은 몇 분이야?») is routed to the units skill before the
router's examples are read (skills/router.py); these are the forms that count as one."""

from __future__ import annotations

import asyncio

import pytest

from haneul.skills import SkillContext, get_skill
from haneul.skills.builtin.units import asks_conversion, parse


@pytest.mark.parametrize(
    ("utterance", "arguments"),
    [
        ("3시간은 몇 분이야?", (3.0, "시간", "분")),
        ("1갤런은 몇 리터야?", (1.0, "갤런", "리터")),
        ("90분은 몇 시간?", (90.0, "분", "시간")),
        ("1,000평은 몇 제곱미터예요?", (1000.0, "평", "제곱미터")),
        # spans of time in days, weeks and years (went to the document search)
        ("1년은 몇 주야?", (1.0, "년", "주")),
        ("1년은 며칠이야?", (1.0, "년", "일")),
        ("하루는 몇 초야?", (1.0, "일", "초")),
        ("일주일은 몇 시간이야?", (1.0, "주", "시간")),
        ("100일은 몇 주야?", (100.0, "일", "주")),
        # a word naming what is measured (went to the document search)
        ("34평 아파트는 몇 제곱미터야?", (34.0, "평", "제곱미터")),
        ("5kg 쌀은 몇 근이야?", (5.0, "kg", "근")),
    ],
)
def test_a_conversion_asked_in_full(utterance: str, arguments: tuple[float, str, str]) -> None:
    found = asks_conversion(utterance)
    assert found is not None
    assert (found["value"], found["from_unit"], found["to_unit"]) == arguments


@pytest.mark.parametrize(
    "utterance",
    [
        "400km는 몇 시간 걸려?",  # no conversion answers it: distance is not time
        "회의가 1시간은 몇 초과했어?",  # 초 begins 초과
        "2시간 몇 분 남았어?",  # no 은/는: not asked as a conversion
        "연차는 몇 일이야?",  # no quantity
        "2주 후는 며칠이야?",  # a date, the calendar's
        "5일은 무슨 요일이야?",
    ],
)
def test_what_is_not_a_conversion(utterance: str) -> None:
    assert asks_conversion(utterance) is None


@pytest.mark.parametrize(
    ("utterance", "value", "answer"),
    [
        # was «20분은 20분입니다.»: the 3시간 before it was not read
        ("3시간 20분은 몇 분이야?", 200, "3시간 20분은 200분입니다."),
        ("1시간 반은 몇 분?", 90, "1시간 반은 90분입니다."),
        ("2시간 30분 15초는 몇 초야?", 9015, "2시간 30분 15초는 9,015초입니다."),
        ("5피트 10인치는 몇 센티미터?", 177.8, "5피트 10인치는 177.8센티미터입니다."),
        # and the other way: hours and minutes beside the decimal of a quantity said so
        ("3시간 20분은 몇 시간이야?", 3.3333, "3시간 20분은 약 3.33시간(3시간 20분)입니다."),
        # a native Korean number before its unit, and a symbol's particle as it is read
        ("금 한 돈은 몇 그램이야?", 3.75, "1돈은 3.75그램입니다."),
        ("두 근은 몇 그램이야?", 1200, "2근은 1,200그램입니다."),
    ],
)
def test_a_quantity_said_in_several_units(utterance: str, value: float, answer: str) -> None:
    arguments = asks_conversion(utterance)
    assert arguments is not None and arguments == parse(utterance)
    result = asyncio.run(get_skill("convert_units").run(arguments, SkillContext()))
    assert result.data["value"] == pytest.approx(value, rel=1e-4)
    assert result.answer == answer


def test_a_metric_symbol_takes_the_particle_of_its_reading() -> None:
    """«600 g는 1근입니다.» read «g» as a letter; it is «그램»: 600 g은."""
    arguments = parse("소고기 600g은 몇 근이야?")
    assert arguments is not None
    result = asyncio.run(get_skill("convert_units").run(arguments, SkillContext()))
    assert result.answer == "600 g은 1근입니다."
    ten = asyncio.run(
        get_skill("convert_units").run(parse("10km는 몇 마일이야?") or {}, SkillContext())
    )
    assert ten.answer == "10 km는 약 6.21마일입니다."


def test_several_units_of_different_kinds_are_not_one_quantity() -> None:
    found = asks_conversion("3km 20분은 몇 분?")
    assert found is not None and "said" not in found and found["value"] == 20.0


def test_a_year_is_the_days_people_count() -> None:
    result = asyncio.run(
        get_skill("convert_units").run(asks_conversion("1년은 며칠이야?") or {}, SkillContext())
    )
    assert result.answer == "1년은 365일입니다."
