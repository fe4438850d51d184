"""Word problems about functions and equations: 미분 (도함수, 미분계수), 적분 (부정/정적분),
극한, 부등식, 연립방정식, 인수분해; and the formula pieces read out of a Korean sentence."""

from __future__ import annotations

import re
from typing import Any

from haneul.skills import SkillArgumentError, SkillResult
from haneul.skills.builtin.math_format import HANGUL, NUM, exact_and_approx, josa, pretty, result

_FUNCTIONS = {"sqrt", "sin", "cos", "tan", "log", "ln", "exp", "pi", "abs", "oo", "lim"}
_PIECE = re.compile(r"[0-9a-zA-Zπ√+\-*/^().,=<>≤≥!\s²³]+")
_WORDS = (
    ("의 제곱근", "^(1/2)"),
    ("더하기", "+"),
    ("빼기", "-"),
    ("곱하기", "*"),
    ("나누기", "/"),
    ("의 제곱", "^2"),
    ("의 세제곱", "^3"),
)


def korean_operators(text: str) -> str:
    text = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text)  # 1,234,567: one number, not a tuple
    text = re.sub(r"(\d+)\s*의\s*(\d+)\s*제곱", r"\1^\2", text)
    text = re.sub(r"루트\s*(\d+)", r"sqrt(\1)", text)
    for word, symbol in _WORDS:
        text = text.replace(word, symbol)
    return text


def formula_pieces(text: str, need_operator: bool = True) -> list[str]:
    """The formula-looking runs of `text`, longest first; English words other than the
    functions sympy knows break a run."""
    text = korean_operators(text)
    text = re.sub(r"[a-zA-Z]{2,}", lambda m: m[0] if m[0].lower() in _FUNCTIONS else "|", text)
    pieces = [p.strip(" ,.") for p in _PIECE.findall(text)]
    keep = []
    for piece in pieces:
        has_op = re.search(r"[\d\w)!]\s*[-+*/^=<>≤≥!]|sqrt|√|sin|cos|tan|log|ln|exp", piece)
        if piece and (has_op or not need_operator) and re.search(r"[\dxyzπ]", piece):
            keep.append(piece)
    return sorted(keep, key=len, reverse=True)


def sympify(text: str) -> Any:
    from sympy.parsing.sympy_parser import (
        convert_xor,
        implicit_multiplication_application,
        parse_expr,
        standard_transformations,
    )

    if HANGUL.search(text):
        raise SkillArgumentError(
            f"math: '{text}'에 식이 아닌 한글이 남아 읽을 수 없습니다 "
            f"(could not read '{text}' as a formula: it contains Korean words)"
        )
    text = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text)
    said = text
    # «√18», «√2 × √32»: the root of the number or letter after it (not sqrt18, which
    # implicit multiplication reads as s·q·r·t·18)
    text = re.sub(r"√\s*(\d+(?:\.\d+)?|[a-zA-Z])", r"sqrt(\1)", text)
    text = text.replace("²", "^2").replace("³", "^3").replace("√", "sqrt").replace("π", "pi")
    text = text.replace("ln(", "log(")
    import sympy

    transformations = (*standard_transformations, implicit_multiplication_application, convert_xor)
    try:
        value = parse_expr(text, transformations=transformations, local_dict={"e": sympy.E})
    except Exception as e:
        raise SkillArgumentError(
            f"math: '{text}'을(를) 식으로 읽지 못했습니다 (cannot read '{text}' as a formula: {e})"
        ) from None
    # a letter the formula never had is a misreading, never an answer
    typed = set(
        re.findall(r"[a-zA-Z]", re.sub("|".join(sorted(_FUNCTIONS, key=len)[::-1]), "", said))
    )
    invented = sorted(str(x) for x in getattr(value, "free_symbols", ()) if str(x) not in typed)
    if invented:
        raise SkillArgumentError(
            f"math: '{said}'을(를) 식으로 읽지 못했습니다 "
            f"(cannot read '{said}' as a formula: it would need {', '.join(invented)})"
        )
    return value


def _function(text: str, strip: list[str]) -> tuple[Any, str]:
    for pattern in strip:
        text = re.sub(pattern, " ", text)
    text = re.sub(r"(?:f|g|y)\s*\(\s*x\s*\)\s*=|y\s*=", " ", text)
    pieces = formula_pieces(text, need_operator=False)
    pieces = [p for p in pieces if re.search(r"[a-z]", p)]
    if not pieces:
        raise SkillArgumentError("math: 함수식을 찾지 못했습니다 (could not find the function)")
    return sympify(pieces[0]), pieces[0]


def _variable(expr: Any) -> Any:
    import sympy

    names = sorted(expr.free_symbols, key=str)
    x = sympy.Symbol("x")
    return x if x in expr.free_symbols or not names else names[0]


def derivative(text: str) -> SkillResult | None:
    if not re.search(r"미분|도함수|기울기|접선", text) or "적분" in text:
        return None
    import sympy

    at = re.search(r"x\s*=\s*" + NUM + r"\s*(?:에서|일\s*때|인\s*점)", text)
    expr, shown = _function(text, [at[0]] if at else [])
    x = _variable(expr)
    order = 2 if re.search(r"두\s*번|2\s*번|이계|2계", text) else 1
    result_expr = sympy.diff(expr, x, order)
    name = "이계도함수" if order == 2 else "도함수"
    steps = [f"f({x}) = {pretty(expr)}", f"f{'′' * order}({x}) = {pretty(result_expr)}"]
    if at:
        value = sympy.nsimplify(result_expr.subs(x, sympy.nsimplify(at[1])))
        steps.append(f"{x} = {at[1]} 대입: {exact_and_approx(value)}")
        answer = f"{shown}의 {x} = {at[1]}에서의 미분계수는 {exact_and_approx(value)}입니다."
        return result(answer, value, steps)
    answer = f"{shown}의 {name}는 {pretty(result_expr)}입니다."
    return result(answer, result_expr, steps, content=pretty(result_expr))


def integral(text: str) -> SkillResult | None:
    if "적분" not in text and "∫" not in text:
        return None
    import sympy

    bounds = re.search(
        r"(?:x\s*=\s*)?" + NUM + r"\s*(?:부터|에서)\s*(?:x\s*=\s*)?" + NUM + r"\s*까지", text
    )
    bounds = bounds or re.search(r"\[\s*" + NUM + r"\s*,\s*" + NUM + r"\s*\]", text)
    expr, shown = _function(text, [bounds[0]] if bounds else [])
    x = _variable(expr)
    if bounds:
        a, b = sympy.nsimplify(bounds[1]), sympy.nsimplify(bounds[2])
        value = sympy.nsimplify(sympy.integrate(expr, (x, a, b)))
        antiderivative = sympy.integrate(expr, x)
        steps = [
            f"부정적분: {pretty(antiderivative)}",
            f"[{pretty(antiderivative)}]_{a}^{b} = {exact_and_approx(value)}",
        ]
        shown_value = exact_and_approx(value)
        answer = f"{shown}{josa(shown, '을를')} {a}부터 {b}까지 적분한 값은 {shown_value}입니다."
        return result(answer, value, steps)
    antiderivative = sympy.integrate(expr, x)
    if antiderivative.has(sympy.Integral):
        raise SkillArgumentError(f"math: {shown}의 부정적분을 구하지 못했습니다 (no closed form)")
    shown_result = f"{pretty(antiderivative)} + C"
    answer = f"{shown}의 부정적분은 {shown_result}입니다."
    return result(
        answer, antiderivative, [f"∫ {pretty(expr)} d{x} = {shown_result}"], content=shown_result
    )


def limit(text: str) -> SkillResult | None:
    if not re.search(r"극한|lim|수렴", text):
        return None
    import sympy

    approach = re.search(
        r"x\s*(?:가|이|→|->)\s*(무한대|∞|oo|" + NUM + r")\s*(?:으로|로)?\s*(?:갈|다가|접근|수렴)?",
        text,
    )
    if not approach:
        raise SkillArgumentError("math: x가 어디로 가는지 찾지 못했습니다 (could not find x → a)")
    point = sympy.oo if approach[1] in ("무한대", "∞", "oo") else sympy.nsimplify(approach[2])
    expr, shown = _function(text, [re.escape(approach[0]), r"lim"])
    x = _variable(expr)
    value = sympy.limit(expr, x, point)
    where = "∞" if point == sympy.oo else str(point)
    answer = f"x → {where}일 때 {shown}의 극한값은 {exact_and_approx(value)}입니다."
    return result(answer, value, [f"lim_(x→{where}) {pretty(expr)} = {pretty(value)}"])


def _interval_text(solution: Any, x: Any) -> str:
    import sympy

    if solution == sympy.S.EmptySet:
        return "해 없음"
    if solution == sympy.S.Reals:
        return "모든 실수"
    if isinstance(solution, sympy.Union):
        return " 또는 ".join(_interval_text(part, x) for part in solution.args)
    if isinstance(solution, sympy.Interval):
        lo, hi = solution.start, solution.end
        left = "" if lo == -sympy.oo else f"{pretty(lo)} {'<' if solution.left_open else '≤'} "
        right = "" if hi == sympy.oo else f" {'<' if solution.right_open else '≤'} {pretty(hi)}"
        if not left:
            return f"{x}{right}"
        if not right:
            return f"{x} {'>' if solution.left_open else '≥'} {pretty(lo)}"
        return f"{left}{x}{right}"
    return pretty(solution)


def inequality(text: str) -> SkillResult | None:
    pieces = [
        p
        for p in formula_pieces(text.replace("<=", "≤").replace(">=", "≥"))
        if re.search("[<>≤≥]", p)
    ]
    if not pieces:
        return None
    import sympy

    piece = pieces[0]
    found = re.match(r"(.+?)(≤|≥|<|>)(.+)", piece)
    if not found:
        return None
    left, op, right = sympify(found[1]), found[2], sympify(found[3])
    relation = {"<": sympy.Lt, ">": sympy.Gt, "≤": sympy.Le, "≥": sympy.Ge}[op](left, right)
    x = _variable(left - right)
    solution = sympy.solve_univariate_inequality(relation, x, relational=False)
    shown = _interval_text(solution, x)
    answer = f"부등식 {piece.strip()}의 해는 {shown}입니다."
    steps = [f"{pretty(left)} {op} {pretty(right)}", f"해: {shown}"]
    return result(answer, solution, steps, content=shown)


def system(text: str) -> SkillResult | None:
    equations = [p for p in re.split(r",|와|과|그리고|;", korean_operators(text)) if "=" in p]
    equations = [formula_pieces(e)[0] for e in equations if formula_pieces(e)]
    if len(equations) < 2:
        return None
    import sympy

    parsed = [sympy.Eq(sympify(e.split("=")[0]), sympify(e.split("=")[1])) for e in equations]
    unknowns = sorted(set().union(*(e.free_symbols for e in parsed)), key=str)
    solutions = sympy.solve(parsed, unknowns, dict=True)
    if not solutions:
        return result(
            f"연립방정식 {', '.join(equations)}의 해는 없습니다.", 0, ["해 없음"], content="해 없음"
        )
    shown = ", ".join(f"{k} = {pretty(v)}" for k, v in solutions[0].items())
    answer = f"연립방정식 {', '.join(equations)}의 해는 {shown}입니다."
    first = solutions[0].get(unknowns[0], 0)
    return result(answer, first, [*equations, shown], content=shown)


def factor(text: str) -> SkillResult | None:
    if not re.search(r"인수\s*분해", text) or re.search(r"소인수", text):
        return None
    import sympy

    expr, shown = _function(text, [])
    factored = sympy.factor(expr)
    answer = f"{shown}{josa(shown, '을를')} 인수분해하면 {pretty(factored)}입니다."
    steps = [f"{pretty(expr)} = {pretty(factored)}"]
    return result(answer, factored, steps, content=pretty(factored))


SOLVERS = (limit, integral, derivative, factor, system, inequality)
