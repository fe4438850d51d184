"""The Backend protocol: what every model runtime offers the layers above.

Requests and responses are OpenAI-shaped dicts (`chat.completion`, `chat.completion.chunk`,
`text_completion`), validated before they reach a backend. A backend raises `HaneulError`
subclasses; it never returns an error object.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

Request = dict[str, Any]
Response = dict[str, Any]


class Capability(StrEnum):
    CHAT = "chat"
    COMPLETION = "completion"
    EMBEDDING = "embedding"
    TOOLS = "tools"
    JSON_SCHEMA = "json_schema"


@dataclass(frozen=True)
class EmbeddingResult:
    vectors: list[list[float]]
    prompt_tokens: int


@runtime_checkable
class Backend(Protocol):
    """One loaded model. All methods are safe to call concurrently."""

    capabilities: frozenset[Capability]

    @property
    def context_size(self) -> int:
        """Tokens one request may use (prompt + completion)."""
        ...

    async def start(self) -> None:
        """Load the model; called once before any other method."""
        ...

    async def chat(self, request: Request) -> Response:
        """A whole `chat.completion` for an OpenAI chat request."""
        ...

    def stream_chat(self, request: Request) -> AsyncGenerator[Response, None]:
        """`chat.completion.chunk`s; the last may carry `usage` with empty `choices`."""
        ...

    async def complete(self, request: Request) -> Response:
        """A whole `text_completion`."""
        ...

    def stream_complete(self, request: Request) -> AsyncGenerator[Response, None]:
        """`text_completion` chunks."""
        ...

    async def embed(self, texts: list[str], *, input_type: str = "query") -> EmbeddingResult:
        """One vector per text."""
        ...

    async def tokenize(self, text: str) -> list[int]:
        """Token ids of `text` (no special tokens added)."""
        ...

    async def status(self) -> dict[str, Any]:
        """Runtime state for /health, e.g. `{"slots": 8, "slots_busy": 2}`."""
        ...

    async def close(self) -> None:
        """Free the model; the backend is unusable afterwards."""
        ...
