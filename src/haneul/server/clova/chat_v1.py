"""CLOVA Studio's v1 chat over Haneul's models, a formatter over the one chat path
(`server/chat.py`), as `server/clova/chat.py` is for v3:

- `POST /v1/chat-completions/{model}`, and the same under `/testapp` and `/serviceapp` (the
  test-app and service-app paths older CLOVA Studio code calls, e.g.
  `/testapp/v1/chat-completions/HCX-003`); a tuned model by its task id at
  `/v1/tasks/{taskId}/chat-completions` (and under `/testapp`, `/serviceapp`).
- Request: `messages` (`system`/`user`/`assistant`, text content), `temperature` (0, 1] (0.5),
  `topK` 0-128 (0), `topP` (0, 1] (0.8), `repeatPenalty` (0, 10] (5.0: the engine's
  `repetition_penalty` 1.1, server/clova/compat.py), `stopBefore`, `maxTokens` (100, at most
  4096), `includeAiFilters`, `seed` (0: random). Fields Haneul does not use (`includeTokens`,
  `includeProbs`) are ignored.
- Reply: `{"status": {"code": "20000"}, "result": {message, stopReason, inputLength,
  outputLength, seed, aiFilter?}}`. `stopReason` is `end_token` for a natural end or a stop
  word (llama.cpp does not say which: `stop_before` is never sent), `length` at `maxTokens` or
  when the loop guard stopped the model.
- `Accept: text/event-stream` streams `event: token` (`message` with the delta), then
  `event: result` (the whole message, the lengths, `stopReason`, `aiFilter`), or
  `event: error` with CLOVA's `{"status": {"code", "message"}}`.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from haneul.errors import ConflictError
from haneul.server import sse
from haneul.server.auth import Principal, authenticate
from haneul.server.chat import ChatCall, ChatServing
from haneul.server.clova.chat import Event, encode_event, error_event, ok, openai_request
from haneul.server.openai.schemas import MAX_MESSAGES, ChatCompletionRequest
from haneul.server.text import refuse_bad_text
from haneul.studio.jobs import JobStore

router = APIRouter(tags=["CLOVA Studio"])
Auth = Annotated[Principal, Depends(authenticate)]
APPS = ("", "/testapp", "/serviceapp")  # CLOVA's plain, test-app and service-app paths


class V1Message(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Literal["system", "user", "assistant"]
    content: str


class V1Chat(BaseModel):
    """CLOVA's v1 request."""

    model_config = ConfigDict(extra="ignore")
    messages: list[V1Message] = Field(min_length=1, max_length=MAX_MESSAGES)
    maxTokens: int = Field(100, ge=1, le=4096)
    temperature: float = Field(0.5, gt=0, le=1)
    topK: int = Field(0, ge=0, le=128)
    topP: float = Field(0.8, gt=0, le=1)
    repeatPenalty: float = Field(5.0, gt=0, le=10)
    stopBefore: list[str] = Field([], max_length=16)
    includeAiFilters: bool = False
    seed: int = Field(0, ge=0, le=4_294_967_295)

    @model_validator(mode="before")
    @classmethod
    def _text_is_unicode(cls, data: Any) -> Any:
        return refuse_bad_text(data)  # no lone surrogate, a bounded amount of text

    def openai(self, model: str) -> ChatCompletionRequest:
        """The same request in OpenAI's shape (`seed` 0 means random, as in CLOVA)."""
        fields = {
            "model": model,
            "messages": [m.model_dump() for m in self.messages],
            "max_tokens": self.maxTokens,
            "temperature": self.temperature,
            "top_p": self.topP,
            "top_k": self.topK or None,
            "repeat_penalty": self.repeatPenalty,
            "stop": self.stopBefore or None,
            "seed": self.seed or None,
        }
        return openai_request(fields)


def _stop_reason(finish: str | None) -> str:
    return "end_token" if finish in (None, "stop", "content_filter") else "length"


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
        "stopReason": _stop_reason(finish),
        "inputLength": usage.get("prompt_tokens", 0),
        "outputLength": usage.get("completion_tokens", 0),
        "seed": seed,
    }
    if ai_filter is not None:
        result["aiFilter"] = ai_filter
    return result


async def v1_chat(request: Request, principal: Principal, model: str, body: V1Chat) -> Any:
    """Answer `body` with `model` (a catalog name, a CLOVA alias or a tuned task's name)."""
    serving: ChatServing = request.app.state.serving
    entry, _ = await serving.chat_backend(model)
    call = await serving.prepare(
        body.openai(entry.name), principal, include_filters=body.includeAiFilters
    )
    if "text/event-stream" in request.headers.get("accept", ""):
        if call.refused is not None:
            events = _refused(serving, call, body.seed)
        else:
            events = _tokens(await serving.stream(call, principal), body.seed)
        return sse.response(sse.framed(events, encode_event, error_event))
    if call.refused is not None:
        judged = await serving.judge_refusal(call)
        return ok(_result(call.refused, "stop", body.seed, {}, judged))
    reply = await serving.whole(call, principal)
    choice = reply["choices"][0]
    content = choice["message"].get("content") or ""
    usage, ai_filter = reply.get("usage"), reply.get("ai_filter")
    return ok(_result(content, choice.get("finish_reason"), body.seed, usage, ai_filter))


async def _tokens(
    chunks: AsyncGenerator[dict[str, Any], None], seed: int
) -> AsyncGenerator[Event, None]:
    """OpenAI chunks as CLOVA v1's `token` events, then the `result` event."""
    parts: list[str] = []
    finish: str | None = None
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
                    yield "token", {"message": {"role": "assistant", "content": delta}}
    yield "result", _result("".join(parts), finish, seed, usage, ai_filter)


async def _refused(serving: ChatServing, call: ChatCall, seed: int) -> AsyncGenerator[Event, None]:
    judged = await serving.judge_refusal(call)
    yield "result", _result(call.refused or "", "stop", seed, {}, judged)


async def chat_completions(model: str, body: V1Chat, request: Request, principal: Auth) -> Any:
    """CLOVA Studio's v1 chat on any chat model of the catalog (or a CLOVA alias)."""
    return await v1_chat(request, principal, model, body)


async def task_chat(task_id: str, body: V1Chat, request: Request, principal: Auth) -> Any:
    """A tuned model by its task id, in CLOVA Studio's v1 shape."""
    store: JobStore = request.app.state.tuning
    job = store.get(principal.key_id, task_id)
    if job.status != "SUCCEEDED":
        raise ConflictError(f"tuning task '{task_id}' is {job.status}, not SUCCEEDED")
    return await v1_chat(request, principal, job.name, body)


for _app in APPS:
    router.add_api_route(
        f"{_app}/v1/chat-completions/{{model}}", chat_completions, methods=["POST"]
    )
    router.add_api_route(
        f"{_app}/v1/tasks/{{task_id}}/chat-completions", task_chat, methods=["POST"]
    )
