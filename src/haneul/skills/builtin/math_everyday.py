"""Everyday office arithmetic a person asks in words: the mean of listed numbers («평균
구해줘: 80, 95, 72, 88»), the 부가세 inside a price, a loan's monthly payment (원리금균등상환)
and a duration done several times («2시간 30분 회의를 3번»). Each went to the document
search or was declined before."""

from __future__ import annotations

import re

from haneul.skills import SkillResult
from haneul.skills.builtin.math_format import about, approx, number, result
from haneul.skills.builtin.math_money import MONEY, PCT, SCALED, duration_text, krw, won_of


def mean(text: str) -> SkillResult | None:
    """«평균 구해줘: 80, 95, 72, 88», «80점, 95점, 72점의 평균은?»: three numbers or more."""
    if not re.search(r"평균", text) or re.search(r"시속|속력|평균\s*속", text):
        return None
    values = re.findall(r"-?\d+(?:\.\d+)?", text)
    if len(values) < 3:
        return None
    total = sum(number(v) for v in values)
    value = total / len(values)
    said = ", ".join(values)
    return result(
        f"{said}의 평균은 {about(value * 100)}{approx(value)}입니다.",  # 83.75 is exact
        value,
        [
            f"합: {' + '.join(values)} = {approx(total)}",
            f"평균: {approx(total)} ÷ {len(values)} = {approx(value)}",
        ],
    )


def vat(text: str) -> SkillResult | None:
    """«부가세 포함 55,000원이면 부가세는 얼마야?»: the tax inside a price that holds it (10%
    unless another rate is said), with the 공급가액."""
    price = re.search(MONEY, text)
    if not price or not re.search(r"부가세|부가가치세", text):
        return None
    if not re.search(r"(?:부가세|부가가치세|세액)\s*(?:는|은|만|가|이)?\s*(?:얼마|몇)", text):
        return None
    pct = re.search(PCT, text)
    rate = number(pct[1]) if pct else number("10")
    total = won_of(price)
    if re.search(r"별도|제외|빼고|안\s*포함|미포함", text):  # the price is before the tax
        tax = total * rate / 100
        return result(
            f"공급가액 {krw(total)}의 부가세 {approx(rate)}%는 {krw(tax)}이고, 합계는 "
            f"{krw(total + tax)}입니다.",
            tax,
            [f"{krw(total)} × {approx(rate)}% = {krw(tax)}"],
        )
    supply = total / (1 + rate / 100)
    tax = total - supply
    roughly = about(tax)
    return result(
        f"부가세 {approx(rate)}%가 포함된 {krw(total)}의 부가세는 {roughly}{krw(tax)}이고, "
        f"공급가액은 {roughly}{krw(supply)}입니다.",
        tax,
        [
            f"공급가액 = {krw(total)} ÷ {approx(1 + rate / 100)} = {krw(supply)}",
            f"부가세 = {krw(total)} − {krw(supply)} = {krw(tax)}",
        ],
    )


def repayment(text: str) -> SkillResult | None:
    """«1억을 연 5%로 10년 동안 원리금균등상환하면 한 달에 얼마야?»: the monthly payment of an
    annuity loan, M = P·r / (1 − (1 + r)^−n) with r the monthly rate and n the months."""
    if not re.search(r"원리금\s*균등|균등\s*상환|월\s*상환액|매달\s*갚|매월\s*갚|할부", text):
        return None
    principal = re.search(MONEY, text) or re.search(SCALED, text)
    pct = re.search(r"연\s*(?:이율|이자율|금리|이자)?\s*(?:은|는|이|가)?\s*" + PCT, text)
    term = re.search(r"(\d+)\s*(년|개월|달)", text.replace(pct[0], "") if pct else text)
    if not (principal and pct and term):
        return None
    p = won_of(principal)
    months = int(term[1]) * (12 if term[2] == "년" else 1)
    rate = number(pct[1]) / 100 / 12
    if months < 1:
        return None
    value = p / months if rate == 0 else p * rate / (1 - (1 + rate) ** -months)
    paid = value * months
    return result(
        f"{krw(p)}을 연 {pct[1]}%로 {months}개월 동안 원리금균등상환하면 한 달에 약 "
        f"{krw(value)}씩 갚습니다. 이자는 모두 약 {krw(paid - p)}입니다.",
        value,
        [
            f"월 이율 r = {pct[1]}% ÷ 12, 기간 n = {months}개월",
            f"월 상환액 = 원금 × r ÷ (1 − (1 + r)^−n) = {krw(value)}",
            f"총 상환액 = {krw(value)} × {months} = {krw(paid)}",
        ],
    )


def repeated(text: str) -> SkillResult | None:
    """«2시간 30분 회의를 3번 하면 총 몇 시간이야?»: one duration done so many times."""
    times = re.search(r"(\d+)\s*(?:번|회|차례)", text)
    spans = [m for m in re.finditer(r"(?:(\d+)\s*시간)\s*(?:(\d+)\s*분)?|(\d+)\s*분", text)]
    if not (times and len(spans) == 1 and re.search(r"총|모두|전부|합|몇\s*(?:시간|분)", text)):
        return None
    span = spans[0]
    minutes = int(span[1] or 0) * 60 + int(span[2] or span[3] or 0)
    n = int(times[1])
    if minutes == 0 or n < 1:
        return None
    import sympy

    total = minutes * n
    hours = sympy.Rational(total, 60)
    what = re.sub(r"\s+", " ", span.group(0).strip())
    return result(
        f"{what}을 {n}번 하면 모두 {duration_text(hours)}입니다.",
        hours,
        [f"{minutes}분 × {n} = {total}분"],
    )


SOLVERS = (mean, vat, repayment, repeated)
