"""CLOVA Studio's v3 chat over Haneul's models: `POST /v3/chat-completions/{model}`, and the
same for a tuned model as a task (`/v3/tasks/{taskId}/chat-completions`, server/studio).

A thin translation: the CLOVA request becomes an OpenAI chat request that `OpenAIServing`
checks against its model (chat capability, `maxTokens` against the context) and the key's
rate limit, safety policy and audit log apply as on `/v1/chat/completions`. The reply is
wrapped as CLOVA wraps it (`{"status": {"code": "20000"}, "result": ...}`), with `aiFilter`
when `includeAiFilters` is set; `Accept: text/event-stream` streams `event: token` deltas,
then `event: result` with the whole message, usage and `aiFilter`, or `event: error`.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from haneul.engine.guarded import LOOP
from haneul.engine.protocol import Backend
from haneul.errors import HaneulError, InvalidRequestError
from haneul.safety.filter import clova_ai_filter
from haneul.server.auth import Principal, authenticate
from haneul.server.errors import clova_code
from haneul.server.limits import Lease
from haneul.server.openai.schemas import MAX_MESSAGES, ChatCompletionRequest
from haneul.server.text import refuse_bad_text

router = APIRouter()
Auth = Annotated[Principal, Depends(authenticate)]
MAX_TOKENS_DEFAULT = 256


def ok(result: Any) -> dict[str, Any]:
    """A reply in CLOVA's wrapping."""
    return {"status": {"code": "20000", "message": "OK"}, "result": result}


class TextPart(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["text"]
    text: str


class V3Message(BaseModel):
    role: Literal["system", "user", "assistant"]
    content: str | list[TextPart]

    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        return "".join(part.text for part in self.content)


class V3Chat(BaseModel):
    """CLOVA's v3 request; fields Haneul does not use (`thinking`...) are ignored."""

    model_config = ConfigDict(extra="ignore")
    messages: list[V3Message] = Field(min_length=1, max_length=MAX_MESSAGES)
    maxTokens: int | None = Field(None, ge=1, le=4096)
    maxCompletionTokens: int | None = Field(None, ge=1, le=4096)
    temperature: float = Field(0.5, ge=0, le=1)
    topP: float = Field(0.8, gt=0, le=1)
    topK: int = Field(0, ge=0, le=128)
    repetitionPenalty: float | None = Field(None, gt=0, le=2)
    stop: list[str] = Field([], max_length=16)
    seed: int = Field(0, ge=0, le=4_294_967_295)
    includeAiFilters: bool = False

    @model_validator(mode="before")
    @classmethod
    def _text_is_unicode(cls, data: Any) -> Any:
        return refuse_bad_text(data)  # no lone surrogate, a bounded amount of text

    @model_validator(mode="after")
    def _one_limit(self) -> V3Chat:
        if self.maxTokens is not None and self.maxCompletionTokens is not None:
            raise ValueError("give maxTokens or maxCompletionTokens, not both")
        return self

    def openai(self, model: str) -> ChatCompletionRequest:
        """The same request in OpenAI's shape (`seed` 0 means random, as in CLOVA)."""
        fields = {
            "model": model,
            "messages": [{"role": m.role, "content": m.text()} for m in self.messages],
            "max_tokens": self.maxCompletionTokens or self.maxTokens or MAX_TOKENS_DEFAULT,
            "temperature": self.temperature,
            "top_p": self.topP,
            "top_k": self.topK or None,
            "repetition_penalty": self.repetitionPenalty,
            "stop": self.stop or None,
            "seed": self.seed or None,
        }
        try:
            return ChatCompletionRequest.model_validate(fields)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise InvalidRequestError(f"{where}: {first['msg']}", param=where) from exc


def _result(
    content: str,
    finish: str | None,
    seed: int,
    usage: dict[str, Any] | None,
    ai_filter: list[dict[str, str]] | None,
) -> dict[str, Any]:
    usage = usage or {}
    result: dict[str, Any] = {
        "message": {"role": "assistant", "content": content},
        "finishReason": "length" if finish == LOOP else finish,  # a loop stopped the model
        "created": int(time.time()),
        "seed": seed,
        "usage": {
            "promptTokens": usage.get("prompt_tokens"),
            "completionTokens": usage.get("completion_tokens"),
            "totalTokens": usage.get("total_tokens"),
        },
    }
    if ai_filter is not None:
        result["aiFilter"] = ai_filter
    return result


def _event(name: str, data: dict[str, Any]) -> bytes:
    payload = json.dumps(data, ensure_ascii=False)
    return f"id: {uuid.uuid4()}\nevent: {name}\ndata: {payload}\n\n".encode()


async def v3_chat(request: Request, principal: Principal, model: str, body: V3Chat) -> Any:
    """Answer `body` with `model` (a catalog name or a tuned task's name)."""
    serving = request.app.state.serving
    entry, backend = await serving.chat_backend(model)
    chat = serving.engine_body(body.openai(entry.name), backend)
    refused = await serving.guard.screen_input(chat, principal)
    lease = await serving.admit(principal, entry)
    if "text/event-stream" in request.headers.get("accept", ""):
        events = _events(serving, entry.name, backend, chat, principal, body, refused, lease)
        return StreamingResponse(events, media_type="text/event-stream")
    include = body.includeAiFilters
    try:
        if refused is not None:
            return ok(
                _result(refused, "stop", body.seed, {}, await _judged(serving, refused, body))
            )
        reply = await backend.chat(chat)
        reply = await serving.guard.screen_output(reply, principal, include)
    finally:
        lease.release()
    serving.metrics.count_usage(entry.name, reply.get("usage"))
    choice = reply["choices"][0]
    content = choice["message"].get("content") or ""
    finish = choice.get("finish_reason")
    return ok(_result(content, finish, body.seed, reply.get("usage"), reply.get("ai_filter")))


async def _events(
    serving: Any,
    model: str,
    backend: Backend,
    chat: dict[str, Any],
    principal: Principal,
    body: V3Chat,
    refused: str | None,
    lease: Lease,
) -> AsyncIterator[bytes]:
    parts: list[str] = []
    finish: str | None = "stop"
    usage: dict[str, Any] | None = None
    ai_filter: list[dict[str, str]] | None = None
    try:
        if refused is not None:
            parts.append(refused)
            ai_filter = await _judged(serving, refused, body)
        else:
            request = {**chat, "stream": True, "stream_options": {"include_usage": True}}
            chunks = serving.guard.watch_stream(
                backend.stream_chat(request), principal, body.includeAiFilters
            )
            async with aclosing(chunks):  # a client that leaves ends the generation
                async for chunk in chunks:
                    usage = chunk.get("usage") or usage
                    ai_filter = chunk.get("ai_filter") or ai_filter
                    for choice in chunk.get("choices", []):
                        delta = (choice.get("delta") or {}).get("content") or ""
                        finish = choice.get("finish_reason") or finish
                        if delta:
                            parts.append(delta)
                            yield _event("token", _token(delta, body.seed))
        serving.metrics.count_usage(model, usage)
        yield _event("result", _result("".join(parts), finish, body.seed, usage, ai_filter))
    except HaneulError as exc:
        yield _event("error", {"status": {"code": clova_code(exc), "message": exc.message}})
    finally:
        lease.release()


async def _judged(serving: Any, refusal: str, body: V3Chat) -> list[dict[str, str]] | None:
    """The AI Filter's verdict on a refusal sent in place of the model's answer."""
    if not body.includeAiFilters:
        return None
    return clova_ai_filter(await serving.guard.safety.check(refusal, kind="output"))


def _token(delta: str, seed: int) -> dict[str, Any]:
    return {
        "message": {"role": "assistant", "content": delta},
        "finishReason": None,
        "created": int(time.time()),
        "seed": seed,
        "usage": None,
    }


@router.post("/v3/chat-completions/{model}")
async def chat_completions(model: str, body: V3Chat, request: Request, principal: Auth) -> Any:
    """CLOVA Studio's v3 chat on any chat model of the catalog."""
    return await v3_chat(request, principal, model, body)
