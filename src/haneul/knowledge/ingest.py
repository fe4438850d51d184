"""Ingestion: file bytes -> loader -> Korean-aware chunks -> morpheme terms, e5 vectors of
each chunk and of each of its sentences (the ranker's) -> one transaction per document.
A file whose content hash is unchanged is skipped; a
changed one replaces its old version; a file that cannot be read is reported with its
reason and the rest go on. Killed half-way, the store holds whole documents only, and
running the same ingest again skips what is done and completes the rest."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from haneul.errors import HaneulError
from haneul.knowledge.chunking import chunk_document
from haneul.knowledge.index import ChunkRecord, indexed_text
from haneul.knowledge.korean import sentences
from haneul.knowledge.library import DocumentInfo, Library
from haneul.knowledge.loaders import LoadedDocument, load_document, supported_suffixes

log = logging.getLogger(__name__)

EmbedPassages = Callable[[list[str]], Awaitable[np.ndarray]]
Status = Literal["added", "updated", "unchanged", "failed"]
MAX_FILE_BYTES = 100 * 1024 * 1024


@dataclass(frozen=True)
class IngestResult:
    name: str
    status: Status
    document: DocumentInfo | None = None
    reason: str | None = None  # why a file failed


@dataclass
class IngestProgress:
    total: int
    done: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    current: str | None = None
    results: list[IngestResult] = field(default_factory=list)

    def record(self, result: IngestResult) -> None:
        self.done += 1
        setattr(self, result.status, getattr(self, result.status) + 1)
        self.results.append(result)


def files_in(folder: Path) -> list[tuple[str, Path]]:
    """Supported files under a folder, recursively, named by their path relative to it
    (hidden files and folders are left out)."""
    suffixes = set(supported_suffixes())
    found = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue
        if path.suffix.lower() in suffixes:
            found.append((relative.as_posix(), path))
    return found


class Ingestor:
    def __init__(self, library: Library, embed: EmbedPassages | None, max_chars: int = 600):
        self.library = library
        self.embed = embed
        self.max_chars = max_chars

    async def ingest(self, collection_id: str, name: str, data: bytes) -> IngestResult:
        """Index one file's bytes under `name`; never raises for a bad file."""
        try:
            return await self._ingest(collection_id, name, data)
        except HaneulError as e:
            return IngestResult(name, "failed", reason=e.message)
        except Exception as e:  # a loader bug must not stop a folder of files
            log.exception("ingesting %s failed", name)
            return IngestResult(name, "failed", reason=f"{type(e).__name__}: {e}")

    async def _ingest(self, collection_id: str, name: str, data: bytes) -> IngestResult:
        if len(data) > MAX_FILE_BYTES:
            return IngestResult(name, "failed", reason="file is larger than 100 MiB")
        digest = hashlib.sha256(data).hexdigest()
        old = self.library.find_by_name(collection_id, name)
        if old is not None and old.sha256 == digest:
            return IngestResult(name, "unchanged", old)
        doc, records, analyzed, pieces = await asyncio.to_thread(self._prepare, name, data)
        vectors, sentence_vectors = await self._vectors(records, pieces)
        info = await asyncio.to_thread(
            lambda: self.library.write_document(
                collection_id,
                name=name,
                kind=doc.kind,
                sha256=digest,
                size=len(data),
                title=doc.title,
                created=doc.created,
                chunks=records,
                vectors=vectors,
                analyzed=analyzed,
                sentence_vectors=sentence_vectors,
            )
        )
        return IngestResult(name, "updated" if old else "added", info)

    def _prepare(
        self, name: str, data: bytes
    ) -> tuple[LoadedDocument, list[ChunkRecord], list[str], list[list[str]]]:
        doc = load_document(name, data)
        records = [
            ChunkRecord(c.text, c.start, c.end, c.page, c.heading)
            for c in chunk_document(doc, self.max_chars)
        ]
        analyzed = [" ".join(self.library.index.analyze(indexed_text(r))) for r in records]
        pieces = [
            [r.text[a:b] for a, b in sentences(r.text) if r.text[a:b].strip()] or [r.text]
            for r in records
        ]
        return doc, records, analyzed, pieces

    async def _vectors(
        self, records: list[ChunkRecord], pieces: list[list[str]]
    ) -> tuple[np.ndarray | None, list[np.ndarray | None] | None]:
        """The chunks' vectors and each chunk's sentences' vectors, in one batch (a chunk
        of one sentence lends that sentence its own vector)."""
        if not self.embed or not records:
            return None, None
        pairs = list(zip(records, pieces, strict=True))
        own = [len(g) > 1 or g[0].strip() != r.text.strip() for r, g in pairs]
        flat = [r.text for r in records]
        flat += [p for (_, g), o in zip(pairs, own, strict=True) if o for p in g]
        found = await self.embed(flat)
        out: list[np.ndarray | None] = []
        at = len(records)
        for i, (group, separate) in enumerate(zip(pieces, own, strict=True)):
            if separate:
                out.append(found[at : at + len(group)])
                at += len(group)
            else:
                out.append(found[i : i + 1])
        return found[: len(records)], out

    async def ingest_many(
        self,
        collection_id: str,
        files: Iterable[tuple[str, Callable[[], bytes]]],
        on_progress: Callable[[IngestProgress], None] | None = None,
    ) -> IngestProgress:
        """Ingest (name, read bytes) pairs in order, reporting progress after each."""
        items = list(files)
        progress = IngestProgress(total=len(items))
        for name, read in items:
            progress.current = name
            if on_progress:
                on_progress(progress)
            try:
                data = await asyncio.to_thread(read)
            except OSError as e:
                result = IngestResult(name, "failed", reason=f"cannot read the file: {e.strerror}")
            else:
                result = await self.ingest(collection_id, name, data)
            progress.record(result)
        progress.current = None
        if on_progress:
            on_progress(progress)
        return progress
