"""The one chat serving path. Every chat dialect (OpenAI, CLOVA Studio v1/v3 and tasks, the
assistant's conversations) is a formatter over it, never a copy of the flow:

    wire request -> the formatter's `ChatCompletionRequest`
      -> `prepare`: the model checked (alias, chat capability), the engine body (`max_tokens`
         against the context), the AI Filter on the way in (block, refuse, mask, annotate)
      -> `whole` or `stream`: admission to one of the key's and the engine's slots under one
         deadline, the run, the AI Filter on the way out, the metrics (in-flight generations,
         time to the first token, tokens, client disconnects); a client that leaves closes
         the engine stream and frees the slot
      -> the formatter's wire reply (`server/sse.py` frames streams).

`run_whole` and `run_stream` are the admitted, metered run on their own, for text
completions and the assistant's turns (whose AI Filter runs inside the turn).
"""

from __future__ import annotations

import functools
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from haneul.config import Settings
from haneul.engine.catalog import ModelEntry
from haneul.engine.manager import ModelManager
from haneul.engine.protocol import Backend, Capability
from haneul.errors import HaneulError, InvalidRequestError
from haneul.server.auth import Principal
from haneul.server.clova.compat import repetition_penalty
from haneul.server.guard import ChatGuard
from haneul.server.limits import Lease, Limiter, engine_pool
from haneul.server.metrics import Metrics
from haneul.server.openai.schemas import (
    ChatCompletionRequest,
    Sampling,
    check_prompt_chars,
    prompt_texts,
)
from haneul.store.usage import UsageMeter

Item = dict[str, Any]
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
_HINT = {"chat": "chat", "completion": "/v1/completions", "embedding": "/v1/embeddings"}


@dataclass
class ChatCall:
    """A chat request checked and screened, ready to run."""

    entry: ModelEntry
    backend: Backend
    body: dict[str, Any]  # what the engine is given
    refused: str | None  # the AI Filter's refusal, sent in place of the model's answer
    include_filters: bool  # the client asked for the AI Filter's verdict

    @property
    def model(self) -> str:
        return self.entry.name


def _usage(item: Item) -> dict[str, Any] | None:
    usage = item.get("usage")
    return usage if isinstance(usage, dict) else None


class ChatServing:
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

    def count_usage(self, model: str, owner: str, usage: dict[str, Any] | None) -> None:
        """A generation's usage, in the metrics by model and in the meter by owner."""
        self.metrics.count_usage(model, usage)
        if self.usage is not None and owner and usage is not None:
            self.usage.add(owner, tokens=int(usage.get("total_tokens") or 0))

    # -- checks ------------------------------------------------------------------------
    async def backend(self, model: str | None, need: Capability) -> tuple[ModelEntry, Backend]:
        """The loaded backend of `model` (an alias resolved), a 4xx if it cannot do `need`."""
        if need == Capability.EMBEDDING and not model:
            model = self.settings.embedding_model
        entry = self.manager.resolve(model)
        if need.value != entry.task and not (
            need == Capability.COMPLETION and entry.task == "chat"
        ):
            raise InvalidRequestError(
                f"model '{entry.name}' is a {entry.task} model and cannot serve {_WHAT[need]}; "
                f"use it with {_HINT[entry.task]}",
                param="model",
            )
        return await self.manager.get(entry.name)

    async def chat_backend(self, model: str | None) -> tuple[ModelEntry, Backend]:
        """The loaded backend of chat model `model` (a 4xx if it cannot chat)."""
        return await self.backend(model, Capability.CHAT)

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

    # -- chat --------------------------------------------------------------------------
    async def prepare(
        self, req: ChatCompletionRequest, principal: Principal, *, include_filters: bool = False
    ) -> ChatCall:
        """`req` checked against its model and screened by the key's AI Filter policy (a
        blocked message is a 400 here, before anything is admitted or streamed)."""
        entry, backend = await self.chat_backend(req.model)
        body = self.engine_body(req, backend)
        refused = await self.guard.screen_input(body, principal)
        return ChatCall(entry, backend, body, refused, include_filters)

    async def whole(self, call: ChatCall, principal: Principal) -> Item:
        """The model's whole answer to `call`, screened on the way out."""
        reply = await self.run_whole(
            call.entry, principal, lambda: all_counted(call.backend.chat(call.body), call)
        )
        return await self.guard.screen_output(reply, principal, call.include_filters)

    async def stream(self, call: ChatCall, principal: Principal) -> AsyncGenerator[Item, None]:
        """The answer's chunks, the first already come (so a request the engine refuses is
        still a 4xx); with the verdict as a last chunk when asked for."""
        chunks = self.guard.watch_stream(
            call.backend.stream_chat(call.body), principal, call.include_filters
        )
        return await self.run_stream(call.entry, principal, chunks)

    async def judge_refusal(self, call: ChatCall) -> list[dict[str, str]] | None:
        """The AI Filter's verdict on the refusal sent in place of the answer, if asked."""
        return await self.guard.judge(call.refused or "", call.include_filters)

    # -- the admitted, metered run -----------------------------------------------------
    async def run_whole(
        self, entry: ModelEntry, principal: Principal, call: Callable[[], Awaitable[Item]]
    ) -> Item:
        """`call()` run in an admitted slot, counted in flight and by its usage."""
        lease = await self.admit(principal, entry)
        self.metrics.inflight.labels(entry.name).inc()
        try:
            result = await call()
        finally:
            lease.release()
            self.metrics.inflight.labels(entry.name).dec()
        self.count_usage(entry.name, principal.owner, _usage(result))
        return result

    async def run_stream(
        self,
        entry: ModelEntry,
        principal: Principal,
        items: AsyncGenerator[Item, None],
        *,
        prefetch: bool = True,
        is_token: Callable[[Item], bool] = lambda item: True,
    ) -> AsyncGenerator[Item, None]:
        """`items` run in an admitted slot: counted in flight, by usage and by the time to
        their first token (`is_token`); with `prefetch` the first item comes before this
        returns, so an error before the answer starts is raised here, not in the stream.
        Closing the result (a client that left) closes `items` and frees the slot."""
        lease = await self.admit(principal, entry)
        count = functools.partial(self.count_usage, entry.name, principal.owner)
        run = _Run(self.metrics, entry.name, lease, is_token, count)
        first: list[Item] = []
        if prefetch:
            try:
                first.append(await anext(items))
            except StopAsyncIteration:
                pass
            except BaseException:
                await items.aclose()
                run.end(finished=True)
                raise
        return run.through(first, items)


class _Run:
    """The metrics and the slot of one streamed generation."""

    def __init__(
        self,
        metrics: Metrics,
        model: str,
        lease: Lease,
        is_token: Callable[[Item], bool],
        count: Callable[[dict[str, Any] | None], None],
    ) -> None:
        self.metrics, self.model, self.lease, self.is_token = metrics, model, lease, is_token
        self.count = count
        self.start = time.perf_counter()
        self.first_token = False
        self.ended = False
        metrics.inflight.labels(model).inc()

    def see(self, item: Item) -> None:
        if not self.first_token and self.is_token(item):
            self.first_token = True
            self.metrics.ttft.labels(self.model).observe(time.perf_counter() - self.start)
        self.count(_usage(item))

    def end(self, *, finished: bool) -> None:
        if self.ended:
            return
        self.ended = True
        if not finished:
            self.metrics.disconnects.labels(self.model).inc()
        self.metrics.inflight.labels(self.model).dec()
        self.lease.release()

    async def through(
        self, first: list[Item], items: AsyncGenerator[Item, None]
    ) -> AsyncGenerator[Item, None]:
        finished = False
        try:
            for item in first:
                self.see(item)
                yield item
            async for item in items:
                self.see(item)
                yield item
            finished = True
        except HaneulError:
            finished = True  # an error the formatter reports in the stream, not a disconnect
            raise
        finally:
            await items.aclose()
            self.end(finished=finished)


async def all_counted(reply: Awaitable[Item], call: ChatCall) -> Item:
    """`reply` with its usage counted over all its choices."""
    response = await reply
    await _usage_over_choices(response, call.backend, call.body["max_tokens"])
    return response


async def _usage_over_choices(response: Item, backend: Backend, max_tokens: int) -> None:
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
