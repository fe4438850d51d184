"""Word problems about figures: 넓이/둘레/부피/겉넓이 of 원, 삼각형, 사각형, 사다리꼴,
평행사변형, 마름모, 구, 원기둥, 원뿔, 정육면체, 직육면체, and a right triangle's 빗변."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from haneul.skills import SkillArgumentError, SkillResult
from haneul.skills.builtin.math_format import NUM, exact_and_approx, josa, number, result

_UNIT = r"\s*(mm|cm|km|m|미터|센티미터|센티|밀리미터)?"
_UNIT_NAMES = {"미터": "m", "센티미터": "cm", "센티": "cm", "밀리미터": "mm"}
# Each length is read after its name: 반지름이 3cm인, 밑변 4, 한 변의 길이가 5
_PARTICLE = r"\s*(?:의\s*길이)?\s*(?:이|가|은|는|:|=|을|를)?\s*"
_LENGTHS = {
    "r": r"반지름|반경",
    "d": r"지름(?<!반지름)",
    "top": r"윗변",
    "bottom": r"아랫변",
    "base": r"밑변|밑면의?\s*변",
    "h": r"높이",
    "w": r"가로",
    "l": r"세로",
    "a": r"(?<![윗랫밑빗])변|모서리",
    "d1": r"대각선",
}
_SHAPES = (  # longest first: 원기둥 before 원, 정사각형 before 사각형
    ("cylinder", r"원기둥|원통"),
    ("cone", r"원뿔"),
    ("sphere", r"(?<![가-힣])구(?=의|는|가|\s|$)|(?<=인\s)구|공(?=의)"),
    ("cube", r"정육면체"),
    ("cuboid", r"직육면체|상자"),
    ("trapezoid", r"사다리꼴"),
    ("parallelogram", r"평행사변형"),
    ("rhombus", r"마름모"),
    ("square", r"정사각형"),
    ("rectangle", r"직사각형|사각형"),
    ("right_triangle", r"직각\s*삼각형"),
    ("equilateral", r"정삼각형"),
    ("triangle", r"삼각형"),
    ("circle", r"원형|(?<![가-힣])원(?=의|이|은|\s|$)|(?<=인\s)원|(?<=인)원"),
)
_QUANTITIES = (
    ("surface", r"겉넓이|표면적|겉면적"),
    ("area", r"넓이|면적"),
    ("perimeter", r"둘레"),
    ("volume", r"부피|체적"),
    ("hypotenuse", r"빗변"),
    ("diagonal", r"대각선의?\s*길이"),
)
_NAMES = {
    "circle": "원", "triangle": "삼각형", "equilateral": "정삼각형", "right_triangle": "직각삼각형",
    "rectangle": "직사각형", "square": "정사각형", "trapezoid": "사다리꼴",
    "parallelogram": "평행사변형", "rhombus": "마름모", "sphere": "구", "cylinder": "원기둥",
    "cone": "원뿔", "cube": "정육면체", "cuboid": "직육면체",
}  # fmt: skip
_QUANTITY_NAMES = {
    "area": "넓이", "perimeter": "둘레", "volume": "부피", "surface": "겉넓이",
    "hypotenuse": "빗변의 길이", "diagonal": "대각선의 길이",
}  # fmt: skip


def _lengths(text: str) -> tuple[dict[str, Any], dict[str, str], str | None]:
    values: dict[str, Any] = {}
    shown: dict[str, str] = {}
    where: dict[str, int] = {}
    unit = None
    for key, name in _LENGTHS.items():
        found = re.search(f"(?:{name}){_PARTICLE}{NUM}{_UNIT}", text)
        if found:
            values[key], shown[key] = number(found[1]), found[1]
            where[key] = found.start()
            unit = unit or (found[2] and _UNIT_NAMES.get(found[2], found[2]))
    if "w" not in values and "r" not in values and ("a" not in values or "두 변" in text):
        # 3cm, 4cm인 직사각형 / 가로세로 3, 4 / 두 변이 3과 4인 직각삼각형
        pair = re.search(f"{NUM}{_UNIT}\\s*(?:,|와|과|및|x|\\*|×)\\s*{NUM}{_UNIT}", text)
        if pair:
            values["w"], values["l"] = number(pair[1]), number(pair[3])
            values.pop("a", None)
            shown.pop("a", None)
            shown["pair"] = f"{pair[1]}{josa(pair[1], '과와')} {pair[3]}"
            unit = unit or pair[2] or pair[4]
    ordered = dict(sorted(shown.items(), key=lambda kv: where.get(kv[0], 0)))
    return values, ordered, unit


_ENGLISH = {"r": "radius", "d": "diameter", "top": "top side", "bottom": "bottom side",
            "base": "base", "h": "height", "w": "width", "l": "length", "a": "side",
            "d1": "diagonal"}  # fmt: skip


def _need(values: dict[str, Any], *keys: str) -> list[Any]:
    missing = [k for k in keys if k not in values]
    if missing:
        names = ", ".join(_LENGTHS[k].split("|")[0].split("(")[0] for k in missing)
        english = ", ".join(_ENGLISH[k] for k in missing)
        raise SkillArgumentError(
            f"math: 도형의 {names} 값을 찾지 못했습니다 (could not find the figure's {english})"
        )
    return [values[k] for k in keys]


def _side(values: dict[str, Any]) -> Any:
    for key in ("a", "w", "l", "base"):
        if key in values:
            return values[key]
    return _need(values, "a")[0]


def _radius(values: dict[str, Any]) -> Any:
    if "r" not in values and "d" not in values:
        raise SkillArgumentError(
            "math: 반지름이나 지름 값을 찾지 못했습니다 (could not find the radius or the diameter)"
        )
    return values["r"] if "r" in values else values["d"] / 2


def _box_surface(w: Any, d: Any, h: Any) -> Any:
    return 2 * (w * d + d * h + w * h)


Formula = Callable[[dict[str, Any]], tuple[Any, str]]


def _formulas() -> dict[tuple[str, str], Formula]:
    import sympy

    pi, sqrt = sympy.pi, sympy.sqrt

    def rect(v: dict[str, Any]) -> tuple[Any, Any]:
        if "w" in v and "l" in v:
            return v["w"], v["l"]
        if "base" in v and "h" in v:
            return v["base"], v["h"]
        width, length = _need(v, "w", "l")
        return width, length

    def right_legs(v: dict[str, Any]) -> tuple[Any, Any]:
        if "w" in v and "l" in v:
            return v["w"], v["l"]
        base, h = _need(v, "base", "h")
        return base, h

    return {
        ("circle", "area"): lambda v: (pi * _radius(v) ** 2, "πr²"),
        ("circle", "perimeter"): lambda v: (2 * pi * _radius(v), "2πr"),
        ("triangle", "area"): lambda v: (sympy.Mul(*_need(v, "base", "h")) / 2, "밑변 × 높이 ÷ 2"),
        ("right_triangle", "area"): lambda v: (sympy.Mul(*right_legs(v)) / 2, "두 변의 곱 ÷ 2"),
        ("right_triangle", "hypotenuse"): lambda v: (
            sqrt(sum(x**2 for x in right_legs(v))),
            "√(a² + b²)",
        ),
        ("equilateral", "area"): lambda v: (sqrt(3) / 4 * _side(v) ** 2, "√3/4 × a²"),
        ("equilateral", "perimeter"): lambda v: (3 * _side(v), "3a"),
        ("rectangle", "area"): lambda v: (sympy.Mul(*rect(v)), "가로 × 세로"),
        ("rectangle", "perimeter"): lambda v: (2 * sum(rect(v)), "2 × (가로 + 세로)"),
        ("rectangle", "diagonal"): lambda v: (sqrt(sum(x**2 for x in rect(v))), "√(가로² + 세로²)"),
        ("square", "area"): lambda v: (_side(v) ** 2, "a²"),
        ("square", "perimeter"): lambda v: (4 * _side(v), "4a"),
        ("square", "diagonal"): lambda v: (sqrt(2) * _side(v), "√2 × a"),
        ("trapezoid", "area"): lambda v: (
            (sum(_need(v, "top", "bottom")) * _need(v, "h")[0]) / 2,
            "(윗변 + 아랫변) × 높이 ÷ 2",
        ),
        ("parallelogram", "area"): lambda v: (sympy.Mul(*_need(v, "base", "h")), "밑변 × 높이"),
        ("rhombus", "area"): lambda v: (sympy.Mul(*rect(v)) / 2, "두 대각선의 곱 ÷ 2"),
        ("sphere", "volume"): lambda v: (sympy.Rational(4, 3) * pi * _radius(v) ** 3, "4/3 πr³"),
        ("sphere", "surface"): lambda v: (4 * pi * _radius(v) ** 2, "4πr²"),
        ("cylinder", "volume"): lambda v: (pi * _radius(v) ** 2 * _need(v, "h")[0], "πr²h"),
        ("cylinder", "surface"): lambda v: (
            2 * pi * _radius(v) ** 2 + 2 * pi * _radius(v) * _need(v, "h")[0],
            "2πr² + 2πrh",
        ),
        ("cone", "volume"): lambda v: (pi * _radius(v) ** 2 * _need(v, "h")[0] / 3, "πr²h ÷ 3"),
        ("cube", "volume"): lambda v: (_side(v) ** 3, "a³"),
        ("cube", "surface"): lambda v: (6 * _side(v) ** 2, "6a²"),
        ("cuboid", "volume"): lambda v: (sympy.Mul(*_need(v, "w", "l", "h")), "가로 × 세로 × 높이"),
        ("cuboid", "surface"): lambda v: (
            _box_surface(*_need(v, "w", "l", "h")),
            "2(ab + bc + ca)",
        ),
    }


def _first(patterns: tuple[tuple[str, str], ...], text: str) -> str | None:
    found = [
        (m.start(), i, key) for i, (key, p) in enumerate(patterns) if (m := re.search(p, text))
    ]
    return min(found)[2] if found else None


def _describe(shape: str, shown: dict[str, str], unit: str | None) -> str:
    names = {"r": "반지름", "d": "지름", "top": "윗변", "bottom": "아랫변", "base": "밑변",
             "h": "높이", "w": "가로", "l": "세로", "a": "한 변", "d1": "대각선",
             "pair": "두 변"}  # fmt: skip
    if shape in ("cube",) and "a" in shown:
        names["a"] = "한 모서리"
    keys = [k for k in shown if k in names]
    if not keys:
        return _NAMES[shape]
    if len(keys) == 1:
        name = names[keys[0]]
        return f"{name}{josa(name, '이가')} {shown[keys[0]]}{unit or ''}인 {_NAMES[shape]}"
    if "pair" in keys:
        return f"두 변이 {shown['pair']}인 {_NAMES[shape]}"
    parts = [f"{names[k]} {shown[k]}{unit or ''}" for k in keys]
    return f"{', '.join(parts)}인 {_NAMES[shape]}"


def solve(text: str) -> SkillResult | None:
    quantity = _first(_QUANTITIES, text)
    shape = _first(_SHAPES, text)
    if quantity is None or shape is None:
        return None
    if quantity == "surface" and shape in ("circle", "square", "rectangle", "triangle"):
        quantity = "area"
    if quantity == "area" and shape in ("sphere", "cube", "cuboid", "cylinder"):
        quantity = "surface"
    formula = _formulas().get((shape, quantity))
    if formula is None:
        raise SkillArgumentError(
            f"math: {_NAMES[shape]}의 {_QUANTITY_NAMES[quantity]} 공식은 아직 모릅니다 "
            f"(no formula for the {quantity} of a {shape})"
        )
    values, shown, unit = _lengths(text)
    import sympy

    value, rule = formula(values)
    value = sympy.nsimplify(value)
    power = {"area": "²", "surface": "²", "volume": "³"}.get(quantity, "")
    unit_text = f"{unit}{power}" if unit else ""
    what = f"{_describe(shape, shown, unit)}의 {_QUANTITY_NAMES[quantity]}"
    shown_value = exact_and_approx(value)
    answer = f"{what}{josa(_QUANTITY_NAMES[quantity], '은는')} {shown_value}{unit_text}입니다."
    steps = [f"공식: {rule}", f"{_QUANTITY_NAMES[quantity]} = {shown_value}{unit_text}"]
    return result(answer, value, steps)
