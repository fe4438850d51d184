"""Any OpenAI-compatible server as a backend: vLLM, TGI, Ollama, llama.cpp's server, another
Haneul. This is how Haneul scales past one machine: the heavy engine runs elsewhere and
Haneul keeps the keys, limits, catalog and the layers above.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from typing import Any

import httpx

from haneul.engine.base import BaseBackend
from haneul.engine.protocol import Capability, EmbeddingResult, Request, Response
from haneul.errors import (
    ContextLengthError,
    HaneulError,
    InvalidRequestError,
    ModelNotFoundError,
    RateLimitError,
    UpstreamError,
)


def _error_from(status: int, body: bytes) -> HaneulError:
    try:
        err = json.loads(body).get("error", {})
        message = err.get("message") if isinstance(err, dict) else str(err)
    except (ValueError, AttributeError):
        err, message = {}, None
    message = f"upstream: {message or body[:200].decode(errors='replace')}"
    code = err.get("code") if isinstance(err, dict) else None
    if status == 404:
        return ModelNotFoundError(message)
    if status == 429:
        return RateLimitError(message)
    if status == 400 and code == "context_length_exceeded":
        return ContextLengthError(message)
    if 400 <= status < 500 and status not in (401, 403):
        return InvalidRequestError(message)
    return UpstreamError(f"{message} (HTTP {status})")


class UpstreamBackend(BaseBackend):
    capabilities = frozenset(
        {
            Capability.CHAT,
            Capability.COMPLETION,
            Capability.EMBEDDING,
            Capability.TOOLS,
            Capability.JSON_SCHEMA,
        }
    )

    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        remote_model: str | None = None,
        api_key: str | None = None,
        ctx_size: int = 8192,
        timeout_s: float = 600.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(name)
        self.remote_model = remote_model or name
        self._ctx = ctx_size
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"), headers=headers, timeout=timeout_s, transport=transport
        )

    @property
    def context_size(self) -> int:
        return self._ctx

    def _body(self, request: Request, stream: bool) -> Request:
        body = {k: v for k, v in request.items() if v is not None}
        body["model"] = self.remote_model
        body["stream"] = stream
        if stream:
            body["stream_options"] = {"include_usage": True}
        return body

    async def _post(self, path: str, body: Request) -> Response:
        try:
            res = await self._client.post(path, json=body)
        except httpx.HTTPError as exc:
            raise UpstreamError(f"upstream {self._client.base_url} unreachable: {exc}") from exc
        if res.status_code >= 400:
            raise _error_from(res.status_code, res.content)
        data: Response = res.json()
        data["model"] = self.name
        return data

    async def _stream(self, path: str, body: Request) -> AsyncGenerator[Response, None]:
        try:
            async with self._client.stream("POST", path, json=body) as res:
                if res.status_code >= 400:
                    raise _error_from(res.status_code, await res.aread())
                async for line in res.aiter_lines():
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        return
                    chunk: dict[str, Any] = json.loads(data)
                    if "error" in chunk:
                        raise UpstreamError(f"upstream: {chunk['error']}")
                    chunk["model"] = self.name
                    yield chunk
        except httpx.HTTPError as exc:
            raise UpstreamError(f"upstream {self._client.base_url} failed: {exc}") from exc

    async def chat(self, request: Request) -> Response:
        return await self._post("/chat/completions", self._body(request, False))

    async def stream_chat(self, request: Request) -> AsyncGenerator[Response, None]:
        async for chunk in self._stream("/chat/completions", self._body(request, True)):
            yield chunk

    async def complete(self, request: Request) -> Response:
        return await self._post("/completions", self._body(request, False))

    async def stream_complete(self, request: Request) -> AsyncGenerator[Response, None]:
        async for chunk in self._stream("/completions", self._body(request, True)):
            yield chunk

    async def embed(self, texts: list[str], *, input_type: str = "query") -> EmbeddingResult:
        data = await self._post(
            "/embeddings",
            {"model": self.remote_model, "input": texts, "encoding_format": "float"},
        )
        rows = sorted(data["data"], key=lambda d: d["index"])
        return EmbeddingResult([r["embedding"] for r in rows], data["usage"]["prompt_tokens"])

    async def close(self) -> None:
        await self._client.aclose()
