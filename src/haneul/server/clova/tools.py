"""CLOVA Studio's API tools over Haneul's models: token counts and the sliding window.

- `POST /v1/api-tools/chat-tokenize/{model}` and `/v3/api-tools/chat-tokenize/{model}`:
  `messages` -> `result.messages[]` with each message's `count`, the tokens of its content
  under the model's own tokenizer (no chat-template tokens).
- `POST /v1/api-tools/sliding/chat-messages/{model}`: `maxTokens` (the answer's budget) and
  `messages` -> `result.messages`, the conversation with its oldest turns dropped until the
  rest and `maxTokens` fit the model's context; system messages are always kept, and the kept
  turns start at a user message (unless only the last message is left). If even the system
  messages and the last message do not fit, CLOVA's 40003 (context length exceeded).

Replies are wrapped as CLOVA wraps them, errors in CLOVA's shape (server/errors.py).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from haneul.engine.protocol import Backend
from haneul.errors import ContextLengthError
from haneul.server.auth import Principal, authenticate
from haneul.server.clova.chat import V3Message, ok

router = APIRouter()
Auth = Annotated[Principal, Depends(authenticate)]


class TokenizeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    messages: list[V3Message] = Field(min_length=1)


class SlidingBody(TokenizeBody):
    maxTokens: int = Field(ge=1)


async def _counted(
    request: Request, principal: Principal, model: str, body: TokenizeBody
) -> tuple[Backend, list[dict[str, Any]]]:
    _, backend = await request.app.state.serving.chat_backend(model)
    counted = []
    for message in body.messages:
        text = message.text()
        count = len(await backend.tokenize(text)) if text else 0
        counted.append({"role": message.role, "content": text, "count": count})
    return backend, counted


@router.post("/v1/api-tools/chat-tokenize/{model}")
@router.post("/v3/api-tools/chat-tokenize/{model}")
async def chat_tokenize(model: str, body: TokenizeBody, request: Request, principal: Auth) -> Any:
    """Each message's token count under `model`'s tokenizer."""
    _, counted = await _counted(request, principal, model, body)
    return ok({"messages": counted})


@router.post("/v1/api-tools/sliding/chat-messages/{model}")
async def sliding_window(model: str, body: SlidingBody, request: Request, principal: Auth) -> Any:
    """The conversation trimmed oldest-first to fit `model`'s context with `maxTokens` left."""
    backend, counted = await _counted(request, principal, model, body)
    budget = backend.context_size - body.maxTokens
    kept = slide(counted, budget)
    return ok({"messages": [{"role": m["role"], "content": m["content"]} for m in kept]})


def slide(messages: list[dict[str, Any]], budget: int) -> list[dict[str, Any]]:
    """`messages` (each with `count`) without their oldest non-system turns, so that the sum of
    counts is at most `budget` and the turns kept start at a user message."""
    system = [m for m in messages if m["role"] == "system"]
    turns = [m for m in messages if m["role"] != "system"]
    total = sum(m["count"] for m in messages)
    while turns and (total > budget or turns[0]["role"] != "user") and len(turns) > 1:
        total -= turns.pop(0)["count"]
    if total > budget:
        raise ContextLengthError(
            f"the system messages and the last message take {total} tokens; with maxTokens the "
            f"model's context leaves {max(budget, 0)}",
            param="maxTokens",
        )
    kept = {id(m) for m in system + turns}
    return [m for m in messages if id(m) in kept]
