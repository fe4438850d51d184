"""Varied Korean questions for the built-in skills, drawn from templates with a seeded
random generator (v2 recipe). Every question names its year, so a question asks the same
thing on any day and the recipe writes the same bytes; a question the skill's own parser
cannot read is dropped later (skill_turns.py), never answered by guess.

Each generator returns `count` questions (repeats allowed; the caller drops duplicates).
"""

from __future__ import annotations

import random
from collections.abc import Callable

Gen = Callable[[random.Random], str]

_PLEASE = ["", " 계산해 줘", " 알려 주세요", " 구해 줘", "?", " 얼마야?", " 값은?"]


def _n(rng: random.Random, lo: int, hi: int) -> int:
    return rng.randint(lo, hi)


def _arith(rng: random.Random) -> str:
    a, b, c = _n(rng, 2, 999), _n(rng, 2, 99), _n(rng, 2, 30)
    forms = [
        f"{a} 곱하기 {b}는 얼마야?",
        f"{a} 더하기 {b}는?",
        f"{a} 빼기 {b}",
        f"{a}*{b}{rng.choice(_PLEASE)}",
        f"{a}+{b}*{c}{rng.choice(_PLEASE)}",
        f"({a}-{b})/{c}{rng.choice(_PLEASE)}",
        f"{b}의 제곱은?",
        f"{c}^3{rng.choice(_PLEASE)}",
        f"sqrt({a}){rng.choice(_PLEASE)}",
        f"{a} 나누기 {c}는 얼마예요?",
    ]
    return rng.choice(forms)


def _poly(b: int, c: int) -> str:
    """x^2 + bx + c written as people write it (x^2-x-12, x^2+4)."""
    linear = "" if b == 0 else f"{'+' if b > 0 else '-'}{'' if abs(b) == 1 else abs(b)}x"
    return f"x^2{linear}" + ("" if c == 0 else f"{c:+d}")


def _equation(rng: random.Random) -> str:
    a, x, b = _n(rng, 2, 9), _n(rng, -9, 12), _n(rng, 1, 30)
    r1, r2 = _n(rng, -6, 6), _n(rng, -6, 6)
    quad = _poly(-(r1 + r2), r1 * r2)
    forms = [
        f"{a}x+{b}={a * x + b}을 풀어 줘",
        f"방정식 {a}x-{b}={a * x - b}의 해는?",
        f"{quad}=0 풀어줘",
        f"{quad} 인수분해",
        f"{quad}를 인수분해해 주세요",
        f"(x+{a})(x-{b}) 전개해 줘",
        f"x+y={x + r1}, x-y={x - r1} 연립방정식의 해는?",
        f"{a}x > {b} 부등식 풀어 줘",
    ]
    return rng.choice(forms)


def _geometry(rng: random.Random) -> str:
    a, b, h = _n(rng, 2, 20), _n(rng, 2, 20), _n(rng, 2, 15)
    unit = rng.choice(["", "cm", "m"])
    forms = [
        f"반지름이 {a}{unit}인 원의 넓이는?",
        f"지름이 {2 * a}{unit}인 원의 둘레를 구해 줘",
        f"밑변이 {a}{unit}, 높이가 {h}{unit}인 삼각형의 넓이",
        f"가로 {a}{unit} 세로 {b}{unit}인 직사각형의 넓이는?",
        f"가로가 {a}{unit}이고 세로가 {b}{unit}인 직사각형의 둘레는?",
        f"한 변의 길이가 {a}{unit}인 정사각형의 넓이는?",
        f"윗변 {a}, 아랫변 {b}, 높이 {h}인 사다리꼴의 넓이",
        f"반지름이 {a}인 구의 부피",
        f"반지름 {a}, 높이 {h}인 원기둥의 부피는?",
        f"한 모서리가 {a}{unit}인 정육면체의 부피는?",
        f"한 모서리가 {a}{unit}인 정육면체의 겉넓이",
        f"두 변이 {a}과 {b}인 직각삼각형의 빗변의 길이는?",
    ]
    return rng.choice(forms)


def _calculus(rng: random.Random) -> str:
    a, b, k = _n(rng, 1, 9), _n(rng, 1, 5), _n(rng, 2, 4)
    forms = [
        f"f(x)=x^{k}+{a}x의 x={b}에서의 미분계수",
        f"x^{k}+{a}x를 미분해 줘",
        f"x^{k}을 0부터 {b}까지 적분하면?",
        f"{a}x^2을 적분해 주세요",
        f"x가 0으로 갈 때 sin({a}x)/x의 극한",
        f"x가 무한대로 갈 때 ({a}x+1)/(x-{b})의 극한값은?",
    ]
    return rng.choice(forms)


def _series(rng: random.Random) -> str:
    n, a, d = _n(rng, 5, 200), _n(rng, 1, 9), _n(rng, 2, 5)
    m = _n(rng, 5, 15)
    forms = [
        f"1부터 {n}까지의 합은?",
        f"1부터 {n}까지 짝수의 합",
        f"1부터 {n}까지 홀수의 합은 얼마야?",
        f"1부터 {m}까지 제곱의 합은?",
        f"첫째항이 {a}이고 공차가 {d}인 등차수열의 {m}항까지의 합",
        f"첫째항이 {a}, 공비가 {d}인 등비수열의 첫 {m // 2 + 2}항의 합",
        f"첫째항이 {a}이고 공차가 {d}인 등차수열의 제{m}항은?",
        f"{_n(rng, 6, 60)}와 {_n(rng, 6, 60)}의 최대공약수는?",
        f"{_n(rng, 4, 30)}과 {_n(rng, 4, 30)}의 최소공배수는?",
    ]
    return rng.choice(forms)


def _counting(rng: random.Random) -> str:
    n, r = _n(rng, 4, 12), _n(rng, 2, 3)
    forms = [
        f"{n}명 중에서 {r}명을 뽑는 경우의 수는?",
        f"{n}명 중에서 회장과 부회장을 뽑는 경우의 수",
        f"{n}C{r} 계산해 줘",
        f"{n}P{r}는 얼마야?",
        f"{min(n, 7)}명을 한 줄로 세우는 경우의 수",
        f"주사위 두 개를 던져 합이 {_n(rng, 2, 12)}이 될 확률은?",
        f"동전 {r + 1}개를 던져 모두 앞면이 나올 확률",
        f"동전 {n // 2 + 2}개를 던져 앞면이 {r}개 나올 확률은 얼마야?",
    ]
    return rng.choice(forms)


def _money(rng: random.Random) -> str:
    price = _n(rng, 1, 200) * 1000
    pct = rng.choice([5, 10, 15, 20, 25, 30, 40, 50])
    years = _n(rng, 2, 10)
    base = _n(rng, 1, 50) * 100
    forms = [
        f"{price}원에서 {pct}% 할인하면 얼마야?",
        f"{price:,}원짜리 물건을 {pct}% 할인하면?",
        f"{_n(rng, 1, 10) * 100}만원을 연 {pct // 5}% 복리로 {years}년 맡기면?",
        f"{_n(rng, 1, 10) * 100}만원을 연이율 {pct // 5}% 단리로 {years}년 맡기면 원리금은?",
        f"{base}의 {pct}%는?",
        f"{pct * 2}은 {base}의 몇 퍼센트야?",
        f"시속 {_n(rng, 4, 12) * 10}km로 {_n(rng, 1, 4)}시간 가면 몇 km야?",
        f"{_n(rng, 6, 30) * 10}km를 시속 {_n(rng, 4, 10) * 10}km로 가면 몇 시간 걸려?",
    ]
    return rng.choice(forms)


MATH: list[Gen] = [_arith, _equation, _geometry, _calculus, _series, _counting, _money]

_CONVERSIONS = [
    ("평", ["제곱미터", "m2"], (5, 60)),
    ("제곱미터", ["평"], (20, 200)),
    ("마일", ["킬로미터", "km"], (1, 300)),
    ("킬로미터", ["마일"], (1, 500)),
    ("피트", ["센티미터", "미터", "cm"], (1, 40)),
    ("인치", ["센티미터", "cm"], (10, 90)),
    ("야드", ["미터"], (10, 500)),
    ("파운드", ["킬로그램", "kg", "그램"], (1, 300)),
    ("온스", ["그램"], (1, 40)),
    ("킬로그램", ["파운드"], (1, 120)),
    ("근", ["그램", "킬로그램", "kg"], (1, 10)),
    ("돈", ["그램"], (1, 30)),
    ("리", ["킬로미터", "미터"], (1, 100)),
    ("갤런", ["리터"], (1, 50)),
    ("리터", ["갤런", "밀리리터"], (1, 20)),
    ("헥타르", ["제곱미터", "평", "에이커"], (1, 30)),
    ("에이커", ["헥타르", "평"], (1, 50)),
    ("시간", ["분", "초"], (1, 48)),
    ("분", ["초", "시간"], (30, 600)),
    ("톤", ["킬로그램", "파운드"], (1, 20)),
]
_UNIT_ASKS = [
    "{v}{u}{p} 몇 {t}야?",
    "{v}{u}{p} 몇 {t}인가요?",
    "{v}{u}{o} {t}로 바꿔 줘",
    "{v}{u}{i} 몇 {t}예요?",
    "{v} {u}{p} 몇 {t}?",
]


def _has_final(word: str) -> bool:
    """Whether the last syllable of a Korean word has a final consonant (받침)."""
    code = ord(word[-1]) - 0xAC00
    return 0 <= code < 11172 and code % 28 != 0


def units(rng: random.Random) -> str:
    if rng.random() < 0.15:
        source, target = rng.choice([("섭씨", "화씨"), ("화씨", "섭씨")])
        degrees = _n(rng, -20, 40) if source == "섭씨" else _n(rng, 0, 110)
        ask = rng.choice(["{s} {v}도는 {t}로 몇 도야?", "{s} {v}도를 {t}로 바꾸면?"])
        return ask.format(s=source, v=degrees, t=target)
    unit, targets, (lo, hi) = rng.choice(_CONVERSIONS)
    value = float(_n(rng, lo, hi))
    if rng.random() < 0.2:
        value += rng.choice([0.5, 0.25])
    final = _has_final(unit)
    ask = rng.choice(_UNIT_ASKS)
    return ask.format(
        v=f"{value:g}",
        u=unit,
        t=rng.choice(targets),
        p="은" if final else "는",
        o="을" if final else "를",
        i="이면" if final else "면",
    )


_HOLIDAYS = ["설날", "추석", "어린이날", "현충일", "광복절", "개천절", "한글날", "크리스마스",
             "부처님오신날", "삼일절", "성탄절", "석가탄신일"]  # fmt: skip
_HOLIDAY_ASKS = [
    "{y}년 {h}은 언제야?",
    "{y}년 {h} 연휴는 며칠부터야?",
    "{y}년 {h}이 무슨 요일이에요?",
    "{y}년 {h} 날짜 알려 줘",
]
_DATE_ASKS = [
    "{y}년 {m}월 {d}일은 무슨 요일이야?",
    "{y}년 {m}월 {d}일이 공휴일이야?",
    "{y}년 {m}월 {d}일 음력으로 며칠이야?",
    "{y}.{m}.{d}은 무슨 요일인가요?",
    "{y}년 {m}월 {d}일 요일 알려 주세요",
]


def calendar(rng: random.Random) -> str:
    y = _n(rng, 2024, 2030)
    kind = rng.random()
    if kind < 0.35:
        return rng.choice(_HOLIDAY_ASKS).format(y=y, h=rng.choice(_HOLIDAYS))
    if kind < 0.5:
        m = _n(rng, 1, 12)
        return rng.choice(
            [f"{y}년 {m}월에 공휴일 있어?", f"{y}년 {m}월 쉬는 날 알려 줘", f"{y}년 공휴일 알려줘"]
        )
    if kind < 0.6:
        return f"음력 {y}년 {_n(rng, 1, 12)}월 {_n(rng, 1, 28)}일은 양력으로 며칠이야?"
    m, d = _n(rng, 1, 12), _n(rng, 1, 28)
    return rng.choice(_DATE_ASKS).format(y=y, m=m, d=d)


TABLE_ASKS = [
    "{name} 핵심 내용을 표로 정리해 줘",
    "{name}를 표로 만들어 주세요",
    "방금 올린 {name} 요점을 표로 보여 줘",
]
