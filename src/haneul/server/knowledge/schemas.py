"""Wire shapes of `/v1/collections`."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from haneul.knowledge.ingest import IngestProgress, IngestResult
from haneul.knowledge.library import (
    CollectionInfo,
    DocumentFilters,
    DocumentInfo,
    IndexProgress,
)
from haneul.knowledge.retrieve import SearchHit


class CreateCollection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[\w.\-]{1,64}$")  # \w takes Hangul (as the library's NAME)
    description: str = Field("", max_length=1000)


class SearchFilters(BaseModel):
    """Restrict a search to some documents. Dates are ISO 8601 (`2026-11-25`)."""

    model_config = ConfigDict(extra="forbid")

    document_ids: list[str] | None = Field(None, max_length=1000)
    names: list[str] | None = Field(None, max_length=1000)
    kinds: list[str] | None = Field(None, max_length=20)
    added_after: dt.date | dt.datetime | None = None
    added_before: dt.date | dt.datetime | None = None
    created_after: dt.date | None = None
    created_before: dt.date | None = None

    def to_filters(self) -> DocumentFilters:
        return DocumentFilters(
            document_ids=self.document_ids,
            names=self.names,
            kinds=self.kinds,
            added_after=_timestamp(self.added_after),
            added_before=_timestamp(self.added_before),
            created_after=self.created_after.isoformat() if self.created_after else None,
            created_before=self.created_before.isoformat() if self.created_before else None,
        )


def _timestamp(value: dt.date | dt.datetime | None) -> float | None:
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time(), tzinfo=dt.UTC)
    elif value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.timestamp()


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1, max_length=2000)
    top_k: int = Field(5, ge=1, le=100)
    filters: SearchFilters | None = None
    mode: str = Field("hybrid", pattern="^(hybrid|lexical|dense)$")


def collection_card(info: CollectionInfo, progress: IndexProgress) -> dict[str, Any]:
    return {
        "id": info.id,
        "object": "collection",
        "name": info.name,
        "description": info.description,
        "created_at": int(info.created_at),
        "documents": info.documents,
        "chunks": info.chunks,
        "indexing": index_card(progress),
    }


def index_card(progress: IndexProgress) -> dict[str, Any]:
    """How far indexing has come: chunks searchable by BM25, those with their e5 vectors,
    and those still queued for them (`embedded + pending == lexical`)."""
    return {
        "lexical": progress.lexical,
        "embedded": progress.embedded,
        "pending": progress.pending,
    }


def document_card(doc: DocumentInfo) -> dict[str, Any]:
    card = asdict(doc)
    card.pop("collection_id")
    return {"object": "document", **card, "added_at": int(doc.added_at)}


def result_card(result: IngestResult) -> dict[str, Any]:
    return {
        "name": result.name,
        "status": result.status,
        "document": document_card(result.document) if result.document else None,
        "reason": result.reason,
    }


def progress_card(
    job_id: str, progress: IngestProgress, status: str, index: IndexProgress
) -> dict[str, Any]:
    return {
        "id": job_id,
        "object": "ingest_job",
        "status": status,
        "total": progress.total,
        "done": progress.done,
        "added": progress.added,
        "updated": progress.updated,
        "unchanged": progress.unchanged,
        "failed": progress.failed,
        "current": progress.current,
        "chunks": progress.chunks,
        "collection": index_card(index),
        "results": [result_card(r) for r in progress.results],
    }


def hit_card(hit: SearchHit) -> dict[str, Any]:
    return {
        "document_id": hit.document.id,
        "document_name": hit.document.name,
        "chunk_id": hit.chunk_id,
        "text": hit.text,
        "score": hit.score,
        "snippet": hit.snippet,
        "highlights": [list(span) for span in hit.highlights],
        "citation": asdict(hit.citation),
        "cosine": hit.cosine,
        "also_in": [asdict(c) for c in hit.also_in],
    }
