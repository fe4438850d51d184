"""Facts a plain chat answer states that code can check, checked and corrected by code.

A small model writes numbers it cannot know. Most cannot be checked without a source, but
three kinds can, by construction:

- arithmetic it writes out: «12 × 12 = 154», «3 더하기 5는 9» -> the result recomputed
  exactly (fractions, no floats) and replaced when wrong;
- the answer to a question that is only arithmetic («123 곱하기 45는?»): a number the
  answer states that is neither an operand nor the computed value is replaced by it;
- dates: the weekday written after a date («2026년 12월 25일 목요일») and what the answer
  says today is («오늘은 2024년 5월 3일») -> the calendar's weekday and Korea's date.

A wrong number, once corrected, is corrected wherever the answer repeats it. Each
correction is kept (`Fix`) so the answer can say what was changed.
"""

from __future__ import annotations

import ast
import datetime as dt
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

WEEKDAYS = "월화수목금토일"
_NUM = r"\d+(?:,\d{3})*(?:\.\d+)?"
_OPS = {
    "+": "+",
    "더하기": "+",
    "플러스": "+",
    "-": "-",
    "−": "-",
    "빼기": "-",
    "마이너스": "-",
    "×": "*",
    "*": "*",
    "x": "*",
    "X": "*",
    "곱하기": "*",
    "÷": "/",
    "/": "/",
    "나누기": "/",
}
_OP = "|".join(re.escape(o) for o in sorted(_OPS, key=len, reverse=True))
_EXPRESSION = rf"(?<![\d.,\-/])({_NUM}(?:\s*(?:{_OP})\s*{_NUM})+)"
# «12 × 12 = 154», «3 더하기 5는 8», «12 곱하기 12은 144입니다»
_CLAIM = re.compile(_EXPRESSION + rf"\s*(?:=|는|은|이면|면)\s*({_NUM})(?![\d.]|\s*(?:{_OP})\s*\d)")
_ONLY_ARITHMETIC = re.compile(
    _EXPRESSION + r"\s*(?:=|는|은|을|를|이)?\s*(?:얼마|몇|뭐|무엇|계산|답|결과|값)?\S*\s*[?？]?\s*$"
)
# a number stated as an answer: «5535입니다», «5535예요», «답은 5535.»
_STATED = re.compile(
    rf"(?<![\d.,]){_NUM}(?=\s*(?:입니다|이에요|예요|이다|이야|야|요|[이가]\s*(?:됩니다|나옵니다)|[.!]|$))"
)
_BINARY: dict[type[ast.operator], Callable[[Fraction, Fraction], Fraction]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
_DATE = re.compile(
    r"(\d{4})\s*년\s*(\d{1,2})\s*월\s*(\d{1,2})\s*일\s*(?:은|는|이|가)?\s*"
    r"(?:\(([월화수목금토일])\)|([월화수목금토일])요일)"
)
_TODAY = re.compile(
    r"오늘(?:은|이|의\s*날짜는|\s*날짜는)?\s*(?:(\d{4})\s*년\s*)?(\d{1,2})\s*월\s*(\d{1,2})\s*일"
)


@dataclass(frozen=True)
class Fix:
    wrong: str
    right: str
    why: str  # «12 × 12 = 144», «2026년 12월 25일은 금요일», «오늘은 2026년 12월 6일»


def _fraction(number: str) -> Fraction:
    return Fraction(number.replace(",", ""))


def evaluate(expression: str) -> Fraction | None:
    """The exact value of `num op num ...` (Korean words or signs), or None (÷ 0)."""
    tokens = re.findall(rf"{_NUM}|{_OP}", expression)
    python = "".join(_OPS[t] if t in _OPS else f"Fraction('{t.replace(',', '')}')" for t in tokens)
    try:
        return _eval(ast.parse(python, mode="eval").body)
    except (ZeroDivisionError, SyntaxError, ValueError):
        return None


def _eval(node: ast.expr) -> Fraction:
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return _BINARY[type(node.op)](_eval(node.left), _eval(node.right))
    if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
        return Fraction(str(node.args[0].value))
    raise ValueError("not arithmetic")


def _written(value: Fraction, like: str) -> str:
    """`value` written as the model wrote its number: as many decimals, commas if it had."""
    decimals = len(like.split(".")[1]) if "." in like else 0
    if value.denominator == 1 and not decimals:
        number = int(value)
        return f"{number:,}" if "," in like else str(number)
    shown = f"{float(value):,.{max(decimals, 2)}f}" if "," in like else None
    return shown or f"{float(value):.{max(decimals, 2)}f}".rstrip("0").rstrip(".")


def _matches(value: Fraction, claimed: str) -> bool:
    """`claimed` is `value`, exactly or rounded to the decimals it shows."""
    number = _fraction(claimed)
    if number == value:
        return True
    decimals = len(claimed.split(".")[1]) if "." in claimed else 0
    return round(float(value), decimals) == float(number) and bool(
        decimals or value.denominator > 1
    )


def _sign(expression: str) -> str:
    return re.sub(r"\s+", " ", expression.strip())


@dataclass
class Facts:
    """The checker of one answer: built from the question (and today in Korea), fed the
    answer sentence by sentence; `fixes` keeps what it changed."""

    question: str
    today: dt.date
    fixes: list[Fix] = field(default_factory=list)
    expected: Fraction | None = None
    operands: set[Fraction] = field(default_factory=set)
    asked: str = ""  # the question's expression, when the question is only arithmetic

    def __post_init__(self) -> None:
        asked = _ONLY_ARITHMETIC.search(self.question.strip())
        if asked and asked.start() <= 2:  # the question is the expression and nothing else
            self.asked = _sign(asked.group(1))
            self.expected = evaluate(asked.group(1))
            self.operands = {_fraction(n) for n in re.findall(_NUM, asked.group(1))}

    def correct(self, sentence: str) -> str:
        """`sentence` with wrong arithmetic, weekdays and today's date replaced."""
        sentence = self._repeat_fixes(sentence)
        sentence = _CLAIM.sub(self._claim, sentence)
        sentence = _DATE.sub(self._weekday, sentence)
        sentence = _TODAY.sub(self._today, sentence)
        return self._answer(sentence)

    def _record(self, wrong: str, right: str, why: str) -> str:
        if wrong != right and not any(f.wrong == wrong and f.right == right for f in self.fixes):
            self.fixes.append(Fix(wrong, right, why))
        return right

    def _claim(self, m: re.Match[str]) -> str:
        value = evaluate(m.group(1))
        claimed = m.group(2)
        if value is None or _matches(value, claimed):
            return m.group(0)
        right = _written(value, claimed)
        self._record(claimed, right, f"{_sign(m.group(1))} = {right}")
        return m.group(0)[: m.start(2) - m.start(0)] + right

    def _weekday(self, m: re.Match[str]) -> str:
        try:
            day = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return m.group(0)
        said = m.group(4) or m.group(5)
        right = WEEKDAYS[day.weekday()]
        if said == right:
            return m.group(0)
        self._record(said + "요일", right + "요일", f"{_long(day)}은 {right}요일")
        cut = (m.start(4) if m.group(4) else m.start(5)) - m.start(0)
        return m.group(0)[:cut] + right + m.group(0)[cut + 1 :]

    def _today(self, m: re.Match[str]) -> str:
        year, month, day = m.group(1), int(m.group(2)), int(m.group(3))
        t = self.today
        if (month, day) == (t.month, t.day) and (year is None or int(year) == t.year):
            return m.group(0)
        right = f"{t.year}년 {t.month}월 {t.day}일" if year else f"{t.month}월 {t.day}일"
        wrong = m.group(0)[m.start(1 if year else 2) - m.start(0) :]
        self._record(wrong, right, f"오늘은 {_long(t)}")
        return m.group(0)[: len(m.group(0)) - len(wrong)] + right

    def _answer(self, sentence: str) -> str:
        """In the answer to a question that is only arithmetic, a number stated as the
        answer («…5536입니다», «답은 5536») that is neither an operand nor the value is the
        value; numbers inside a written-out calculation were checked by `_claim`."""
        if self.expected is None:
            return sentence
        spans = [m.span() for m in _CLAIM.finditer(sentence)]
        out, last = [], 0
        for m in _STATED.finditer(sentence):
            number = _fraction(m.group(0))
            inside = any(a <= m.start() < b for a, b in spans)
            if inside or number in self.operands or _matches(self.expected, m.group(0)):
                continue
            right = _written(self.expected, m.group(0))
            self._record(m.group(0), right, f"{self.asked} = {right}")
            out += [sentence[last : m.start()], right]
            last = m.end()
        return "".join(out) + sentence[last:]

    def _repeat_fixes(self, sentence: str) -> str:
        """A number corrected earlier in the answer is corrected where it comes again."""
        for fix in self.fixes:
            if re.fullmatch(_NUM, fix.wrong) and len(re.sub(r"\D", "", fix.wrong)) >= 2:
                pattern = rf"(?<![\d.,]){re.escape(fix.wrong)}(?![\d.,]*\d)"
                sentence = re.sub(pattern, fix.right, sentence)
        return sentence

    def note(self) -> str | None:
        """One line for the end of the answer saying what code corrected, or None."""
        if not self.fixes:
            return None
        said = ", ".join(f.why for f in self.fixes[:3])
        return f"(계산·날짜는 코드로 확인해 고쳤습니다: {said})"


def _long(day: dt.date) -> str:
    return f"{day.year}년 {day.month}월 {day.day}일"
