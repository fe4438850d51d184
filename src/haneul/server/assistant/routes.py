"""Thin routes for `/v1/conversations`. A message is answered as a whole (`stream`
false) or as server-sent events, one JSON event per `data:` line, then `data: [DONE]`.
A turn is stored only when it is complete."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from haneul.assistant.confirmations import Confirmations, Pending
from haneul.assistant.conversations import Conversation, Message
from haneul.assistant.memory import MemoryStore, extract
from haneul.assistant.presets import PRESETS
from haneul.assistant.turn import Event, Turn
from haneul.errors import HaneulError, InvalidRequestError
from haneul.server.assistant.service import AssistantService
from haneul.server.auth import Principal, authenticate
from haneul.server.code import code_files
from haneul.server.errors import error_body
from haneul.skills.router import Route

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
    data = [{"object": "preset", "name": k, "system": v} for k, v in PRESETS.items()]
    return {"object": "list", "data": data}


@router.post("", status_code=201)
async def create(body: CreateConversation, request: Request, principal: Auth) -> Any:
    store = _service(request, principal).conversations
    return _card(store.create(principal.owner, body.title, body.preset))


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
    return {"object": "list", "data": [_card(c) for c in store.of(principal.owner)]}


@router.get("/{cid}")
async def get(cid: str, request: Request, principal: Auth) -> Any:
    store = _service(request, principal).conversations
    card = _card(store.get(principal.owner, cid))
    return {**card, "messages": [_message(m) for m in store.messages(principal.owner, cid)]}


@router.patch("/{cid}")
async def rename(cid: str, body: RenameConversation, request: Request, principal: Auth) -> Any:
    store = _service(request, principal).conversations
    return _card(store.rename(principal.owner, cid, body.title))


@router.delete("/{cid}")
async def delete(cid: str, request: Request, principal: Auth) -> Any:
    _service(request, principal).conversations.delete(principal.owner, cid)
    return {"id": cid, "object": "conversation", "deleted": True}


@router.delete("/{cid}/messages/{mid}")
async def cut(cid: str, mid: str, request: Request, principal: Auth) -> Any:
    """Cut the conversation at a message: its turn (an answer with its question) and every
    later message are removed, so a regenerated or edited turn replaces them."""
    store = _service(request, principal).conversations
    removed = store.cut(principal.owner, cid, mid)
    return {"object": "list", "data": [{"id": m, "deleted": True} for m in removed]}


class Confirm(BaseModel):
    model_config = ConfigDict(extra="forbid")
    approve: bool
    stream: bool = False
    model: str | None = None
    max_tokens: int = Field(512, ge=1, le=8192)


def _turn(request: Request, principal: Principal, cid: str, text: str, **kw: Any) -> Turn:
    service: AssistantService = request.app.state.assistant
    memories: MemoryStore = request.app.state.memories
    remembered = request.app.state.settings.memory and kw.pop("memory", True)
    files = code_files(request).paths(principal.owner, cid)  # what the python skill may read
    return Turn(
        owner=principal.owner,
        preset=service.conversations.get(principal.owner, cid).preset,
        history=service.conversations.messages(principal.owner, cid),
        text=text,
        policy=principal.safety_policy or request.app.state.settings.safety_policy,
        services={**service.services, "code_files": files},
        memories=memories.relevant(principal.owner, text) if remembered else [],
        **kw,
    )


@router.post("/{cid}/messages")
async def send(cid: str, body: SendMessage, request: Request, principal: Auth) -> Any:
    service: AssistantService = request.app.state.assistant  # admit() counts the request
    unknown = sorted(set(body.skills or []) - set(service.skills))
    if unknown:
        raise InvalidRequestError(f"unknown skills: {', '.join(unknown)}", param="skills")
    turn = _turn(
        request,
        principal,
        cid,
        body.content,
        enabled_skills=body.skills,
        max_tokens=body.max_tokens,
        memory=body.memory,
    )
    await _check_max_tokens(request, body.model, body.max_tokens)
    model, assistant = await service.assistant(body.model)
    await assistant.screen(turn)  # a blocked message is a 400 before anything streams
    kept = turn if body.memory else None  # what the user said is folded into memory
    return await _respond(
        request, principal, cid, assistant.run(turn), body.stream, turn, model, kept
    )


@router.post("/{cid}/confirmations/{confirmation}")
async def confirm(
    cid: str, confirmation: str, body: Confirm, request: Request, principal: Auth
) -> Any:
    """Approve or decline a side-effect skill a turn asked for; approving runs it and
    finishes the turn, streamed like a message."""
    service: AssistantService = request.app.state.assistant
    service.conversations.get(principal.owner, cid)
    await _check_max_tokens(request, body.model, body.max_tokens)
    model, assistant = await service.assistant(body.model)
    store: Confirmations = request.app.state.confirmations
    pending = store.decide(principal.owner, cid, confirmation, body.approve)
    if not body.approve:
        return await _respond(
            request, principal, cid, _each(assistant.declined(pending.skill)), body.stream
        )
    turn = _turn(request, principal, cid, pending.text, max_tokens=body.max_tokens)
    turn.history = turn.history[:-2]  # the question and the request to confirm
    route = Route(pending.skill, pending.arguments, 1.0, {})
    return await _respond(
        request, principal, cid, assistant.answer(turn, route), body.stream, model=model
    )


async def _check_max_tokens(request: Request, model: str | None, max_tokens: int) -> None:
    """A 400 naming the context when `max_tokens` alone fills the model's context."""
    entry, backend = await request.app.state.manager.get(model)
    ctx = backend.context_size
    model = entry.name
    if max_tokens >= ctx:
        raise InvalidRequestError(
            f"max_tokens is {max_tokens}, but model '{model}' holds {ctx} tokens of context "
            f"for the conversation and the answer together; ask for fewer than {ctx}",
            param="max_tokens",
        )


async def _each(events: list[Event]) -> AsyncIterator[Event]:
    for event in events:
        yield event


async def _respond(
    request: Request,
    principal: Principal,
    cid: str,
    run: AsyncIterator[Event],
    stream: bool,
    turn: Turn | None = None,
    model: str | None = None,
    remembered: Turn | None = None,
) -> Any:
    """Stream or collect a turn's events; store it when done (with the user's message when
    `turn` is a new one), fold what the user said into memory, keep a pending confirmation."""
    service: AssistantService = request.app.state.assistant
    store = service.conversations
    serving = request.app.state.serving
    lease = await serving.admit(principal, request.app.state.manager.resolve(model))

    async def events() -> AsyncIterator[Event]:
        try:
            async for event in run:
                if event["type"] == "confirmation_required" and turn is not None:
                    pending = Pending(
                        event["id"], cid, turn.text, event["name"], event["arguments"]
                    )
                    request.app.state.confirmations.add(principal.owner, pending)
                if event["type"] == "done":
                    user = turn.text if turn is not None else None
                    stored = store.add_turn(principal.owner, cid, user, event["message"])
                    event = {
                        **event,
                        "message": stored,
                        **_remember(request, principal, cid, remembered),
                    }
                yield _wire(event)
        finally:
            lease.release()

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
                "events": collected,
            }
        )

    async def sse() -> AsyncIterator[bytes]:
        try:
            async for event in events():
                yield f"data: {json.dumps(event, ensure_ascii=False)}\n\n".encode()
        except HaneulError as e:
            error = {"type": "error", **error_body(e)}
            yield f"data: {json.dumps(error, ensure_ascii=False)}\n\n".encode()
        yield b"data: [DONE]\n\n"

    return StreamingResponse(sse(), media_type="text/event-stream")


def _remember(
    request: Request, principal: Principal, cid: str, turn: Turn | None
) -> dict[str, Any]:
    """What the done event tells of memory: the memories the turn was given, and the
    operations (PASS, REPLACE, APPEND, DELETE) what the user said caused."""
    if turn is None or not request.app.state.settings.memory:
        return {}
    memories: MemoryStore = request.app.state.memories
    ops = memories.update(principal.owner, extract(turn.text), source=cid)
    return {"memories_used": turn.memories, "memory": [asdict(o) for o in ops]}
