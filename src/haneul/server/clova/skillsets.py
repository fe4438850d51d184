"""Skillsets and the Skill Trainer over HTTP (docs/skillsets.md).

CLOVA Studio's own route, in CLOVA's shape (`{"status", "result"}`, its error codes, its
stream events `planning`, `cot`, `finalAnswer`):

    POST /v1/skillsets/{id}/versions/{version|latest}/final-answer

and Haneul's continuation of it for calls that wait for the user (same shape):

    POST /v1/skillsets/{id}/versions/{version}/confirmations/{callId}   {approve}

The Skill Trainer's routes are Haneul's (CLOVA does this in its web console), with
Haneul's error shape: create a skillset from OpenAPI manifests, add example utterances,
train a version (>= 30 examples), publish it, and test a plan. Everything belongs to
`principal.owner`. The domain logic is skillsets/service.py.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncGenerator
from importlib import resources
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from haneul.errors import ContentFilterError, InvalidRequestError
from haneul.server import sse
from haneul.server.accounts.routes import signin_redirect
from haneul.server.auth import Principal, authenticate
from haneul.server.clova.chat import Event, encode_event, error_event, ok
from haneul.server.text import refuse_bad_text
from haneul.skillsets.arguments import Example
from haneul.skillsets.service import SkillsetService, load_operations
from haneul.skillsets.store import Skillset, SkillsetStore, Version
from haneul.store.db import connect

router = APIRouter()
Auth = Annotated[Principal, Depends(authenticate)]
_MAKING = threading.Lock()


def _service(request: Request) -> SkillsetService:
    """The app's skillset service, made on first use (its own SQLite connection)."""
    state = request.app.state
    with _MAKING:
        if getattr(state, "skillsets", None) is None:
            state.skillsets = SkillsetService(SkillsetStore(connect(state.settings.db_path)))
    service: SkillsetService = state.skillsets
    return service


Service = Annotated[SkillsetService, Depends(_service)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _text_is_unicode(cls, data: Any) -> Any:
        return refuse_bad_text(data)


class SkillsetBody(_Body):
    name: str = Field(min_length=1, max_length=100)
    description: str = Field("", max_length=2000)
    manifests: list[str | dict[str, Any]] = Field(min_length=1, max_length=20)


class ExampleBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=2000)
    operationId: str = Field(min_length=1, max_length=100)  # or "none"
    arguments: dict[str, Any] = {}

    def example(self) -> Example:
        return Example(self.text, self.operationId, self.arguments)


class ExamplesBody(_Body):
    examples: list[ExampleBody] = Field(min_length=1, max_length=2000)


class TrainBody(_Body):
    heldOut: list[ExampleBody] = Field([], max_length=2000)


class HistoryTurn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Literal["user", "assistant"]
    content: str = Field(max_length=4000)


HEADER_NAME = r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$"
Scalar = str | int | float | bool


class OperationOverride(BaseModel):
    """CLOVA's call options for every API (`baseOperation`) or one (`operations[]`)."""

    model_config = ConfigDict(extra="forbid")
    operationId: str | None = Field(None, max_length=100)
    header: dict[Annotated[str, Field(pattern=HEADER_NAME)], str] = Field({}, max_length=50)
    query: dict[str, Scalar | list[Scalar]] = Field({}, max_length=50)
    requestBody: dict[str, Any] = {}

    @field_validator("header")
    @classmethod
    def _printable(cls, header: dict[str, str]) -> dict[str, str]:
        for name, value in header.items():
            if not (value.isascii() and value.isprintable()) or len(value) > 4000:
                raise ValueError(f"header '{name}' must be printable ASCII (at most 4000)")
        return header


class RequestOverride(BaseModel):
    model_config = ConfigDict(extra="forbid")
    baseOperation: OperationOverride | None = None
    operations: list[OperationOverride] = Field([], max_length=50)


class FinalAnswerBody(_Body):
    query: str = Field(min_length=1, max_length=4000)
    tokenStream: bool = False  # accepted; the answer is composed without a model's tokens
    chatHistory: list[HistoryTurn] = Field([], max_length=50)
    requestOverride: RequestOverride | None = None

    def history(self) -> list[str]:
        return [turn.content for turn in self.chatHistory if turn.role == "user"]


class ConfirmBody(_Body):
    approve: bool
    requestOverride: RequestOverride | None = None


def _plain(override: RequestOverride | None) -> dict[str, Any] | None:
    return override.model_dump(exclude_none=True) if override else None


def _number(version: str) -> int | None:
    """A path's version: a number from 1, or `latest` (None: the latest published)."""
    return None if version == "latest" else _exact(version)


def _exact(version: str) -> int:
    if version.isdigit() and 1 <= int(version) < 2**31:
        return int(version)
    raise InvalidRequestError(
        f"version is a number from 1 (or 'latest' to serve), not '{version}'", param="version"
    )


def _skillset(item: Skillset) -> dict[str, Any]:
    return {
        "object": "skillset",
        "id": item.id,
        "name": item.name,
        "description": item.description,
        "manifests": item.manifests,
        "createdAt": int(item.created_at),
        "updatedAt": int(item.updated_at),
    }


def _version(item: Version) -> dict[str, Any]:
    return {
        "object": "skillset.version",
        "skillsetId": item.skillset_id,
        "version": item.version,
        "published": item.published_at is not None,
        "report": item.report,
        "createdAt": int(item.created_at),
    }


# -- the Skill Trainer (Haneul's shape) ------------------------------------------------------


@router.get("/skill-trainer", response_class=HTMLResponse, include_in_schema=False)
async def skill_trainer_page(request: Request) -> Response:
    """The Skill Trainer's web page (web/skilltrainer.html)."""
    if (to_signin := signin_redirect(request)) is not None:
        return to_signin
    page = resources.files("haneul.web").joinpath("skilltrainer.html")
    return HTMLResponse(page.read_text(encoding="utf-8"))


@router.post("/v1/skillsets", status_code=201)
async def create_skillset(body: SkillsetBody, principal: Auth, service: Service) -> Any:
    """A skillset from manifests: shipped names (`travel`) or manifest objects whose
    `openapi` is the OpenAPI document itself."""
    made = await service.create(principal.owner, body.name, body.description, body.manifests)
    return _skillset(made)


@router.get("/v1/skillsets")
async def list_skillsets(principal: Auth, service: Service) -> Any:
    found = await asyncio.to_thread(service.store.listed, principal.owner)
    return {"object": "list", "data": [_skillset(item) for item in found]}


@router.get("/v1/skillsets/{skillsetId}")
async def get_skillset(skillsetId: str, principal: Auth, service: Service) -> Any:
    store, owner = service.store, principal.owner
    out = _skillset(await asyncio.to_thread(store.get, owner, skillsetId))
    out["examples"] = len(await asyncio.to_thread(store.examples, owner, skillsetId))
    versions = await asyncio.to_thread(store.versions, owner, skillsetId)
    out["versions"] = [_version(v) for v in versions]
    operations = await asyncio.to_thread(load_operations, out["manifests"])
    out["operations"] = [
        {
            "operationId": op,
            "nameForHuman": skill.manifest.name_for_human,
            "description": skill.spec.description,
            "sideEffects": skill.spec.side_effects,
            "parameters": skill.spec.parameters,
        }
        for op, skill in operations.items()
    ]
    return out


@router.delete("/v1/skillsets/{skillsetId}")
async def delete_skillset(skillsetId: str, principal: Auth, service: Service) -> Any:
    await asyncio.to_thread(service.store.delete, principal.owner, skillsetId)
    return {"object": "skillset.deleted", "id": skillsetId, "deleted": True}


@router.post("/v1/skillsets/{skillsetId}/examples")
async def add_examples(
    skillsetId: str, body: ExamplesBody, principal: Auth, service: Service
) -> Any:
    """Append example utterances: `text`, `operationId` (or "none"), `arguments`."""
    count = await service.add_examples(
        principal.owner, skillsetId, [e.example() for e in body.examples]
    )
    return {"object": "skillset.examples", "added": len(body.examples), "total": count}


@router.get("/v1/skillsets/{skillsetId}/examples")
async def list_examples(skillsetId: str, principal: Auth, service: Service) -> Any:
    found = await asyncio.to_thread(service.store.examples, principal.owner, skillsetId)
    data = [{"text": e.text, "operationId": e.operation, "arguments": e.arguments} for e in found]
    return {"object": "list", "data": data}


@router.post("/v1/skillsets/{skillsetId}/train", status_code=201)
async def train_skillset(
    skillsetId: str, body: TrainBody, request: Request, principal: Auth, service: Service
) -> Any:
    """A new version trained on the skillset's examples (`heldOut`: compare it with the
    untrained router on these)."""
    lease = await request.app.state.serving.admit(principal)
    try:
        made = await service.train(principal.owner, skillsetId, [e.example() for e in body.heldOut])
    finally:
        lease.release()
    return _version(made)


@router.get("/v1/skillsets/{skillsetId}/versions")
async def list_versions(skillsetId: str, principal: Auth, service: Service) -> Any:
    found = await asyncio.to_thread(service.store.versions, principal.owner, skillsetId)
    return {"object": "list", "data": [_version(v) for v in found]}


@router.post("/v1/skillsets/{skillsetId}/versions/{version}/publish")
async def publish_version(skillsetId: str, version: str, principal: Auth, service: Service) -> Any:
    """Make `version` the one `latest` serves."""
    published = await asyncio.to_thread(
        service.store.publish, principal.owner, skillsetId, _exact(version)
    )
    return _version(published)


async def _screened(request: Request, principal: Principal, query: str) -> str:
    """The query through the AI Filter on the way in, as the chat path screens a user
    message (server/guard.py, the key's policy): blocked or refused is a 400 (CLOVA's shape
    on the final answer), masked is the masked query."""
    body = {"messages": [{"role": "user", "content": query}]}
    refused = await request.app.state.serving.guard.screen_input(body, principal)
    if refused is not None:
        raise ContentFilterError(
            f"the query was refused by the AI Filter: {refused}", param="query"
        )
    return str(body["messages"][0]["content"])


@router.post("/v1/skillsets/{skillsetId}/versions/{version}/plan")
async def plan_query(
    skillsetId: str,
    version: str,
    body: FinalAnswerBody,
    request: Request,
    principal: Auth,
    service: Service,
) -> Any:
    """Test a version live without calling anything: the operation, arguments, scores."""
    query = await _screened(request, principal, body.query)
    plan = await service.plan(principal.owner, skillsetId, _number(version), query, body.history())
    return {
        "object": "skillset.plan",
        "operationId": None if plan.operation == "none" else plan.operation,
        "arguments": plan.arguments,
        "missing": plan.missing,
        "score": round(plan.score, 4),
        "scores": {k: round(v, 4) for k, v in plan.scores.items()},
    }


# -- serving (CLOVA's shape) -----------------------------------------------------------------


@router.post("/v1/skillsets/{skillsetId}/versions/{version}/final-answer")
async def final_answer(
    skillsetId: str,
    version: str,
    body: FinalAnswerBody,
    request: Request,
    principal: Auth,
    service: Service,
) -> Any:
    """CLOVA Studio's skillset answer: planning -> API call -> final answer."""
    number = _number(version)
    # An unknown skillset or version is a 404 before any stream starts.
    await asyncio.to_thread(service.store.version, principal.owner, skillsetId, number)
    query = await _screened(request, principal, body.query)
    lease = await request.app.state.serving.admit(principal)
    events = service.answer(
        principal.owner,
        skillsetId,
        number,
        query,
        body.history(),
        _plain(body.requestOverride),
    )
    if "text/event-stream" in request.headers.get("accept", ""):
        return sse.response(sse.framed(_leased(events, lease), encode_event, error_event))
    try:
        result: dict[str, Any] = {}
        async for name, data in events:
            if name == "finalAnswer":
                result = data
    finally:
        lease.release()
    return ok(result)


async def _leased(events: AsyncGenerator[Event, None], lease: Any) -> AsyncGenerator[Event, None]:
    try:
        async for item in events:
            yield item
    finally:
        lease.release()
        await events.aclose()


@router.post("/v1/skillsets/{skillsetId}/versions/{version}/confirmations/{callId}")
async def confirm_call(
    skillsetId: str,
    version: str,
    callId: str,
    body: ConfirmBody,
    request: Request,
    principal: Auth,
    service: Service,
) -> Any:
    """Approve (the call is made now) or decline a call that waited for the user."""
    number = _exact(version)
    lease = await request.app.state.serving.admit(principal)
    try:
        result = await service.confirm(
            principal.owner, skillsetId, number, callId, body.approve, _plain(body.requestOverride)
        )
    finally:
        lease.release()
    return ok(result)
