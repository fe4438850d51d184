"""Unit conversion with pint, with the Korean units people still use (평, 근, 돈, 리)
and Korean unit names (킬로미터, 마일, 섭씨, 화씨...)."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from haneul.skills import SkillArgumentError, SkillResult, skill

KOREAN_UNITS = {
    "킬로미터": "km",
    "키로미터": "km",
    "킬로": "kg",
    "키로": "kg",
    "미터": "m",
    "센티미터": "cm",
    "센티": "cm",
    "밀리미터": "mm",
    "마일": "mile",
    "피트": "ft",
    "인치": "inch",
    "야드": "yard",
    "킬로그램": "kg",
    "그램": "g",
    "파운드": "lb",
    "온스": "oz",
    "톤": "tonne",
    "리터": "l",
    "밀리리터": "ml",
    "갤런": "gallon",
    "섭씨": "degC",
    "화씨": "degF",
    "도씨": "degC",
    "제곱미터": "m**2",
    "헥타르": "hectare",
    "에이커": "acre",
    "평": "pyeong",
    "근": "geun",
    "돈": "don",
    "리": "ri",
    "시간": "hour",
    "분": "minute",
    "초": "second",
}
_UNIT = "|".join(sorted(KOREAN_UNITS, key=len, reverse=True))
_ASCII = r"[a-zA-Z°][a-zA-Z°²\d*]*"
_QUESTION = re.compile(
    rf"(-?[\d,]+(?:\.\d+)?)\s*({_UNIT}|{_ASCII})\s*(?:은|는|을|를|이|가|이면|면|to|in)?\s*"
    rf"(?:몇\s*)?({_UNIT}|{_ASCII})"
)


@cache
def _registry() -> Any:
    import pint

    units: Any = pint.UnitRegistry()
    units.define("pyeong = 400 / 121 * meter ** 2 = 평")
    units.define("geun = 600 * gram = 근")
    units.define("don = 3.75 * gram = 돈")
    units.define("ri = 392.7 * meter = 리")
    return units


def _unit(name: str) -> str:
    return KOREAN_UNITS.get(name.strip(), name.strip())


_TEMPERATURE = re.compile(r"(화씨|섭씨)\s*(-?\d+(?:\.\d+)?)\s*도.*?(화씨|섭씨)")


def parse(utterance: str) -> dict[str, Any] | None:
    temperature = _TEMPERATURE.search(utterance)
    if temperature:
        source, value, target = temperature.groups()
        return {"value": float(value), "from_unit": source, "to_unit": target}
    found = _QUESTION.search(utterance)
    if not found:
        return None
    value, source, target = found.groups()
    return {"value": float(value.replace(",", "")), "from_unit": source, "to_unit": target}


@skill(
    "convert_units",
    examples=(
        "30평은 몇 제곱미터야?",
        "100마일은 몇 킬로미터?",
        "화씨 100도는 섭씨로 몇 도야?",
        "고기 2근은 몇 그램이야?",
        "5피트는 몇 센티미터?",
        "3 gallon to liter",
        "72 inch in cm",
        "10킬로미터를 마일로 바꿔줘",
    ),
    parser=parse,
)
async def convert_units(value: float, from_unit: str, to_unit: str) -> SkillResult:
    """Convert a quantity between units (metric, imperial, temperature, and Korean units:
    평, 근, 돈, 리).

    Args:
        value: The number to convert.
        from_unit: Its unit, in Korean or English (평, 마일, km, degF...).
        to_unit: The unit to convert to.
    """
    import pint

    units = _registry()
    try:
        quantity = units.Quantity(value, _unit(from_unit))
        result = quantity.to(_unit(to_unit))
    except (pint.errors.PintError, AttributeError, ValueError) as e:
        raise SkillArgumentError(
            f"convert_units: cannot convert {from_unit} to {to_unit} ({e})"
        ) from None
    shown = f"{value:g} {from_unit} = {result.magnitude:.6g} {to_unit}"
    return SkillResult(shown, {"value": float(result.magnitude), "unit": str(result.units)})
