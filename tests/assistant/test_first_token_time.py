"""The turn's `usage` times the model's own first token (from the turn's start, before any
check holds text back), so that turn 1 and turn 5 compare on the model and not on when a
checked sentence is shown. The real Assistant over the echo backend, slowed per token."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from haneul.assistant.turn import Assistant, Turn
from haneul.engine.echo import EchoBackend
from haneul.safety.filter import SafetyFilter
from haneul.skills.router import NO_SKILL, Route


def _assistant(delay_s: float) -> Assistant:
    def route(text: str, enabled: Any) -> Route:
        return Route(NO_SKILL, None, 0.0, {})

    backend = EchoBackend(delay_s=delay_s)
    return Assistant(backend, SafetyFilter.__new__(SafetyFilter), {}, route)


async def _first_then_last(assistant: Assistant, turn: Turn) -> tuple[int, str]:
    """`first_token_ms` as it stands when the first piece reaches the caller, and the text."""
    messages = await assistant._messages(turn, None, [])
    request = {"messages": messages, "max_tokens": 8, "stream": True}
    at_first, text = -1, ""
    async for piece, _ in assistant._generate(request, turn):
        if piece and at_first < 0:
            at_first = turn.usage["first_token_ms"]
        text += piece
    return at_first, text


def test_the_first_token_time_is_taken_once_from_the_turns_start() -> None:
    turn = Turn("나", "chat", [], "제주도 여행 팁 하나만 알려줘")
    turn.started = time.perf_counter() - 0.5  # the turn began half a second ago (routing)
    at_first, text = asyncio.run(_first_then_last(_assistant(0.1), turn))
    assert len(text) > 2  # the echo model answered, a token at a time
    # set when the first piece came: the half second before the model plus one token's
    # delay, and not moved by the later pieces
    assert at_first >= 600
    assert turn.usage["first_token_ms"] == at_first
