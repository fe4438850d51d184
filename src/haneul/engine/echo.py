"""A deterministic backend for testing the layers above the engine.

Chat replies with the last user message, one character per chunk (so Hangul arrives whole);
completions echo the prompt. `/call NAME {json}` as the user message produces a tool call,
so tool round trips can be tested without a model. `/loop UNIT` repeats UNIT until
`max_tokens` (a model stuck in a loop) and `/stall TEXT` sends TEXT and then chunks with no
text until `max_tokens` (a model stuck on invisible tokens), for the loop guard's tests.
`delay_s` slows each chunk, for tests of concurrency, cancellation and limits. Tokens are
characters.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

from haneul.engine.base import BaseBackend, last_user_text, new_id, now
from haneul.engine.protocol import Capability, EmbeddingResult, Request, Response
from haneul.errors import ContextLengthError


class EchoBackend(BaseBackend):
    capabilities = frozenset(
        {Capability.CHAT, Capability.COMPLETION, Capability.EMBEDDING, Capability.TOOLS}
    )

    def __init__(self, name: str = "echo", *, delay_s: float = 0.0, ctx_size: int = 4096):
        super().__init__(name)
        self.delay_s = delay_s
        self._ctx = ctx_size
        self.active = 0  # generations running now (tests read it to check cancellation)

    @property
    def context_size(self) -> int:
        return self._ctx

    def _reply(self, request: Request) -> tuple[str, list[dict[str, Any]] | None, int]:
        messages = request["messages"]
        prompt_tokens = sum(len(str(m.get("content") or "")) for m in messages)
        if prompt_tokens > self._ctx:
            raise ContextLengthError(
                f"prompt is {prompt_tokens} tokens, the context holds {self._ctx}",
                param="messages",
            )
        text = last_user_text(messages)
        if text.startswith("/call ") and request.get("tools"):
            name, _, args = text[len("/call ") :].partition(" ")
            call = {
                "id": new_id("call"),
                "type": "function",
                "function": {"name": name, "arguments": args or "{}"},
            }
            return "", [call], prompt_tokens
        limit = request.get("max_tokens") or len(text)
        return _expand(text, limit)[:limit], None, prompt_tokens

    async def chat(self, request: Request) -> Response:
        text, calls, prompt_tokens = self._reply(request)
        message: dict[str, Any] = {"role": "assistant", "content": text or None}
        if calls:
            message["tool_calls"] = calls
        return {
            "id": new_id("chatcmpl"),
            "object": "chat.completion",
            "created": now(),
            "model": self.name,
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "finish_reason": "tool_calls" if calls else "stop",
                }
            ],
            "usage": _usage(prompt_tokens, len(text)),
        }

    async def stream_chat(self, request: Request) -> AsyncGenerator[Response, None]:
        text, calls, prompt_tokens = self._reply(request)
        cid, created = new_id("chatcmpl"), now()

        def chunk(delta: dict[str, Any], finish: str | None = None) -> Response:
            return {
                "id": cid,
                "object": "chat.completion.chunk",
                "created": created,
                "model": self.name,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }

        self.active += 1
        try:
            yield chunk({"role": "assistant", "content": ""})
            if calls:
                tool_deltas = [{"index": i, **c} for i, c in enumerate(calls)]
                yield chunk({"tool_calls": tool_deltas})
            for ch in text:
                await asyncio.sleep(self.delay_s)
                yield chunk({"content": ch})
            blanks = _blanks(last_user_text(request["messages"]), request, len(text))
            for _ in range(blanks):
                await asyncio.sleep(self.delay_s)
                yield chunk({"content": ""})
            finish = "tool_calls" if calls else ("length" if blanks else "stop")
            yield chunk({}, finish)
            usage = chunk({})
            usage["choices"] = []
            usage["usage"] = _usage(prompt_tokens, len(text))
            yield usage
        finally:
            self.active -= 1

    async def complete(self, request: Request) -> Response:
        prompt = request["prompt"]
        text = _expand(prompt, request.get("max_tokens") or len(prompt))
        text = text[: request.get("max_tokens") or len(text)]
        return {
            "id": new_id("cmpl"),
            "object": "text_completion",
            "created": now(),
            "model": self.name,
            "choices": [{"index": 0, "text": text, "finish_reason": "stop", "logprobs": None}],
            "usage": _usage(len(prompt), len(text)),
        }

    async def stream_complete(self, request: Request) -> AsyncGenerator[Response, None]:
        whole = await self.complete(request)
        for ch in whole["choices"][0]["text"]:
            await asyncio.sleep(self.delay_s)
            yield {**whole, "choices": [{"index": 0, "text": ch, "finish_reason": None}]}
        yield {**whole, "choices": [{"index": 0, "text": "", "finish_reason": "stop"}]}

    async def embed(self, texts: list[str], *, input_type: str = "query") -> EmbeddingResult:
        vectors = [[float(len(t)), float(sum(map(ord, t)) % 997), 1.0] for t in texts]
        return EmbeddingResult(vectors, sum(len(t) for t in texts))

    async def status(self) -> dict[str, Any]:
        return {"active": self.active}

    async def tokenize(self, text: str) -> list[int]:
        return [ord(c) for c in text]


def _expand(text: str, limit: int) -> str:
    """The reply to `/loop UNIT` (UNIT repeated to `limit` characters) or `/stall TEXT`."""
    if text.startswith("/loop ") and text[len("/loop ") :]:
        unit = text[len("/loop ") :]
        return unit * (limit // len(unit) + 1)
    if text.startswith("/stall "):
        return text[len("/stall ") :]
    return text


def _blanks(text: str, request: Request, sent: int) -> int:
    """How many empty chunks follow a `/stall` reply (up to `max_tokens` in all)."""
    if not text.startswith("/stall "):
        return 0
    return max(0, int(request.get("max_tokens") or 256) - sent)


def _usage(prompt: int, completion: int) -> dict[str, int]:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }
