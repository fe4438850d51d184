"""Math with sympy: evaluate, simplify and solve what a Korean question writes as a
formula, and the distance from a point to a line (점 (2,5)와 직선 2x−y+2=0 사이의 거리),
each with its steps."""

from __future__ import annotations

import re
from typing import Any

from haneul.skills import SkillArgumentError, SkillResult, skill

_NORMALISE = str.maketrans({"−": "-", "–": "-", "×": "*", "÷": "/", "·": "*", "＝": "="})
_FORMULA = re.compile(r"[0-9a-zA-Zπ√+\-*/^().,=\s²³]+")
_POINT_LINE = re.compile(
    r"점\s*\(\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)\s*\)\s*(?:와|과|에서|부터)?\s*직선\s*([^사의와과까]+?)\s*"
    r"(?:사이|까지|의|와|과)"
)
_FUNCTIONS = {"sqrt", "sin", "cos", "tan", "log", "ln", "exp", "pi", "abs"}
_WORDS = {"더하기": "+", "빼기": "-", "곱하기": "*", "나누기": "/", "의 제곱": "**2"}


def _sympify(text: str) -> Any:
    from sympy.parsing.sympy_parser import (
        convert_xor,
        implicit_multiplication_application,
        parse_expr,
        standard_transformations,
    )

    text = text.translate(_NORMALISE).replace("²", "^2").replace("³", "^3")
    text = text.replace("√", "sqrt").replace("π", "pi")
    transformations = (*standard_transformations, implicit_multiplication_application, convert_xor)
    try:
        return parse_expr(text, transformations=transformations)
    except Exception as e:
        raise SkillArgumentError(f"math: cannot read '{text}' as a formula ({e})") from None


def parse(utterance: str) -> dict[str, Any] | None:
    text = utterance.translate(_NORMALISE)
    found = _POINT_LINE.search(text)
    if found:
        x, y, line = found.groups()
        return {"expression": line.strip(), "point": [float(x), float(y)]}
    text = re.sub(r"(\d+)\s*의\s*(\d+)\s*제곱", r"\1^\2", text)
    for word, symbol in _WORDS.items():
        text = text.replace(word, symbol)
    # words are not formulas, except the functions sympy knows
    text = re.sub(r"[a-zA-Z]{2,}", lambda m: m[0] if m[0].lower() in _FUNCTIONS else "|", text)
    pieces = [p.strip(" ,.") for p in _FORMULA.findall(text)]
    formulas = [
        p for p in pieces if re.search(r"[\d\w)]\s*[-+*/^=]|sqrt|√", p) and re.search(r"\d", p)
    ]
    if not formulas:
        return None
    return {"expression": max(formulas, key=len)}


def _number(value: Any) -> str:
    approx = float(value.evalf())
    return f"{approx:.6g}"


@skill(
    "math",
    examples=(
        "점 (2,5)와 직선 2x−y+2=0 사이의 거리는?",
        "x^2 - 5x + 6 = 0 을 풀어줘",
        "123 곱하기 45는 얼마야?",
        "sqrt(2) * sqrt(8) 계산해줘",
        "(x+1)^2 전개해줘",
        "2의 10제곱은?",
        "what is 17 * 23?",
        "solve 3x + 7 = 22",
    ),
    parser=parse,
)
async def math(expression: str, point: list[float] | None = None) -> SkillResult:
    """Work out a formula exactly: evaluate or simplify an expression, solve an equation
    (it contains '='), or, given a point, the distance from that point to the line.

    Args:
        expression: A formula such as "2x - y + 2 = 0", "x^2 - 5x + 6 = 0" or "sqrt(2)*3".
        point: Coordinates [x, y] of a point; with it, `expression` is a line.
    """
    import sympy

    if point is not None:
        return _distance(expression, point)
    if "=" in expression.translate(_NORMALISE):
        left, _, right = expression.translate(_NORMALISE).partition("=")
        equation = sympy.Eq(_sympify(left), _sympify(right))
        unknowns = sorted(equation.free_symbols, key=str)
        if not unknowns:
            truth = bool(sympy.simplify(equation.lhs - equation.rhs) == 0)
            return SkillResult(f"{'참' if truth else '거짓'} ({expression})", truth)
        solutions = sympy.solve(equation, unknowns[0])
        shown = ", ".join(f"{unknowns[0]} = {sympy.sstr(s)}" for s in solutions) or "해 없음"
        steps = [
            f"방정식: {sympy.sstr(equation.lhs)} = {sympy.sstr(equation.rhs)}",
            f"{unknowns[0]}에 대해 풀면: {shown}",
        ]
        return SkillResult(shown, [sympy.sstr(s) for s in solutions], steps)
    value = _sympify(expression)
    simplified = sympy.simplify(value)
    steps = [f"식: {sympy.sstr(value)}", f"정리: {sympy.sstr(simplified)}"]
    if simplified.free_symbols:
        expanded = sympy.expand(simplified)
        steps.append(f"전개: {sympy.sstr(expanded)}")
        return SkillResult(sympy.sstr(expanded), sympy.sstr(expanded), steps)
    shown = sympy.sstr(simplified)
    approx = _number(simplified)
    answer = shown if shown == approx else f"{shown} ≈ {approx}"
    return SkillResult(answer, {"exact": shown, "approx": float(simplified.evalf())}, steps)


def _distance(line_text: str, point: list[float]) -> SkillResult:
    import sympy

    if len(point) != 2:
        raise SkillArgumentError("math: a point needs two coordinates [x, y]", param="point")
    x, y = sympy.symbols("x y")
    left, _, right = line_text.translate(_NORMALISE).partition("=")
    line = sympy.expand(_sympify(left) - (_sympify(right) if right.strip() else 0))
    a, b = line.coeff(x), line.coeff(y)
    c = line.subs({x: 0, y: 0})
    if line.free_symbols - {x, y} or sympy.expand(a * x + b * y + c - line) != 0 or a == b == 0:
        raise SkillArgumentError(f"math: '{line_text}' is not a line in x and y")
    px, py = (sympy.nsimplify(v) for v in point)
    numerator = sympy.Abs(a * px + b * py + c)
    distance = sympy.radsimp(numerator / sympy.sqrt(a**2 + b**2))
    steps = [
        f"직선을 ax + by + c = 0 꼴로: a = {a}, b = {b}, c = {c}",
        "점과 직선 사이의 거리 = |a·x₀ + b·y₀ + c| / √(a² + b²)",
        f"= |({a})·({px}) + ({b})·({py}) + ({c})| / √(({a})² + ({b})²)"
        f" = {numerator} / √{a**2 + b**2}",
        f"= {sympy.sstr(distance)} ≈ {_number(distance)}",
    ]
    answer = f"{sympy.sstr(distance)} ≈ {_number(distance)}"
    return SkillResult(answer, {"exact": sympy.sstr(distance), "approx": float(distance)}, steps)
