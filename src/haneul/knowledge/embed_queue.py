"""The dense half of indexing, behind the lexical half: a persistent queue of chunks waiting
for their e5 vectors (the `embed_queue` table), worked off a few chunks at a time.

A document is written with its chunks and their BM25 terms in one transaction, and its
chunks join the queue in that same transaction (`Library.write_document(queue=True)`), so
it is searchable by BM25 as soon as it is parsed. A slice then takes `SLICE` queued chunks
(oldest first), splits each into sentences (Kiwi, one chunk at a time), embeds the
sentences outside every lock (the chunk's own vector is pooled from theirs, `pooled`), and
stores the vectors in one short transaction that also takes the chunks off the queue
(`Library.fill_vectors`): a vector is written only for a chunk still queued, so a chunk is
embedded once even when two processes (the server's worker and `haneul docs add`) work the
same queue, and a process killed at any point loses at most the slice it was computing,
which the next run does again. Between slices every lock is free, so searches run in
between.

Lexical first also means CPU first: while an `Ingestor` is writing documents
(`EmbedQueue.lexical_running`), the background worker holds its slices back, so that on a
small machine the e5 threads do not take the cores that make the rest of an upload
searchable (measured in bench/ingest.py); it still runs one slice every `DEFER_MAX_S`, so a
stream of uploads never leaves vectors waiting for ever.

`EmbedWorker` runs slices in the background of the server (started with it, see
`KnowledgeService.embedding`); `EmbedQueue.drain` runs them to the end in the caller
(`haneul docs add`, and `Ingestor` when it is asked to wait for the dense phase).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import numpy as np

from haneul.errors import HaneulError
from haneul.knowledge.korean import sentences
from haneul.knowledge.library import Library

log = logging.getLogger(__name__)

EmbedPassages = Callable[[list[str]], Awaitable[np.ndarray]]
SLICE = 16  # chunks per slice: one slice's transaction holds the store for milliseconds
BATCH = 8  # texts per call of the embedding model (it holds the model's lock for one call)
PAUSE_S = 0.02  # between slices: whatever waits on a lock goes first
IDLE_POLL_S = 2.0  # an idle worker looks for chunks queued by another process this often
BACKOFF_S = 30.0  # after a failed slice (the embedding model missing, say)
DEFER_MAX_S = 10.0  # while documents are being written, the worker slices at most this rarely
DEFER_POLL_S = 0.1  # and looks whether the writing has ended this often


def chunk_sentences(text: str) -> list[str]:
    """A chunk's sentences (the chunk itself when Kiwi finds none)."""
    return [text[a:b] for a, b in sentences(text) if text[a:b].strip()] or [text]


def pooled(sentence_vectors: np.ndarray, pieces: list[str]) -> np.ndarray:
    """A chunk's vector made from its sentences' vectors: their mean weighted by each
    sentence's length, as a unit row. The ranker reads the sentences' vectors anyway, so
    the chunk is not embedded a second time (measured in docs/benchmarks.md, "Sentences
    first": the dense phase 2.3x faster, held-out R@1 0.9515 -> 0.9521)."""
    weights = np.array([max(1, len(p.strip())) for p in pieces], dtype=np.float32)
    mean = (np.asarray(sentence_vectors, np.float32) * weights[:, None]).sum(axis=0)
    out: np.ndarray = mean / max(float(np.linalg.norm(mean)), 1e-12)
    return out


async def embed_chunks(
    embed: EmbedPassages, texts: list[str], pieces: list[list[str]]
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Each chunk's sentences' vectors and the chunk's vector `pooled` from them; a chunk
    of one sentence is embedded as it is and lends that sentence its vector."""
    own = [len(g) > 1 or g[0].strip() != t.strip() for t, g in zip(texts, pieces, strict=True)]
    groups = [g if o else [t] for t, g, o in zip(texts, pieces, own, strict=True)]
    flat = [p for g in groups for p in g]
    # a few texts per call, similar lengths together (an engine that pads a batch pads
    # little); the model's lock is free between calls, for queries
    order = sorted(range(len(flat)), key=lambda i: len(flat[i]))
    rows: list[np.ndarray] = [np.empty(0)] * len(flat)
    for at in range(0, len(order), BATCH):
        batch = order[at : at + BATCH]
        for i, row in zip(batch, await embed([flat[i] for i in batch]), strict=True):
            rows[i] = row
    found = np.vstack(rows).astype(np.float32)
    chunks: list[np.ndarray] = []
    out: list[np.ndarray] = []
    at = 0
    for group, separate in zip(groups, own, strict=True):
        mine = found[at : at + len(group)]
        at += len(group)
        out.append(mine)
        chunks.append(pooled(mine, group) if separate else mine[0])
    return np.vstack(chunks), out


class EmbedQueue:
    def __init__(self, library: Library, embed: EmbedPassages, slice_chunks: int = SLICE):
        self.library = library
        self.embed = embed
        self.slice_chunks = slice_chunks
        self.lexical_running = 0  # ingests writing documents now (the worker defers to them)

    async def run_slice(self, collection_id: str | None = None) -> tuple[int, int]:
        """Embed the oldest queued chunks (of one collection, or of any): (taken, stored).
        `stored` is less than `taken` for chunks another process finished first, or that
        were deleted meanwhile; (0, 0) when the queue is empty."""
        rows = await asyncio.to_thread(self.library.queued, collection_id, self.slice_chunks)
        if not rows:
            return 0, 0
        texts = [text for _, text, _ in rows]
        pieces = await asyncio.to_thread(lambda: [chunk_sentences(t) for t in texts])
        items: list[tuple[int, np.ndarray | None, np.ndarray | None]] = []
        todo = []  # the chunks e5 must read
        for (chunk_id, text, held), group in zip(rows, pieces, strict=True):
            # queued again on upgrade: it holds its sentences' vectors, so no e5 pass
            if held is not None and 1 < len(group) == len(held):
                items.append((chunk_id, pooled(held, group), held))
            else:
                todo.append((chunk_id, text, group))
        if todo:
            items += await self._embed_each(todo)
        stored = await asyncio.to_thread(self.library.fill_vectors, items)
        return len(rows), stored

    async def _embed_each(
        self, todo: list[tuple[int, str, list[str]]]
    ) -> list[tuple[int, np.ndarray | None, np.ndarray | None]]:
        """Vectors for the chunks, in one batch; a chunk the model refuses must not block the
        queue, so after a refusal each is tried alone and the refused ones get none."""
        try:
            texts, groups = [t for _, t, _ in todo], [g for _, _, g in todo]
            vectors, sentence_vectors = await embed_chunks(self.embed, texts, groups)
            return [(c, vectors[i], sentence_vectors[i]) for i, (c, _, _) in enumerate(todo)]
        except HaneulError as e:
            items: list[tuple[int, np.ndarray | None, np.ndarray | None]] = []
            for chunk_id, text, group in todo:
                try:
                    v, s = await embed_chunks(self.embed, [text], [group])
                    items.append((chunk_id, v[0], s[0]))
                except HaneulError:
                    log.warning("chunk %d left without vectors: %s", chunk_id, e.message)
                    items.append((chunk_id, None, None))
            return items

    async def drain(
        self,
        collection_id: str | None = None,
        on_slice: Callable[[int], None] | None = None,
    ) -> int:
        """Run slices until the queue (of one collection, or all) is empty; the chunks this
        call embedded. `on_slice` hears each slice's stored count."""
        total = 0
        while True:
            taken, stored = await self.run_slice(collection_id)
            if not taken:
                return total
            total += stored
            if on_slice:
                on_slice(stored)
            await asyncio.sleep(PAUSE_S)


class EmbedWorker:
    """Slices in the background until stopped; idle, it looks again every IDLE_POLL_S (or at
    once when woken by a new document)."""

    def __init__(self, queue: EmbedQueue) -> None:
        self.queue = queue
        self._task: asyncio.Task[None] | None = None
        self._wake: asyncio.Event | None = None
        self._sliced: asyncio.Event | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    @contextlib.asynccontextmanager
    async def running_for(self) -> AsyncIterator[EmbedWorker]:
        """Run the worker for the body's life (the server's lifespan)."""
        self._wake, self._sliced = asyncio.Event(), asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._run())
        try:
            yield self
        finally:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def wake(self) -> None:
        if self._wake is not None:
            self._wake.set()

    async def _defer_to_lexical(self, since: float) -> bool:
        """While documents are being written and the last slice is recent, wait a moment and
        say so (the caller looks again); False when a slice may run."""
        loop = asyncio.get_running_loop()
        if self.queue.lexical_running and loop.time() - since < DEFER_MAX_S:
            await asyncio.sleep(DEFER_POLL_S)
            return True
        return False

    async def _run(self) -> None:
        assert self._wake is not None and self._sliced is not None
        last = asyncio.get_running_loop().time()
        while True:
            if await self._defer_to_lexical(last):
                continue
            last = asyncio.get_running_loop().time()
            try:
                taken, _ = await self.queue.run_slice()
            except Exception:
                log.exception("embedding a slice failed; trying again in %.0f s", BACKOFF_S)
                await asyncio.sleep(BACKOFF_S)
                continue
            self._sliced.set()
            self._sliced = asyncio.Event()
            if taken:
                await asyncio.sleep(PAUSE_S)
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), IDLE_POLL_S)

    async def wait_embedded(self, collection_id: str) -> None:
        """Return when no chunk of the collection is queued: the worker's slices when it
        runs, else slices run here."""
        while (await asyncio.to_thread(self.library_progress, collection_id)) > 0:
            if not self.running or self._sliced is None:
                await self.queue.drain(collection_id)
                return
            self.wake()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._sliced.wait(), IDLE_POLL_S)

    def library_progress(self, collection_id: str) -> int:
        return self.queue.library.progress(collection_id).pending
