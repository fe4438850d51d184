"""CLOVA Studio's router: `POST /v1/routers/{routerId}/versions/{version}/route`.

`query` and `chatHistory[{role: "user", content}]` -> `result.domain {result, called}`
(the domain the query belongs to, "" when none), `result.blockedContent {result[],
called}` (the blocked-content filters it matches), `result.safety {result[], called}`
(the safety categories Haneul's filter flags) and `result.usage`. `called` says whether
the router has that part configured. Routers are configured in the JSON file
`HANEUL_CLOVA_ROUTERS`; the classification is studio/routers.py's (e5 similarity to each
domain's examples, no model call).
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from haneul.safety.policy import categories
from haneul.server.auth import Principal, authenticate
from haneul.server.clova.chat import ok
from haneul.server.text import refuse_bad_text
from haneul.studio.routers import load_router, route

router = APIRouter()
Auth = Annotated[Principal, Depends(authenticate)]


class HistoryTurn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Literal["user"]
    content: str


class RouteBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query: str = Field(min_length=1, max_length=4000)
    chatHistory: list[HistoryTurn] = Field([], max_length=50)

    @model_validator(mode="before")
    @classmethod
    def _text_is_unicode(cls, data: Any) -> Any:
        return refuse_bad_text(data)


@router.post("/v1/routers/{routerId}/versions/{version}/route")
async def route_query(
    routerId: str, version: int, body: RouteBody, request: Request, principal: Auth
) -> Any:
    """The query's domain, blocked-content filters and safety categories."""
    serving = request.app.state.serving
    config = load_router(serving.settings.clova_routers, routerId, version)
    history = [turn.content for turn in body.chatHistory]
    lease = await serving.admit(principal)
    try:
        found = await asyncio.to_thread(route, config, body.query, history)
        flagged = (
            categories(await serving.guard.safety.check(body.query, kind="input"))
            if config.safety
            else []
        )
    finally:
        lease.release()
    return ok(
        {
            "domain": {"result": found.domain, "called": bool(config.domains)},
            "blockedContent": {"result": found.blocked, "called": bool(config.blocked)},
            "safety": {"result": flagged, "called": config.safety},
            "usage": {
                "promptTokens": found.tokens,
                "completionTokens": 0,
                "totalTokens": found.tokens,
            },
        }
    )
