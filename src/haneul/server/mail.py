"""`/v1/mail`: 메일 답장. Connect a mailbox (IMAP/SMTP, app password sealed at rest), read it
(sync or .eml/.mbox import), summarise a thread, propose its to-dos through the to-do review
flow (nothing saved until `/v1/todos/accept`), draft a reply, approve the exact draft, send.
The `/mail` page is the browser's view of the same. docs/mail.md has the walk-through."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, File, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from haneul.config import Settings
from haneul.engine.manager import ModelManager
from haneul.errors import NotFoundError, RequestTooLargeError
from haneul.server.accounts.routes import signin_redirect
from haneul.server.auth import Principal, authenticate
from haneul.server.knowledge.access import check_writable, create_collection, find_collection
from haneul.server.knowledge.schemas import progress_card
from haneul.server.workspace.todos import _proposal
from haneul.store.db import connect
from haneul.workspace.mail.parse import attachment_bytes
from haneul.workspace.mail.service import MailService, MailSkillSource
from haneul.workspace.mail.store import MailStore
from haneul.workspace.mail.vault import Vault

router = APIRouter(prefix="/v1/mail", tags=["mail"])
page_router = APIRouter()
Auth = Annotated[Principal, Depends(authenticate)]
MAX_IMPORT_BYTES = 50 * 1024 * 1024
HOST = r"^[A-Za-z0-9][A-Za-z0-9.:-]*$"  # a host name or an IP address


class AccountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    address: str = Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    password: SecretStr = Field(description="An app password (never returned, never logged)")
    username: str = Field(default="", max_length=320, description="Login name; the address")
    display_name: str = Field(default="", max_length=100, examples=["이하늘"])
    signature: str = Field(default="", max_length=2000, examples=["이하늘 드림\n기획팀"])
    imap_host: str = Field(max_length=253, pattern=HOST, examples=["imap.example.com"])
    imap_port: int = Field(default=993, ge=1, le=65535)
    smtp_host: str = Field(max_length=253, pattern=HOST, examples=["smtp.example.com"])
    smtp_port: int = Field(default=465, ge=1, le=65535)
    smtp_security: Literal["ssl", "starttls"] = "ssl"


class ModelBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model: str | None = None


class TodosBody(ModelBody):
    today: dt.date | None = None


class DraftBody(ModelBody):
    instructions: str = Field(default="", max_length=2000, examples=["금요일까지 보내겠다고"])
    collection: str | None = Field(
        default=None,
        max_length=100,
        description="Ground the reply on this document collection too (its passages cited)",
    )


class DraftPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to: list[str] | None = Field(default=None, min_length=1, max_length=50)
    cc: list[str] | None = Field(default=None, max_length=50)
    subject: str | None = Field(default=None, min_length=1, max_length=500)
    body: str | None = Field(default=None, min_length=1, max_length=100_000)


class ApproveBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    digest: str = Field(
        min_length=64, max_length=64, description="The `digest` of the draft as it was shown"
    )


class IndexBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    collection: str = Field(default="메일첨부", min_length=1, max_length=100)


def _mail(request: Request) -> MailService:
    service: MailService = request.app.state.mail
    return service


@router.put("/account")
async def connect_mailbox(body: AccountIn, request: Request, principal: Auth) -> Any:
    """Connect the caller's mailbox: the IMAP login is checked first (400 mail_auth_failed on
    a wrong password, 502 mail_unreachable when the server cannot be reached)."""
    fields = body.model_dump(exclude={"password"})
    password = body.password.get_secret_value()
    account = await _mail(request).connect(principal.owner, fields, password)
    return account.card()


@router.get("/account")
async def get_account(request: Request, principal: Auth) -> Any:
    return _mail(request).store.account(principal.owner).card()


@router.delete("/account")
async def delete_account(request: Request, principal: Auth) -> Any:
    _mail(request).store.account(principal.owner)
    _mail(request).store.delete_account(principal.owner)
    return {"object": "mail.account", "deleted": True}


@router.post("/sync")
async def sync(request: Request, principal: Auth, limit: int = Query(200, ge=1, le=2000)) -> Any:
    """Read the newest INBOX messages from the IMAP server."""
    added = await _mail(request).sync(principal.owner, limit)
    return {"object": "mail.sync", "added": added}


@router.post("/import")
async def import_file(
    request: Request,
    principal: Auth,
    file: Annotated[UploadFile, File(description="An .eml or .mbox file")],
) -> Any:
    """Messages from an .eml/.mbox file, for people without IMAP access."""
    data = await file.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise RequestTooLargeError(f"at most {MAX_IMPORT_BYTES} bytes", param="file")
    added = _mail(request).import_file(principal.owner, file.filename or "mail.eml", data)
    return {"object": "mail.import", "added": added}


@router.get("/threads")
async def threads(
    request: Request,
    principal: Auth,
    q: Annotated[str | None, Query(max_length=200)] = None,
    limit: int = Query(50, ge=1, le=500),
) -> Any:
    return {"object": "list", "data": _mail(request).store.threads(principal.owner, limit, q)}


@router.get("/threads/{thread_id}")
async def thread(thread_id: str, request: Request, principal: Auth) -> Any:
    mail = _mail(request)
    messages = mail.store.thread(principal.owner, thread_id)
    drafts = mail.store.drafts(principal.owner, thread_id)
    return {
        "id": thread_id,
        "object": "mail.thread",
        "subject": messages[0].parsed.subject,
        "messages": [m.card() for m in messages],
        "drafts": [d.card() for d in drafts],
    }


@router.post("/threads/{thread_id}/summary")
async def summary(thread_id: str, body: ModelBody, request: Request, principal: Auth) -> Any:
    return await _mail(request).summarize(principal.owner, thread_id, body.model)


@router.post("/threads/{thread_id}/todos")
async def todos(thread_id: str, body: TodosBody, request: Request, principal: Auth) -> Any:
    """할 일 from the thread, step one of the to-do review flow: candidates only, saved when
    the user accepts them at `/v1/todos/accept`."""
    messages = _mail(request).store.thread(principal.owner, thread_id)
    text = "\n\n".join(f"{m.parsed.sender}: {m.parsed.text}" for m in messages)
    source = {"kind": "mail", "ref": thread_id}
    return await _proposal(request, text, source, body.model, body.today)


@router.post("/threads/{thread_id}/drafts", status_code=201)
async def new_draft(thread_id: str, body: DraftBody, request: Request, principal: Auth) -> Any:
    """A reply draft (존댓말, your signature), grounded on the thread, and on a document
    collection when named (the passages used come back as `citations`). Nothing is sent."""
    mail = _mail(request)
    citations: list[dict[str, Any]] = []
    if body.collection:
        knowledge = request.app.state.knowledge
        teams = request.app.state.teams
        info = find_collection(knowledge.library, principal, teams, body.collection)
        last = mail.store.thread(principal.owner, thread_id)[-1].parsed
        hits = await knowledge.search(info, f"{last.subject}\n{last.text[:500]}", 3, None)
        citations = [
            {
                "index": i,
                "document_id": h.document.id,
                "document_name": h.document.name,
                "text": h.text,
            }
            for i, h in enumerate(hits, 1)
        ]
    sources = [(c["document_name"], c["text"]) for c in citations]
    draft = await mail.draft(principal.owner, thread_id, body.model, body.instructions, sources)
    return {**draft.card(), "citations": citations}


@router.get("/drafts/{draft_id}")
async def get_draft(draft_id: str, request: Request, principal: Auth) -> Any:
    return _mail(request).store.draft(principal.owner, draft_id).card()


@router.patch("/drafts/{draft_id}")
async def edit_draft(draft_id: str, body: DraftPatch, request: Request, principal: Auth) -> Any:
    """Edit a draft; an edit takes back its approval."""
    changes = body.model_dump(exclude_unset=True)
    return _mail(request).store.update_draft(principal.owner, draft_id, changes).card()


@router.post("/drafts/{draft_id}/approve")
async def approve(draft_id: str, body: ApproveBody, request: Request, principal: Auth) -> Any:
    """Approve the draft exactly as shown (its `digest`); 409 when it changed since."""
    return _mail(request).approve(principal.owner, draft_id, body.digest).card()


@router.post("/drafts/{draft_id}/send")
async def send(draft_id: str, request: Request, principal: Auth) -> Any:
    """Send an approved draft (409 unless approved as it is now), then save it to Sent."""
    return (await _mail(request).send(principal.owner, draft_id)).card()


@router.post("/messages/{message_id}/attachments/{index}/index")
async def index_attachment(
    message_id: str, index: int, body: IndexBody, request: Request, principal: Auth
) -> Any:
    """Index one attachment into the caller's documents (the collection is made if new)."""
    message = _mail(request).store.message(principal.owner, message_id)
    if index not in [a.index for a in message.parsed.attachments]:
        raise NotFoundError(f"no attachment {index} in this message", param="index")
    name, data = attachment_bytes(message.raw, index)
    knowledge = request.app.state.knowledge
    library, teams = knowledge.library, request.app.state.teams
    try:
        info = find_collection(library, principal, teams, body.collection)
        check_writable(library, principal, info)
    except NotFoundError:
        info = create_collection(library, principal, teams, body.collection, "메일 첨부", None)
    job = knowledge.start_job(principal.owner, info, [(name, data)])
    progress = await job.task
    card = progress_card(job.id, progress, job.status, library.progress(info.id))
    return {**card, "collection": info.name, "document": name}


@page_router.get("/mail", response_class=HTMLResponse, include_in_schema=False)
async def mail_page(request: Request) -> Response:
    if (to_signin := signin_redirect(request)) is not None:
        return to_signin
    page = resources.files("haneul.web").joinpath("mail.html").read_text(encoding="utf-8")
    return HTMLResponse(page)


def open_mail(app: FastAPI, settings: Settings, manager: ModelManager) -> MailService:
    """The mail service on its own connection, with its routes and page."""
    store = MailStore(connect(settings.db_path))
    key = settings.mail_key.get_secret_value() if settings.mail_key else None
    vault = Vault(key, settings.home)
    app.include_router(router)
    app.include_router(page_router)
    service = MailService(store, vault, manager, settings.mail_ca_file)
    app.state.assistant.mail = MailSkillSource(service)  # the `mail` skill reads through it
    return service
