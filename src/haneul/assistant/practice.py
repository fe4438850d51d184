"""The two follow-ups the web UI offers under a math answer, answered by code from the skill
call before them: «풀이 과정을 단계별로 설명해 줘» gets that call's own steps, «비슷한 문제를
하나 더 내 줘» the previous question with other numbers, checked by the math skill before it is
shown. A small model had declined both (the first as an open question, after a document
search that found nothing), so the UI suggested questions the assistant then refused.

Only a message that asks for nothing else counts: its content words are all in `_STEPS` or
`_SIMILAR` («출장 정산 과정 알려줘» names 출장 and 정산, and is a question of its own)."""

from __future__ import annotations

import random
import re
from typing import Any

from haneul.errors import HaneulError
from haneul.skills import Skill, SkillContext
from haneul.skills.builtin.documents import question_terms

_STEPS = frozenset(
    re.findall(
        r"\S+",
        "풀이 과정 단계별 단계 설명 설명해 보여줘 보여 알려줘 자세히 다시 방금 계산 풀었어 "
        "풀었어요 풀었니 구했어 구했어요 나왔어 나온 해설 풀이과정",
    )
)
_STEPS_ASKED = re.compile(r"풀이|단계별|해설|계산\s*과정|어떻게\s*(?:풀|구했|계산했|나왔)")
_SIMILAR = frozenset(
    re.findall(r"\S+", "비슷한 유사한 문제 하나 내줘 내 만들어 만들어줘 연습 연습문제 줘")
)
_SIMILAR_ASKED = re.compile(r"(?:비슷한|유사한|연습)\s*문제|문제\s*(?:하나\s*)?더")
STEPS_REASON = "the previous skill call's steps"
SIMILAR_REASON = "a similar problem, checked by the math skill"


def _only(text: str, asked: re.Pattern[str], words: frozenset[str]) -> bool:
    return (
        bool(asked.search(text))
        and not re.search(r"\d", text)
        and all(w in words for w in question_terms(text))
    )


def steps_reply(text: str, call: dict[str, Any] | None) -> str | None:
    """The previous skill call's steps, numbered, and its answer; None when `text` does not
    ask for them alone or the call has none."""
    if call is None or not call.get("steps") or not _only(text, _STEPS_ASKED, _STEPS):
        return None
    lines = [f"{n}. {step}" for n, step in enumerate(call["steps"], 1)]
    answer = call.get("answer") or call.get("content") or ""
    return "풀이 과정입니다.\n\n" + "\n".join(lines) + (f"\n\n답: {answer}" if answer else "")


def _varied(question: str, rng: random.Random) -> str:
    """`question` with its numbers moved: a small one by 1-3 (never below 1), a larger one
    by a tenth to a quarter, kept to two significant digits (42,500 -> 46,000, its commas
    kept); exponents (after ^) and zeros stay, so a quadratic stays a quadratic."""

    def move(found: re.Match[str]) -> str:
        if found.start() and question[found.start() - 1] == "^":
            return found[0]
        n = int(found[0].replace(",", ""))
        if n == 0:  # «= 0», «0부터»: the problem's shape, not a value
            return found[0]
        if n < 20:
            step = rng.choice([1, 2, 3]) * (1 if n < 4 or rng.random() < 0.6 else -1)
            return str(max(1, n + step) if n + step != n else n + 1)
        moved = n * rng.choice([0.8, 0.9, 1.1, 1.2, 1.25])
        digits = len(str(int(moved))) - 2
        value = int(round(moved, -digits)) if digits > 0 else round(moved)
        return f"{value:,}" if "," in found[0] else str(value)

    return re.sub(r"(?<![\d.,])(?:\d{1,3}(?:,\d{3})+|\d+)(?![\d.,]\d)", move, question)


async def similar_reply(
    text: str, question: str | None, math: Skill | None, seed: int
) -> str | None:
    """A problem like `question` (the previous one, which the math skill answered) with
    other numbers, which the math skill also solves; None when `text` does not ask for one
    alone, or no variation solves within a few tries."""
    if question is None or math is None or not _only(text, _SIMILAR_ASKED, _SIMILAR):
        return None
    rng = random.Random(f"{question}:{seed}")
    for _ in range(6):
        made = _varied(question, rng)
        arguments = math.parse(made) if made != question else None
        if arguments is None:
            continue
        try:
            await math.run(arguments, SkillContext())
        except HaneulError:
            continue
        return (
            f"비슷한 문제입니다.\n\n{made}\n\n"
            "풀어 보신 뒤 이 문제를 그대로 보내 주시면 답과 풀이를 알려 드릴게요."
        )
    return None
