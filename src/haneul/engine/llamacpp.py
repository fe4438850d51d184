"""GGUF models through llama.cpp's own server engine, embedded with `xllamacpp`.

llama.cpp's server context does the continuous batching: `parallel` slots share one decode
step, and a request joins while others run. Each request blocks one worker thread inside
the C++ call (which releases the GIL); chunks cross back to the event loop through a queue.
A stream whose consumer goes away returns True from the chunk callback, which ends the
llama.cpp task and frees its slot at the next token.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import signal
import threading
from collections.abc import AsyncGenerator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from haneul.engine import tools
from haneul.engine.base import BaseBackend
from haneul.engine.protocol import Capability, Request, Response
from haneul.engine.whole import complete_characters
from haneul.errors import (
    ContextLengthError,
    EngineError,
    InvalidRequestError,
    ModelLoadError,
    UnsupportedError,
)

log = logging.getLogger(__name__)
_DONE = object()


@dataclass(frozen=True)
class LlamaCppOptions:
    threads: int = 2  # OpenMP threads for decoding and prompt processing
    parallel: int = 8  # slots decoded together (continuous batching)
    ctx_size: int = 2048  # tokens per slot; the KV cache holds ctx_size * parallel
    chat_template: str | None = None  # overrides the GGUF's template when set
    native_tools: bool = False  # the template renders `tools` itself
    chat: bool = True  # the model has a chat template (instruct model)
    lora: tuple[str, ...] = ()  # GGUF LoRA adapters applied at load (a tuned model)
    # a sliding-window model (Gemma 3) keeps its whole context per slot, so a turn reuses
    # the prefix it shares with the last (more KV memory). Off by default: with it on,
    # haneul-mini-ko's greedy answers change (docs/assistant.md)
    swa_full: bool = False


def _restore_signals(saved: dict[signal.Signals, Any]) -> None:
    """llama.cpp's init installs its own SIGINT/SIGTERM handlers; give Python's back."""
    if threading.current_thread() is not threading.main_thread():
        return
    for sig, handler in saved.items():
        if handler is not None:
            signal.signal(sig, handler)


def _raise_for(error: dict[str, Any]) -> None:
    err = error.get("error", error)
    message = str(err.get("message", "llama.cpp error"))
    kind = err.get("type", "")
    if "sampler" in message.lower():  # llama.cpp's own words; Haneul's instead
        raise InvalidRequestError(
            "the sampling parameters (temperature, top_p, top_k, min_p, penalties, "
            "logit_bias) cannot be used together; change them and retry"
        )
    if kind == "exceed_context_size_error":
        raise ContextLengthError(message, param="messages")
    if kind == "not_supported_error":
        raise UnsupportedError(message)
    if kind == "invalid_request_error" or err.get("code") == 400:
        raise InvalidRequestError(message)
    raise EngineError(message)


class LlamaCppBackend(BaseBackend):
    def __init__(self, name: str, path: Path, options: LlamaCppOptions) -> None:
        super().__init__(name)
        self.path = path
        self.options = options
        caps = {Capability.COMPLETION, Capability.JSON_SCHEMA}
        if options.chat:
            caps |= {Capability.CHAT, Capability.TOOLS}
        self.capabilities = frozenset(caps)
        self._server: Any = None
        self._secret = secrets.token_urlsafe(24)
        self._pool = ThreadPoolExecutor(
            max_workers=options.parallel * 2 + 4, thread_name_prefix=f"llama-{name}"
        )
        self._http: httpx.AsyncClient | None = None

    @property
    def context_size(self) -> int:
        return self.options.ctx_size

    def _params(self) -> Any:
        import xllamacpp as xlc

        o = self.options
        p = xlc.CommonParams()
        p.model.path = str(self.path)
        p.model_alias = {self.name}
        p.n_parallel = o.parallel
        p.n_ctx = o.ctx_size * o.parallel
        p.kv_unified = False
        # Without it llama.cpp cannot cut a sliding-window model's cache back to a shared
        # prefix and processes a conversation's whole prompt again at every turn.
        p.swa_full = o.swa_full
        p.cpuparams.n_threads = o.threads
        p.cpuparams_batch.n_threads = o.threads
        p.port = 0  # llama.cpp's HTTP side listens on a free loopback port, for /tokenize
        p.hostnames = ["127.0.0.1"]
        p.api_keys = [self._secret]
        p.ui = False
        p.verbosity = -1
        p.warmup = False
        if o.chat_template:
            p.chat_template = o.chat_template
        if o.lora:
            p.lora_adapters = [xlc.CommonAdapterLoraInfo(path, 1.0) for path in o.lora]
        return p

    async def start(self) -> None:
        import xllamacpp as xlc

        saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            params = self._params()
            self._server = await asyncio.get_running_loop().run_in_executor(
                self._pool, xlc.Server, params
            )
        except Exception as exc:  # a bad file, or not enough memory
            raise ModelLoadError(
                f"could not load model '{self.name}' from {self.path}: {exc}"
            ) from exc
        finally:
            _restore_signals(saved)
        self._http = httpx.AsyncClient(
            base_url=self._server.listening_address,
            headers={"Authorization": f"Bearer {self._secret}"},
            timeout=30,
        )
        log.info("loaded %s from %s (%d slots)", self.name, self.path, self.options.parallel)

    def _engine_request(self, request: Request, *, stream: bool) -> Request:
        body = {k: v for k, v in request.items() if v is not None}
        body["stream"] = stream
        body["model"] = self.name
        if stream:
            body["stream_options"] = {"include_usage": True}
        if "repetition_penalty" in body:
            body["repeat_penalty"] = body.pop("repetition_penalty")
        return body

    async def _call(self, fn: Callable[..., Any], body: Request) -> Response:
        loop = asyncio.get_running_loop()
        try:
            result: Response = await loop.run_in_executor(self._pool, fn, body)
        except ValueError as exc:  # e.g. a JSON schema llama.cpp cannot compile
            raise InvalidRequestError(str(exc), param="response_format") from exc
        if "error" in result or result.get("code", 200) >= 400:
            _raise_for(result)
        result["model"] = self.name
        result.pop("timings", None)
        return complete_characters(result)

    async def _stream(
        self, fn: Callable[..., Any], body: Request
    ) -> AsyncGenerator[Response, None]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        stop = threading.Event()

        def on_chunk(chunk: Any) -> bool:
            loop.call_soon_threadsafe(queue.put_nowait, chunk)
            return stop.is_set()

        def run() -> None:
            try:
                fn(body, on_chunk)
            except Exception as exc:
                loop.call_soon_threadsafe(queue.put_nowait, exc)
            finally:
                loop.call_soon_threadsafe(queue.put_nowait, _DONE)

        loop.run_in_executor(self._pool, run)
        try:
            while (item := await queue.get()) is not _DONE:
                if isinstance(item, ValueError):
                    raise InvalidRequestError(str(item), param="response_format")
                if isinstance(item, Exception):
                    raise EngineError(f"llama.cpp failed: {item}")
                if isinstance(item, dict) and "error" in item:
                    _raise_for(item)
                item["model"] = self.name
                item.pop("timings", None)
                yield item
        finally:
            stop.set()  # the next token's callback tells llama.cpp to stop this task

    def _tool_mode(self, request: Request) -> bool:
        """Whether the reply is constrained to tool calls or an answer (`tool_choice` "none"
        is plain text: the tools are only dropped, so the reply is never parsed as JSON)."""
        return (
            bool(request.get("tools"))
            and request.get("tool_choice") != "none"
            and not self.options.native_tools
        )

    def _rewrites(self, request: Request) -> bool:
        """Whether tools or tool turns must be rewritten for a template that knows none."""
        return not self.options.native_tools and (
            bool(request.get("tools")) or any(m.get("role") == "tool" for m in request["messages"])
        )

    async def chat(self, request: Request) -> Response:
        if self._tool_mode(request):
            prepared = tools.prepare(request)
            return tools.finish(
                await self._call(
                    self._server.handle_chat_completions,
                    self._engine_request(prepared, stream=False),
                ),
                parallel=request.get("parallel_tool_calls") is not False,
            )
        if self._rewrites(request):
            request = tools.prepare(request)
        return await self._call(
            self._server.handle_chat_completions, self._engine_request(request, stream=False)
        )

    async def stream_chat(self, request: Request) -> AsyncGenerator[Response, None]:
        if self._tool_mode(request):
            for chunk in tools.as_chunks(await self.chat(request)):
                yield chunk
            return
        if self._rewrites(request):
            request = tools.prepare(request)
        body = self._engine_request(request, stream=True)
        async for chunk in self._stream(self._server.handle_chat_completions, body):
            yield chunk

    async def complete(self, request: Request) -> Response:
        return await self._call(
            self._server.handle_completions, self._engine_request(request, stream=False)
        )

    async def stream_complete(self, request: Request) -> AsyncGenerator[Response, None]:
        body = self._engine_request(request, stream=True)
        async for chunk in self._stream(self._server.handle_completions, body):
            yield chunk

    async def tokenize(self, text: str) -> list[int]:
        if self._http is None:
            raise EngineError(f"model '{self.name}' is not loaded")
        res = await self._http.post("/tokenize", json={"content": text, "add_special": False})
        if res.status_code != 200:
            raise EngineError(f"tokenize failed: {res.text}")
        tokens: list[int] = res.json()["tokens"]
        return tokens

    async def status(self) -> dict[str, Any]:
        if self._http is None:
            return {}
        res = await self._http.get("/slots")
        slots = res.json() if res.status_code == 200 else []
        busy = sum(1 for slot in slots if slot.get("is_processing"))
        return {"slots": len(slots), "slots_busy": busy}

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()
        self._server = None  # the destructor stops llama.cpp's loop and joins its thread
        self._pool.shutdown(wait=False, cancel_futures=True)


def has_native_tools(template: str | None) -> bool:
    """Whether a chat template renders `tools` itself (and so llama.cpp can parse calls)."""
    return bool(template) and "tools" in (template or "") and "tool_call" in (template or "")
