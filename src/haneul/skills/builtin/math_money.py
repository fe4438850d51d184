"""Word problems about percentages, money and motion: 할인, 몇 퍼센트, 증가율, 단리/복리,
and speed × time with mixed units (시속 60km로 2시간 30분)."""

from __future__ import annotations

import re
from typing import Any

from haneul.skills import SkillArgumentError, SkillResult
from haneul.skills.builtin.math_format import NUM, about, approx, josa, number, result

PCT = NUM + r"\s*(?:%|퍼센트|프로)"
_SCALE = {
    "천": 1000,
    "만": 10_000,
    "십만": 100_000,
    "백만": 1_000_000,
    "천만": 10_000_000,
    "억": 10**8,
}
MONEY = NUM + r"\s*(십만|백만|천만|천|만|억)?\s*원"
# «1억을 연 3.5% 복리로…»: a sum of money said without 원, by its scale word
SCALED = NUM + r"\s*(십만|백만|천만|만|억)(?![원년명개건])"


def won_of(found: re.Match[str], at: int = 1) -> Any:
    """The sum a `MONEY` or `SCALED` match says, in 원 («3만 원» → 30000)."""
    return number(found[at]) * _SCALE.get(found[at + 1] or "", 1)


def krw(value: Any) -> str:
    """A sum as an answer writes it («12,500원»)."""
    return f"{approx(value, money=True)}원"


# the price before the change, asked after the price after it («15% 할인해서 42,500원이면
# 원래 가격은?», «부가세 10% 포함 11,000원이면 공급가는?»)
_BEFORE = re.compile(
    r"원래|원가|정가|처음\s*가격|공급가|(?:할인|인상|세일|부가세)\s*(?:하기\s*)?(?:전|前)|"
    r"(?:오르|올리|깎)기\s*전|부가세\s*(?:빼|뺀|제외)"
)


def discount(text: str) -> SkillResult | None:
    price, pct = re.search(MONEY, text), re.search(PCT, text)
    taken = re.search(r"떼|빼|뺀|공제|차감|제외", text) and not re.search(r"부가세", text)
    if not (
        price
        and pct
        and (taken or re.search(r"할인|세일|깎|인상|올리|오르|부가세|추가|팁|봉사료", text))
    ):
        return None
    p, rate = won_of(price), number(pct[1])
    up = bool(re.search(r"인상|올리|오르|부가세|추가|포함|팁|봉사료", text)) and not re.search(
        r"할인|세일|깎", text
    )
    untaxed = re.search(r"부가세\s*(?:" + PCT + r")?\s*(?:를|을)?\s*(?:빼|뺀|제외)", text)
    if _BEFORE.search(text, price.end()) or untaxed:
        return _before(p, pct[1], rate, up, "부가세" in text)
    value = p * (1 + rate / 100) if up else p * (1 - rate / 100)
    change = abs(value - p)
    verb = (
        "더하면"
        if up and re.search(r"팁|봉사료", text)
        else "올리면"
        if up
        else "빼면"
        if taken and not re.search(r"할인|세일|깎", text)
        else "할인하면"
    )
    answer = f"{krw(p)}에서 {pct[1]}% {verb} {krw(value)}입니다."
    steps = [
        f"{krw(p)} × {pct[1]}% = {krw(change)}",
        f"{krw(p)} {'+' if up else '−'} {krw(change)} = {krw(value)}",
    ]
    return result(answer, value, steps)


def _before(after: Any, said: str, rate: Any, up: bool, tax: bool) -> SkillResult:
    """The price before a change of `rate` percent that ended at `after` (`tax`: the change
    is value-added tax, and the price before it the supply price)."""
    factor = 1 + rate / 100 if up else 1 - rate / 100
    if factor <= 0:
        raise SkillArgumentError("math: 할인율이 100% 이상이면 원래 가격을 구할 수 없습니다.")
    value = after / factor
    what = f"{said}% {'오른' if up else '할인된'} 가격이 {krw(after)}"
    sign, name = ("+" if up else "−"), "원래 가격"
    if tax:
        what, name = f"부가세 {said}%를 더한 가격이 {krw(after)}", "공급가액"
    return result(
        f"{what}이면 {name}{josa(name, '은는')} {krw(value)}입니다.",
        value,
        [
            f"원래 가격 × (1 {sign} {said}%) = {krw(after)}",
            f"{krw(after)} ÷ {approx(factor)} = {krw(value)}",
        ],
    )


def interest(text: str) -> SkillResult | None:
    kind = "복리" if "복리" in text else "단리" if "단리" in text else None
    principal, pct = re.search(MONEY, text) or re.search(SCALED, text), re.search(PCT, text)
    years = re.search(NUM + r"\s*년", text.replace(pct[0], "") if pct else text)
    if not (kind and principal and pct and years):
        return None
    p, rate, n = won_of(principal), number(pct[1]) / 100, number(years[1])
    total = p * (1 + rate) ** n if kind == "복리" else p * (1 + rate * n)
    gained = total - p
    rule = "원금 × (1 + r)^n" if kind == "복리" else "원금 × (1 + r × n)"
    asks_interest = re.search(r"이자(?:는|가|만)|이자\s*(?:얼마|총)", text)
    answer = (
        f"{krw(p)}을 연 {pct[1]}% {kind}로 {years[1]}년 두면 "
        f"원리금은 {krw(total)}(이자 {krw(gained)})입니다."
    )
    value = gained if asks_interest else total
    return result(
        answer, value, [f"{kind}: {rule}", f"원리금 = {krw(total)}", f"이자 = {krw(gained)}"]
    )


def percent(text: str) -> SkillResult | None:
    money = re.search(MONEY + r"\s*의\s*" + PCT, text)
    if money and not re.search(r"할인|복리|단리|이자|인상", text):  # «10만원의 8%는?»
        whole, rate = won_of(money), number(money[3])
        value = whole * rate / 100
        what = f"{krw(whole)}의 {money[3]}%"
        return result(
            f"{what}{josa(what, '은는')} {krw(value)}입니다.",
            value,
            [f"{krw(whole)} × {money[3]}/100 = {krw(value)}"],
        )
    of = re.search(NUM + r"\s*(?:원|명|개|점|kg|g)?\s*의\s*" + PCT, text)
    english = re.search(NUM + r"\s*(?:%|percent)\s+of\s+" + NUM, text, re.I)
    said = None
    if of and not re.search(r"할인|복리|단리", text):
        said = of[1], of[2]
    elif english and not of:  # «what is 15% of 80?»
        said = english[2], english[1]
    if said is not None:
        whole, rate = said
        value = number(whole) * number(rate) / 100
        what = f"{whole}의 {rate}%"
        return result(
            f"{what}{josa(what, '은는')} {approx(value)}입니다.",
            value,
            [f"{whole} × {rate}/100 = {approx(value)}"],
        )
    share = re.search(
        NUM + r"\D{0,3}?(?:은|는|이|가)\s*" + NUM + r"\D{0,3}?의\s*몇\s*(?:%|퍼센트|프로)", text
    )
    if share:
        part, whole = number(share[1]), number(share[2])
        value = part / whole * 100
        return result(
            f"{share[1]}{josa(share[1], '은는')} {share[2]}의 {approx(value)}%입니다.",
            value,
            [f"{share[1]} ÷ {share[2]} × 100 = {approx(value)}%"],
        )
    change = re.search(
        NUM
        + r"\D{0,3}?(?:에서)\s*"
        + NUM
        + r"\D{0,3}?(?:으로|로)\s*.*(?:증가율|감소율|변화율|몇\s*(?:%|퍼센트|프로))",
        text,
    )
    if change:
        old, new = number(change[1]), number(change[2])
        value = (new - old) / old * 100
        word = "증가" if value >= 0 else "감소"
        moved = f"{change[1]}에서 {change[2]}{josa(change[2], '으로')} 바뀌면"
        return result(
            f"{moved} {approx(abs(value))}% {word}입니다.",
            value,
            [f"({change[2]} − {change[1]}) ÷ {change[1]} × 100 = {approx(value)}%"],
        )
    return None


_DIST = NUM + r"\s*(km|킬로미터|킬로|m|미터)"
_SPEED = r"(?:시속|속력\s*(?:이|은)?|평균\s*시속)\s*" + NUM + r"\s*(?:km|킬로미터|킬로)?"
_DURATION = r"(?:(\d+(?:\.\d+)?)\s*시간)?\s*(?:(\d+)\s*분)?"


def _hours(text: str) -> tuple[Any, str] | None:
    found = re.search(r"(\d+(?:\.\d+)?)\s*시간(?:\s*(\d+)\s*분)?|(\d+)\s*분(?!의)", text)
    if not found:
        return None
    if found[3]:
        return number(found[3]) / 60, found[0].strip()
    minutes = number(found[2]) if found[2] else 0
    return number(found[1]) + minutes / 60, found[0].strip()


def duration_text(hours: Any) -> str:
    """Hours as «2시간 30분»."""
    minutes = round(float(hours) * 60)
    h, m = divmod(minutes, 60)
    return f"{h}시간 {m}분" if h and m else f"{h}시간" if h else f"{m}분"


def motion(text: str) -> SkillResult | None:
    speed = re.search(_SPEED, text)
    rest = text.replace(speed[0], " ") if speed else text
    distance = re.search(_DIST, rest)
    duration = _hours(rest)
    if speed and duration and not re.search(r"몇\s*시간|얼마나\s*걸|걸리", text):
        v, (t, shown) = number(speed[1]), duration
        value = v * t
        answer = f"시속 {speed[1]}km로 {shown} 동안 가면 {approx(value)}km를 갑니다."
        return result(
            answer,
            value,
            [
                f"{shown} = {approx(t)}시간",
                f"거리 = 속력 × 시간 = {speed[1]} × {approx(t)} = {approx(value)}km",
            ],
        )
    if speed and distance:
        d = number(distance[1]) / (1000 if distance[2] in ("m", "미터") else 1)
        t = d / number(speed[1])
        answer = f"{distance[0]}를 시속 {speed[1]}km로 가면 {duration_text(t)}이 걸립니다."
        return result(
            answer, t, [f"시간 = 거리 ÷ 속력 = {approx(d)} ÷ {speed[1]} = {approx(t)}시간"]
        )
    if distance and duration and re.search(r"시속|속력|속도|빠르기", text):
        d, (t, shown) = number(distance[1]), duration
        value = d / t
        answer = f"{distance[0]}를 {shown}에 가면 시속 {approx(value)}km입니다."
        return result(
            answer,
            value,
            [f"속력 = 거리 ÷ 시간 = {distance[1]} ÷ {approx(t)} = {approx(value)}km/h"],
        )
    return durations(text)


def durations(text: str) -> SkillResult | None:
    found = re.findall(r"(\d+)\s*시간\s*(?:(\d+)\s*분)?", text)
    op = re.search(r"더하|합치|빼|차이", text)
    if len(found) != 2 or not op:
        return None
    first, second = (int(h) * 60 + int(m or 0) for h, m in found)
    total = first - second if op[0] in ("빼", "차이") else first + second
    hours = abs(total) / 60
    verb = "빼면" if op[0] == "빼" else "차이는" if op[0] == "차이" else "더하면"
    answer = (
        f"두 시간을 {verb} {duration_text(hours)}입니다."
        if verb != "차이는"
        else f"두 시간의 차이는 {duration_text(hours)}입니다."
    )
    import sympy

    return result(
        answer,
        sympy.Rational(abs(total), 60),
        [f"{first}분 {'−' if verb != '더하면' else '+'} {second}분 = {abs(total)}분"],
    )


def simple_interest(text: str) -> SkillResult | None:
    """«1억 대출 연 4% 이자 한 달에 얼마야?»: a year's interest at the yearly rate, or a
    month's (a twelfth of it), with neither 복리 nor 단리 said (those are `interest`'s)."""
    if not re.search(r"이자|이율|금리", text) or re.search(r"복리|단리", text):
        return None
    principal = re.search(MONEY, text) or re.search(SCALED, text)
    # «3.5%의 이자로 1000만원 1년 예금하면»: a rate said without 연 is a yearly one too
    pct = re.search(r"연\s*(?:이율|이자율|금리|이자)?\s*(?:은|는|이|가)?\s*" + PCT, text)
    pct = pct or re.search(PCT + r"\s*의?\s*(?:이자|이율|금리)", text)
    pct = pct or re.search(r"(?:이자|이율|금리)\s*(?:은|는|이|가)?\s*" + PCT, text)
    years = re.search(NUM + r"\s*년", text.replace(pct[0], "")) if pct else None
    if not (principal and pct) or (years and number(years[1]) != 1):
        return None  # years: the whole term's interest, `interest`'s question (복리 or 단리)
    said = pct[1]
    p, rate = won_of(principal), number(said) / 100
    yearly = p * rate
    monthly = bool(re.search(r"한\s*달|월\s*(?:이자|납입|상환)|매\s*(?:달|월)|달마다|월에", text))
    value = yearly / 12 if monthly else yearly
    verb = "빌리면" if re.search(r"대출|빌리|빌린|빌려", text) else "맡기면"
    when = "한 달" if monthly else "1년"
    steps = [f"1년 이자 = {krw(p)} × {said}% = {krw(yearly)}"]
    if monthly:
        steps.append(f"한 달 이자 = {krw(yearly)} ÷ 12 = {krw(value)}")
    roughly = about(value)
    taxed = ""
    if verb == "맡기면":  # a deposit's interest is paid after 이자소득세 (소득세 14% + 지방세 1.4%)
        after = value * number("0.846")
        taxed = f" 이자소득세 15.4%를 떼면 {about(after)}{krw(after)}입니다."
        steps.append(f"세후 = {krw(value)} × (1 − 15.4%) = {krw(after)}")
    return result(
        f"{krw(p)}을 연 {said}%로 {verb} {when} 이자는 {roughly}{krw(value)}입니다.{taxed}",
        value,
        steps,
    )


_PAY = {"연봉": "연봉", "월급": "월급", "월 급여": "월급", "월급여": "월급", "시급": "시급"}
_PAY_SAID = re.compile(r"(연봉|월\s*급여|월급|시급)\s*(?:이|가|은|는|을|를)?\s*" + MONEY)
MONTH_HOURS = 209  # a month of a 40-hour week with paid weekly rest (최저임금 고시의 월 환산 기준)


def salary(text: str) -> SkillResult | None:
    """«연봉 4800만원이면 월급은 얼마야?», «월급 300만원이면 연봉은?», «시급 10,030원이면
    월급은?»: pay said for one period, asked for another (before tax; a month of hourly pay
    is 209 hours, a 40-hour week with paid weekly rest)."""
    said = _PAY_SAID.search(text)
    if not said:
        return None
    have = _PAY[re.sub(r"\s+", " ", said[1])]
    rest = text[: said.start()] + text[said.end() :]
    asked = re.search(r"연봉|월\s*급여|월급|한\s*달(?:에|\s*급여|\s*월급)?|시급", rest)
    want = "월급" if asked and asked[0].startswith(("월", "한")) else asked[0] if asked else None
    if want is None or want == have:
        return None
    pay = won_of(said, 2)
    per_year = {"연봉": pay, "월급": pay * 12, "시급": pay * MONTH_HOURS * 12}[have]
    value = {"연봉": per_year, "월급": per_year / 12, "시급": per_year / 12 / MONTH_HOURS}[want]
    steps = {
        ("연봉", "월급"): f"{krw(pay)} ÷ 12 = {krw(value)}",
        ("월급", "연봉"): f"{krw(pay)} × 12 = {krw(value)}",
        ("시급", "월급"): f"{krw(pay)} × {MONTH_HOURS}시간 = {krw(value)}",
        ("시급", "연봉"): f"{krw(pay)} × {MONTH_HOURS}시간 × 12 = {krw(value)}",
        ("월급", "시급"): f"{krw(pay)} ÷ {MONTH_HOURS}시간 = {krw(value)}",
        ("연봉", "시급"): f"{krw(pay)} ÷ 12 ÷ {MONTH_HOURS}시간 = {krw(value)}",
    }[(have, want)]
    hours = f" 한 달은 {MONTH_HOURS}시간으로 셈했습니다." if "시급" in (have, want) else ""
    roughly = about(value)
    answer = (
        f"{have} {krw(pay)}이면 {want}은 세전 {roughly}{krw(value)}입니다. "
        f"세금과 4대 보험을 빼기 전 금액입니다.{hours}"
    )
    return result(answer, value, [steps])


_SPLIT = re.compile(
    r"나누|나눠|나눈|더치\s*페이|[n엔N]\s*빵|1\s*/\s*[nN]|각자|한\s*명당|1\s*인당|인당|한\s*사람당"
)


def split(text: str) -> SkillResult | None:
    """«3명이서 밥값 87,000원 나누면 한 명당 얼마야?», «4명이 12만원 더치페이하면?»: a sum of
    money shared by so many people (each one's share, and what a share in whole 원 leaves short)."""
    people, money = re.search(r"(\d+)\s*(?:명|사람)", text), re.search(MONEY, text)
    if not (people and money and _SPLIT.search(text)) or re.search(r"%|퍼센트|프로", text):
        return None
    n, total = int(people[1]), won_of(money, 1)
    if n < 1:
        return None
    value = total / n
    roughly = about(value)
    answer = f"{krw(total)}을 {n}명이 나누면 한 명당 {roughly}{krw(value)}입니다."
    left = int(total) - int(total) // n * n if float(total) == int(total) else 0
    if left:
        answer += f" {krw(int(total) // n)}씩 내면 {left}원이 모자랍니다."
    return result(answer, value, [f"{krw(total)} ÷ {n}명 = {krw(value)}"])


SOLVERS = (interest, simple_interest, discount, percent, motion, salary, split)
