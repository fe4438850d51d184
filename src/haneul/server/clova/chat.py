"""CLOVA Studio's v3 chat over Haneul's models: `POST /v3/chat-completions/{model}`, and the
same for a tuned model as a task (`/v3/tasks/{taskId}/chat-completions`, server/studio).

A formatter over the one chat path (`server/chat.py`): the CLOVA request becomes an OpenAI
chat request that `ChatServing` checks against its model (chat capability, `maxTokens`
against the context), admits, runs and meters; the key's rate limit, safety policy and audit
log apply as on `/v1/chat/completions`. The reply is
wrapped as CLOVA wraps it (`{"status": {"code": "20000"}, "result": ...}`), with `aiFilter`
when `includeAiFilters` is set; `Accept: text/event-stream` streams `event: token` deltas,
then `event: result` with the whole message, usage and `aiFilter`, or `event: error`.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from haneul.engine.guarded import LOOP
from haneul.errors import HaneulError, InvalidRequestError
from haneul.server import sse
from haneul.server.auth import Principal, authenticate
from haneul.server.chat import ChatCall, ChatServing
from haneul.server.errors import clova_code
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
        return openai_request(fields)


def openai_request(fields: dict[str, Any]) -> ChatCompletionRequest:
    """A CLOVA request's fields as an OpenAI request; the first problem as CLOVA's 400."""
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


def _serving(request: Request) -> ChatServing:
    serving: ChatServing = request.app.state.serving
    return serving


async def v3_chat(request: Request, principal: Principal, model: str, body: V3Chat) -> Any:
    """Answer `body` with `model` (a catalog name or a tuned task's name)."""
    serving = _serving(request)
    entry, _ = await serving.chat_backend(model)
    call = await serving.prepare(
        body.openai(entry.name), principal, include_filters=body.includeAiFilters
    )
    if "text/event-stream" in request.headers.get("accept", ""):
        if call.refused is not None:
            events = _refused(serving, call, body)
        else:
            events = _tokens(await serving.stream(call, principal), body.seed)
        return sse.response(sse.framed(events, encode_event, error_event))
    if call.refused is not None:
        judged = await serving.judge_refusal(call)
        return ok(_result(call.refused, "stop", body.seed, {}, judged))
    reply = await serving.whole(call, principal)
    choice = reply["choices"][0]
    content = choice["message"].get("content") or ""
    finish = choice.get("finish_reason")
    return ok(_result(content, finish, body.seed, reply.get("usage"), reply.get("ai_filter")))


Event = tuple[str, dict[str, Any]]


def encode_event(item: Event) -> bytes:
    """A CLOVA stream event (`event:` name, `data:` JSON)."""
    return sse.event(*item)


def error_event(exc: HaneulError) -> bytes:
    """An error after a CLOVA stream started, as CLOVA's `error` event."""
    return sse.event("error", {"status": {"code": clova_code(exc), "message": exc.message}})


async def _tokens(
    chunks: AsyncGenerator[dict[str, Any], None], seed: int
) -> AsyncGenerator[Event, None]:
    """OpenAI chunks as CLOVA's `token` events, then the `result` event."""
    parts: list[str] = []
    finish: str | None = "stop"
    usage: dict[str, Any] | None = None
    ai_filter: list[dict[str, str]] | None = None
    async with aclosing(chunks):  # a client that leaves ends the generation
        async for chunk in chunks:
            usage = chunk.get("usage") or usage
            ai_filter = chunk.get("ai_filter") or ai_filter
            for choice in chunk.get("choices", []):
                delta = (choice.get("delta") or {}).get("content") or ""
                finish = choice.get("finish_reason") or finish
                if delta:
                    parts.append(delta)
                    yield "token", _token(delta, seed)
    yield "result", _result("".join(parts), finish, seed, usage, ai_filter)


async def _refused(
    serving: ChatServing, call: ChatCall, body: V3Chat
) -> AsyncGenerator[Event, None]:
    """The refusal as a stream: no tokens, the `result` event with the verdict if asked."""
    judged = await serving.judge_refusal(call)
    yield "result", _result(call.refused or "", "stop", body.seed, {}, judged)


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
