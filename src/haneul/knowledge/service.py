"""Document search as a domain service, used by the server, the CLI (`haneul docs`) and,
through the `DocumentSource` it offers, by skills: the library, the ingestor fed by the
embedding model, searches (one collection, or all of an owner's), documents as sentences,
and the server's background ingest jobs with their progress.

Documents go in lexical first: a job writes each document searchable by BM25 and queues
its chunks for their e5 vectors, which the service's `EmbedWorker` fills in behind, a few
chunks a slice (`knowledge/embed_queue.py`); a job is `indexing`, then `embedding` until
its collection's queue is empty, then `completed`.

Jobs live in memory: a server killed mid-job keeps every document it finished (each is
written whole) and loses the rest of the upload, which the client sends again; unchanged
files are then skipped by their content hash. The embedding queue is in the store: a
restarted server's worker resumes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import asdict, dataclass, field

import numpy as np

from haneul.engine.manager import ModelManager
from haneul.errors import NotFoundError
from haneul.knowledge import korean
from haneul.knowledge.embed_queue import EmbedWorker
from haneul.knowledge.ingest import Ingestor, IngestProgress
from haneul.knowledge.library import CollectionInfo, DocumentFilters, DocumentInfo, Library
from haneul.knowledge.retrieve import Mode, SearchHit, fold, retrieve
from haneul.skills.documents_source import DocumentHit, DocumentText, Sentence, mentioned
from haneul.store.teams import TeamStore

MAX_JOBS_KEPT = 100


@dataclass
class IngestJob:
    id: str
    owner: str
    collection_id: str
    progress: IngestProgress
    status: str = "indexing"  # indexing, embedding, completed
    task: asyncio.Task[IngestProgress] | None = field(default=None, repr=False)


class KnowledgeService:
    def __init__(self, library: Library, manager: ModelManager, embedding_model: str) -> None:
        self.library = library
        self.manager = manager
        self.embedding_model = embedding_model
        self.ingestor = Ingestor(library, self._embed_passages, wait_dense=False)
        assert self.ingestor.queue is not None
        self.worker = EmbedWorker(self.ingestor.queue)
        self.jobs: dict[str, IngestJob] = {}

    @contextlib.asynccontextmanager
    async def embedding(self) -> AsyncIterator[None]:
        """The background embedding worker, for the server's life."""
        async with self.worker.running_for():
            yield

    async def preload(self) -> None:
        """Load what search needs before the first request: the embedding model and Kiwi."""
        await self.manager.get(self.embedding_model)
        await asyncio.to_thread(korean.load)

    async def _embed(self, texts: list[str], input_type: str) -> np.ndarray:
        _, backend = await self.manager.get(self.embedding_model)
        result = await backend.embed(texts, input_type=input_type)
        return np.asarray(result.vectors, dtype=np.float32)

    async def _embed_passages(self, texts: list[str]) -> np.ndarray:
        return await self._embed(texts, "passage")

    async def ingest(
        self,
        collection: CollectionInfo,
        items: Iterable[tuple[str, Callable[[], bytes]]],
        on_progress: Callable[[IngestProgress], None] | None = None,
    ) -> IngestProgress:
        """Write `items` (name, reader) into `collection`, each searchable by BM25 as soon as
        it is written; their chunks are queued for their vectors (`embed_queued`)."""
        return await self.ingestor.ingest_many(collection.id, items, on_progress)

    async def embed_queued(
        self, collection: CollectionInfo, on_slice: Callable[[int], None] | None = None
    ) -> int:
        """Embed the collection's queued chunks here, to the end (the CLI's way; the server's
        worker does it behind); the number embedded."""
        assert self.ingestor.queue is not None
        return await self.ingestor.queue.drain(collection.id, on_slice)

    async def search(
        self,
        collection: CollectionInfo,
        query: str,
        top_k: int,
        filters: DocumentFilters | None,
        mode: Mode = "hybrid",
    ) -> list[SearchHit]:
        vector = (await self._embed([query], "query"))[0] if mode != "lexical" else None
        return await asyncio.to_thread(
            retrieve,
            self.library,
            collection.id,
            query,
            None if vector is None else (lambda _: vector),
            top_k=top_k,
            filters=filters,
            mode=mode,
        )

    @property
    def documents(self) -> LibraryDocuments:
        """The owner's documents as skills read them (a `DocumentSource`)."""
        return LibraryDocuments(self)

    def start_job(
        self, owner: str, collection: CollectionInfo, files: list[tuple[str, bytes]]
    ) -> IngestJob:
        progress = IngestProgress(total=len(files))
        job = IngestJob("ingest_" + secrets.token_hex(8), owner, collection.id, progress)

        async def run() -> IngestProgress:
            try:
                items = [(name, (lambda d=data: d)) for name, data in files]
                done = await self.ingest(
                    collection, items, on_progress=lambda p: setattr(job, "progress", p)
                )
                job.status = "embedding"
                self.worker.wake()
                await self.worker.wait_embedded(collection.id)
                return done
            finally:
                job.status = "completed"

        job.task = asyncio.get_running_loop().create_task(run())
        self.jobs[job.id] = job
        for old in [j for j in self.jobs.values() if j.status == "completed"][:-MAX_JOBS_KEPT]:
            del self.jobs[old.id]
        return job

    def job(self, owner: str, collection: CollectionInfo, job_id: str) -> IngestJob:
        job = self.jobs.get(job_id)
        if job is None or job.owner != owner or job.collection_id != collection.id:
            raise NotFoundError(f"no ingest job '{job_id}' in this collection", param="job_id")
        return job


class LibraryDocuments:
    """The `DocumentSource` skills use (skills/documents_source.py): searches over an owner's
    collections and documents as sentences, typed."""

    def __init__(self, service: KnowledgeService) -> None:
        self.service = service

    async def search(
        self, owner: str, collection: str | None, query: str, top_k: int
    ) -> list[DocumentHit]:
        """Search one of the collections the owner sees (their own, then their teams'), or all
        of them (best hits first, a passage held by several collections shown once: its
        copies in the first's `also_in`, as `retrieve` folds them within one)."""
        found: list[tuple[SearchHit, str]] = []
        searched = [c for c in self._collections(owner) if collection in (None, c.name)]
        for info in searched:
            hits = await self.service.search(info, query, top_k, None)
            found += [(h, info.name) for h in hits]
        found.sort(key=lambda pair: -pair[0].score)
        if len(searched) > 1:  # the same passage in the owner's and a team's collection
            words = set(await asyncio.to_thread(self.service.library.index.analyze, query))
            kept = {id(h) for h in fold([h for h, _ in found], words)}
            found = [pair for pair in found if id(pair[0]) in kept]
        return [_hit(h, name) for h, name in found[:top_k]]

    def _collections(self, owner: str) -> list[CollectionInfo]:
        """The owner's collections, then those of the teams they belong to (as the search
        API shows them: docs/accounts.md)."""
        library = self.service.library
        teams = [t.id for t in TeamStore(library.conn).of_user(owner)]
        return [c for o in (owner, *teams) for c in library.collections(o)]

    async def document(
        self, owner: str, name: str | None, about: str | None = None
    ) -> DocumentText:
        """One of the owner's documents as sentences with their page and heading: the one
        named (whole name, or part of it), else the one the words `about` mention, else the
        one added last."""
        library = self.service.library
        found: list[DocumentInfo] = []
        for info in self._collections(owner):
            found += library.documents(info.id)
        if name:
            found = [d for d in found if d.name == name] or [d for d in found if name in d.name]
        elif about and (at := mentioned(about, [d.name for d in found])) is not None:
            found = [found[at]]
        if not found:
            what = f"'{name}'" if name else "any"
            raise NotFoundError(f"no document {what} in your collections", param="document")
        doc = max(found, key=lambda d: d.added_at)
        sentences, seen = [], set()
        for text, page, heading in library.passages(doc.id):
            for line in filter(str.strip, text.splitlines()):  # lines end sentences too
                for start, end in await asyncio.to_thread(korean.sentences, line):
                    said = line[start:end].strip()
                    if said not in seen:  # chunks overlap: a sentence is listed once
                        seen.add(said)
                        sentences.append(Sentence(said, page, heading))
        return DocumentText(doc.name, sentences)


def _hit(hit: SearchHit, collection: str) -> DocumentHit:
    c = hit.citation
    return DocumentHit(
        collection=collection,
        document_id=hit.document.id,
        document_name=hit.document.name,
        chunk_id=hit.chunk_id,
        text=hit.text,
        score=hit.score,
        snippet=hit.snippet,
        highlights=list(hit.highlights),
        page=c.page,
        heading=c.heading,
        start=c.start,
        end=c.end,
        cosine=hit.cosine,
        also_in=[asdict(c) for c in hit.also_in],
    )
