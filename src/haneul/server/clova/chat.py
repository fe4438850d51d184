"""CLOVA Studio's v3 chat over Haneul's models: `POST /v3/chat-completions/{model}`, and the
same for a tuned model as a task (`/v3/tasks/{taskId}/chat-completions`, server/studio).

A formatter over the one chat path (`server/chat.py`, through `server/clova/serving.py`): the
CLOVA request becomes an OpenAI chat request that `ChatServing` checks against its model (chat
capability, `maxTokens` against the context), admits, runs and meters; the key's rate limit,
safety policy and audit log apply as on `/v1/chat/completions`. The reply is wrapped as CLOVA
wraps it (`{"status": {"code": "20000"}, "result": ...}`), with `aiFilter` when
`includeAiFilters` is set; `Accept: text/event-stream` streams `event: token` deltas, then
`event: result` with the whole message, usage and `aiFilter`, or `event: error`.

Function calling and structured output (server/clova/functions.py translates): `tools`,
`toolChoice`, `toolCalls` on assistant turns and `{role: "tool", toolCallId}` turns go to the
engine as OpenAI's, so the same constrained decoding answers them (llama.cpp's grammar over
the tools' schemas, engine/tools.py); the reply's `toolCalls` carry `arguments` as objects
and `finishReason` is `tool_calls`. `responseFormat: {type: "json", schema}` is decoded under
the schema. In a stream each `token` event carries its `toolCalls` piece (arguments as the
string piece that arrived) and the `result` event the whole calls. `thinking.effort` other
than "none" is answered without a trace, said in the `X-Haneul-Unsupported` header.
"""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from haneul.engine.guarded import LOOP
from haneul.server.auth import Principal, authenticate
from haneul.server.clova.compat import UNSUPPORTED_HEADER, reasoning_notice
from haneul.server.clova.functions import (
    openai_messages,
    openai_response_format,
    openai_tool_choice,
    openai_tools,
)
from haneul.server.clova.serving import (
    Answer,
    Dialect,
    Event,
    Json,
    clova_chat,
    encode_event,
    error_event,
    ok,
    openai_request,
)
from haneul.server.openai.schemas import MAX_MESSAGES, ChatCompletionRequest, Thinking
from haneul.server.text import refuse_bad_text

__all__ = ["Event", "V3Chat", "V3Message", "encode_event", "error_event", "ok", "v3_chat"]

router = APIRouter()
Auth = Annotated[Principal, Depends(authenticate)]
MAX_TOKENS_DEFAULT = 256
MAX_TOOLS = 128


class TextPart(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    type: Literal["text"]
    text: str


class ImageUrl(BaseModel):
    model_config = ConfigDict(strict=True)
    url: str


class ImagePart(BaseModel):
    """An image part: accepted in the shape, refused as unsupported (40009) by the models."""

    model_config = ConfigDict(extra="forbid", strict=True)
    type: Literal["image_url"]
    imageUrl: ImageUrl | None = None
    dataUri: ImageUrl | None = None

    @model_validator(mode="after")
    def _one_source(self) -> ImagePart:
        if self.imageUrl is None and self.dataUri is None:
            raise ValueError("an image part needs imageUrl or dataUri")
        return self


class FunctionCallIn(BaseModel):
    model_config = ConfigDict(strict=True)
    name: str
    arguments: dict[str, Any] | str = Field(default_factory=dict)  # CLOVA: an object


class ToolCallIn(BaseModel):
    model_config = ConfigDict(strict=True)
    id: str = ""
    type: Literal["function"] = "function"
    function: FunctionCallIn


class V3Message(BaseModel):
    model_config = ConfigDict(strict=True)
    role: Literal["system", "user", "assistant", "tool"]
    content: str | list[TextPart | ImagePart] | None = None
    toolCalls: list[ToolCallIn] | None = None  # an assistant turn that called tools
    toolCallId: str | None = None  # a tool turn: the call it answers

    def text(self) -> str:
        if isinstance(self.content, str):
            return self.content
        return "".join(p.text for p in self.content or [] if isinstance(p, TextPart))


class V3Tool(BaseModel):
    model_config = ConfigDict(strict=True)
    type: Literal["function"] = "function"
    function: dict[str, Any]  # {name, description, parameters}: checked on translation


class JsonFormat(BaseModel):
    model_config = ConfigDict(strict=True)
    type: Literal["json"]
    schema_: dict[str, Any] | None = Field(None, alias="schema")


class V3Chat(BaseModel):
    """CLOVA's v3 request; fields Haneul does not use are ignored."""

    model_config = ConfigDict(extra="ignore", strict=True)  # no "1" for 1
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
    tools: list[V3Tool] | None = Field(None, max_length=MAX_TOOLS)
    toolChoice: Literal["auto", "none"] | dict[str, Any] | None = None
    responseFormat: JsonFormat | None = None
    thinking: Thinking | None = None

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
        turns = [m.model_dump(exclude_none=True, by_alias=True) for m in self.messages]
        fmt = self.responseFormat
        fields = {
            "model": model,
            "messages": openai_messages(turns),
            "max_tokens": self.maxCompletionTokens or self.maxTokens or MAX_TOKENS_DEFAULT,
            "temperature": self.temperature,
            "top_p": self.topP,
            "top_k": self.topK or None,
            "repetition_penalty": self.repetitionPenalty,
            "stop": self.stop or None,
            "seed": self.seed or None,
            "tools": openai_tools([t.model_dump() for t in self.tools or []]),
            "tool_choice": openai_tool_choice(self.toolChoice),
            "response_format": openai_response_format(
                fmt.model_dump(by_alias=True, exclude_none=True) if fmt else None
            ),
        }
        return openai_request(fields)


def _message(answer: Answer) -> Json:
    message: Json = {"role": "assistant", "content": answer.content}
    if answer.tool_calls:
        message["toolCalls"] = answer.tool_calls
    return message


def _dialect(seed: int) -> Dialect:
    def token(delta: str, calls: list[Json]) -> Json:
        message: Json = {"role": "assistant", "content": delta}
        if calls:
            message["toolCalls"] = calls
        return {
            "message": message,
            "finishReason": None,
            "created": int(time.time()),
            "seed": seed,
            "usage": None,
        }

    def result(answer: Answer) -> Json:
        usage = answer.usage or {}
        finish = answer.finish or "stop"
        out: Json = {
            "message": _message(answer),
            "finishReason": "length" if finish == LOOP else finish,  # a loop stopped the model
            "created": int(time.time()),
            "seed": seed,
            "usage": {
                "promptTokens": usage.get("prompt_tokens"),
                "completionTokens": usage.get("completion_tokens"),
                "totalTokens": usage.get("total_tokens"),
            },
        }
        if answer.ai_filter is not None:
            out["aiFilter"] = answer.ai_filter
        return out

    return Dialect(token, result)


async def v3_chat(request: Request, principal: Principal, model: str, body: V3Chat) -> Response:
    """Answer `body` with `model` (a catalog name or a tuned task's name)."""
    response = await clova_chat(
        request,
        principal,
        model,
        body.openai,
        _dialect(body.seed),
        include_filters=body.includeAiFilters,
    )
    effort = body.thinking.effort if body.thinking else None
    if notice := reasoning_notice(None, effort):
        response.headers[UNSUPPORTED_HEADER] = notice
    return response


@router.post("/v3/chat-completions/{model}")
async def chat_completions(model: str, body: V3Chat, request: Request, principal: Auth) -> Any:
    """CLOVA Studio's v3 chat on any chat model of the catalog."""
    return await v3_chat(request, principal, model, body)
