"""Thin routes for `/v1/conversations`: parse, call the conversation service
(`assistant/session.py`), wire. A message is answered as a whole (`stream` false) or as
server-sent events, one JSON event per `data:` line, then `data: [DONE]`. A turn is stored
only when it is complete. Every store call runs in a worker thread: a locked database
delays that request (and ends in a 503 `store_busy`), never the event loop."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from haneul.assistant.conversations import Conversation, Message
from haneul.assistant.presets import OPEN, PRESETS
from haneul.assistant.session import AssistantService, TurnRun
from haneul.assistant.turn import Event
from haneul.errors import HaneulError
from haneul.server import sse
from haneul.server.auth import Principal, authenticate
from haneul.server.chat import ChatServing
from haneul.server.code import code_files
from haneul.server.errors import StoreBusyError, error_body, is_locked

router = APIRouter(prefix="/v1/conversations")
listing = APIRouter(prefix="/v1")
Auth = Annotated[Principal, Depends(authenticate)]


class CreateConversation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field("", max_length=200)
    preset: str = "chat"


class RenameConversation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=200)


class SendMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    content: str = Field(min_length=1, max_length=20000)
    stream: bool = False
    model: str | None = None
    skills: list[str] | None = Field(None, description="Skills allowed in this turn; null: all")
    max_tokens: int = Field(512, ge=1, le=8192)
    memory: bool = Field(True, description="false: this turn neither uses nor keeps memories")


def _service(request: Request, principal: Principal) -> AssistantService:
    service: AssistantService = request.app.state.assistant
    return service


def _card(c: Conversation) -> dict[str, Any]:
    return {
        "object": "conversation",
        **asdict(c),
        "created_at": int(c.created_at),
        "updated_at": int(c.updated_at),
    }


def _message(m: Message) -> dict[str, Any]:
    return {"object": "message", **asdict(m), "created_at": int(m.created_at)}


def _wire(event: Event) -> dict[str, Any]:
    if event["type"] == "done":
        return {**event, "message": _message(event["message"])}
    return event


@listing.get("/skills")
async def list_skills(request: Request, principal: Auth) -> Any:
    """The skills a turn may use, for clients that let people switch them on and off."""
    service = _service(request, principal)
    data = [
        {
            "object": "skill",
            "name": s.spec.name,
            "description": s.spec.description,
            "parameters": s.spec.parameters,
            "side_effects": s.spec.side_effects,
        }
        for s in service.skills.values()
    ]
    return {"object": "list", "data": data}


@listing.get("/presets")
async def list_presets(request: Request, principal: Auth) -> Any:
    _service(request, principal)
    # role_play: the model's own writing at every turn, which a small model is not given
    data = [
        {"object": "preset", "name": k, "system": v, "role_play": k != OPEN}
        for k, v in PRESETS.items()
    ]
    return {"object": "list", "data": data}


@router.post("", status_code=201)
async def create(body: CreateConversation, request: Request, principal: Auth) -> Any:
    store = _service(request, principal).conversations
    return _card(await asyncio.to_thread(store.create, principal.owner, body.title, body.preset))


@router.get("")
async def list_conversations(
    request: Request,
    principal: Auth,
    q: Annotated[str | None, Query(max_length=200, description="words to find")] = None,
) -> Any:
    """Newest first; with `q`, those whose title or messages hold every word of it (Korean
    morphemes), each with `match`: the first text that matched."""
    store = _service(request, principal).conversations
    if q and q.strip():
        found = await asyncio.to_thread(store.search, principal.owner, q)
        return {"object": "list", "data": [{**_card(c), "match": m} for c, m in found]}
    mine = await asyncio.to_thread(store.of, principal.owner)
    return {"object": "list", "data": [_card(c) for c in mine]}


@router.get("/{cid}")
async def get(cid: str, request: Request, principal: Auth) -> Any:
    store = _service(request, principal).conversations
    conversation = await asyncio.to_thread(store.get, principal.owner, cid)
    messages = await asyncio.to_thread(store.messages, principal.owner, cid)
    return {**_card(conversation), "messages": [_message(m) for m in messages]}


@router.patch("/{cid}")
async def rename(cid: str, body: RenameConversation, request: Request, principal: Auth) -> Any:
    store = _service(request, principal).conversations
    return _card(await asyncio.to_thread(store.rename, principal.owner, cid, body.title))


@router.delete("/{cid}")
async def delete(cid: str, request: Request, principal: Auth) -> Any:
    store = _service(request, principal).conversations
    await asyncio.to_thread(store.delete, principal.owner, cid)
    return {"id": cid, "object": "conversation", "deleted": True}


@router.delete("/{cid}/messages/{mid}")
async def cut(cid: str, mid: str, request: Request, principal: Auth) -> Any:
    """Cut the conversation at a message: its turn (an answer with its question) and every
    later message are removed, so a regenerated or edited turn replaces them."""
    store = _service(request, principal).conversations
    removed = await asyncio.to_thread(store.cut, principal.owner, cid, mid)
    return {"object": "list", "data": [{"id": m, "deleted": True} for m in removed]}


class Confirm(BaseModel):
    model_config = ConfigDict(extra="forbid")
    approve: bool
    stream: bool = False
    model: str | None = None
    max_tokens: int = Field(512, ge=1, le=8192)


@router.post("/{cid}/messages")
async def send(cid: str, body: SendMessage, request: Request, principal: Auth) -> Any:
    files = await asyncio.to_thread(code_files(request).paths, principal.owner, cid)
    run = await _service(request, principal).send(
        principal.owner,
        cid,
        body.content,
        policy=principal.safety_policy,
        model=body.model,
        skills=body.skills,
        max_tokens=body.max_tokens,
        memory=body.memory,
        files=files,  # what the python skill may read
    )
    return await _respond(request, principal, run, body.stream)


@router.post("/{cid}/confirmations/{confirmation}")
async def confirm(
    cid: str, confirmation: str, body: Confirm, request: Request, principal: Auth
) -> Any:
    """Approve or decline a side-effect skill a turn asked for; approving runs it and
    finishes the turn, streamed like a message."""
    run = await _service(request, principal).confirm(
        principal.owner,
        cid,
        confirmation,
        body.approve,
        policy=principal.safety_policy,
        model=body.model,
        max_tokens=body.max_tokens,
    )
    return await _respond(request, principal, run, body.stream)


async def _respond(request: Request, principal: Principal, run: TurnRun, stream: bool) -> Any:
    """The turn's events on the one chat path's admitted, metered run (server/chat.py),
    collected into one reply or streamed as `data:` events."""
    serving: ChatServing = request.app.state.serving
    entry = request.app.state.manager.resolve(run.model)
    admitted = await serving.run_stream(
        entry, principal, run.events, prefetch=False, is_token=lambda e: e["type"] == "delta"
    )

    async def events() -> AsyncGenerator[Event, None]:
        async with aclosing(admitted):
            try:
                async for event in admitted:
                    yield _wire(event)
            except sqlite3.OperationalError as exc:  # storing the turn met a locked store
                if not is_locked(exc):
                    raise
                raise StoreBusyError("the turn could not be stored: the store is busy") from exc

    if not stream:
        collected = [e async for e in events()]
        done = collected[-1]
        return JSONResponse(
            {
                "message": done["message"],
                "skill_calls": done["message"]["skill_calls"],
                "ai_filter": done["ai_filter"],
                "memory": done.get("memory", []),
                "memories_used": done.get("memories_used", []),
                "citations": done.get("citations", []),
                "composed": done.get("composed"),
                "finish_reason": done.get("finish_reason"),
                "usage": done.get("usage"),
                "events": collected,
            }
        )
    frames = sse.framed(events(), sse.data, _error, done=sse.DONE, done_after_error=True)
    return sse.response(frames)


def _error(exc: HaneulError) -> bytes:
    """An error after the stream started, as one more event."""
    return sse.data({"type": "error", **error_body(exc)})
