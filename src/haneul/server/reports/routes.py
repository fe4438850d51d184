"""`/v1/reports`: 보고서 작성. A report is made from a topic and a collection the caller sees
(their own or their team's) with an outline proposed from its template; the caller edits
the outline, then `POST /v1/reports/{id}/generate` writes it section by section, streaming
progress as server-sent events (`data:` JSON lines, then `data: [DONE]`), and
`GET /v1/reports/{id}/export?format=markdown|docx|hwpx` downloads it.
`POST /v1/reports/{id}/outline` has the model draft the outline from the collection instead
(the template's outline when the model's does not parse), still editable before writing.
Reports belong to the principal's owner: another owner's report is a 404."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import asdict
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from haneul.errors import ConflictError, UnsupportedError
from haneul.server.accounts.routes import signin_redirect
from haneul.server.auth import Principal, authenticate
from haneul.server.knowledge.access import find_collection
from haneul.server.knowledge.schemas import hit_card
from haneul.store.db import connect
from haneul.workspace.reports.export import document, docx, markdown
from haneul.workspace.reports.hwpx import hwpx
from haneul.workspace.reports.jobs import Job, ReportJobs
from haneul.workspace.reports.outline import draft_outline
from haneul.workspace.reports.store import Report, ReportStore
from haneul.workspace.reports.templates import TEMPLATES, outline
from haneul.workspace.reports.writer import Search, sources, summary_table

router = APIRouter(prefix="/v1/reports")
Auth = Annotated[Principal, Depends(authenticate)]
Heading = Annotated[str, Field(min_length=1, max_length=200)]

MEDIA = {
    "markdown": ("text/markdown; charset=utf-8", "md"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "hwpx": ("application/hwp+zip", "hwpx"),
}


def open_reports(db_path: Path) -> ReportJobs:
    """The report jobs of a starting server: reports a stopped server left running become
    interrupted (generating again resumes them)."""
    store = ReportStore(connect(db_path))
    store.interrupt_running()
    return ReportJobs(store)


class CreateReport(BaseModel):
    model_config = ConfigDict(extra="forbid")
    topic: str = Field(min_length=1, max_length=500)
    collection: str = Field(min_length=1, max_length=200)
    template: str | None = None
    title: str | None = Field(default=None, max_length=200)
    outline: list[Heading] | None = Field(default=None, min_length=1, max_length=30)


class EditReport(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(default=None, min_length=1, max_length=200)
    outline: list[Heading] | None = Field(default=None, min_length=1, max_length=30)


class DraftOutline(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model: str | None = None
    top_k: int = Field(default=4, ge=1, le=8)


class Generate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model: str | None = None
    stream: bool = True
    top_k: int = Field(default=3, ge=1, le=8)


def _jobs(request: Request) -> ReportJobs:
    jobs: ReportJobs = request.app.state.reports
    return jobs


def card(report: Report) -> dict[str, Any]:
    out = asdict(report)
    out.pop("collection_owner")
    out |= {"object": "report", "created_at": int(report.created_at)}
    out["updated_at"] = int(report.updated_at)
    if report.sections:
        out["table"] = summary_table(report.sections)
        out["sources"] = sources(report.sections)
    return out


@router.get("/templates")
async def list_templates(principal: Auth) -> Any:
    data = [asdict(t) | {"object": "report.template"} for t in TEMPLATES.values()]
    return {"object": "list", "data": data}


@router.post("", status_code=201)
async def create_report(body: CreateReport, request: Request, principal: Auth) -> Any:
    library = request.app.state.knowledge.library
    info = find_collection(library, principal, request.app.state.teams, body.collection)
    proposed = body.outline or outline(body.template)
    store = _jobs(request).store
    report = await asyncio.to_thread(
        store.create,
        principal.owner,
        body.topic,
        info.name,
        info.owner,
        proposed,
        body.template,
        body.title,
    )
    return card(report)


@router.get("")
async def list_reports(request: Request, principal: Auth) -> Any:
    reports = await asyncio.to_thread(_jobs(request).store.of, principal.owner)
    return {"object": "list", "data": [card(r) for r in reports]}


@router.get("/{report_id}")
async def get_report(report_id: str, request: Request, principal: Auth) -> Any:
    return card(await asyncio.to_thread(_jobs(request).store.get, principal.owner, report_id))


@router.patch("/{report_id}")
async def edit_report(report_id: str, body: EditReport, request: Request, principal: Auth) -> Any:
    jobs = _jobs(request)
    report = await asyncio.to_thread(jobs.store.get, principal.owner, report_id)
    if jobs.running(report.id):
        raise ConflictError("the report is being written: wait until it is done")
    report.title = body.title or report.title
    if body.outline is not None and body.outline != report.outline:
        report.outline = body.outline
        report.status = "draft"
    return card(await asyncio.to_thread(jobs.store.save, report))


@router.delete("/{report_id}")
async def delete_report(report_id: str, request: Request, principal: Auth) -> Any:
    jobs = _jobs(request)
    if jobs.running(report_id):
        raise ConflictError("the report is being written: wait until it is done")
    await asyncio.to_thread(jobs.store.delete, principal.owner, report_id)
    return {"id": report_id, "object": "report.deleted", "deleted": True}


def _search(request: Request, principal: Principal, report: Report) -> Search:
    """The search of the report's collection, as the caller may read it."""
    library = request.app.state.knowledge.library
    info = find_collection(library, principal, request.app.state.teams, report.collection)
    knowledge = request.app.state.knowledge

    async def search(query: str, top_k: int) -> list[dict[str, Any]]:
        hits = await knowledge.search(info, query, top_k, None)
        return [{**hit_card(h), "collection": info.name} for h in hits]

    return search


async def _start(request: Request, principal: Principal, report: Report, body: Generate) -> Job:
    search = _search(request, principal, report)
    entry, backend = await request.app.state.manager.get(body.model)
    return _jobs(request).start(report, backend, entry.name, search, body.top_k, card)


@router.post("/{report_id}/outline")
async def outline_draft(
    report_id: str, body: DraftOutline, request: Request, principal: Auth
) -> Any:
    """The model drafts the outline from the collection (saved as the draft's outline); the
    template's outline when its reply gives too few usable headings (`outline_drafted`
    says which, `outline_reason` why)."""
    jobs = _jobs(request)
    report = await asyncio.to_thread(jobs.store.get, principal.owner, report_id)
    if jobs.running(report.id):
        raise ConflictError("the report is being written: wait until it is done")
    search = _search(request, principal, report)
    entry, backend = await request.app.state.manager.get(body.model)
    fallback = outline(report.template)
    drafted = await draft_outline(backend, entry.name, report.topic, search, fallback, body.top_k)
    if drafted.outline != report.outline:
        report.outline, report.status = drafted.outline, "draft"
        report = await asyncio.to_thread(jobs.store.save, report)
    return card(report) | {"outline_drafted": drafted.drafted, "outline_reason": drafted.reason}


def _sse(events: AsyncIterator[dict[str, Any]]) -> StreamingResponse:
    async def lines() -> AsyncIterator[bytes]:
        async for event in events:
            yield f"data: {json.dumps(event, ensure_ascii=False)}\n\n".encode()
        yield b"data: [DONE]\n\n"

    return StreamingResponse(lines(), media_type="text/event-stream")


@router.post("/{report_id}/generate")
async def generate(report_id: str, body: Generate, request: Request, principal: Auth) -> Any:
    report = await asyncio.to_thread(_jobs(request).store.get, principal.owner, report_id)
    job = _jobs(request).running(report.id) or await _start(request, principal, report, body)
    if body.stream:
        return _sse(job.follow())
    events = [e async for e in job.follow()]
    done = await asyncio.to_thread(_jobs(request).store.get, principal.owner, report_id)
    return card(done) | {"events": events}


@router.get("/{report_id}/events")
async def follow(report_id: str, request: Request, principal: Auth) -> Any:
    """The running job's events from its start (a page that reconnects), else the status."""
    report = await asyncio.to_thread(_jobs(request).store.get, principal.owner, report_id)
    job = _jobs(request).jobs.get(report.id)
    if job is not None:
        return _sse(job.follow())

    async def status() -> AsyncIterator[dict[str, Any]]:
        yield {"type": "status", "status": report.status}

    return _sse(status())


@router.get("/{report_id}/export")
async def export(
    report_id: str,
    request: Request,
    principal: Auth,
    format: Annotated[Literal["markdown", "docx", "hwpx"], Query()] = "markdown",
) -> Response:
    report = await asyncio.to_thread(_jobs(request).store.get, principal.owner, report_id)
    if not report.sections:
        raise UnsupportedError("the report has no written sections yet: generate it first")
    doc = document(report.title, report.sections)
    writers = {"markdown": lambda: markdown(doc).encode(), "docx": lambda: docx(doc)}
    writers["hwpx"] = lambda: hwpx(doc)
    data = await asyncio.to_thread(writers[format])
    media, ext = MEDIA[format]
    name = quote(f"{report.title}.{ext}")
    disposition = f"attachment; filename=\"report.{ext}\"; filename*=UTF-8''{name}"
    return Response(data, media_type=media, headers={"Content-Disposition": disposition})


page_router = APIRouter()


@page_router.get("/reports", response_class=HTMLResponse, include_in_schema=False)
async def reports_page(request: Request) -> Response:
    """The report editor (outline, live progress, downloads); sign-in first once accounts
    exist."""
    if (to_signin := signin_redirect(request)) is not None:
        return to_signin
    page = resources.files("haneul.web").joinpath("reports.html").read_text(encoding="utf-8")
    return HTMLResponse(page)
