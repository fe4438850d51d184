"""Personal data in Korean text: 주민등록번호 and 외국인등록번호 (date, gender/century digit,
check digit), 사업자등록번호 (check digit), 운전면허번호, phone numbers, card numbers (Luhn),
bank accounts, e-mail, passports and street addresses.

Numbers are validated, not just matched: a 13-digit number whose first six digits are not a
real date, or whose seventh is not a gender/century digit, is not a 주민등록번호, and a
16-digit number that fails Luhn is not a card. Registration numbers issued since October
2020 carry a random last digit instead of a check digit, so a valid date and gender digit
are enough to flag one; a correct check digit only raises the score. Account, passport and
licence numbers have no checksum, so they count only next to a word that says what they are.
Written by hand: no maintained library knows Korean identifiers (the generic PII tools
match shapes only).

Every pattern runs in linear time: each repetition is bounded (an e-mail's local part holds
at most 64 characters, a place name at most 12 syllables) and each one that could start
inside a run of the same characters has a look-behind that lets it start only at the run's
first character, so long unspaced text (64,000 × «가», 50 MB of «a») costs one pass.
"""

from __future__ import annotations

import asyncio
import bisect
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from haneul.safety.protocol import Finding, Verdict
from haneul.safety.windows import windowed

_D = r"(?<![\d-])"  # not inside a longer number
_E = r"(?![\d-])"


@dataclass(frozen=True)
class _Kind:
    category: str
    label: str  # the tag that replaces the data when masked
    pattern: re.Pattern[str]
    # (match, whole text, match start) -> score in 0..1; 0 drops the match
    score: Callable[[str, str, int], float]
    labels: Callable[[str], str] | None = None  # a label that depends on the match


def _digits(s: str) -> str:
    return re.sub(r"\D", "", s)


# the century of a registration number's seventh digit (9 and 0: born in the 1800s)
_CENTURY = {
    1: 1900,
    2: 1900,
    5: 1900,
    6: 1900,
    3: 2000,
    4: 2000,
    7: 2000,
    8: 2000,
    9: 1800,
    0: 1800,
}


def rrn_date_valid(number: str, today: dt.date | None = None) -> bool:
    """A 13-digit registration number whose YYMMDD is a real date in the century its seventh
    digit names, not in the future."""
    d = _digits(number)
    if len(d) != 13:
        return False
    year = _CENTURY[int(d[6])] + int(d[:2])
    try:
        born = dt.date(year, int(d[2:4]), int(d[4:6]))
    except ValueError:
        return False
    return born <= (today or dt.date.today())


def rrn_check_valid(number: str) -> bool:
    """The check digit of numbers issued before October 2020 (외국인등록번호 use another
    constant)."""
    d = [int(c) for c in _digits(number)]
    if len(d) != 13:
        return False
    total = sum(x * w for x, w in zip(d[:12], [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5], strict=True))
    if d[6] in (5, 6, 7, 8):
        return (13 - total % 11) % 10 == d[12]
    return (11 - total % 11) % 10 == d[12]


def rrn_valid(number: str) -> bool:
    """주민등록번호 / 외국인등록번호 issued before October 2020: a real date and the check digit."""
    return rrn_date_valid(number) and rrn_check_valid(number)


def rrn_score(number: str) -> float:
    """1.0 with a correct check digit, 0.8 with a valid date and gender digit only (the
    random last digit of numbers issued since October 2020), 0 otherwise."""
    if not rrn_date_valid(number):
        return 0.0
    return 1.0 if rrn_check_valid(number) else 0.8


def brn_valid(number: str) -> bool:
    """사업자등록번호 (XXX-XX-XXXXX): the National Tax Service's check digit."""
    d = [int(c) for c in _digits(number)]
    if len(d) != 10 or d[:3] == [0, 0, 0]:
        return False
    total = sum(x * w for x, w in zip(d[:9], [1, 3, 7, 1, 3, 7, 1, 3, 5], strict=True))
    total += d[8] * 5 // 10
    return (10 - total % 10) % 10 == d[9]


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
    def near(match: str, text: str, start: int) -> bool:
        before = text[max(0, start - window) : start].lower()
        return any(w in before for w in words)

    return near


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
_RRN_WORDS = ("주민", "등록번호", "외국인", "생년월일", "rrn")
_LICENCE_WORDS = ("면허", "운전", "license", "licence")
_BRN_WORDS = ("사업자", "등록번호", "business")


def _rrn(match: str, text: str, start: int) -> float:
    """Bare 13 digits that fail the check digit (a barcode looks the same) count less,
    unless a word says what they are."""
    score = rrn_score(match)
    if score == 1.0 or not score or not match.isdigit():
        return score
    return 0.8 if _near(_RRN_WORDS)(match, text, start) else 0.6


def _licence(match: str, text: str, start: int) -> float:
    if _near(_LICENCE_WORDS)(match, text, start):
        return 1.0
    return 0.6 if match.count("-") == 3 else 0.0


def _brn(match: str, text: str, start: int) -> float:
    if not brn_valid(match):
        return 0.0
    return 1.0 if "-" in match or _near(_BRN_WORDS)(match, text, start) else 0.0


def _always(score: float) -> Callable[[str, str, int], float]:
    return lambda m, t, s: score


def _when(check: Callable[[str, str, int], bool]) -> Callable[[str, str, int], float]:
    return lambda m, t, s: 1.0 if check(m, t, s) else 0.0


_REGIONS = "서울|부산|경기|강원|충북|충남|전북|전남|경북|경남|제주|대구|인천|광주|대전|울산"
_NAME = r"[가-힣]{1,12}"  # a place name: bounded, so a long unspaced run costs one pass

KINDS: list[_Kind] = [
    _Kind(
        "pii.rrn",
        "주민등록번호",
        re.compile(_D + r"\d{6}[ ]?-?[ ]?\d{7}" + _E),
        _rrn,
        lambda m: "외국인등록번호" if _digits(m)[6] in "5678" else "주민등록번호",
    ),
    _Kind(
        "pii.card",
        "카드번호",
        re.compile(
            _D + r"(?:(?:\d{4}[ -]?){3}\d{1,4}(?:[ -]?\d{3})?|\d{4}[ -]?\d{6}[ -]?\d{5})" + _E
        ),
        _when(lambda m, t, s: luhn_valid(m)),
    ),
    _Kind(
        "pii.phone",
        "전화번호",
        re.compile(
            _D + r"(?:\+82[ -]?|\(?0)(?:1[016789]|2|[3-6][1-5]|50\d|70)[ )-]?\d{3,4}[ -]?\d{4}" + _E
        ),
        _always(1.0),
    ),
    _Kind(
        "pii.email",
        "이메일",
        re.compile(
            r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@"
            r"(?:[A-Za-z0-9-]{1,63}\.){1,8}[A-Za-z]{2,24}(?![A-Za-z])"
        ),
        _always(1.0),
    ),
    _Kind(
        "pii.license",
        "운전면허번호",
        re.compile(
            _D + r"(?:(?:1[1-9]|2[0-8])|(?:" + _REGIONS + r")[ ]?)-?\d{2}-?\d{6}-?\d{2}" + _E
        ),
        _licence,
    ),
    _Kind(
        "pii.business",
        "사업자등록번호",
        re.compile(_D + r"\d{3}-?\d{2}-?\d{5}" + _E),
        _brn,
    ),
    _Kind(
        "pii.account",
        "계좌번호",
        re.compile(_D + r"\d{2,6}-\d{2,6}-\d{2,7}(?:-\d{1,3})?" + _E),
        _when(lambda m, t, s: 10 <= len(_digits(m)) <= 14 and _near(_ACCOUNT_WORDS)(m, t, s)),
    ),
    _Kind(
        "pii.passport",
        "여권번호",
        re.compile(r"(?<![A-Za-z0-9])[MSRODG](?:\d{8}|\d{3}[A-Z]\d{4})(?![A-Za-z0-9])"),
        _when(_near(("여권", "passport"))),
    ),
    _Kind(
        "pii.address",
        "주소",
        re.compile(
            r"(?=[가-힣]{1,13}+\s)"  # a name then a space within 13 syllables: cheap to refuse
            r"(?:" + _NAME + r"(?:특별시|광역시|특별자치시|특별자치도|도|시)\s)?"
            r"(?:" + _NAME + r"(?:시|군|구)\s){1,2}"
            r"(?:[가-힣0-9]{1,15}(?:로|길)\s?\d{1,5}(?:-\d{1,5})?(?:번길\s?\d{1,5})?"
            r"|[가-힣0-9]{1,15}(?:동|읍|면|리)\s?\d{1,5}(?:-\d{1,5})?(?:번지)?)"
            r"(?:\s?\d{1,5}동)?(?:\s?\d{1,5}호)?"
        ),
        _always(1.0),
    ),
]


def find_pii(text: str) -> list[Finding]:
    """Every piece of personal data in `text`, validated, without overlaps (a long text is
    read in windows, see `windows.py`)."""
    return windowed(_find_pii, text)


def _find_pii(text: str) -> list[Finding]:
    found: list[Finding] = []
    starts: list[int] = []  # the spans taken so far, sorted and disjoint
    ends: list[int] = []
    for kind in KINDS:  # earlier kinds win an overlap: an RRN is not also a phone number
        for m in kind.pattern.finditer(text):
            start, end = m.span()
            i = bisect.bisect_right(starts, start)
            if (i and ends[i - 1] > start) or (i < len(starts) and starts[i] < end):
                continue
            score = kind.score(m.group(), text, start)
            if score > 0:
                label = kind.labels(m.group()) if kind.labels else kind.label
                found.append(Finding(kind.category, score, start, end, label))
                starts.insert(i, start)
                ends.insert(i, end)
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
        return Verdict(await asyncio.to_thread(find_pii, text))
