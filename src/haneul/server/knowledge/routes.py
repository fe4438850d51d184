"""Thin routes for `/v1/collections`: authenticate, check the rate, hand over to the
`KnowledgeService`. A collection is looked up among those the principal may see (their own,
their teams': server/knowledge/access.py), so another user's or team's collection answers
404 exactly like a missing one."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse

from haneul.errors import InvalidRequestError
from haneul.knowledge.ingest import MAX_FILE_BYTES
from haneul.knowledge.library import CollectionInfo, Library
from haneul.knowledge.service import KnowledgeService
from haneul.server.auth import Principal, authenticate
from haneul.server.knowledge.access import (
    check_writable,
    find_collection,
    team_of,
    visible_collections,
)
from haneul.server.knowledge.access import create_collection as create_collection_for
from haneul.server.knowledge.schemas import (
    CreateCollection,
    SearchRequest,
    collection_card,
    document_card,
    hit_card,
    progress_card,
)

router = APIRouter(prefix="/v1/collections")
MAX_FILES = 1000


def _service(request: Request, principal: Principal) -> KnowledgeService:
    service: KnowledgeService = request.app.state.knowledge
    return service


def _collection(
    request: Request, principal: Principal, name: str, *, change: bool = False
) -> tuple[Library, CollectionInfo]:
    """The collection `name` as the principal sees it; with `change`, a 403 unless they
    may change it."""
    library = _service(request, principal).library
    info = find_collection(library, principal, request.app.state.teams, name)
    if change:
        check_writable(library, principal, info)
    return library, info


def _card(request: Request, library: Library, info: CollectionInfo) -> dict[str, Any]:
    return {
        **collection_card(info, library.progress(info.id)),
        "team": team_of(info, request.app.state.teams),
    }


Auth = Annotated[Principal, Depends(authenticate)]


@router.post("", status_code=201)
async def create_collection(
    body: CreateCollection,
    request: Request,
    principal: Auth,
    team: Annotated[str | None, Query(description="Team (id or name) that owns it")] = None,
) -> Any:
    library = _service(request, principal).library
    teams = request.app.state.teams
    info = await asyncio.to_thread(
        create_collection_for, library, principal, teams, body.name, body.description, team
    )
    return _card(request, library, info)


@router.get("")
async def list_collections(request: Request, principal: Auth) -> Any:
    library = _service(request, principal).library
    return {
        "object": "list",
        "data": [
            _card(request, library, c)
            for c in visible_collections(library, principal, request.app.state.teams)
        ],
    }


@router.get("/{name}")
async def get_collection(name: str, request: Request, principal: Auth) -> Any:
    library, info = _collection(request, principal, name)
    return _card(request, library, info)


@router.delete("/{name}")
async def delete_collection(name: str, request: Request, principal: Auth) -> Any:
    library, info = _collection(request, principal, name, change=True)
    await asyncio.to_thread(library.delete_collection, info.owner, name)
    return {"id": info.id, "object": "collection", "name": name, "deleted": True}


@router.post("/{name}/documents")
async def upload_documents(
    name: str,
    request: Request,
    principal: Auth,
    files: Annotated[list[UploadFile], File(description="One or more files")],
    wait: Annotated[
        bool,
        Query(
            description="Answer when indexed and embedded (else 202 and a job: each document"
            " is searchable by BM25 as soon as the job has written it)"
        ),
    ] = True,
) -> Any:
    service = _service(request, principal)
    _, info = await asyncio.to_thread(partial(_collection, request, principal, name, change=True))
    if len(files) > MAX_FILES:
        raise InvalidRequestError(f"at most {MAX_FILES} files per upload", param="files")
    contents = []
    for upload in files:
        if not upload.filename:
            raise InvalidRequestError("every file needs a file name", param="files")
        data = await upload.read(MAX_FILE_BYTES + 1)
        contents.append((upload.filename, data))
    job = service.start_job(principal.owner, info, contents)
    if not wait:
        indexed = await asyncio.to_thread(service.library.progress, info.id)
        return JSONResponse(progress_card(job.id, job.progress, job.status, indexed), 202)
    assert job.task is not None
    progress = await job.task
    indexed = await asyncio.to_thread(service.library.progress, info.id)
    return progress_card(job.id, progress, job.status, indexed)


@router.get("/{name}/jobs/{job_id}")
async def get_job(name: str, job_id: str, request: Request, principal: Auth) -> Any:
    """A job's progress. Polled while the job writes: the library's reads wait for its lock
    (held by a writing thread for a whole transaction), so they run off the event loop,
    which must never wait for that lock (a stalled loop closed pollers' connections)."""
    service = _service(request, principal)
    _, info = await asyncio.to_thread(_collection, request, principal, name)
    job = service.job(principal.owner, info, job_id)
    indexed = await asyncio.to_thread(service.library.progress, info.id)
    return progress_card(job.id, job.progress, job.status, indexed)


@router.get("/{name}/documents")
async def list_documents(name: str, request: Request, principal: Auth) -> Any:
    library, info = _collection(request, principal, name)
    return {"object": "list", "data": [document_card(d) for d in library.documents(info.id)]}


@router.get("/{name}/documents/{document}")
async def get_document(name: str, document: str, request: Request, principal: Auth) -> Any:
    library, info = _collection(request, principal, name)
    return document_card(library.document(info.id, document))


@router.delete("/{name}/documents/{document}")
async def delete_document(name: str, document: str, request: Request, principal: Auth) -> Any:
    library, info = _collection(request, principal, name, change=True)
    doc = await asyncio.to_thread(library.delete_document, info.id, document)
    return {"id": doc.id, "object": "document", "name": doc.name, "deleted": True}


@router.post("/{name}/search")
async def search(name: str, body: SearchRequest, request: Request, principal: Auth) -> Any:
    service = _service(request, principal)
    _, info = _collection(request, principal, name)
    filters = body.filters.to_filters() if body.filters else None
    hits = await service.search(info, body.query, body.top_k, filters, body.mode)  # type: ignore[arg-type]
    return {"object": "list", "query": body.query, "data": [hit_card(h) for h in hits]}
