"""`/v1/todos`: to-dos (CRUD, filters), 오늘 할 일, 할 일 생성 (proposal, then accept) and
the iCalendar export and subscription. docs/workspace.md has the walk-through."""

from __future__ import annotations

import asyncio
import datetime as dt
from importlib import resources
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from haneul.errors import InvalidRequestError, NotFoundError
from haneul.knowledge.loaders import load_document
from haneul.server.accounts.routes import signin_redirect
from haneul.server.auth import Principal, authenticate
from haneul.server.knowledge.access import find_collection
from haneul.skills.builtin.due_dates import today_kst
from haneul.workspace.extract import MAX_TEXT, extract
from haneul.workspace.ical import calendar
from haneul.workspace.todos import TodoFilters, TodoStore, Viewer

router = APIRouter(prefix="/v1/todos", tags=["todos"])
page_router = APIRouter()
Auth = Annotated[Principal, Depends(authenticate)]
Priority = Literal["high", "normal", "low"]
Status = Literal["open", "done", "cancelled"]


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["text", "document", "mail", "conversation"]
    ref: str | None = Field(default=None, max_length=500)


def _date_text(value: Any) -> Any:
    """A date is written YYYY-MM-DD: a number is not read as a timestamp."""
    if value is not None and not isinstance(value, str | dt.date):
        raise ValueError("a date is written YYYY-MM-DD")
    return value


Day = Annotated[dt.date | None, BeforeValidator(_date_text)]


class TodoIn(BaseModel):
    model_config = ConfigDict(extra="ignore")  # a candidate's due_text passes through unread
    title: str = Field(min_length=1, max_length=500)
    notes: str = Field(default="", max_length=10000)
    due: Day = None
    priority: Priority = "normal"
    status: Status = "open"
    source: Source | None = None
    team_id: str | None = None
    # a sub-task as an object, or as its title alone
    subtasks: list[TodoIn | str] = Field(default_factory=list, max_length=50)

    @field_validator("subtasks", mode="before")
    @classmethod
    def _titles(cls, value: Any) -> Any:
        """A sub-task may be given as its title alone."""
        if isinstance(value, list):
            return [{"title": v} if isinstance(v, str) else v for v in value]
        return value


class TodoPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(default=None, min_length=1, max_length=500)
    notes: str | None = Field(default=None, max_length=10000)
    due: Day = None
    priority: Priority | None = None
    status: Status | None = None
    position: int | None = None
    team_id: str | None = None


class ExtractBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str | None = Field(default=None, max_length=100_000)
    conversation_id: str | None = None
    collection: str | None = None
    document: str | None = None
    model: str | None = None
    today: Day = None


class AcceptBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    candidates: list[TodoIn] = Field(min_length=1, max_length=50)
    source: Source | None = None  # applied to candidates that carry none
    team_id: str | None = None


def viewer(principal: Principal) -> Viewer:
    return Viewer(principal.owner, principal.teams, principal.is_admin)


def _store(request: Request) -> TodoStore:
    store: TodoStore = request.app.state.todos
    return store


def _team_id(request: Request, value: str | None) -> str | None:
    """A team named by id or name, as its id (the store checks membership)."""
    if value is None:
        return None
    try:
        return str(request.app.state.teams.resolve(value).id)
    except NotFoundError:
        raise InvalidRequestError(f"no team '{value}'", param="team_id") from None


# A day in a query: YYYY-MM-DD only (a number is not read as a timestamp).
IsoDate = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$", examples=["2026-12-24"])]


def _day(text: str, param: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidRequestError(f"{param} is not a date: {text!r}", param=param) from None


def _item(request: Request, body: TodoIn) -> dict[str, Any]:
    item = body.model_dump(mode="json")
    item["team_id"] = _team_id(request, item["team_id"])
    return item


@router.get("")
async def list_todos(
    request: Request,
    principal: Auth,
    status: Status | None = None,
    priority: Priority | None = None,
    due_before: IsoDate = None,
    due_after: IsoDate = None,
    team_id: str | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> Any:
    before = _day(due_before, "due_before").isoformat() if due_before else None
    after = _day(due_after, "due_after").isoformat() if due_after else None
    team = _team_id(request, team_id)
    filters = TodoFilters(status, priority, before, after, team, q)
    today = today_kst()
    todos = _store(request).find(viewer(principal), filters)
    return {"object": "list", "data": [t.card(today) for t in todos]}


@router.post("", status_code=201)
async def create_todo(body: TodoIn, request: Request, principal: Auth) -> Any:
    return _store(request).add(viewer(principal), _item(request, body)).card(today_kst())


@router.get("/today")
async def todos_today(request: Request, principal: Auth, date: IsoDate = None) -> Any:
    """오늘 할 일: open to-dos due by `date` (today in Korea) ordered by due date and priority,
    overdue ones flagged, then the undated ones."""
    day = _day(date, "date") if date else today_kst()
    todos = _store(request).today(viewer(principal), day)
    cards = [t.card(day) for t in todos]
    return {
        "object": "todo.briefing",
        "date": day.isoformat(),
        "overdue": sum(1 for c in cards if c["overdue"]),
        "data": cards,
    }


@router.post("/extract")
async def propose(body: ExtractBody, request: Request, principal: Auth) -> Any:
    """할 일 생성, step one: candidates for review. Nothing is saved."""
    text, source = await _source_text(body, request, principal)
    return await _proposal(request, text, source, body.model, body.today)


@router.post("/extract/upload")
async def propose_from_file(
    request: Request,
    principal: Auth,
    file: Annotated[UploadFile, File(description="A document: PDF, DOCX, HWP(X), text...")],
    model: Annotated[str | None, Form()] = None,
) -> Any:
    """할 일 생성 from an uploaded document (read, never stored)."""
    data = await file.read()
    loaded = load_document(file.filename or "upload.txt", data)
    text = "\n".join(s.text for s in loaded.sections)
    return await _proposal(request, text, {"kind": "document", "ref": loaded.name}, model, None)


@router.post("/accept", status_code=201)
async def accept(body: AcceptBody, request: Request, principal: Auth) -> Any:
    """할 일 생성, step two: save the candidates the user chose (as they edited them)."""
    store, who, today = _store(request), viewer(principal), today_kst()
    saved = []
    for candidate in body.candidates:
        item = _item(request, candidate)
        item["source"] = item["source"] or (body.source and body.source.model_dump())
        item["team_id"] = item["team_id"] or _team_id(request, body.team_id)
        saved.append(store.add(who, item).card(today))
    return {"object": "list", "data": saved}


@router.get("/export.ics")
async def export_ics(request: Request, principal: Auth) -> Response:
    todos = _store(request).find(viewer(principal))
    return _ics(todos)


@router.post("/feed", status_code=201)
async def new_feed(request: Request, principal: Auth) -> Any:
    """A subscribe URL for calendar apps (they send no key; the URL is the secret). A new one
    replaces the old."""
    token = _store(request).feed_token(principal.owner)
    url = str(request.base_url).rstrip("/") + f"/v1/todos/feed/{token}.ics"
    return {"object": "todo.feed", "url": url, "webcal": url.replace("http", "webcal", 1)}


@router.get("/feed/{token}.ics")
async def feed(token: str, request: Request) -> Response:
    store = _store(request)
    owner = store.feed_owner(token)
    return _ics(store.find(Viewer(owner)))


@router.get("/{tid}")
async def get_todo(tid: str, request: Request, principal: Auth) -> Any:
    return _store(request).get(viewer(principal), tid).card(today_kst())


@router.patch("/{tid}")
async def update_todo(tid: str, body: TodoPatch, request: Request, principal: Auth) -> Any:
    changes = body.model_dump(mode="json", exclude_unset=True)
    if changes.get("team_id") is not None:
        changes["team_id"] = _team_id(request, changes["team_id"])
    return _store(request).update(viewer(principal), tid, changes).card(today_kst())


@router.delete("/{tid}")
async def delete_todo(tid: str, request: Request, principal: Auth) -> Any:
    _store(request).delete(viewer(principal), tid)
    return {"id": tid, "object": "todo", "deleted": True}


@router.post("/{tid}/subtasks", status_code=201)
async def add_subtask(tid: str, body: TodoIn, request: Request, principal: Auth) -> Any:
    store, who = _store(request), viewer(principal)
    store.add(who, _item(request, body), parent_id=tid)
    return store.get(who, tid).card(today_kst())


def _ics(todos: list[Any]) -> Response:
    headers = {"Content-Disposition": 'attachment; filename="haneul-todos.ics"'}
    return Response(calendar(todos), media_type="text/calendar; charset=utf-8", headers=headers)


async def _source_text(
    body: ExtractBody, request: Request, principal: Principal
) -> tuple[str, dict[str, Any]]:
    if body.text and body.text.strip():
        return body.text, {"kind": "text", "ref": None}
    if body.conversation_id:
        conversations = request.app.state.assistant.conversations
        messages = await asyncio.to_thread(
            conversations.messages, principal.owner, body.conversation_id
        )
        lines = [f"{'사용자' if m.role == 'user' else '비서'}: {m.content}" for m in messages]
        return "\n".join(lines), {"kind": "conversation", "ref": body.conversation_id}
    if body.collection and body.document:
        library = request.app.state.knowledge.library
        info = find_collection(library, principal, request.app.state.teams, body.collection)
        doc = library.document(info.id, body.document)
        text = "\n".join(p[0] for p in library.passages(doc.id))
        return text, {"kind": "document", "ref": f"{body.collection}/{doc.name}"}
    raise InvalidRequestError(
        "give text, conversation_id, or collection and document", param="text"
    )


async def _proposal(
    request: Request,
    text: str,
    source: dict[str, Any],
    model: str | None,
    today: dt.date | None,
) -> dict[str, Any]:
    if not text.strip():
        raise InvalidRequestError("the source has no text", param="text")
    entry, backend = await request.app.state.manager.get(model)
    day = today or today_kst()
    found = await extract(backend, entry.name, text, day)
    for c in found.candidates:
        c["source"] = source
    return {
        "object": "todo.proposal",
        "saved": False,
        "today": day.isoformat(),
        "model": entry.name,
        "method": found.method,
        "parsed": found.parsed,
        "repaired": found.repaired,
        "truncated": len(text.strip()) > MAX_TEXT,
        "source": source,
        "candidates": found.candidates,
    }


@page_router.get("/workspace", response_class=HTMLResponse, include_in_schema=False)
async def workspace_page(request: Request) -> Response:
    if (to_signin := signin_redirect(request)) is not None:
        return to_signin
    page = resources.files("haneul.web").joinpath("workspace.html").read_text(encoding="utf-8")
    return HTMLResponse(page)
