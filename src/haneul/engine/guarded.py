"""The loop and length guard every generation goes through, whatever the caller (assistant,
OpenAI and CLOVA routes, the CLI through the server): the `ModelManager` wraps each backend.

- Sampling defaults from the model's catalog entry (`options["sampling"]`, e.g. llama.cpp's
  DRY and repetition penalties) fill in what a request leaves out; a request's own values win.
- A `LoopDetector` reads every streamed answer. When it fires, the engine stream is closed
  (llama.cpp frees the slot at its next token) and the answer ends with `finish_reason`
  "loop". Whole (non-streaming) answers are generated through the same stream, so they stop
  as early; tool calls and constrained output are checked afterwards and trimmed.

`finish_reason` "loop" is Haneul's own value; the OpenAI and CLOVA wire formats carry it as
"length" plus `stop_reason: "loop"` (`wire_finish`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import aclosing
from typing import Any

from haneul.engine.base import message_text
from haneul.engine.loops import LoopDetector, Verdict, find_loop
from haneul.engine.protocol import Backend, Capability, EmbeddingResult, Request, Response

log = logging.getLogger(__name__)

LOOP = "loop"
_ALIASES = {"repeat_penalty": "repetition_penalty"}  # the engine's name, the request's name
_WHOLE_AS_STREAM_BLOCKERS = ("tools", "response_format", "logprobs", "grammar", "json_schema")


def wire_finish(choice: dict[str, Any]) -> dict[str, Any]:
    """A choice as strict wire formats carry it: "loop" becomes "length" (the answer was cut
    short) with `stop_reason: "loop"` saying why."""
    if choice.get("finish_reason") == LOOP:
        return {**choice, "finish_reason": "length", "stop_reason": LOOP}
    return choice


def with_defaults(request: Request, sampling: dict[str, Any]) -> Request:
    """`request` with the catalog's sampling values it does not set itself (a request's
    `repetition_penalty` counts as llama.cpp's `repeat_penalty`)."""
    body = dict(request)
    for key, value in sampling.items():
        if body.get(key) is None and body.get(_ALIASES.get(key, key)) is None:
            body[key] = value
    return body


def wire_response(response: dict[str, Any]) -> dict[str, Any]:
    """`wire_finish` on every choice of a response or chunk."""
    if not response.get("choices"):
        return response
    return {**response, "choices": [wire_finish(c) for c in response["choices"]]}


class GuardedBackend:
    """A `Backend` with catalog sampling defaults and the loop guard around `inner`."""

    def __init__(
        self, inner: Backend, *, sampling: dict[str, Any] | None = None, guard: bool = True
    ) -> None:
        self.inner = inner
        self.sampling = dict(sampling or {})
        self.guard = guard
        self.capabilities: frozenset[Capability] = inner.capabilities

    def __getattr__(self, name: str) -> Any:  # the inner backend's own attributes
        return getattr(self.inner, name)

    @property
    def context_size(self) -> int:
        return self.inner.context_size

    async def start(self) -> None:
        await self.inner.start()

    async def embed(self, texts: list[str], *, input_type: str = "query") -> EmbeddingResult:
        return await self.inner.embed(texts, input_type=input_type)

    async def tokenize(self, text: str) -> list[int]:
        return await self.inner.tokenize(text)

    async def status(self) -> dict[str, Any]:
        return await self.inner.status()

    async def close(self) -> None:
        await self.inner.close()

    # -- generation --------------------------------------------------------------------
    def _request(self, request: Request) -> Request:
        return with_defaults(request, self.sampling)

    def _guarded(self, request: Request) -> bool:
        return self.guard and not request.get("ignore_eos")

    async def chat(self, request: Request) -> Response:
        return await self._whole(request, self.inner.chat, self.stream_chat, "delta", "message")

    async def stream_chat(self, request: Request) -> AsyncGenerator[Response, None]:
        body = self._request(request)
        async for chunk in self._stream(self.inner.stream_chat(body), body, "delta"):
            yield chunk

    async def complete(self, request: Request) -> Response:
        return await self._whole(request, self.inner.complete, self.stream_complete, "text", "text")

    async def stream_complete(self, request: Request) -> AsyncGenerator[Response, None]:
        body = self._request(request)
        async for chunk in self._stream(self.inner.stream_complete(body), body, "text"):
            yield chunk

    async def _whole(
        self,
        request: Request,
        whole: Callable[[Request], Awaitable[Response]],
        stream: Callable[[Request], AsyncGenerator[Response, None]],
        stream_field: str,
        field: str,
    ) -> Response:
        """A whole answer: watched as a stream (so a loop stops as early), or, where the
        request cannot stream (tools, response formats, n > 1...), trimmed once complete."""
        body = self._request(request)
        if not self._guarded(body):
            return await whole(body)
        if any(body.get(k) for k in _WHOLE_AS_STREAM_BLOCKERS) or (body.get("n") or 1) > 1:
            return _trim(await whole(body), field)
        return await _gather(stream(body), stream_field)

    async def _stream(
        self, chunks: AsyncGenerator[Response, None], body: Request, field: str
    ) -> AsyncGenerator[Response, None]:
        if not self._guarded(body):
            async with aclosing(chunks):
                async for chunk in chunks:
                    yield chunk
            return
        async for chunk in self._watch(chunks, body, field):
            yield chunk

    async def _watch(
        self, chunks: AsyncGenerator[Response, None], body: Request, field: str
    ) -> AsyncGenerator[Response, None]:
        """Pass chunks through until the detector fires; then close the engine stream and end
        with a "loop" finish and an estimated usage chunk."""
        detector = LoopDetector()
        pieces = 0
        last: Response | None = None
        async with aclosing(chunks):
            async for chunk in chunks:
                choices = chunk.get("choices") or []
                verdict: Verdict | None = None
                for choice in choices:
                    if field == "delta" and choice.get("delta", {}).get("tool_calls"):
                        continue
                    piece = _piece(choice, field)
                    if choice.get("finish_reason") is None:
                        pieces += 1
                        verdict = detector.feed(piece) or verdict
                yield chunk
                last = chunk
                if verdict is not None:
                    break
            else:
                return
        # the engine stream is closed here: llama.cpp stops the task at its next token
        assert verdict is not None
        log.info("stopped a repeating answer of %s (%s rule)", _name(self.inner), verdict.rule)
        assert last is not None
        end = {k: v for k, v in last.items() if k not in ("usage", "choices")}
        stop: dict[str, Any] = {"index": 0, "finish_reason": LOOP}
        if field == "delta":
            stop["delta"] = {}
        else:
            stop.update(text="", logprobs=None)
        yield {**end, "choices": [stop]}
        prompt = await self._prompt_tokens(body)
        usage = {"prompt_tokens": prompt, "completion_tokens": pieces}
        yield {**end, "choices": [], "usage": {**usage, "total_tokens": prompt + pieces}}

    async def _prompt_tokens(self, body: Request) -> int:
        """The prompt's tokens, counted again (the stopped engine never reported them)."""
        if "messages" in body:
            text = "\n".join(message_text(m) for m in body["messages"])
        else:
            text = str(body.get("prompt") or "")
        try:
            return len(await self.inner.tokenize(text))
        except Exception:  # a backend without tokenization: count characters
            return len(text)


def _name(backend: Any) -> str:
    return str(getattr(backend, "name", "model"))


def _piece(choice: dict[str, Any], field: str) -> str:
    if field == "delta":
        return str(choice.get("delta", {}).get("content") or "")
    return str(choice.get("text") or "")


def _trim(response: Response, field: str) -> Response:
    """A whole answer that loops, cut where the repeats began, with finish_reason "loop"."""
    for choice in response.get("choices", []):
        holder = choice.get("message", {}) if field == "message" else choice
        key = "content" if field == "message" else "text"
        text = holder.get(key)
        if isinstance(text, str) and (verdict := find_loop(text)) is not None:
            holder[key] = text[: verdict.keep]
            choice["finish_reason"] = LOOP
    return response


async def _gather(chunks: AsyncGenerator[Response, None], field: str) -> Response:
    """A whole `chat.completion` (field "delta") or `text_completion` (field "text") from a
    stream of chunks."""
    parts: list[str] = []
    head: Response = {}
    finish: str | None = None
    usage: dict[str, Any] | None = None
    async with aclosing(chunks):
        async for chunk in chunks:
            head = head or chunk
            usage = chunk.get("usage") or usage
            for choice in chunk.get("choices") or []:
                piece = (
                    choice.get("delta", {}).get("content")
                    if field == "delta"
                    else choice.get("text")
                )
                parts.append(str(piece or ""))
                finish = choice.get("finish_reason") or finish
    whole = {k: v for k, v in head.items() if k not in ("choices", "usage")}
    text, finish = "".join(parts), finish or "stop"
    if field == "delta":
        whole["object"] = "chat.completion"
        message = {"role": "assistant", "content": text}
        whole["choices"] = [{"index": 0, "message": message, "finish_reason": finish}]
    else:
        whole["object"] = "text_completion"
        choice = {"index": 0, "text": text, "finish_reason": finish, "logprobs": None}
        whole["choices"] = [choice]
    if usage is not None:
        whole["usage"] = usage
    return whole
