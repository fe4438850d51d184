"""Collections (knowledge bases) and their documents, each collection owned by one API key
or workspace. Every read names its owner: another owner's collection does not exist for
it (404), and search never leaves the collection it was asked about.

A document is written in one transaction (its row, its chunks, their terms and vectors),
so a reader sees the whole old version or the whole new one, never a mix; the
collection's `version` is bumped in the same transaction (the dense matrix cache keys on it).
"""

from __future__ import annotations

import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from haneul.errors import ConflictError, InvalidRequestError, NotFoundError
from haneul.knowledge.index import ChunkRecord, SearchIndex, pack_vectors, unpack_vectors

NAME = re.compile(r"^[\w.\-]{1,64}$")  # \w takes Hangul


@dataclass(frozen=True)
class CollectionInfo:
    id: str
    owner: str
    name: str
    description: str
    created_at: float
    documents: int = 0
    chunks: int = 0


@dataclass(frozen=True)
class DocumentInfo:
    id: str
    collection_id: str
    name: str
    kind: str
    sha256: str
    size: int
    title: str | None
    created: str | None
    chunks: int
    added_at: float


@dataclass(frozen=True)
class IndexProgress:
    """A collection's chunks indexed lexically (searchable by BM25) and those of them still
    waiting for their e5 vectors; the rest are embedded."""

    lexical: int
    pending: int

    @property
    def embedded(self) -> int:
        return self.lexical - self.pending


@dataclass(frozen=True)
class DocumentFilters:
    """Which documents a search may return; None means no restriction on that field."""

    document_ids: Sequence[str] | None = None
    names: Sequence[str] | None = None
    kinds: Sequence[str] | None = None
    added_after: float | None = None  # unix time
    added_before: float | None = None
    created_after: str | None = None  # ISO date from the document's own metadata
    created_before: str | None = None

    def empty(self) -> bool:
        return all(v is None for v in vars(self).values())


class Library:
    def __init__(self, conn: sqlite3.Connection, index: SearchIndex | None = None) -> None:
        self.conn = conn
        self.index = index or SearchIndex(conn)
        # One connection shares one transaction state between threads: every use of it,
        # reads included, holds this lock, so no reader ever sees an open transaction.
        self.lock = threading.RLock()

    def _rows(self, sql: str, args: Sequence[object] = ()) -> list[sqlite3.Row]:
        with self.lock:
            return self.conn.execute(sql, args).fetchall()

    @contextmanager
    def _write(self) -> Iterator[None]:
        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise

    # -- collections --------------------------------------------------------------------

    def create_collection(self, owner: str, name: str, description: str = "") -> CollectionInfo:
        if not NAME.match(name):
            raise InvalidRequestError(
                "a collection name is 1 to 64 letters (Hangul included), digits, '-', '_' or '.'",
                param="name",
            )
        if len(description) > 1000:
            raise InvalidRequestError(
                "description is longer than 1000 characters", param="description"
            )
        cid = "col_" + secrets.token_hex(8)
        try:
            with self._write():
                self.conn.execute(
                    "INSERT INTO collections (id, owner, name, description, created_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (cid, owner, name, description, time.time()),
                )
        except sqlite3.IntegrityError:
            raise ConflictError(f"collection '{name}' already exists", param="name") from None
        return self.collection(owner, name)

    def collections(self, owner: str) -> list[CollectionInfo]:
        rows = self._rows(
            "SELECT c.id, c.owner, c.name, c.description, c.created_at,"
            " COUNT(d.id), COALESCE(SUM(d.chunks), 0)"
            " FROM collections c LEFT JOIN documents d ON d.collection_id = c.id"
            " WHERE c.owner = ? GROUP BY c.id ORDER BY c.name",
            (owner,),
        )
        return [CollectionInfo(*r) for r in rows]

    def collection(self, owner: str, name: str) -> CollectionInfo:
        for info in self.collections(owner):
            if info.name == name:
                return info
        raise NotFoundError(f"no collection named '{name}'", param="collection")

    def delete_collection(self, owner: str, name: str) -> None:
        info = self.collection(owner, name)
        with self._write():
            self.conn.execute(
                "DELETE FROM chunk_terms WHERE rowid IN"
                " (SELECT id FROM chunks WHERE collection_id = ?)",
                (info.id,),
            )
            self.conn.execute("DELETE FROM chunks WHERE collection_id = ?", (info.id,))
            self.conn.execute("DELETE FROM embed_queue WHERE collection_id = ?", (info.id,))
            self.conn.execute("DELETE FROM collections WHERE id = ?", (info.id,))

    # -- documents ----------------------------------------------------------------------

    def documents(self, collection_id: str) -> list[DocumentInfo]:
        rows = self._rows(
            "SELECT id, collection_id, name, kind, sha256, size, title, created, chunks, added_at"
            " FROM documents WHERE collection_id = ? ORDER BY name",
            (collection_id,),
        )
        return [DocumentInfo(*r) for r in rows]

    def documents_by_id(self, collection_id: str, ids: set[str]) -> dict[str, DocumentInfo]:
        if not ids:
            return {}
        rows = self._rows(
            "SELECT id, collection_id, name, kind, sha256, size, title, created, chunks, added_at"
            f" FROM documents WHERE id IN ({','.join('?' * len(ids))})",  # by primary key
            list(ids),
        )
        return {r[0]: DocumentInfo(*r) for r in rows if r[1] == collection_id}

    def document(self, collection_id: str, doc_id_or_name: str) -> DocumentInfo:
        rows = self._rows(
            "SELECT id, collection_id, name, kind, sha256, size, title, created, chunks, added_at"
            " FROM documents WHERE collection_id = ? AND (id = ? OR name = ?)",
            (collection_id, doc_id_or_name, doc_id_or_name),
        )
        if not rows:
            raise NotFoundError(
                f"no document '{doc_id_or_name}' in this collection", param="document"
            )
        return DocumentInfo(*rows[0])

    def passages(self, doc_id: str) -> list[tuple[str, int | None, str | None]]:
        """A document's chunks in reading order: (text, page, heading)."""
        rows = self._rows(
            "SELECT text, page, heading FROM chunks WHERE doc_id = ? ORDER BY seq", (doc_id,)
        )
        return [(r[0], r[1], r[2]) for r in rows]

    def find_by_name(self, collection_id: str, name: str) -> DocumentInfo | None:
        try:
            return self.document(collection_id, name)
        except NotFoundError:
            return None

    def write_document(
        self,
        collection_id: str,
        *,
        name: str,
        kind: str,
        sha256: str,
        size: int,
        title: str | None,
        created: str | None,
        chunks: Sequence[ChunkRecord],
        vectors: np.ndarray | None,
        analyzed: Sequence[str],
        sentence_vectors: Sequence[np.ndarray | None] | None = None,
        queue: bool = False,
    ) -> DocumentInfo:
        """Add a document, or replace the one of the same name, in one transaction. With
        `queue` (and no vectors), its chunks join the embedding queue in the same
        transaction: searchable by BM25 at once, their vectors filled in behind
        (`embed_queue.py`)."""
        old = self.find_by_name(collection_id, name)
        doc_id = old.id if old else "doc_" + secrets.token_hex(8)
        with self._write():
            self.conn.execute(
                "INSERT INTO documents (id, collection_id, name, kind, sha256, size, title,"
                " created, chunks, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, sha256 = excluded.sha256,"
                " size = excluded.size, title = excluded.title, created = excluded.created,"
                " chunks = excluded.chunks, added_at = excluded.added_at",
                (
                    doc_id,
                    collection_id,
                    name,
                    kind,
                    sha256,
                    size,
                    title,
                    created,
                    len(chunks),
                    time.time(),
                ),
            )
            ids = self.index.write_chunks(
                collection_id, doc_id, chunks, vectors, analyzed, sentence_vectors
            )
            if queue and vectors is None:
                self.conn.executemany(
                    "INSERT INTO embed_queue (chunk_id, collection_id) VALUES (?, ?)",
                    [(i, collection_id) for i in ids],
                )
            self._bump(collection_id)
        return self.document(collection_id, doc_id)

    def delete_document(self, collection_id: str, doc_id_or_name: str) -> DocumentInfo:
        doc = self.document(collection_id, doc_id_or_name)
        with self._write():
            self.index.delete_chunks(doc.id)
            self.conn.execute("DELETE FROM documents WHERE id = ?", (doc.id,))
            self._bump(collection_id)
        return doc

    def progress(self, collection_id: str) -> IndexProgress:
        """How far a collection's indexing has come: its chunks (all searchable by BM25)
        and those still waiting in the embedding queue."""
        row = self._rows(
            "SELECT (SELECT count(*) FROM chunks WHERE collection_id = ?),"
            " (SELECT count(*) FROM embed_queue WHERE collection_id = ?)",
            (collection_id, collection_id),
        )[0]
        return IndexProgress(lexical=int(row[0]), pending=int(row[1]))

    def queued(
        self, collection_id: str | None, limit: int
    ) -> list[tuple[int, str, np.ndarray | None]]:
        """The oldest chunks waiting for vectors, of one collection or of any: (id, text,
        the sentence vectors it already holds: a chunk queued again to have its vector
        made from them, see `embed_queue`)."""
        sql = (
            "SELECT q.chunk_id, c.text, c.sentence_vectors, length(c.vector)"
            " FROM embed_queue q JOIN chunks c ON c.id = q.chunk_id"
        )
        args: list[object] = []
        if collection_id is not None:
            sql += " WHERE q.collection_id = ?"
            args.append(collection_id)
        rows = self._rows(sql + " ORDER BY q.chunk_id LIMIT ?", [*args, limit])
        return [
            (int(r[0]), str(r[1]), unpack_vectors(r[2], int(r[3]) // 4) if r[3] else None)
            for r in rows
        ]

    def fill_vectors(
        self, items: Sequence[tuple[int, np.ndarray | None, np.ndarray | None]]
    ) -> int:
        """Store queued chunks' vectors (chunk id, vector, sentence vectors) and take them off
        the queue, in one transaction; a chunk no longer queued (done by another process,
        replaced or deleted meanwhile) is left alone, and one given no vector (the model
        refused it) leaves the queue without one: BM25 still finds it. The number stored."""
        stored = 0
        touched: set[str] = set()
        with self._write():
            for chunk_id, vector, sentence_vectors in items:
                row = self.conn.execute(
                    "DELETE FROM embed_queue WHERE chunk_id = ? RETURNING collection_id",
                    (chunk_id,),
                ).fetchone()
                if row is None:
                    continue
                self.conn.execute(
                    "UPDATE chunks SET vector = ?, sentence_vectors = ? WHERE id = ?",
                    (pack_vectors(vector), pack_vectors(sentence_vectors), chunk_id),
                )
                stored += 1
                touched.add(str(row[0]))
            for collection_id in touched:
                self._bump(collection_id)  # the dense matrix cache keys on it
        return stored

    def _bump(self, collection_id: str) -> None:
        self.conn.execute(
            "UPDATE collections SET version = version + 1 WHERE id = ?", (collection_id,)
        )

    def allowed_documents(self, collection_id: str, filters: DocumentFilters) -> set[str] | None:
        """The document ids the filters admit, or None when there are no filters."""
        if filters.empty():
            return None
        sql = "SELECT id FROM documents WHERE collection_id = ?"
        args: list[object] = [collection_id]
        for column, values in (
            ("id", filters.document_ids),
            ("name", filters.names),
            ("kind", filters.kinds),
        ):
            if values is not None:
                sql += f" AND {column} IN ({','.join('?' * len(values))})"
                args += list(values)
        for clause, value in (
            ("added_at >= ?", filters.added_after),
            ("added_at < ?", filters.added_before),
            ("created >= ?", filters.created_after),
            ("created < ?", filters.created_before),
        ):
            if value is not None:
                sql += f" AND {clause}"
                args.append(value)
        return {r[0] for r in self._rows(sql, args)}
