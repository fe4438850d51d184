"""The serving layer between the thin routes and the engine: checks a request against its
model, admits it through the limiter, runs it and shapes the reply (JSON or SSE)."""

from __future__ import annotations

import base64
import json
import logging
import struct
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from fastapi.responses import JSONResponse, StreamingResponse

from haneul.config import Settings
from haneul.engine.catalog import ModelEntry
from haneul.engine.guarded import wire_response
from haneul.engine.manager import ModelManager
from haneul.engine.protocol import Backend, Capability
from haneul.errors import HaneulError, InvalidRequestError
from haneul.server.auth import Principal
from haneul.server.clova.compat import fit_dimensions, repetition_penalty
from haneul.server.errors import error_body
from haneul.server.limits import Lease, Limiter, engine_pool
from haneul.server.metrics import Metrics
from haneul.server.openai.guard import ChatGuard, refusal
from haneul.server.openai.schemas import (
    ChatCompletionRequest,
    CompletionRequest,
    EmbeddingRequest,
    Sampling,
    check_prompt_chars,
    prompt_texts,
)
from haneul.store.usage import UsageMeter

log = logging.getLogger(__name__)
_NOT_FOR_ENGINE = {
    "model",
    "stream",
    "stream_options",
    "include_ai_filters",
    "user",
    "max_completion_tokens",
    "repeat_penalty",  # CLOVA's: translated in engine_body
    "reasoning_effort",  # CLOVA's reasoning: no small model has it (docs/clova.md)
    "thinking",
}
_WHAT = {
    Capability.CHAT: "chat completions",
    Capability.COMPLETION: "text completions",
    Capability.EMBEDDING: "embeddings",
}


def _sse(data: dict[str, Any] | str) -> bytes:
    text = (
        data
        if isinstance(data, str)
        else json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    )
    return f"data: {text}\n\n".encode()


class OpenAIServing:
    def __init__(
        self,
        settings: Settings,
        manager: ModelManager,
        limiter: Limiter,
        metrics: Metrics,
        guard: ChatGuard,
    ) -> None:
        self.settings = settings
        self.manager = manager
        self.limiter = limiter
        self.metrics = metrics
        self.guard = guard
        self.usage: UsageMeter | None = None  # tokens per owner (set by the app)

    async def _backend(self, model: str | None, need: Capability) -> tuple[ModelEntry, Backend]:
        if need == Capability.EMBEDDING and not model:
            model = self.settings.embedding_model
        entry = self.manager.resolve(model)
        if need.value != entry.task and not (
            need == Capability.COMPLETION and entry.task == "chat"
        ):
            hint = {"chat": "chat", "completion": "/v1/completions", "embedding": "/v1/embeddings"}
            raise InvalidRequestError(
                f"model '{entry.name}' is a {entry.task} model and cannot serve {_WHAT[need]}; "
                f"use it with {hint[entry.task]}",
                param="model",
            )
        return await self.manager.get(entry.name)

    async def chat_backend(self, model: str | None) -> tuple[ModelEntry, Backend]:
        """The loaded backend of chat model `model` (a 4xx if it cannot chat)."""
        return await self._backend(model, Capability.CHAT)

    def engine_body(self, req: Sampling, backend: Backend) -> dict[str, Any]:
        """`req` as the engine takes it, `max_tokens` checked against the context."""
        body = req.model_dump(exclude_none=True, by_alias=True, exclude=_NOT_FOR_ENGINE)
        max_tokens = getattr(req, "max_completion_tokens", None) or req.max_tokens
        ctx = backend.context_size
        check_prompt_chars(prompt_texts(req), ctx, self.settings.chars_per_token)
        if max_tokens is not None and max_tokens >= ctx:
            raise InvalidRequestError(
                f"max_tokens is {max_tokens}, but this model's context holds {ctx} tokens "
                "for prompt and answer together",
                param="max_tokens",
            )
        body["max_tokens"] = max_tokens or min(self.settings.max_tokens_default, ctx // 2)
        if (repeat := getattr(req, "repeat_penalty", None)) is not None:
            body.setdefault("repetition_penalty", repetition_penalty(repeat))
        return body

    async def admit(self, principal: Principal, entry: ModelEntry | None = None) -> Lease:
        """A lease under the key's own limits and, for a generation on `entry`, one of its
        engine slots: a 429/503 with Retry-After when none comes free by the queue deadline."""
        return await self.limiter.admit(
            principal.key_id,
            rpm=principal.rpm,
            max_concurrent=principal.max_concurrent,
            charge=principal.charge,
            pool=engine_pool(entry, self.settings) if entry is not None else None,
        )

    # -- chat and text completions -----------------------------------------------------
    async def chat(self, req: ChatCompletionRequest, principal: Principal) -> Any:
        entry, backend = await self._backend(req.model, Capability.CHAT)
        body = self.engine_body(req, backend)
        include_usage = bool(req.stream_options and req.stream_options.include_usage)
        if (refused := await self.guard.screen_input(body, principal)) is not None:
            return self._refusal(entry.name, refused, req.stream)
        if req.stream:
            chunks = self.guard.watch_stream(
                backend.stream_chat(body), principal, req.include_ai_filters
            )
            return await self._stream(entry, chunks, principal, include_usage)
        response = await self._whole(
            entry, lambda: _all_counted(backend.chat(body), backend, body), principal
        )
        return JSONResponse(
            await self.guard.screen_output(response, principal, req.include_ai_filters)
        )

    def _refusal(self, model: str, text: str, stream: bool) -> Any:
        reply = refusal(model, text, stream)
        if isinstance(reply, dict):
            return JSONResponse(reply)
        events = [_sse(chunk) for chunk in reply] + [_sse("[DONE]")]

        async def send() -> AsyncIterator[bytes]:
            for event in events:
                yield event

        return StreamingResponse(send(), media_type="text/event-stream")

    async def complete(self, req: CompletionRequest, principal: Principal) -> Any:
        entry, backend = await self._backend(req.model, Capability.COMPLETION)
        body = self.engine_body(req, backend)
        if isinstance(body.get("prompt"), list):
            body["prompt"] = body["prompt"][0]
        include_usage = bool(req.stream_options and req.stream_options.include_usage)
        if req.stream:
            return await self._stream(
                entry, backend.stream_complete(body), principal, include_usage
            )
        return JSONResponse(
            await self._whole(
                entry, lambda: _all_counted(backend.complete(body), backend, body), principal
            )
        )

    async def _whole(
        self, entry: ModelEntry, call: Callable[[], Awaitable[dict[str, Any]]], principal: Principal
    ) -> dict[str, Any]:
        lease = await self.admit(principal, entry)
        self.metrics.inflight.labels(entry.name).inc()
        try:
            result = await call()
        finally:
            lease.release()
            self.metrics.inflight.labels(entry.name).dec()
        self.metrics.count_usage(entry.name, result.get("usage"))
        self._count_tokens(principal.owner, result.get("usage"))
        return wire_response(result)  # finish_reason "loop" as "length" + stop_reason

    async def _stream(
        self,
        entry: ModelEntry,
        chunks: AsyncIterator[dict[str, Any]],
        principal: Principal,
        include_usage: bool,
    ) -> StreamingResponse:
        start = time.perf_counter()
        lease = await self.admit(principal, entry)
        self.metrics.inflight.labels(entry.name).inc()
        try:
            # The first chunk comes before the response starts, so a bad request (context
            # overflow, a schema llama.cpp cannot compile) is still a proper 4xx.
            first = await anext(chunks)
        except BaseException:
            self._end_stream(entry, lease)
            await chunks.aclose()  # type: ignore[attr-defined]
            raise
        self.metrics.ttft.labels(entry.name).observe(time.perf_counter() - start)
        return StreamingResponse(
            self._events(entry, first, chunks, lease, include_usage, principal.owner),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    def _count_tokens(self, owner: str, usage: Any) -> None:
        if self.usage is not None and owner and isinstance(usage, dict):
            self.usage.add(owner, tokens=int(usage.get("total_tokens") or 0))

    def _end_stream(self, entry: ModelEntry, lease: Lease) -> None:
        if lease._state is not None:
            self.metrics.inflight.labels(entry.name).dec()
        lease.release()

    async def _events(
        self,
        entry: ModelEntry,
        first: dict[str, Any],
        chunks: AsyncIterator[dict[str, Any]],
        lease: Lease,
        include_usage: bool,
        owner: str = "",
    ) -> AsyncIterator[bytes]:
        finished = False
        try:
            chunk: dict[str, Any] | None = first
            while chunk is not None:
                if chunk.get("usage"):
                    self.metrics.count_usage(entry.name, chunk["usage"])
                    self._count_tokens(owner, chunk["usage"])
                    if not chunk.get("choices"):
                        if include_usage:
                            yield _sse(chunk)
                        chunk = await anext(chunks, None)
                        continue
                    if not include_usage:
                        chunk = {k: v for k, v in chunk.items() if k != "usage"}
                yield _sse(wire_response(chunk))
                chunk = await anext(chunks, None)
            finished = True
            yield _sse("[DONE]")
        except HaneulError as exc:
            finished = True
            yield _sse(error_body(exc))
        finally:
            if not finished:
                self.metrics.disconnects.labels(entry.name).inc()
            await chunks.aclose()  # type: ignore[attr-defined]
            self._end_stream(entry, lease)

    # -- embeddings --------------------------------------------------------------------
    async def embed(
        self, req: EmbeddingRequest, principal: Principal, *, pad: bool = False
    ) -> JSONResponse:
        """Embeddings; `dimensions` below the model's truncates and renormalises, above it
        zero-pads where `pad` (CLOVA's path) and is a 400 elsewhere (docs/clova.md)."""
        entry, backend = await self._backend(req.model, Capability.EMBEDDING)
        texts = [req.input] if isinstance(req.input, str) else req.input
        lease = await self.admit(principal)
        try:
            result = await backend.embed(texts, input_type=req.input_type)
        finally:
            lease.release()
        vectors = fit_dimensions(result.vectors, req.dimensions, entry.name, pad=pad)
        data = [
            {"object": "embedding", "index": i, "embedding": _encode(v, req.encoding_format)}
            for i, v in enumerate(vectors)
        ]
        self.metrics.prompt_tokens.labels(entry.name).inc(result.prompt_tokens)
        usage = {"prompt_tokens": result.prompt_tokens, "total_tokens": result.prompt_tokens}
        return JSONResponse({"object": "list", "data": data, "model": entry.name, "usage": usage})


async def _all_counted(
    reply: Awaitable[dict[str, Any]], backend: Backend, body: dict[str, Any]
) -> dict[str, Any]:
    response = await reply
    await _usage_over_choices(response, backend, body["max_tokens"])
    return response


async def _usage_over_choices(response: dict[str, Any], backend: Backend, max_tokens: int) -> None:
    """With `n` > 1, llama.cpp's usage counts the first choice only: count every choice (a
    choice cut by `max_tokens` used all of them; another is counted by tokenizing it)."""
    choices, usage = response.get("choices") or [], response.get("usage")
    if len(choices) < 2 or not isinstance(usage, dict):
        return
    total = 0
    for choice in choices:
        if choice.get("finish_reason") == "length":
            total += max_tokens
            continue
        text = choice["message"].get("content") if "message" in choice else choice.get("text")
        total += len(await backend.tokenize(text)) if text else 0
    usage["completion_tokens"] = total
    usage["total_tokens"] = usage.get("prompt_tokens", 0) + total


def _encode(vector: list[float], fmt: str) -> list[float] | str:
    if fmt == "base64":
        return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
    return vector
