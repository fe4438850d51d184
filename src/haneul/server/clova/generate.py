"""One model call for the CLOVA API tools that write text (summarization, reranker): the
request checked by the serving path (`engine_body`: context and `max_tokens`), admitted
under the key's limits and the model's slots, answered greedily (temperature 0, so a tool
gives the same text for the same input), its usage counted.

The tools check and wrap what comes back themselves (length guards, citations); the AI
Filter judges their final text once (`screen`), as on the chat routes' output.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from haneul.engine.catalog import ModelEntry
from haneul.engine.protocol import Backend
from haneul.server.auth import Principal
from haneul.server.openai.schemas import ChatCompletionRequest


@dataclass(frozen=True)
class Generated:
    text: str
    finish: str | None
    prompt_tokens: int
    completion_tokens: int


async def generate(
    serving: Any,
    principal: Principal,
    entry: ModelEntry,
    backend: Backend,
    messages: list[dict[str, str]],
    max_tokens: int,
) -> Generated:
    """The model's greedy answer to `messages`, at most `max_tokens` long."""
    request = ChatCompletionRequest.model_validate(
        {
            "model": entry.name,
            "messages": messages,
            "max_tokens": max_tokens,
            "temperature": 0.0,
        }
    )
    body = serving.engine_body(request, backend)
    lease = await serving.admit(principal, entry)
    try:
        reply = await backend.chat(body)
    finally:
        lease.release()
    serving.metrics.count_usage(entry.name, reply.get("usage"))
    choice = reply["choices"][0]
    usage = reply.get("usage") or {}
    return Generated(
        text=(choice["message"].get("content") or "").strip(),
        finish=choice.get("finish_reason"),
        prompt_tokens=int(usage.get("prompt_tokens") or 0),
        completion_tokens=int(usage.get("completion_tokens") or 0),
    )


async def screen(
    serving: Any, principal: Principal, text: str, include: bool
) -> tuple[str, list[dict[str, str]] | None]:
    """The final text after the AI Filter (masked under a `mask` policy) and, when
    `include`, CLOVA's `aiFilter` list."""
    result: dict[str, Any] = {"choices": [{"message": {"content": text}}]}
    result = await serving.guard.screen_output(result, principal, include)
    return result["choices"][0]["message"]["content"], result.get("ai_filter")
