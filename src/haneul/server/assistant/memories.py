"""`/v1/memories`: what the assistant remembers about the caller, to see, add, edit and
delete; `/v1/memories/log` lists the operations (PASS, REPLACE, APPEND, DELETE) in order.
Every store call runs in a worker thread: a locked database delays this request, never the
event loop."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from haneul.assistant.memory import MAX_CONTENT, Memory, MemoryStore
from haneul.server.auth import Principal, authenticate

router = APIRouter(prefix="/v1/memories")
Auth = Annotated[Principal, Depends(authenticate)]


class MemoryBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    content: str = Field(min_length=1, max_length=MAX_CONTENT)


def _store(request: Request, principal: Principal) -> MemoryStore:
    store: MemoryStore = request.app.state.memories
    return store


def _card(m: Memory) -> dict[str, Any]:
    return {
        **asdict(m),
        "object": "memory",
        "created_at": int(m.created_at),
        "updated_at": int(m.updated_at),
    }


@router.get("")
async def list_memories(request: Request, principal: Auth) -> Any:
    memories = await asyncio.to_thread(_store(request, principal).of, principal.owner)
    data = [_card(m) for m in memories]
    return {"object": "list", "data": data}


@router.get("/log")
async def memory_log(
    request: Request, principal: Auth, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> Any:
    data = await asyncio.to_thread(_store(request, principal).log, principal.owner, limit)
    return {"object": "list", "data": data}


@router.post("", status_code=201)
async def add_memory(body: MemoryBody, request: Request, principal: Auth) -> Any:
    store = _store(request, principal)
    return _card(await asyncio.to_thread(store.add, principal.owner, body.content))


@router.patch("/{mid}")
async def edit_memory(mid: str, body: MemoryBody, request: Request, principal: Auth) -> Any:
    store = _store(request, principal)
    return _card(await asyncio.to_thread(store.edit, principal.owner, mid, body.content))


@router.delete("/{mid}")
async def delete_memory(mid: str, request: Request, principal: Auth) -> Any:
    await asyncio.to_thread(_store(request, principal).delete, principal.owner, mid)
    return {"id": mid, "object": "memory", "deleted": True}
