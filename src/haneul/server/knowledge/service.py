"""The server side of document search: the library, the ingestor fed by the embedding
model, and background ingest jobs with their progress.

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
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import numpy as np

from haneul.engine.manager import ModelManager
from haneul.errors import NotFoundError
from haneul.knowledge.embed_queue import EmbedWorker
from haneul.knowledge.ingest import Ingestor, IngestProgress
from haneul.knowledge.library import CollectionInfo, DocumentFilters, Library
from haneul.knowledge.retrieve import Mode, SearchHit, retrieve

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

    async def _embed(self, texts: list[str], input_type: str) -> np.ndarray:
        _, backend = await self.manager.get(self.embedding_model)
        result = await backend.embed(texts, input_type=input_type)
        return np.asarray(result.vectors, dtype=np.float32)

    async def _embed_passages(self, texts: list[str]) -> np.ndarray:
        return await self._embed(texts, "passage")

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

    def start_job(
        self, owner: str, collection: CollectionInfo, files: list[tuple[str, bytes]]
    ) -> IngestJob:
        progress = IngestProgress(total=len(files))
        job = IngestJob("ingest_" + secrets.token_hex(8), owner, collection.id, progress)

        async def run() -> IngestProgress:
            try:
                items = [(name, (lambda d=data: d)) for name, data in files]
                done = await self.ingestor.ingest_many(
                    collection.id, items, on_progress=lambda p: setattr(job, "progress", p)
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
