"""What CLOVA Studio's chat routes (v1, v3, tasks) share: the wrapping of replies, the request
translation's error, the stream framing, and the one formatter flow over `ChatServing`
(`server/chat.py`). A dialect says only how a token event and the result look:

    CLOVA request -> the dialect's `ChatCompletionRequest` -> ChatServing.prepare
      -> whole: the reply's message as an `Answer` -> `dialect.result`
      -> stream (`Accept: text/event-stream`): each chunk's text (and tool-call pieces) as
         `event: token` (`dialect.token`), then `event: result` with the whole `Answer`,
         then the dialect's closing frame if it has one (v1's `signal`); an error after the
         stream started is `event: error` with CLOVA's `{"status": {"code", "message"}}`
      -> the AI Filter's refusal (the key's policy) is the `result` alone, never tokens.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from haneul.errors import HaneulError, InvalidRequestError
from haneul.server import sse
from haneul.server.auth import Principal
from haneul.server.chat import ChatCall, ChatServing
from haneul.server.clova.functions import ToolCallStream, clova_tool_calls
from haneul.server.errors import clova_code
from haneul.server.openai.schemas import ChatCompletionRequest

Event = tuple[str, dict[str, Any]]
Json = dict[str, Any]


def ok(result: Any) -> dict[str, Any]:
    """A reply in CLOVA's wrapping."""
    return {"status": {"code": "20000", "message": "OK"}, "result": result}


def openai_request(fields: dict[str, Any]) -> ChatCompletionRequest:
    """A CLOVA request's fields as an OpenAI request; the first problem as CLOVA's 400."""
    try:
        return ChatCompletionRequest.model_validate(fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        raise InvalidRequestError(f"{where}: {message}", param=where) from exc


def encode_event(item: Event) -> bytes:
    """A CLOVA stream event (`id:`, `event:` name, `data:` JSON)."""
    return sse.event(*item)


def error_event(exc: HaneulError) -> bytes:
    """An error after a CLOVA stream started, as CLOVA's `error` event."""
    return sse.event("error", {"status": {"code": clova_code(exc), "message": exc.message}})


@dataclass
class Answer:
    """The model's answer, whole or gathered from a stream, before a dialect shapes it."""

    content: str
    finish: str | None  # OpenAI's finish_reason (None: the engine did not say)
    usage: Json | None
    ai_filter: list[dict[str, str]] | None
    tool_calls: list[Json] = field(default_factory=list)  # CLOVA's shape: arguments objects


@dataclass(frozen=True)
class Dialect:
    """How one CLOVA version shapes its events."""

    token: Callable[[str, list[Json]], Json | None]  # a text delta and tool-call pieces
    result: Callable[[Answer], Json]
    done: Callable[[], bytes] | None = None  # the frame after a stream that ended well


async def clova_chat(
    request: Request,
    principal: Principal,
    model: str,
    build: Callable[[str], ChatCompletionRequest],
    dialect: Dialect,
    *,
    include_filters: bool,
) -> Response:
    """Answer with `model` (a catalog name, an alias or a tuned task's name) the request that
    `build` makes for the resolved model name, whole or streamed as the client asked."""
    serving: ChatServing = request.app.state.serving
    entry, _ = await serving.chat_backend(model)
    call = await serving.prepare(build(entry.name), principal, include_filters=include_filters)
    if "text/event-stream" in request.headers.get("accept", ""):
        if call.refused is not None:
            events = _refused(serving, call, dialect)
        else:
            events = _events(await serving.stream(call, principal), dialect)
        done = dialect.done() if dialect.done else None
        return sse.response(sse.framed(events, encode_event, error_event, done=done))
    if call.refused is not None:
        judged = await serving.judge_refusal(call)
        return JSONResponse(ok(dialect.result(Answer(call.refused, "stop", {}, judged))))
    reply = await serving.whole(call, principal)
    choice = reply["choices"][0]
    message = choice["message"]
    answer = Answer(
        message.get("content") or "",
        choice.get("finish_reason"),
        reply.get("usage"),
        reply.get("ai_filter"),
        clova_tool_calls(message.get("tool_calls")),
    )
    return JSONResponse(ok(dialect.result(answer)))


async def _events(
    chunks: AsyncGenerator[Json, None], dialect: Dialect
) -> AsyncGenerator[Event, None]:
    """OpenAI chunks as CLOVA's `token` events, then the `result` event."""
    parts: list[str] = []
    calls = ToolCallStream()
    answer = Answer("", None, None, None)
    async with aclosing(chunks):  # a client that leaves ends the generation
        async for chunk in chunks:
            answer.usage = chunk.get("usage") or answer.usage
            answer.ai_filter = chunk.get("ai_filter") or answer.ai_filter
            for choice in chunk.get("choices", []):
                delta = choice.get("delta") or {}
                text = delta.get("content") or ""
                pieces = calls.feed(delta.get("tool_calls"))
                answer.finish = choice.get("finish_reason") or answer.finish
                parts.append(text)
                if (text or pieces) and (token := dialect.token(text, pieces)) is not None:
                    yield "token", token
    answer.content, answer.tool_calls = "".join(parts), calls.calls()
    yield "result", dialect.result(answer)


async def _refused(
    serving: ChatServing, call: ChatCall, dialect: Dialect
) -> AsyncGenerator[Event, None]:
    """The refusal as a stream: no tokens, the `result` event with the verdict if asked."""
    judged = await serving.judge_refusal(call)
    yield "result", dialect.result(Answer(call.refused or "", "stop", {}, judged))
