"""Reading numbers out of Korean text and writing sympy results the way a Korean answer
shows them (9π ≈ 28.27, √5/5 ≈ 0.447, 40,000원), shared by the math skill's modules."""

from __future__ import annotations

import re
from typing import Any

from haneul.skills import SkillResult
from haneul.skills.builtin.korean_numbers import amounts_in_digits, digits_before

NUM = r"(-?\d+(?:,\d{3})*(?:\.\d+)?)"
HANGUL = re.compile(r"[가-힣]")
_COUNTERS = "개|번|명|장|권|회|면|가지|자리|사람|마리"
_NATIVE_BEFORE = digits_before(_COUNTERS)
NORMALISE = str.maketrans(
    {"−": "-", "–": "-", "×": "*", "÷": "/", "·": "*", "＝": "=", "≤": "≤", "，": ","}
)


def normalise(text: str) -> str:
    """Unicode operators to ASCII, native Korean counts to digits (세 개 → 3개) and amounts
    said in several units to one number (3만 5천원 → 35000원)."""
    text = text.translate(NORMALISE)
    return amounts_in_digits(_NATIVE_BEFORE(text))


def about(value: Any) -> str:
    """«약 » before a money amount or count shown rounded to a whole number, else nothing."""
    return "" if float(value) == round(float(value)) else "약 "


def number(text: str) -> Any:
    """'1,000' or '2.5' as an exact sympy number (2.5 → 5/2)."""
    import sympy

    return sympy.nsimplify(text.replace(",", ""), rational=True)


def pretty(value: Any) -> str:
    """A sympy value as people write it: 9π, √5/5, 2√2, x^2 + 2x + 1."""
    import sympy

    text = sympy.sstr(value)
    text = re.sub(r"sqrt\((\d+)\)", r"√\1", text)
    text = text.replace("**", "^").replace("*pi", "π").replace("pi", "π").replace("*√", "√")
    text = re.sub(r"(\d)\*([a-zA-Z(])", r"\1\2", text).replace(")*(", ")(")
    return text.replace("*", "·").replace("oo", "∞")


def approx(value: Any, money: bool = False) -> str:
    """A rounded decimal: integers whole, ≥ 1 to two places, below 1 to three figures."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return pretty(value)
    if money:
        return f"{round(x):,}"
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    if abs(x) >= 1:
        return f"{x:.2f}".rstrip("0").rstrip(".")
    return f"{x:.3g}"


def exact_and_approx(value: Any) -> str:
    """'36', '1/6 ≈ 0.167' or '9π ≈ 28.27': the exact form and, where it differs, ≈."""
    import sympy

    value = sympy.nsimplify(value) if isinstance(value, float) else value
    shown, rounded = pretty(value), approx(value)
    if isinstance(value, sympy.Float):
        return rounded
    return shown if shown == rounded else f"{shown} ≈ {rounded}"


def result(answer: str, value: Any, steps: list[str], content: str | None = None) -> SkillResult:
    """A word problem's result: the sentence, steps, and data with the exact and decimal
    value (`value` is what the benchmarks compare)."""
    import sympy

    data: dict[str, Any] = {"exact": sympy.sstr(value)}
    try:
        data["value"] = data["approx"] = float(value)
    except (TypeError, ValueError):
        data["value"] = sympy.sstr(value)
    return SkillResult(content or answer, data, steps, answer=answer)


def josa(word: str, pair: str) -> str:
    """The particle of `pair` ('은는', '이가', '을를', '과와', '으로') that fits `word`."""
    last = word.rstrip()[-1:] if word.strip() else ""
    code = ord(last) - 0xAC00 if last and "가" <= last <= "힣" else -1
    # digits and letters are read aloud: 3 → 삼 has a final consonant, 2 → 이 has none
    final = bool(last) and last in "013678lmnLMNr" if code < 0 else code % 28 != 0
    if pair == "으로":
        return "으로" if final and not (code >= 0 and code % 28 == 8) else "로"
    return pair[0] if final else pair[1]
