"""Skill turns for the v2 recipe, right by construction: each question goes through the REAL
skill (its own parser, then `run`), and the conversation is laid out as the assistant lays
out a turn whose skill ran (assistant/turn.py: the preset's system prompt, then one user
message with the data note, the `<skill_result>` block, the answer note and the question).

The assistant's reply restates the skill's answer sentence (`SkillResult.answer`) and adds
at most one helpful sentence, kept only if the assistant's own composition check
(`compose.explain`) would keep it: no number the result or the question lacks, no prompt
text, no loop. A question the skill cannot read or answer is dropped, never answered.

A share of the turns use other layouts (no system prompt, another system prompt, the
question before the result, other instruction words) so the model learns the task, not one
template.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass

from haneul.assistant import compose
from haneul.assistant.presets import PRESETS
from haneul.assistant.turn import ANSWER_NOTE, DATA_NOTE, DOCUMENT_NOTE, MEMORY_NOTE
from haneul.errors import HaneulError
from haneul.skills import SkillContext, SkillResult, get_skill
from haneul.studio.mini_ko import questions

Messages = list[dict[str, str]]

SYSTEMS = [
    "당신은 한국어 AI 어시스턴트 하늘입니다. 정확하고 친절하게, 간결한 존댓말로 답합니다.",
    "너는 하늘이라는 이름의 도우미야. 주어진 결과만 근거로 짧고 정확하게 답해.",
    "You are Haneul, a helpful assistant. Answer in Korean, briefly and accurately.",
]
# Other words for the data note and the answer note (the same task, other phrasing).
ALT_LAYOUTS = [
    "질문: {question}\n\n도구 결과 ({name}):\n{content}\n\n결과에 맞게 한두 문장으로 답해 주세요.",
    "[계산 결과]\n{content}\n\n[질문]\n{question}\n\n결과를 바탕으로 답하세요.",
    "{question}\n\n참고할 결과: {content}",
    "다음은 '{name}' 도구가 돌려준 값입니다.\n{content}\n\n"
    "이 값으로 다음 질문에 답해 줘: {question}",
]

UNIT_NOTES = {
    "평": "평은 예전부터 써 온 넓이 단위이고, 법정 단위는 제곱미터입니다.",
    "마일": "마일은 주로 미국과 영국에서 쓰는 거리 단위입니다.",
    "피트": "피트와 인치는 주로 미국에서 키나 길이를 잴 때 씁니다.",
    "인치": "화면 크기나 바지 허리 치수를 말할 때 인치를 많이 씁니다.",
    "파운드": "파운드는 미국과 영국에서 무게를 잴 때 주로 쓰는 단위입니다.",
    "근": "고기는 한 근을 기준으로 계산했고, 채소는 가게마다 한 근의 무게가 다를 수 있습니다.",
    "돈": "돈은 금이나 은의 무게를 잴 때 주로 쓰는 단위입니다.",
    "리": "리는 옛 거리 단위라 지금은 주로 옛 글이나 속담에서 볼 수 있습니다.",
    "갤런": "갤런은 미국에서 기름이나 우유의 양을 말할 때 흔히 씁니다.",
    "섭씨": "화씨는 주로 미국에서 쓰는 온도 단위입니다.",
    "화씨": "우리나라 일기 예보는 섭씨를 씁니다.",
    "에이커": "에이커는 미국과 영국에서 땅 넓이를 말할 때 씁니다.",
}
GENERIC_NOTES = [
    "다른 단위로도 바꿔 드릴 수 있으니 말씀해 주세요.",
    "더 궁금한 점이 있으면 물어봐 주세요.",
]
MATH_NOTES = [
    "풀이 과정은 답 아래의 단계에서 확인하실 수 있습니다.",
    "다른 값으로도 계산해 드릴 수 있습니다.",
]
HOLIDAY_NOTES = [
    "공휴일은 정부 발표에 따라 바뀔 수 있으니 가까워지면 한 번 더 확인해 주세요.",
    "연휴에는 이동이 많으니 교통편은 미리 예매해 두시는 것이 좋습니다.",
]
DATE_NOTES = [
    "필요하시면 다른 날짜의 요일이나 음력도 알려 드릴게요.",
    "공휴일은 정부 발표에 따라 바뀔 수 있습니다.",
]


@dataclass
class SkillTurn:
    question: str
    skill: str
    result: SkillResult
    messages: Messages


def run_skill(name: str, question: str) -> SkillResult | None:
    """The skill's own answer to `question`, or None when it cannot read or answer it."""
    skill = get_skill(name)
    arguments = skill.parse(question)
    if arguments is None:
        return None
    try:
        result = asyncio.run(skill.run(arguments, SkillContext()))
    except HaneulError:
        return None
    return result if result.answer else None


def _note(name: str, question: str, result: SkillResult, rng: random.Random) -> str:
    if name == "math":
        formula = next((s[3:].strip() for s in result.steps if s.startswith("공식:")), None)
        if formula and rng.random() < 0.6:
            return f"{formula} 공식으로 계산했습니다."
        if "≈" in (result.answer or "") and rng.random() < 0.5:
            return "소수는 반올림한 값입니다."
        return rng.choice(MATH_NOTES)
    if name == "convert_units":
        unit = next((u for u in UNIT_NOTES if u in question), None)
        return UNIT_NOTES[unit] if unit and rng.random() < 0.7 else rng.choice(GENERIC_NOTES)
    holiday = isinstance(result.data, list) or "연휴" in (result.answer or "")
    return rng.choice(HOLIDAY_NOTES if holiday else DATE_NOTES)


def reply(name: str, question: str, result: SkillResult, prompt: str, rng: random.Random) -> str:
    """The skill's sentence, then (mostly) one helpful sentence the composition keeps."""
    answer = result.answer or ""
    if rng.random() < 0.25:
        return answer
    note = _note(name, question, result, rng)
    composed = compose.explain(
        answer,
        note,
        question=question,
        grounds=[result.content],
        prompts=[prompt, DATA_NOTE, DOCUMENT_NOTE, MEMORY_NOTE, *ANSWER_NOTE.split("{answer}")],
    )
    return f"{answer} {note}" if composed.explanation == "kept" else answer


def layout(name: str, question: str, result: SkillResult, rng: random.Random) -> Messages:
    """The conversation up to the assistant's reply: mostly the assistant's own layout."""
    roll = rng.random()
    if roll < 0.7:
        block = f'<skill_result name="{name}">\n{result.content}\n</skill_result>'
        note = ANSWER_NOTE.format(answer=result.answer)
        user = "\n\n".join([DATA_NOTE + "\n\n" + block, note, f"질문: {question}"])
    else:
        ask = rng.choice(ALT_LAYOUTS)
        user = ask.format(question=question, name=name, content=result.content)
    system = rng.random()
    if system < 0.6:
        head = [{"role": "system", "content": PRESETS["chat"]}]
    elif system < 0.8:
        head = [{"role": "system", "content": rng.choice(SYSTEMS)}]
    else:
        head = []
    return [*head, {"role": "user", "content": user}]


Asker = Callable[[random.Random], str]


def turns(
    name: str, asker: Asker, count: int, seed: int, avoid: frozenset[str] = frozenset()
) -> list[SkillTurn]:
    """`count` distinct questions for the skill `name`, each answered by the skill; none of
    `avoid` (the evaluation's questions)."""
    rng = random.Random(f"{name}:{seed}")
    out: list[SkillTurn] = []
    seen: set[str] = set(avoid)
    tries = 0
    while len(out) < count and tries < count * 20:
        tries += 1
        question = asker(rng)
        if question in seen:
            continue
        seen.add(question)
        result = run_skill(name, question)
        if result is None:
            continue
        messages = layout(name, question, result, rng)
        prompt = messages[0]["content"] if messages[0]["role"] == "system" else ""
        said = reply(name, question, result, prompt, rng)
        out.append(SkillTurn(question, name, result, [*messages, _assistant(said)]))
    return out


def _assistant(text: str) -> dict[str, str]:
    return {"role": "assistant", "content": text}


def math_asker(rng: random.Random) -> str:
    return rng.choice(questions.MATH)(rng)


def all_turns(
    seed: int, math: int, units: int, calendar: int, avoid: frozenset[str] = frozenset()
) -> dict[str, list[SkillTurn]]:
    return {
        "skill_math": turns("math", math_asker, math, seed, avoid),
        "skill_units": turns("convert_units", questions.units, units, seed, avoid),
        "skill_calendar": turns("korean_calendar", questions.calendar, calendar, seed, avoid),
    }
