"""A skill's own bug (an exception that is not a HaneulError) ends the turn as a skill error
the reader can see, never a blank answer: «1,234,567 곱하기 89는?» reached sympy as the tuple
(1, 234, 567*89), the math skill raised AttributeError and the web UI showed nothing. Built by
the real Assistant over the echo backend, with a real safety filter."""

from __future__ import annotations

import asyncio
from typing import Any

from haneul.assistant.turn import Assistant, Turn
from haneul.engine.echo import EchoBackend
from haneul.safety.filter import SafetyFilter
from haneul.skills import SkillResult, skill
from haneul.skills.router import Route


@skill("broken", examples=("고장 난 스킬",))
async def broken(text: str) -> SkillResult:
    """A skill with a bug.

    Args:
        text: Anything.
    """
    raise AttributeError("'Tuple' object has no attribute 'evalf'")


def test_a_skill_that_crashes_is_said_as_an_error() -> None:
    def route(text: str, enabled: Any, documents: bool = False) -> Route:
        return Route("broken", {"text": text}, 1.0, {})

    assistant = Assistant(
        EchoBackend(), SafetyFilter(), {"broken": broken}, route, small_model="echo-small"
    )

    async def run() -> list[dict[str, Any]]:
        turn = Turn("나", "chat", [], "고장 난 스킬 불러줘")
        return [event async for event in assistant.run(turn)]

    events = asyncio.run(run())
    [result] = [e for e in events if e["type"] == "skill_result"]
    assert result["error"] == "broken: 처리하지 못했습니다 (the skill failed: AttributeError)"
    done = events[-1]
    assert done["type"] == "done"
    assert (
        done["message"].content
        == "요청을 처리하는 중에 오류가 났습니다(broken). 관리자에게 알려 주세요."
    )
