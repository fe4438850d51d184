"""Profanity, insults and sexual harassment in Korean, through the usual evasions.

People write 씨발 as 시 발, 씨@발, 씨1발, ㅅㅂ or 씌발. The text is normalised twice: once
with the symbols and digits inside words removed (씨@발 -> 씨발), and once with the spaces
removed too (시 발 -> 시발), where a match only counts if it starts and ends on the
original pieces' edges, so that 아시 발표 (two ordinary words) does not become 시발.
Known innocent words that contain a bad one (시발점, 시발역) are allowed.

The lexicon is hand-written: no maintained Korean profanity list is packaged on PyPI.
"""

from __future__ import annotations

import asyncio
import bisect
import re
import unicodedata
from itertools import accumulate

from haneul.safety.protocol import Finding, Verdict
from haneul.safety.windows import windowed

# category -> words; each word carries its own score (1.0 unmistakable, 0.7 usually abusive)
LEXICON: dict[str, dict[str, float]] = {
    "profanity": {
        w: 1.0
        for w in (
            "시발",
            "씨발",
            "씨빨",
            "시빨",
            "씨벌",
            "시벌",
            "씨팔",
            "시팔",
            "씌발",
            "쒸발",
            "씨바",
            "시바라",
            "씹새",
            "씹할",
            "씹창",
            "좆",
            "존나",
            "졸라",
            "ㅈㄴ",
            "개새끼",
            "개새기",
            "개색기",
            "개색끼",
            "개세끼",
            "썅",
            "쌍놈",
            "쌍년",
            "지랄",
            "염병",
            "엠창",
            "느금마",
            "니애미",
            "니애비",
            "니미럴",
            "ㅅㅂ",
            "ㅆㅂ",
            "ㅅ발",
            "ㅆ발",
            "ㅈㄹ",
            "ㅄ",
            "ㅂㅅ",
            "좆까",
            "엿먹어",
            "c발",
            "ㅗㅗ",
            "fuck",
            "fucking",
            "shit",
            "bitch",
            "asshole",
            "motherfucker",
        )
    },
    "insult": {
        **{
            w: 1.0
            for w in (
                "병신",
                "븅신",
                "빙신",
                "등신",
                "미친놈",
                "미친년",
                "미친새끼",
                "또라이",
                "돌아이",
                "찐따",
                "멍청한새끼",
                "머저리",
                "닥쳐",
                "죽여버린다",
                "꺼지라고",
                "한남충",
                "김치녀",
                "틀딱",
                "급식충",
                "맘충",
                "애자",
                "정신병자",
            )
        },
        **{
            w: 0.7
            for w in (
                "멍청이",
                "바보같은",
                "쓰레기같은",
                "한심한놈",
                "한심한년",
                "얼간이",
                "돌대가리",
            )
        },
    },
    "sexual": {
        w: 1.0
        for w in (
            "니보지",
            "내자지",
            "보지털",
            "자지털",
            "보빨",
            "따먹",
            "떡치자",
            "섹스하자",
            "빨아줘",
            "벗어봐",
            "가슴만져",
            "가슴만지",
            "몸팔",
            "야동보자",
            "걸레같은",
            "창녀",
            "한번대주",
        )
    },
}

# innocent words that contain a listed one
ALLOWED = ("시발점", "시발역", "시발택시", "애자일", "따먹기")

_INNER_NOISE = re.compile(
    r"(?<=[가-힣ㄱ-ㅎㅏ-ㅣa-z])[^가-힣ㄱ-ㅎㅏ-ㅣa-z\s]+(?=[가-힣ㄱ-ㅎㅏ-ㅣa-z])"
)


def _fold(text: str) -> str:
    """NFKC (full-width letters, circled digits...) but keeping compatibility jamo (ㅅㅂ),
    which NFKC would turn into conjoining jamo; one output char per input char."""
    out = []
    for ch in text:
        folded = ch if "\u3131" <= ch <= "\u318e" else unicodedata.normalize("NFKC", ch)
        out.append(folded.lower() if len(folded) == 1 else ch.lower())
    return "".join(out)


def _normalise(text: str) -> tuple[str, list[int]]:
    """Folded text with in-word symbols and digits removed, and each kept char's index."""
    text = _fold(text)
    keep = [True] * len(text)
    for m in _INNER_NOISE.finditer(text):
        for i in range(m.start(), m.end()):
            keep[i] = False
    idx = [i for i, k in enumerate(keep) if k]
    return "".join(text[i] for i in idx), idx


def _allowed_at(text: str, start: int, end: int) -> bool:
    """Whether the match lies inside an innocent word (시발점 around 시발)."""
    for word in ALLOWED:
        offset = max(0, start - len(word))
        window = text[offset : end + len(word)]
        at = window.find(word)
        while at >= 0:
            if at + offset <= start and end <= at + len(word) + offset:
                return True
            at = window.find(word, at + 1)
    return False


def _scan(norm: str, idx: list[int], edges: set[int] | None) -> list[Finding]:
    found = []
    for category, words in LEXICON.items():
        for word, score in words.items():
            for m in re.finditer(re.escape(word), norm):
                s, e = m.start(), m.end()
                # spaced-out matches must start on a piece's edge; short ones must end on one
                if edges is not None and (s not in edges or (len(word) <= 2 and e not in edges)):
                    continue
                if _allowed_at(norm, s, e):
                    continue
                found.append(Finding(category, score, idx[s], idx[e - 1] + 1, word))
    return found


def find_abuse(text: str) -> list[Finding]:
    norm, idx = _normalise(text)
    findings = _scan(norm, idx, None)
    # The same text without spaces, matched only on the edges of the spaced pieces.
    pieces = [(m.start(), m.end()) for m in re.finditer(r"\S+", norm)]
    joined, jidx, edges, pos = [], [], {0}, 0
    for s, e in pieces:
        joined.append(norm[s:e])
        jidx += [idx[i] for i in range(s, e)]
        pos += e - s
        edges.add(pos)
    if len(pieces) > 1:
        seen = {(f.start, f.end, f.category) for f in findings}
        spans = sorted((g.start, g.end) for g in findings)
        starts, reach = [s for s, _ in spans], list(accumulate((e for _, e in spans), max))
        for f in _scan("".join(joined), jidx, edges):
            i = bisect.bisect_right(starts, f.start)  # inside an earlier finding?
            if (f.start, f.end, f.category) not in seen and not (i and reach[i - 1] >= f.end):
                findings.append(f)
    return sorted(findings, key=lambda f: f.start)


class AbuseCheck:
    """Profanity, insult and sexual harassment (the groups of CLOVA's AI Filter)."""

    name = "abuse"

    async def check(self, text: str, context: str | None = None) -> Verdict:
        # in a worker thread, a window at a time: the event loop keeps answering
        return Verdict(await asyncio.to_thread(windowed, find_abuse, text))
