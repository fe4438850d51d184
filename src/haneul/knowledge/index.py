"""The search index in SQLite: an FTS5 table over Korean search terms (BM25, updated row by
row, never rebuilt) and the e5 passage vectors beside each chunk. Writes happen inside the
caller's transaction (see `Library`), so a killed ingest leaves no half-indexed document.

The vectors of a collection are read into one matrix on the first dense query and kept
until the collection's `version` changes (any writer, in any process, bumps it). From
`QUANTIZE_FROM` chunks on, a collection's dense ranking first scans an 8-bit copy of that
matrix (faiss's scalar quantizer: a quarter of the memory traffic of the float32 product,
which is memory-bound) for `RESCORE` times the wanted hits, then orders those by their
exact cosine; at 100k chunks that took the product from 10 to 4 ms. Each chunk
also keeps the e5 vectors of its sentences, which the second-stage ranker reads for its
candidates only (`rank.py`).

A BM25 query leaves out the terms that more than `COMMON_SHARE` of the index holds (as
Lucene's common-terms query does): at 100k chunks each such term makes FTS5 score tens of
thousands of rows for a weight that barely moves the ranking, and the ranker that follows
counts every query term again over its candidates.

For large deployments the same two halves map to PostgreSQL (a `tsvector` over the same
terms, pgvector for the vectors) or to OpenSearch with its `nori` Korean analyzer and a
`knn_vector` field: see docs/search.md.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
from threadpoolctl import ThreadpoolController

from haneul.knowledge.korean import terms
from haneul.store.db import migrate

Embed = Callable[[list[str]], np.ndarray]  # passages -> (n, dim) normalised rows
DEFAULT_COLLECTION = "default"
COLLECTION_PREFIX = "zzcollection"
COMMON_SHARE = 0.1  # BM25 queries skip terms held by more than this share of all chunks
QUANTIZE_FROM = 20_000  # chunks in a collection from which the dense scan reads 8-bit codes
RESCORE = 4  # the 8-bit scan brings this many times the wanted hits, rescored exactly


@dataclass(frozen=True)
class ChunkRecord:
    """A chunk as stored: its text and where it sits in its document."""

    text: str
    start: int = 0  # character span in the document's text
    end: int = 0
    page: int | None = None  # page, slide or sheet number
    heading: str | None = None


@dataclass(frozen=True)
class StoredChunk:
    id: int
    doc_id: str
    seq: int
    record: ChunkRecord


@dataclass(frozen=True)
class RankInputs:
    """What the second-stage ranker reads of a candidate chunk."""

    terms: list[str]  # its search terms in order (the heading's first)
    sentence_vectors: np.ndarray | None  # (sentences, dim), normalised rows
    embedded: bool = True  # False while the chunk waits for its vectors


def pack_vectors(vectors: np.ndarray | None) -> bytes | None:
    return None if vectors is None else np.ascontiguousarray(vectors, np.float32).tobytes()


def unpack_vectors(blob: bytes | None, dim: int) -> np.ndarray | None:
    return None if blob is None else np.frombuffer(blob, dtype=np.float32).reshape(-1, dim)


@cache
def _blas() -> ThreadpoolController:
    return ThreadpoolController()


def collection_term(collection_id: str) -> str:
    """A term every chunk of a collection carries, so that FTS5 itself restricts a query to
    one collection (a join on `chunks` costs more than the whole BM25 ranking at 100k)."""
    return COLLECTION_PREFIX + "".join(ch for ch in collection_id if ch.isalnum())


def indexed_text(chunk: ChunkRecord) -> str:
    """What the lexical index reads of a chunk: its heading, then its text, so that a query
    naming a section (제3장 계약 해지) finds the chunks under it."""
    return f"{chunk.heading}\n{chunk.text}" if chunk.heading else chunk.text


def fts_query(words: Sequence[str]) -> str:
    """An FTS5 OR-query of quoted terms (quotes inside terms doubled)."""
    quoted = {'"' + w.replace('"', '""') + '"' for w in words if w.strip()}
    return " OR ".join(sorted(quoted))


class SearchIndex:
    def __init__(
        self,
        conn: sqlite3.Connection,
        embed: Embed | None = None,
        analyze: Callable[[str], list[str]] = terms,
    ) -> None:
        self.conn = conn
        self.embed = embed
        self.analyze = analyze
        self._lock = threading.Lock()
        # collection id -> (version, chunk ids, doc ids, matrix)
        self._dense: dict[str, tuple[int, np.ndarray, np.ndarray, np.ndarray]] = {}
        self._coded: dict[str, tuple[int, Any]] = {}  # collection id -> (version, faiss index)
        self._layout_cache: tuple[tuple[int, ...], int, dict[str, tuple[int, int] | None]] | None
        self._layout_cache = None
        migrate(conn)

    # -- writing (inside the caller's transaction) --------------------------------------

    def write_chunks(
        self,
        collection_id: str,
        doc_id: str,
        chunks: Sequence[ChunkRecord],
        vectors: np.ndarray | None,
        analyzed: Sequence[str] | None = None,
        sentence_vectors: Sequence[np.ndarray | None] | None = None,
    ) -> list[int]:
        """Replace a document's chunks. Call inside a transaction."""
        self.delete_chunks(doc_id)
        analyzed = analyzed or [" ".join(self.analyze(indexed_text(c))) for c in chunks]
        scope = collection_term(collection_id)
        ids = []
        for i, chunk in enumerate(chunks):
            blob = None if vectors is None else pack_vectors(vectors[i])
            sentences = pack_vectors(sentence_vectors[i]) if sentence_vectors else None
            cur = self.conn.execute(
                'INSERT INTO chunks (collection_id, doc_id, seq, text, page, heading, start, "end",'
                " vector, sentence_vectors) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    collection_id,
                    doc_id,
                    i,
                    chunk.text,
                    chunk.page,
                    chunk.heading,
                    chunk.start,
                    chunk.end,
                    blob,
                    sentences,
                ),
            )
            ids.append(int(cur.lastrowid or 0))
            self.conn.execute(
                "INSERT INTO chunk_terms (rowid, terms) VALUES (?, ?)",
                (ids[-1], f"{scope} {analyzed[i]}"),
            )
        return ids

    def delete_chunks(self, doc_id: str) -> None:
        """Remove a document's chunks, their terms and their places in the embedding
        queue. Call inside a transaction."""
        self.conn.execute(
            "DELETE FROM embed_queue WHERE chunk_id IN (SELECT id FROM chunks WHERE doc_id = ?)",
            (doc_id,),
        )
        self.conn.execute(
            "DELETE FROM chunk_terms WHERE rowid IN (SELECT id FROM chunks WHERE doc_id = ?)",
            (doc_id,),
        )
        self.conn.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))

    def add_document(
        self, doc_id: str, texts: list[str], collection_id: str = DEFAULT_COLLECTION
    ) -> list[int]:
        """Index plain texts as one document in its own transaction (tests, the lexical
        rows of the benchmark); no sentence vectors."""
        vectors = self.embed(texts) if self.embed and texts else None
        analyzed = [" ".join(self.analyze(t)) for t in texts]
        with self._lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                ids = self.write_chunks(
                    collection_id,
                    doc_id,
                    [ChunkRecord(t, 0, len(t)) for t in texts],
                    vectors,
                    analyzed,
                )
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self._dense.pop(collection_id, None)
            self._layout_cache = None
        return ids

    def remove_document(self, doc_id: str, collection_id: str = DEFAULT_COLLECTION) -> None:
        with self._lock:
            self.conn.execute("BEGIN IMMEDIATE")
            self.delete_chunks(doc_id)
            self.conn.execute("COMMIT")
            self._dense.pop(collection_id, None)
            self._layout_cache = None

    # -- reading ------------------------------------------------------------------------

    def lexical(
        self,
        query: str | Sequence[str],
        k: int = 10,
        collection_id: str = DEFAULT_COLLECTION,
        doc_ids: Collection[str] | None = None,
        common_share: float | None = None,
    ) -> list[tuple[int, float]]:
        """(chunk id, BM25 score) by FTS5's bm25, best first, within a collection. The
        query is a text, or its terms when the caller has analyzed it already. With
        `common_share`, terms held by more than that share of all chunks are left out
        (unless nothing else is left)."""
        words = list(self.analyze(query) if isinstance(query, str) else query)
        if common_share is not None:
            words = self._uncommon(words, common_share)
        q = fts_query(words)
        if not q or (doc_ids is not None and not doc_ids):
            return []
        sql = "SELECT t.rowid, -bm25(chunk_terms) FROM chunk_terms t"
        args: list[object] = []
        if doc_ids is not None:
            sql += " JOIN chunks c ON c.id = t.rowid"
        span = self._own_span(collection_id)
        if span is None:  # other collections' chunks lie between this one's
            q = f'"{collection_term(collection_id)}" AND ({q})'
        sql += " WHERE chunk_terms MATCH ?"
        args.append(q)
        if span is not None:
            sql += " AND t.rowid BETWEEN ? AND ?"
            args += list(span)
        if doc_ids is not None:
            sql += f" AND c.doc_id IN ({','.join('?' * len(doc_ids))})"
            args += list(doc_ids)
        rows = self.conn.execute(sql + " ORDER BY bm25(chunk_terms) LIMIT ?", [*args, k])
        return [(int(r[0]), float(r[1])) for r in rows.fetchall()]

    def _uncommon(self, words: list[str], share: float) -> list[str]:
        """`words` less those more than `share` of all chunks hold (all of them if that
        would leave none)."""
        unique = sorted(set(words))
        if not unique:
            return words
        marks = ",".join("?" * len(unique))
        rows = self.conn.execute(
            f"SELECT term, doc FROM chunk_terms_vocab WHERE term IN ({marks})", unique
        ).fetchall()
        total = self._chunk_count()
        common = {r[0] for r in rows if r[1] > share * total}
        return [w for w in words if w not in common] or words

    def _chunk_count(self) -> int:
        """All chunks of the index (cached until any collection changes)."""
        return self._layout()[0]

    def _own_span(self, collection_id: str) -> tuple[int, int] | None:
        """The collection's lowest and highest chunk id when no other collection's chunk
        lies between them: then a rowid range scopes the FTS5 query, far cheaper than
        intersecting with the collection's term (which every one of its chunks holds).
        Cached until any collection changes."""
        spans = self._layout()[1]
        if collection_id not in spans:
            spans[collection_id] = self._read_span(collection_id)
        return spans[collection_id]

    def _layout(self) -> tuple[int, dict[str, tuple[int, int] | None]]:
        """(chunk count, spans by collection), read again when any collection's version
        changes or a collection comes or goes (the key: their versions' sum and count)."""
        key = tuple(
            self.conn.execute(
                "SELECT coalesce(sum(version), 0), count(*) FROM collections"
            ).fetchone()
        )
        if self._layout_cache is None or self._layout_cache[0] != key:
            (total,) = self.conn.execute("SELECT count(*) FROM chunks").fetchone()
            self._layout_cache = (key, int(total), {})
        return self._layout_cache[1], self._layout_cache[2]

    def _read_span(self, collection_id: str) -> tuple[int, int] | None:
        low, high = self.conn.execute(
            "SELECT (SELECT min(id) FROM chunks WHERE collection_id = ?),"
            " (SELECT max(id) FROM chunks WHERE collection_id = ?)",
            (collection_id, collection_id),
        ).fetchone()
        if low is None:
            return None
        others = [
            r[0]
            for r in self.conn.execute("SELECT id FROM collections WHERE id != ?", (collection_id,))
        ]
        if collection_id == DEFAULT_COLLECTION or not others:  # a bare index (tests, bench)
            others += [
                r[0]
                for r in self.conn.execute(
                    "SELECT DISTINCT collection_id FROM chunks WHERE collection_id != ?",
                    (collection_id,),
                )
                if r[0] not in others
            ]
        for other in others:  # an index seek each, on (collection_id, id)
            inside = self.conn.execute(
                "SELECT 1 FROM chunks WHERE collection_id = ? AND id BETWEEN ? AND ? LIMIT 1",
                (other, low, high),
            ).fetchone()
            if inside:
                return None
        return int(low), int(high)

    def _version(self, collection_id: str) -> int:
        row = self.conn.execute(
            "SELECT version FROM collections WHERE id = ?", (collection_id,)
        ).fetchone()
        return int(row[0]) if row else -1

    def _vectors(self, collection_id: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        version = self._version(collection_id)
        cached = self._dense.get(collection_id)
        if cached is None or cached[0] != version:
            rows = self.conn.execute(
                "SELECT id, doc_id, vector FROM chunks"
                " WHERE collection_id = ? AND vector IS NOT NULL ORDER BY id",
                (collection_id,),
            ).fetchall()
            ids = np.array([r[0] for r in rows], dtype=np.int64)
            docs = np.array([r[1] for r in rows], dtype=object)
            matrix = (
                np.vstack([np.frombuffer(r[2], dtype=np.float32) for r in rows])
                if rows
                else np.zeros((0, 1), dtype=np.float32)
            )
            cached = (version, ids, docs, matrix)
            self._dense[collection_id] = cached
        return cached[1], cached[2], cached[3]

    def _codes(self, collection_id: str, matrix: np.ndarray) -> Any:
        """The 8-bit faiss copy of a collection's matrix, rebuilt with it (0.15 s at 100k)."""
        version = self._version(collection_id)
        cached = self._coded.get(collection_id)
        if cached is None or cached[0] != version:
            import faiss

            coded = faiss.IndexScalarQuantizer(
                matrix.shape[1], faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
            )
            coded.train(matrix)
            coded.add(matrix)
            cached = (version, coded)
            self._coded[collection_id] = cached
        return cached[1]

    def dense(
        self,
        query_vector: np.ndarray,
        k: int = 10,
        collection_id: str = DEFAULT_COLLECTION,
        doc_ids: Collection[str] | None = None,
    ) -> list[tuple[int, float]]:
        ids, docs, matrix = self._vectors(collection_id)
        if len(ids) == 0:
            return []
        query = query_vector.astype(np.float32).reshape(-1)
        rows: np.ndarray | None = None  # the rows to score exactly; None: all of them
        if doc_ids is not None:
            rows = np.flatnonzero(np.isin(docs, list(doc_ids)))
        elif len(ids) >= QUANTIZE_FROM:
            # One thread, as below: faiss's OpenMP pool would spin beside the e5 encoder.
            with _blas().limit(limits=1, user_api="openmp"):
                _, found = self._codes(collection_id, matrix).search(
                    query[None, :], min(len(ids), RESCORE * k)
                )
            rows = found[0][found[0] >= 0]
        # One BLAS thread: the product is memory-bound, and OpenBLAS's pool, left spinning
        # after the call, took a core from the e5 query encoder (at 100k chunks e5 went
        # from 28 to 80 ms a query).
        with _blas().limit(limits=1, user_api="blas"):
            scores = (matrix if rows is None else matrix[rows]) @ query
        if rows is None:
            rows = np.arange(len(ids))
        k = min(k, len(rows))
        if k == 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(int(ids[rows[i]]), float(scores[i])) for i in top]

    def rank_inputs(self, ids: list[int]) -> dict[int, RankInputs]:
        """The terms and sentence vectors of the given chunks."""
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        terms_of = {
            int(r[0]): r[1].split()[1:]  # the collection's own term first
            for r in self.conn.execute(
                f"SELECT rowid, terms FROM chunk_terms WHERE rowid IN ({marks})", ids
            )
        }
        out = {}
        for r in self.conn.execute(
            f"SELECT id, sentence_vectors, length(vector) FROM chunks WHERE id IN ({marks})", ids
        ):
            dim = int(r[2] or 0) // 4
            vectors = unpack_vectors(r[1], dim) if dim else None
            out[int(r[0])] = RankInputs(terms_of.get(int(r[0]), []), vectors, bool(dim))
        return out

    def unembedded(self, ids: Collection[int]) -> set[int]:
        """Those of the given chunks that have no vector yet (still queued)."""
        if not ids:
            return set()
        marks = ",".join("?" * len(ids))
        rows = self.conn.execute(
            f"SELECT id FROM chunks WHERE id IN ({marks}) AND vector IS NULL", list(ids)
        )
        return {int(r[0]) for r in rows}

    def chunks(self, ids: list[int]) -> dict[int, StoredChunk]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self.conn.execute(
            f'SELECT id, doc_id, seq, text, start, "end", page, heading FROM chunks'
            f" WHERE id IN ({marks})",
            ids,
        )
        return {
            int(r[0]): StoredChunk(
                int(r[0]), r[1], int(r[2]), ChunkRecord(r[3], r[4], r[5], r[6], r[7])
            )
            for r in rows
        }


def reciprocal_rank_fusion(
    rankings: list[list[tuple[int, float]]], k: int = 60
) -> list[tuple[int, float]]:
    """Fuse ranked lists: each item scores the sum of 1 / (k + rank) over the lists."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, (item, _) in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(fused.items(), key=lambda x: -x[1])


def score_fusion(
    lexical: list[tuple[int, float]],
    dense: list[tuple[int, float]],
    alpha: float = 0.8,
    unembedded: Collection[int] = (),
) -> list[tuple[int, float]]:
    """Fuse by scores: BM25 divided by the best BM25, cosine min-max scaled over the
    candidates, mixed `alpha : 1 - alpha`. On KorQuAD this beats both rankers alone, where
    plain reciprocal-rank fusion falls below BM25 (the dense ranker is much weaker).
    A chunk in `unembedded` (no vector yet) is neither rewarded nor punished for it: its
    dense part is the mean of the dense ranking's scaled scores (a chunk that has a vector
    but that the dense ranking did not bring gets 0, as it always did)."""
    lex = dict(lexical)
    cos = dict(dense)
    top = max(lex.values(), default=1.0) or 1.0
    low, high = min(cos.values(), default=0.0), max(cos.values(), default=1.0)
    scaled = {item: (c - low) / (high - low + 1e-9) for item, c in cos.items()}
    neutral = sum(scaled.values()) / len(scaled) if scaled else 0.0
    fused = {
        item: alpha * lex.get(item, 0.0) / top
        + (1 - alpha) * (neutral if item in unembedded else scaled.get(item, 0.0))
        for item in lex.keys() | cos.keys()
    }
    return sorted(fused.items(), key=lambda x: -x[1])
