"""Thumbs up or down on an answer, with an optional comment:
`PUT /v1/conversations/{id}/messages/{message_id}/feedback`; the caller's ratings at
`GET /v1/feedback`, and the liked answers as a Studio tuning dataset at
`GET /v1/feedback/export?format=jsonl|csv` (OpenAI chat JSONL or CLOVA Studio CSV)."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from haneul.assistant.feedback import MAX_COMMENT, FeedbackStore
from haneul.server.auth import Principal, authenticate
from haneul.studio.datasets import to_clova_csv, to_jsonl

router = APIRouter(prefix="/v1")
Auth = Annotated[Principal, Depends(authenticate)]


class FeedbackBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rating: Literal["up", "down"] | None = Field(description="null takes the rating back")
    comment: str = Field("", max_length=MAX_COMMENT)


def _store(request: Request) -> FeedbackStore:
    store: FeedbackStore | None = getattr(request.app.state, "feedback", None)
    if store is None:
        conversations = request.app.state.assistant.conversations
        store = request.app.state.feedback = FeedbackStore(conversations.conn, conversations)
    return store


@router.put("/conversations/{cid}/messages/{mid}/feedback")
async def rate(cid: str, mid: str, body: FeedbackBody, request: Request, principal: Auth) -> Any:
    store = _store(request)
    saved = await asyncio.to_thread(store.set, principal.owner, cid, mid, body.rating, body.comment)
    card = asdict(saved) if saved else {"message_id": mid, "rating": None, "comment": ""}
    return {"object": "feedback", **card}


@router.get("/feedback")
async def list_feedback(request: Request, principal: Auth) -> Any:
    found = await asyncio.to_thread(_store(request).of, principal.owner)
    data = [{"object": "feedback", **asdict(f)} for f in found]
    return {"object": "list", "data": data}


@router.get("/feedback/export")
async def export(
    request: Request, principal: Auth, format: Literal["jsonl", "csv"] = Query("jsonl")
) -> Response:
    """The liked answers with the conversation before each, ready for `/tuning/v2/tasks`."""
    examples = await asyncio.to_thread(_store(request).examples, principal.owner)
    if format == "csv":
        body, media, name = to_clova_csv(examples), "text/csv", "haneul-feedback.csv"
    else:
        body, media, name = to_jsonl(examples), "application/jsonl", "haneul-feedback.jsonl"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body.encode("utf-8"), media_type=f"{media}; charset=utf-8", headers=headers)
