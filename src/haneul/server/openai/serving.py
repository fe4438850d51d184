"""OpenAI's wire format over the one chat path (`server/chat.py`): chat and text
completions as JSON or SSE (`server/sse.py`), and embeddings."""

from __future__ import annotations

import base64
import struct
from collections.abc import AsyncGenerator, Callable
from typing import Any

from fastapi.responses import JSONResponse, Response

from haneul.engine.guarded import wire_response
from haneul.engine.protocol import Capability
from haneul.server import sse
from haneul.server.auth import Principal
from haneul.server.chat import ChatCall, ChatServing, all_counted
from haneul.server.clova.compat import fit_dimensions
from haneul.server.errors import error_body
from haneul.server.guard import refusal
from haneul.server.openai.schemas import (
    ChatCompletionRequest,
    CompletionRequest,
    EmbeddingRequest,
)

Chunk = dict[str, Any]


class OpenAIServing:
    def __init__(self, chat: ChatServing) -> None:
        self.serving = chat

    # -- chat and text completions -----------------------------------------------------
    async def chat(self, req: ChatCompletionRequest, principal: Principal) -> Response:
        call = await self.serving.prepare(req, principal, include_filters=req.include_ai_filters)
        if call.refused is not None:
            return _refusal(call, req.stream)
        if req.stream:
            chunks = await self.serving.stream(call, principal)
            return _streamed(chunks, _include_usage(req))
        whole = await self.serving.whole(call, principal)
        return JSONResponse(wire_response(whole))  # finish_reason "loop" as "length"

    async def complete(self, req: CompletionRequest, principal: Principal) -> Response:
        entry, backend = await self.serving.backend(req.model, Capability.COMPLETION)
        body = self.serving.engine_body(req, backend)
        if isinstance(body.get("prompt"), list):
            body["prompt"] = body["prompt"][0]
        call = ChatCall(entry, backend, body, None, False)
        if req.stream:
            run = backend.stream_complete(body)
            chunks = await self.serving.run_stream(entry, principal, run)
            return _streamed(chunks, _include_usage(req))
        whole = await self.serving.run_whole(
            entry, principal, lambda: all_counted(backend.complete(body), call)
        )
        return JSONResponse(wire_response(whole))

    # -- embeddings --------------------------------------------------------------------
    async def embed(
        self, req: EmbeddingRequest, principal: Principal, *, pad: bool = False
    ) -> JSONResponse:
        """Embeddings; `dimensions` below the model's truncates and renormalises, above it
        zero-pads where `pad` (CLOVA's path) and is a 400 elsewhere (docs/clova.md)."""
        entry, backend = await self.serving.backend(req.model, Capability.EMBEDDING)
        texts = [req.input] if isinstance(req.input, str) else req.input
        lease = await self.serving.admit(principal)
        try:
            result = await backend.embed(texts, input_type=req.input_type)
        finally:
            lease.release()
        vectors = fit_dimensions(result.vectors, req.dimensions, entry.name, pad=pad)
        data = [
            {"object": "embedding", "index": i, "embedding": _encode(v, req.encoding_format)}
            for i, v in enumerate(vectors)
        ]
        self.serving.metrics.prompt_tokens.labels(entry.name).inc(result.prompt_tokens)
        usage = {"prompt_tokens": result.prompt_tokens, "total_tokens": result.prompt_tokens}
        return JSONResponse({"object": "list", "data": data, "model": entry.name, "usage": usage})


def _include_usage(req: ChatCompletionRequest | CompletionRequest) -> bool:
    return bool(req.stream_options and req.stream_options.include_usage)


def _chunk(include_usage: bool) -> Callable[[Chunk], bytes | None]:
    """A chunk in OpenAI's wire shape; usage only when the client asked for it."""

    def encode(chunk: Chunk) -> bytes | None:
        if chunk.get("usage") and not include_usage:
            if not chunk.get("choices"):
                return None
            chunk = {k: v for k, v in chunk.items() if k != "usage"}
        return sse.data(wire_response(chunk))

    return encode


def _streamed(chunks: AsyncGenerator[Chunk, None], include_usage: bool) -> Response:
    frames = sse.framed(
        chunks, _chunk(include_usage), lambda exc: sse.data(error_body(exc)), done=sse.DONE
    )
    return sse.response(frames)


def _refusal(call: ChatCall, stream: bool) -> Response:
    reply = refusal(call.model, call.refused or "", stream)
    if isinstance(reply, dict):
        return JSONResponse(reply)

    async def chunks() -> AsyncGenerator[Chunk, None]:
        for chunk in reply:
            yield chunk

    return _streamed(chunks(), include_usage=False)


def _encode(vector: list[float], fmt: str) -> list[float] | str:
    if fmt == "base64":
        return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
    return vector
