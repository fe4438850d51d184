"""REST for code: `/v1/code/conversations/{cid}/files` (attach a spreadsheet for code to
read) and `/run` (run Python in the sandbox over the conversation's files), `/chart` (the
chart request of the `python` skill), `/status` (whether the sandbox is on, and why not)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from haneul.server.auth import Principal, authenticate
from haneul.skills.code.charts import chart_code
from haneul.skills.code.files import MAX_FILE_BYTES, ConversationFiles
from haneul.skills.code.run import run_code
from haneul.skills.code.sandbox import SandboxUnavailableError, isolation, sandbox_problem
from haneul.skills.code.skill import pick_spreadsheet

router = APIRouter(prefix="/v1/code")
Auth = Annotated[Principal, Depends(authenticate)]


class RunCode(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=100_000)


class ChartRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    request: str = Field(min_length=1, max_length=2000)


def code_files(request: Request) -> ConversationFiles:
    store: ConversationFiles | None = getattr(request.app.state, "code_files", None)
    if store is None:
        store = ConversationFiles(Path(request.app.state.settings.home) / "code-files")
        request.app.state.code_files = store
    return store


def conversation_files(request: Request, owner: str, cid: str) -> dict[str, Path]:
    """The files code may read in this conversation (the owner's conversation only)."""
    request.app.state.assistant.conversations.get(owner, cid)  # 404 unless it is theirs
    return code_files(request).paths(owner, cid)


async def _files(request: Request, principal: Principal, cid: str) -> dict[str, Path]:
    return await asyncio.to_thread(conversation_files, request, principal.owner, cid)


def _check_sandbox() -> None:
    problem = sandbox_problem()
    if problem is not None:
        raise SandboxUnavailableError(problem)


@router.get("/status")
async def status(principal: Auth) -> dict[str, Any]:
    problem = await asyncio.to_thread(sandbox_problem)
    how = isolation() if problem is None else None  # "setpriv" (root) or "userns"
    return {"enabled": problem is None, "reason": problem, "isolation": how}


@router.post("/conversations/{cid}/files")
async def attach(cid: str, file: UploadFile, request: Request, principal: Auth) -> dict[str, Any]:
    await _files(request, principal, cid)
    data = await file.read(MAX_FILE_BYTES + 1)
    store = code_files(request)
    name = await asyncio.to_thread(store.save, principal.owner, cid, file.filename or "", data)
    return {"object": "code.file", "name": name, "bytes": len(data)}


@router.get("/conversations/{cid}/files")
async def list_files(cid: str, request: Request, principal: Auth) -> dict[str, Any]:
    files = await _files(request, principal, cid)
    data = [{"name": name, "bytes": path.stat().st_size} for name, path in files.items()]
    return {"object": "list", "data": data}


@router.post("/conversations/{cid}/run")
async def run(cid: str, body: RunCode, request: Request, principal: Auth) -> dict[str, Any]:
    files = await _files(request, principal, cid)
    await asyncio.to_thread(_check_sandbox)
    return {"object": "code.run", **await run_code(body.code, files)}


@router.post("/conversations/{cid}/chart")
async def chart(cid: str, body: ChartRequest, request: Request, principal: Auth) -> dict[str, Any]:
    files = await _files(request, principal, cid)
    await asyncio.to_thread(_check_sandbox)
    code = chart_code(body.request, pick_spreadsheet(files, body.request))
    return {"object": "code.run", **await run_code(code, files)}
