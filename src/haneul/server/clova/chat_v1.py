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
  `event: result` (the whole message, the lengths, `stopReason`, `aiFilter`) and
  `event: signal` with `{"data": "[DONE]"}` (the end of the stream, as CLOVA sends it), or
  `event: error` with CLOVA's `{"status": {"code", "message"}}` (and no signal).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from haneul.errors import ConflictError
from haneul.server import sse
from haneul.server.auth import Principal, authenticate
from haneul.server.clova.serving import Answer, Dialect, Json, clova_chat, openai_request
from haneul.server.openai.schemas import MAX_MESSAGES, ChatCompletionRequest
from haneul.server.text import refuse_bad_text
from haneul.studio.jobs import JobStore

router = APIRouter(tags=["CLOVA Studio"])
Auth = Annotated[Principal, Depends(authenticate)]
APPS = ("", "/testapp", "/serviceapp")  # CLOVA's plain, test-app and service-app paths
DONE = {"data": "[DONE]"}  # the `signal` event's data at the end of a v1 stream


class V1Message(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    role: Literal["system", "user", "assistant"]
    content: str


class V1Chat(BaseModel):
    """CLOVA's v1 request."""

    model_config = ConfigDict(extra="ignore", strict=True)  # no "1" for 1
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


def _dialect(seed: int) -> Dialect:
    def token(delta: str, calls: list[Json]) -> Json | None:
        return {"message": {"role": "assistant", "content": delta}} if delta else None

    def result(answer: Answer) -> Json:
        usage = answer.usage or {}
        out: Json = {
            "message": {"role": "assistant", "content": answer.content},
            "stopReason": _stop_reason(answer.finish),
            "inputLength": usage.get("prompt_tokens", 0),
            "outputLength": usage.get("completion_tokens", 0),
            "seed": seed,
        }
        if answer.ai_filter is not None:
            out["aiFilter"] = answer.ai_filter
        return out

    return Dialect(token, result, done=lambda: sse.event("signal", DONE))


async def v1_chat(request: Request, principal: Principal, model: str, body: V1Chat) -> Response:
    """Answer `body` with `model` (a catalog name, a CLOVA alias or a tuned task's name)."""
    dialect = _dialect(body.seed)
    return await clova_chat(
        request, principal, model, body.openai, dialect, include_filters=body.includeAiFilters
    )


async def chat_completions(model: str, body: V1Chat, request: Request, principal: Auth) -> Any:
    """CLOVA Studio's v1 chat on any chat model of the catalog (or a CLOVA alias)."""
    return await v1_chat(request, principal, model, body)


async def task_chat(task_id: str, body: V1Chat, request: Request, principal: Auth) -> Any:
    """A tuned model by its task id, in CLOVA Studio's v1 shape."""
    store: JobStore = request.app.state.tuning
    job = store.get(principal.owner, task_id)
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
