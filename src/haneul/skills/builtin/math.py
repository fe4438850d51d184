"""Math with sympy: formulas (evaluate, simplify, solve, expand), the distance from a point
to a line (점 (2,5)와 직선 2x−y+2=0 사이의 거리), and Korean word problems: figures
(math_geometry), sums, sequences and counting (math_counting), percentages, interest and
motion (math_money), means, 부가세, loan payments and repeated durations (math_everyday),
calculus, inequalities and factoring (math_calculus). Each result has its steps and one
Korean sentence (`SkillResult.answer`); text that is neither a formula nor a known problem
is a `SkillArgumentError`, never a guessed expression."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from haneul.skills import SkillArgumentError, SkillResult, skill
from haneul.skills.builtin import (
    math_calculus,
    math_counting,
    math_everyday,
    math_geometry,
    math_money,
)
from haneul.skills.builtin.math_calculus import formula_pieces, sympify
from haneul.skills.builtin.math_format import HANGUL, approx, exact_and_approx, normalise, pretty

_POINT_LINE = re.compile(
    r"점\s*\(\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)\s*\)\s*(?:와|과|에서|부터)?\s*직선\s*([^사의와과까]+?)\s*"
    r"(?:사이|까지|의|와|과)"
)
_WORD_SOLVERS: tuple[Callable[[str], SkillResult | None], ...] = (
    *math_calculus.SOLVERS[:4],  # limit, integral, derivative, factor
    *math_counting.SOLVERS,
    *math_everyday.SOLVERS,
    *math_money.SOLVERS,
    math_geometry.solve,
    *math_calculus.SOLVERS[4:],  # systems of equations, inequalities
)


def solve_words(text: str) -> SkillResult | None:
    """The first word-problem solver that recognises `text` (normalised), or None."""
    for solver in _WORD_SOLVERS:
        try:
            solved = solver(text)
        except SkillArgumentError:
            raise
        except Exception as e:  # sympy could not do it: say so, never a guessed answer
            raise SkillArgumentError(
                f"math: '{text}'을(를) 풀지 못했습니다 (could not solve it: {e})"
            ) from None
        if solved is not None:
            return solved
    return None


def asks_problem(utterance: str) -> dict[str, Any] | None:
    """The arguments when `utterance` is a word problem a solver reads in full («연차 15일
    중에 7일 썼으면 며칠 남았어?»): the router takes it before its examples, documents or
    not. None otherwise, also for a problem missing a value."""
    if _POINT_LINE.search(normalise(utterance)):
        return parse(utterance)  # «점 (4,3)와 직선 y=0 사이의 거리»: read as that
    try:
        solved = solve_words(normalise(utterance))
    except SkillArgumentError:
        return None
    return {"expression": utterance.strip()} if solved is not None else None


def parse(utterance: str) -> dict[str, Any] | None:
    text = normalise(utterance)
    found = _POINT_LINE.search(text)
    if found:
        x, y, line = found.groups()
        return {"expression": line.strip(), "point": [float(x), float(y)]}
    try:
        if solve_words(text) is not None:
            return {"expression": utterance.strip()}
    except SkillArgumentError as e:
        # a word problem missing a value («원의 넓이를 구해줘»): the skill says which
        about = re.search(r"공식|설명|왜|원리|증명|뜻|의미|개념", text)  # a question about math
        if re.search(r"[0-9a-zA-Z]", text) or ("값을 찾지 못했습니다" in e.message and not about):
            return {"expression": utterance.strip()}
        return None  # a question about math (미분이 뭐야?), not a problem to solve
    formulas = [p for p in formula_pieces(text) if re.search(r"\d", p)]
    if not formulas:
        return None
    return {"expression": formulas[0]}


@skill(
    "math",
    examples=(
        "점 (2,5)와 직선 2x−y+2=0 사이의 거리는?",
        "x^2 - 5x + 6 = 0 을 풀어줘",
        "123 곱하기 45는 얼마야?",
        "sqrt(2) * sqrt(8) 계산해줘",
        "(x+1)^2 전개해줘",
        "2의 10제곱은?",
        "반지름이 3인 원의 넓이는?",
        "밑변 6cm 높이 4cm인 삼각형의 넓이 구해줘",
        "한 변이 5인 정육면체의 부피는?",
        "x^3 - 2x를 미분해줘",
        "x^2을 0부터 3까지 적분하면?",
        "1부터 100까지의 합은?",
        "첫째항이 3이고 공차가 2인 등차수열의 10항까지의 합",
        "x^2-5x+6을 인수분해해줘",
        "10명 중에서 3명을 뽑는 경우의 수는?",
        "주사위 두 개를 던져 합이 7이 될 확률은?",
        "50000원에서 20% 할인하면 얼마야?",
        "100만원을 연 5% 복리로 3년 맡기면?",
        "시속 60km로 2시간 30분 가면 몇 km야?",
        "what is 17 * 23?",
        "solve 3x + 7 = 22",
    ),
    parser=parse,
)
async def math(expression: str, point: list[float] | None = None) -> SkillResult:
    """Work out a formula or a Korean word problem exactly: evaluate or simplify an
    expression, solve an equation, an inequality or a system, factor, differentiate,
    integrate, take a limit; areas and volumes of figures, sums of series, counting and
    probability, percentages and interest, speed and time; given a point, the distance
    from that point to the line.

    Args:
        expression: A formula ("x^2 - 5x + 6 = 0", "sqrt(2)*3") or a word problem in Korean.
        point: Coordinates [x, y] of a point; with it, `expression` is a line.
    """
    if point is not None:
        return _distance(expression, point)
    text = normalise(expression)
    if HANGUL.search(text):
        solved = solve_words(text)
        if solved is not None:
            return solved
        formulas = [p for p in formula_pieces(text) if re.search(r"\d", p)]
        try:
            if formulas:
                return _equation(formulas[0]) if "=" in formulas[0] else _evaluate(formulas[0])
        except SkillArgumentError:
            pass
        raise SkillArgumentError(
            f"math: '{expression}'에서 식이나 문제를 읽지 못했습니다 "
            f"(could not read a formula or a word problem in '{expression}')",
            param="expression",
        )
    if re.search(r"[A-Za-z]{3,}", text) and not re.search(r"sqrt|sin|cos|tan|log|exp", text):
        solved = solve_words(text)  # «what is 15% of 80?»: a problem in English words
        if solved is not None:
            return solved
    if "=" in text:
        return _equation(text)
    return _evaluate(text)


def _equation(text: str) -> SkillResult:
    import sympy

    left, _, right = text.partition("=")
    equation = sympy.Eq(sympify(left), sympify(right))
    unknowns = sorted(equation.free_symbols, key=str)
    if not unknowns:
        truth = bool(sympy.simplify(equation.lhs - equation.rhs) == 0)
        answer = f"{text.strip()}{'은 참입니다' if truth else '은 거짓입니다'}."
        return SkillResult(f"{'참' if truth else '거짓'} ({text})", truth, answer=answer)
    solutions = sympy.solve(equation, unknowns[0])
    shown = ", ".join(f"{unknowns[0]} = {sympy.sstr(s)}" for s in solutions) or "해 없음"
    steps = [
        f"방정식: {sympy.sstr(equation.lhs)} = {sympy.sstr(equation.rhs)}",
        f"{unknowns[0]}에 대해 풀면: {shown}",
    ]
    pretty_shown = ", ".join(f"{unknowns[0]} = {exact_and_approx(s)}" for s in solutions)
    answer = f"방정식 {text.strip()}의 해는 {pretty_shown or '없습니다'}입니다."
    if not solutions:
        answer = f"방정식 {text.strip()}의 해는 없습니다."
    return SkillResult(shown, [sympy.sstr(s) for s in solutions], steps, answer=answer)


def _evaluate(text: str) -> SkillResult:
    import sympy

    value = sympify(text)
    simplified = sympy.simplify(value)
    steps = [f"식: {sympy.sstr(value)}", f"정리: {sympy.sstr(simplified)}"]
    if simplified.free_symbols:
        expanded = sympy.expand(simplified)
        steps.append(f"전개: {sympy.sstr(expanded)}")
        answer = f"{text.strip()}{'를 정리하면'} {pretty(expanded)}입니다."
        return SkillResult(sympy.sstr(expanded), sympy.sstr(expanded), steps, answer=answer)
    shown = sympy.sstr(simplified)
    rounded = f"{float(simplified.evalf()):.6g}"
    exact = shown == rounded or simplified.is_Integer  # not «109876463 ≈ 1.09876e+08»
    content = shown if exact else f"{shown} ≈ {rounded}"
    shown_text = re.sub(r"\s*\*\s*", " × ", text.strip()).replace("**", "^")
    answer = f"{shown_text} = {exact_and_approx(simplified)}입니다."
    data = {"exact": shown, "approx": float(simplified.evalf()), "value": float(simplified.evalf())}
    return SkillResult(content, data, steps, answer=answer)


def _distance(line_text: str, point: list[float]) -> SkillResult:
    import sympy

    if len(point) != 2:
        raise SkillArgumentError("math: a point needs two coordinates [x, y]", param="point")
    x, y = sympy.symbols("x y")
    left, _, right = normalise(line_text).partition("=")
    line = sympy.expand(sympify(left) - (sympify(right) if right.strip() else 0))
    a, b = line.coeff(x), line.coeff(y)
    c = line.subs({x: 0, y: 0})
    if line.free_symbols - {x, y} or sympy.expand(a * x + b * y + c - line) != 0 or a == b == 0:
        raise SkillArgumentError(f"math: '{line_text}' is not a line in x and y")
    px, py = (sympy.nsimplify(v) for v in point)
    numerator = sympy.Abs(a * px + b * py + c)
    distance = sympy.radsimp(numerator / sympy.sqrt(a**2 + b**2))
    rounded = f"{float(distance):.6g}"
    steps = [
        f"직선을 ax + by + c = 0 꼴로: a = {a}, b = {b}, c = {c}",
        "점과 직선 사이의 거리 = |a·x₀ + b·y₀ + c| / √(a² + b²)",
        f"= |({a})·({px}) + ({b})·({py}) + ({c})| / √(({a})² + ({b})²)"
        f" = {numerator} / √{a**2 + b**2}",
        f"= {sympy.sstr(distance)} ≈ {rounded}",
    ]
    point_text = f"({approx(px)},{approx(py)})"
    answer = (
        f"점 {point_text}와 직선 {line_text.strip()} 사이의 거리는 "
        f"{exact_and_approx(distance)}입니다."
    )
    content = f"{sympy.sstr(distance)} ≈ {rounded}"
    data = {"exact": sympy.sstr(distance), "approx": float(distance), "value": float(distance)}
    return SkillResult(content, data, steps, answer=answer)
