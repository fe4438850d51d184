"""The prompt keeps a stable prefix between turns (llama.cpp's prompt cache reuses it): the
preset's system prompt and the history first, unchanged; memories, the skill result and
the question last. Built by the real Assistant over the echo backend."""

from __future__ import annotations

import asyncio
from typing import Any

from haneul.assistant.conversations import Message
from haneul.assistant.presets import PRESETS
from haneul.assistant.turn import Assistant, Turn
from haneul.engine.echo import EchoBackend
from haneul.safety.filter import SafetyFilter
from haneul.skills.router import NO_SKILL, Route


def _assistant() -> Assistant:
    def route(text: str, enabled: Any) -> Route:
        return Route(NO_SKILL, None, 0.0, {})

    return Assistant(EchoBackend(), SafetyFilter.__new__(SafetyFilter), {}, route)


def test_the_stable_part_is_an_identical_prefix_between_turns() -> None:
    assistant = _assistant()
    history = [
        Message("m1", "user", "30평은 몇 제곱미터야?", 0.0),
        Message("m2", "assistant", "30평은 약 99.17㎡입니다.", 0.0),
    ]
    first = Turn("나", "chat", history[:0], "30평은 몇 제곱미터야?", memories=["부산에 산다"])
    result = {"name": "convert_units", "model_input": "30 평 = 99.1736 제곱미터"}
    result["answer"] = "30평은 약 99.17㎡입니다."
    one = asyncio.run(assistant._messages(first, result, []))
    second = Turn("나", "chat", history, "제주도 맛집 알려줘", memories=["제주도를 좋아한다"])
    two = asyncio.run(assistant._messages(second, None, []))
    assert one[0] == two[0] == {"role": "system", "content": PRESETS["chat"]}
    assert two[:-1] == [one[0], *[{"role": m.role, "content": m.content} for m in history]]
    assert "99.1736" in one[-1]["content"] and "부산에 산다" in one[-1]["content"]
    assert one[-1]["content"].endswith("질문: 30평은 몇 제곱미터야?")
    assert "제주도를 좋아한다" in two[-1]["content"] and "부산" not in str(two)
