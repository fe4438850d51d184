"""Thin routes for `/v1/conversations`. A message is answered as a whole (`stream`
false) or as server-sent events, one JSON event per `data:` line, then `data: [DONE]`.
A turn is stored only when it is complete."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from haneul.assistant.conversations import Conversation, Message
from haneul.assistant.presets import PRESETS
from haneul.assistant.turn import Event, Turn
from haneul.errors import HaneulError, InvalidRequestError
from haneul.server.assistant.service import AssistantService
from haneul.server.auth import Principal, authenticate
from haneul.server.errors import error_body

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


def _service(request: Request, principal: Principal) -> AssistantService:
    request.app.state.limiter.check_rate(principal.key_id, rpm=principal.rpm)
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
    return _card(store.create(principal.key_id, body.title, body.preset))


@router.get("")
async def list_conversations(request: Request, principal: Auth) -> Any:
    store = _service(request, principal).conversations
    return {"object": "list", "data": [_card(c) for c in store.of(principal.key_id)]}


@router.get("/{cid}")
async def get(cid: str, request: Request, principal: Auth) -> Any:
    store = _service(request, principal).conversations
    card = _card(store.get(principal.key_id, cid))
    return {**card, "messages": [_message(m) for m in store.messages(principal.key_id, cid)]}


@router.patch("/{cid}")
async def rename(cid: str, body: RenameConversation, request: Request, principal: Auth) -> Any:
    store = _service(request, principal).conversations
    return _card(store.rename(principal.key_id, cid, body.title))


@router.delete("/{cid}")
async def delete(cid: str, request: Request, principal: Auth) -> Any:
    _service(request, principal).conversations.delete(principal.key_id, cid)
    return {"id": cid, "object": "conversation", "deleted": True}


@router.post("/{cid}/messages")
async def send(cid: str, body: SendMessage, request: Request, principal: Auth) -> Any:
    service: AssistantService = request.app.state.assistant  # admit() counts the request
    store = service.conversations
    conversation = store.get(principal.key_id, cid)
    unknown = sorted(set(body.skills or []) - set(service.skills))
    if unknown:
        raise InvalidRequestError(f"unknown skills: {', '.join(unknown)}", param="skills")
    _, assistant = await service.assistant(body.model)
    turn = Turn(
        owner=principal.key_id,
        preset=conversation.preset,
        history=store.messages(principal.key_id, cid),
        text=body.content,
        policy=principal.safety_policy or request.app.state.settings.safety_policy,
        enabled_skills=body.skills,
        max_tokens=body.max_tokens,
        services={"search": service.search},
    )
    await assistant.screen(turn)  # a blocked message is a 400 before anything streams
    lease = await request.app.state.limiter.admit(
        principal.key_id, rpm=principal.rpm, max_concurrent=principal.max_concurrent
    )

    async def events() -> AsyncIterator[Event]:
        try:
            async for event in assistant.run(turn):
                if event["type"] == "done":
                    stored = store.add_turn(principal.key_id, cid, body.content, event["message"])
                    event = {**event, "message": stored}
                yield _wire(event)
        finally:
            lease.release()

    if not body.stream:
        collected = [e async for e in events()]
        done = collected[-1]
        return JSONResponse(
            {
                "message": done["message"],
                "skill_calls": done["message"]["skill_calls"],
                "ai_filter": done["ai_filter"],
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
