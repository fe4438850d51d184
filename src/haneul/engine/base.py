"""Shared defaults for backends: every operation a backend lacks is a clear 400."""

from __future__ import annotations

import secrets
import time
from collections.abc import AsyncGenerator
from typing import Any

from haneul.engine.protocol import Capability, EmbeddingResult, Request, Response
from haneul.errors import UnsupportedError


def new_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(12)}"


def now() -> int:
    return int(time.time())


class BaseBackend:
    """Raises `UnsupportedError` for each capability a subclass does not implement."""

    capabilities: frozenset[Capability] = frozenset()

    def __init__(self, name: str) -> None:
        self.name = name

    @property
    def context_size(self) -> int:
        return 0

    async def start(self) -> None:
        return None

    def _unsupported(self, what: str) -> UnsupportedError:
        return UnsupportedError(f"model '{self.name}' does not support {what}", param="model")

    async def chat(self, request: Request) -> Response:
        raise self._unsupported("chat completions")

    async def stream_chat(self, request: Request) -> AsyncGenerator[Response, None]:
        raise self._unsupported("chat completions")
        yield {}  # pragma: no cover

    async def complete(self, request: Request) -> Response:
        raise self._unsupported("text completions")

    async def stream_complete(self, request: Request) -> AsyncGenerator[Response, None]:
        raise self._unsupported("text completions")
        yield {}  # pragma: no cover

    async def embed(self, texts: list[str], *, input_type: str = "query") -> EmbeddingResult:
        raise self._unsupported("embeddings")

    async def tokenize(self, text: str) -> list[int]:
        raise self._unsupported("tokenization")

    async def status(self) -> dict[str, Any]:
        """Runtime state for /health (slots busy, ...); empty when there is nothing to say."""
        return {}

    async def close(self) -> None:
        return None


def last_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            return message_text(message)
    return ""


def message_text(message: dict[str, Any]) -> str:
    """The text of a message whose content is a string or a list of text parts."""
    content = message.get("content")
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content if part.get("type") == "text")
