"""Personal data in Korean text: 주민등록번호 and 외국인등록번호 (date and check digit), phone
numbers, card numbers (Luhn), bank accounts, e-mail, passports and street addresses.

Numbers are validated, not just matched: a 13-digit number whose check digit fails is not a
주민등록번호, and a 16-digit number that fails Luhn is not a card. Account and passport
numbers have no checksum, so they count only next to a word that says what they are.
Written by hand: no maintained library knows Korean identifiers (the generic PII tools
match shapes only).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from haneul.safety.protocol import Finding, Verdict

_D = r"(?<![\d-])"  # not inside a longer number
_E = r"(?![\d-])"


@dataclass(frozen=True)
class _Kind:
    category: str
    label: str  # the tag that replaces the data when masked
    pattern: re.Pattern[str]
    valid: Callable[[str, str, int], bool]  # (match, whole text, match start) -> keep?


def _digits(s: str) -> str:
    return re.sub(r"\D", "", s)


def rrn_valid(number: str) -> bool:
    """주민등록번호 / 외국인등록번호: a real date and the check digit."""
    d = [int(c) for c in _digits(number)]
    if len(d) != 13:
        return False
    month, day, gender = d[2] * 10 + d[3], d[4] * 10 + d[5], d[6]
    if not (1 <= month <= 12 and 1 <= day <= 31) or gender not in range(1, 9):
        return False
    total = sum(x * w for x, w in zip(d[:12], [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5], strict=True))
    if gender >= 5:  # foreigners' registration numbers use another constant
        return (13 - total % 11) % 10 == d[12]
    return (11 - total % 11) % 10 == d[12]


def luhn_valid(number: str) -> bool:
    digits = [int(c) for c in reversed(_digits(number))]
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for i, d in enumerate(digits):
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _near(words: tuple[str, ...], window: int = 20) -> Callable[[str, str, int], bool]:
    def valid(match: str, text: str, start: int) -> bool:
        before = text[max(0, start - window) : start].lower()
        return any(w in before for w in words)

    return valid


_ACCOUNT_WORDS = (
    "계좌",
    "통장",
    "입금",
    "송금",
    "이체",
    "은행",
    "뱅크",
    "account",
    "농협",
    "국민",
    "신한",
    "우리",
    "하나",
    "기업",
    "카카오",
    "토스",
    "새마을",
    "우체국",
)

KINDS: list[_Kind] = [
    _Kind(
        "pii.rrn",
        "주민등록번호",
        re.compile(_D + r"\d{6}\s?-?\s?[1-8]\d{6}" + _E),
        lambda m, t, s: rrn_valid(m),
    ),
    _Kind(
        "pii.card",
        "카드번호",
        re.compile(_D + r"(?:\d{4}[ -]?){3}\d{1,4}(?:[ -]?\d{3})?" + _E),
        lambda m, t, s: luhn_valid(m),
    ),
    _Kind(
        "pii.phone",
        "전화번호",
        re.compile(
            r"(?<![\d-])(?:\+82[ -]?|\(?0)(?:1[016789]|2|[3-6][1-5]|70)[ )-]?\d{3,4}[ -]?\d{4}" + _E
        ),
        lambda m, t, s: True,
    ),
    _Kind(
        "pii.email",
        "이메일",
        re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"),
        lambda m, t, s: True,
    ),
    _Kind(
        "pii.account",
        "계좌번호",
        re.compile(_D + r"\d{2,6}-\d{2,6}-\d{2,7}(?:-\d{1,3})?" + _E),
        lambda m, t, s: 10 <= len(_digits(m)) <= 14 and _near(_ACCOUNT_WORDS)(m, t, s),
    ),
    _Kind(
        "pii.passport",
        "여권번호",
        re.compile(r"(?<![A-Za-z0-9])[MSRODG](?:\d{8}|\d{3}[A-Z]\d{4})(?![A-Za-z0-9])"),
        _near(("여권", "passport")),
    ),
    _Kind(
        "pii.address",
        "주소",
        re.compile(
            r"(?:[가-힣]+(?:특별시|광역시|특별자치시|특별자치도|도|시)\s)?"
            r"(?:[가-힣]+(?:시|군|구)\s){1,2}"
            r"(?:[가-힣0-9]+(?:로|길)\s?\d+(?:-\d+)?(?:번길\s?\d+)?|[가-힣0-9]+(?:동|읍|면|리)\s?\d+(?:-\d+)?(?:번지)?)"
            r"(?:\s?\d+동)?(?:\s?\d+호)?"
        ),
        lambda m, t, s: True,
    ),
]


def find_pii(text: str) -> list[Finding]:
    """Every piece of personal data in `text`, validated, without overlaps."""
    found: list[Finding] = []
    taken: list[tuple[int, int]] = []
    for kind in KINDS:  # earlier kinds win an overlap: an RRN is not also a phone number
        for m in kind.pattern.finditer(text):
            start, end = m.span()
            if any(start < e and s < end for s, e in taken):
                continue
            if kind.valid(m.group(), text, start):
                found.append(Finding(kind.category, 1.0, start, end, kind.label))
                taken.append((start, end))
    return sorted(found, key=lambda f: f.start)


def mask(text: str, findings: list[Finding] | None = None) -> str:
    """`text` with each piece of personal data replaced by its tag, e.g. `[주민등록번호]`."""
    findings = find_pii(text) if findings is None else findings
    out, last = [], 0
    for f in sorted((f for f in findings if f.start >= 0), key=lambda f: f.start):
        out += [text[last : f.start], f"[{f.label}]"]
        last = f.end
    out.append(text[last:])
    return "".join(out)


class PIICheck:
    name = "pii"

    async def check(self, text: str, context: str | None = None) -> Verdict:
        return Verdict(find_pii(text))
