"""Ingestion, lexical first: file bytes -> loader -> Korean-aware chunks -> morpheme terms ->
one transaction per document, which makes it searchable by BM25 and puts its chunks on
the embedding queue; the e5 vectors of each chunk and of each of its sentences (the
ranker's) fill in behind it (`embed_queue.py`), or before `ingest` returns when the
Ingestor is asked to wait for them (`wait_dense`, today's embed-before-searchable path).
A file whose content hash is unchanged is skipped; a
changed one replaces its old version; a file that cannot be read is reported with its
reason and the rest go on. Killed half-way, the store holds whole documents only, and
running the same ingest again skips what is done and completes the rest."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from haneul.errors import HaneulError
from haneul.knowledge import archive
from haneul.knowledge.chunking import Chunk, analysed_chunks, chunk_document
from haneul.knowledge.embed_queue import EmbedPassages, EmbedQueue
from haneul.knowledge.index import ChunkRecord, indexed_text
from haneul.knowledge.korean import terms
from haneul.knowledge.library import DocumentInfo, Library
from haneul.knowledge.loaders import LoadedDocument, load_document, supported_suffixes

log = logging.getLogger(__name__)

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
    chunks: int = 0  # written by this ingest, searchable by BM25
    current: str | None = None
    results: list[IngestResult] = field(default_factory=list)

    def record(self, result: IngestResult) -> None:
        self.done += 1
        setattr(self, result.status, getattr(self, result.status) + 1)
        if result.status in ("added", "updated") and result.document:
            self.chunks += result.document.chunks
        self.results.append(result)


def files_in(folder: Path, skipped: Counter[str] | None = None) -> list[tuple[str, Path]]:
    """Supported files (and zip archives) under a folder, recursively, named by their path
    relative to it (hidden and system files and folders are left out: `archive.left_out`).
    `skipped` counts the other files by suffix (".doc", "no suffix"), for saying what a
    folder held that was not read."""
    suffixes = set(supported_suffixes())
    found = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if archive.left_out(relative.parts) or not path.is_file():
            continue
        if path.suffix.lower() in suffixes or archive.is_archive(path.name):
            found.append((relative.as_posix(), path))
        elif skipped is not None:
            skipped[path.suffix.lower() or "no suffix"] += 1
    return found


def gone_from(
    documents: Iterable[DocumentInfo], folder: str, present: Iterable[str]
) -> list[DocumentInfo]:
    """The documents added from `folder` (named «folder/…») whose file is no longer among
    the folder's `present` names (as `files_in` names them, under `folder/`): deleted or
    renamed on the drive since. A zip archive's documents («folder/자료.zip/인사/휴가.hwp»)
    are gone with their archive."""
    keep = {unicodedata.normalize("NFC", name) for name in present}
    archives = tuple(name + "/" for name in keep if archive.is_archive(name))
    prefix = unicodedata.normalize("NFC", folder) + "/"
    return [
        d
        for d in documents
        if d.name.startswith(prefix) and d.name not in keep and not d.name.startswith(archives)
    ]


def counted(skipped: Counter[str]) -> str:
    """«.zip 2, .doc 1»: files left unread, by suffix, most first."""
    return ", ".join(f"{suffix} {n}" for suffix, n in skipped.most_common())


def _failed(name: str, error: HaneulError) -> IngestResult:
    # the result names the file already: "깨진.pdf: not a valid PDF…" → "not a valid…"
    return IngestResult(name, "failed", reason=error.message.removeprefix(f"{name}: "))


class Ingestor:
    """`embed` None: lexical only (nothing queued). `wait_dense`: `ingest` returns once the
    collection's queue is empty (the old embed-before-searchable contract); otherwise as
    soon as the document is searchable by BM25, its vectors left to a worker or a
    later `queue.drain`."""

    def __init__(
        self,
        library: Library,
        embed: EmbedPassages | None,
        max_chars: int = 600,
        wait_dense: bool = True,
    ):
        self.library = library
        self.queue = EmbedQueue(library, embed) if embed else None
        self.max_chars = max_chars
        self.wait_dense = wait_dense

    async def ingest(self, collection_id: str, name: str, data: bytes) -> IngestResult:
        """Index one file's bytes under `name`; never raises for a bad file. The name is
        kept in NFC: a Mac writes Korean file names decomposed (ㅎ+ㅗ+ㅣ…), which would
        neither match the name as typed nor show as one syllable in some fonts."""
        name = unicodedata.normalize("NFC", name)
        try:
            result = await self._ingest(collection_id, name, data)
        except HaneulError as e:
            return _failed(name, e)
        except Exception as e:  # a loader bug must not stop a folder of files
            log.exception("ingesting %s failed", name)
            return IngestResult(name, "failed", reason=f"{type(e).__name__}: {e}")
        if self.queue and self.wait_dense:
            await self.queue.drain(collection_id)
        return result

    async def _ingest(self, collection_id: str, name: str, data: bytes) -> IngestResult:
        if len(data) > MAX_FILE_BYTES:
            return IngestResult(name, "failed", reason="file is larger than 100 MiB")
        digest = hashlib.sha256(data).hexdigest()
        # off the loop: the library's lock may be held by the embedding worker's write
        old = await asyncio.to_thread(self.library.find_by_name, collection_id, name)
        if old is not None and old.sha256 == digest:
            return IngestResult(name, "unchanged", old)
        doc, records, analyzed = await asyncio.to_thread(self._prepare, name, data)
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
                vectors=None,
                analyzed=analyzed,
                queue=self.queue is not None,
            )
        )
        return IngestResult(name, "updated" if old else "added", info)

    def _prepare(
        self, name: str, data: bytes
    ) -> tuple[LoadedDocument, list[ChunkRecord], list[str]]:
        """Load, chunk and analyse: Kiwi's lock is taken a slice or a chunk at a time. With
        the default analyser, one Kiwi pass gives a section's chunks and their terms."""
        doc = load_document(name, data)
        analyze = self.library.index.analyze
        pairs: list[tuple[Chunk, list[str] | None]]
        if analyze is not terms:  # a custom analyser: chunk, then analyse each chunk
            pairs = [(c, None) for c in chunk_document(doc, self.max_chars)]
        else:
            pairs = analysed_chunks(doc, self.max_chars)
        records = [ChunkRecord(c.text, c.start, c.end, c.page, c.heading) for c, _ in pairs]
        analyzed = [
            " ".join(found if found is not None else analyze(indexed_text(r)))
            for r, (_, found) in zip(records, pairs, strict=True)
        ]
        return doc, records, analyzed

    async def _unpack(
        self, name: str, data: bytes
    ) -> list[tuple[str, Callable[[], bytes]]] | IngestResult:
        """A zip's documents, or the failed result that says why there are none."""
        skipped: Counter[str] = Counter()
        try:
            inside = await asyncio.to_thread(archive.members, name, data, skipped)
        except HaneulError as e:
            return _failed(name, e)
        if not inside:
            held = f" (it holds {counted(skipped)})" if skipped else ""
            return IngestResult(name, "failed", reason=f"the archive holds no documents{held}")
        return inside

    async def ingest_many(
        self,
        collection_id: str,
        files: Iterable[tuple[str, Callable[[], bytes]]],
        on_progress: Callable[[IngestProgress], None] | None = None,
    ) -> IngestProgress:
        """Ingest (name, read bytes) pairs in order, reporting progress after each."""
        items = list(files)
        if self.queue is not None:
            self.queue.lexical_running += 1  # the background worker defers to this ingest
        try:
            return await self._ingest_each(collection_id, items, on_progress)
        finally:
            if self.queue is not None:
                self.queue.lexical_running -= 1

    async def _ingest_each(
        self,
        collection_id: str,
        items: list[tuple[str, Callable[[], bytes]]],
        on_progress: Callable[[IngestProgress], None] | None,
    ) -> IngestProgress:
        progress = IngestProgress(total=len(items))
        queue = list(reversed(items))  # popped from the end: an archive's members go next
        while queue:
            name, read = queue.pop()
            progress.current = name
            if on_progress:
                on_progress(progress)
            try:
                data = await asyncio.to_thread(read)
            except OSError as e:
                result = IngestResult(name, "failed", reason=f"cannot read the file: {e.strerror}")
            except HaneulError as e:  # a zip's member that cannot be unpacked
                result = _failed(name, e)
            else:
                if archive.is_archive(name):  # its documents, in its place in the order
                    inside = await self._unpack(name, data)
                    if isinstance(inside, list):
                        progress.total += len(inside) - 1
                        queue += reversed(inside)
                        continue
                    result = inside
                else:
                    result = await self.ingest(collection_id, name, data)
            progress.record(result)
        progress.current = None
        if on_progress:
            on_progress(progress)
        return progress
