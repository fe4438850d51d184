"""The admin REST API, `/v1/admin/...`: users, teams (members, safety policy, rate limits),
every API key, usage per user and team, and the audit logs. A member gets a 403; every
change is written to the account audit log."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from haneul.server.accounts.routes import key_card, user_card
from haneul.server.auth import Principal, require_admin
from haneul.store.teams import Team

router = APIRouter(prefix="/v1/admin")
Admin = Annotated[Principal, Depends(require_admin)]


class NewUser(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)
    role: str = "member"
    display_name: str = Field("", max_length=100)


class UserChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: str | None = None
    disabled: bool | None = None
    password: str | None = Field(None, max_length=1024)
    unlock: bool = False


class NewTeam(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=64)


class TeamLimits(BaseModel):
    model_config = ConfigDict(extra="forbid")
    safety_policy: str | None = None
    rpm: int | None = None
    max_concurrent: int | None = None


class Member(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user: str = Field(min_length=1, max_length=64, description="User id or name")


def team_card(team: Team, names: dict[str, str]) -> dict[str, Any]:
    return {
        "id": team.id,
        "object": "team",
        "name": team.name,
        "safety_policy": team.safety_policy,
        "rpm": team.rpm,
        "max_concurrent": team.max_concurrent,
        "members": [{"id": m, "name": names.get(m, m)} for m in team.members],
    }


def _names(request: Request) -> dict[str, str]:
    return {u.id: u.name for u in request.app.state.users.list()}


@router.get("/users")
async def list_users(request: Request, admin: Admin) -> dict[str, Any]:
    state = request.app.state
    data = [user_card(u, state.teams.of_user(u.id)) for u in state.users.list()]
    return {"object": "list", "data": data}


@router.post("/users", status_code=201)
async def create_user(body: NewUser, request: Request, admin: Admin) -> dict[str, Any]:
    state = request.app.state
    user = await asyncio.to_thread(
        state.users.create,
        body.name,
        body.password,
        role=body.role,
        display_name=body.display_name,
    )
    state.events.record(admin.owner, "user_create", user.id, f"{user.name} ({user.role})")
    return user_card(user, [])


@router.patch("/users/{user_id}")
async def change_user(
    user_id: str, body: UserChange, request: Request, admin: Admin
) -> dict[str, Any]:
    state = request.app.state
    user = state.users.resolve(user_id)
    if body.role is not None:
        state.users.set_role(user.id, body.role)
        state.events.record(admin.owner, "user_role", user.id, body.role)
    if body.disabled is not None:
        state.users.set_disabled(user.id, body.disabled)
        if body.disabled:
            state.sessions.revoke_user(user.id)
        action = "user_disable" if body.disabled else "user_enable"
        state.events.record(admin.owner, action, user.id)
    if body.password is not None:
        await asyncio.to_thread(state.users.set_password, user.id, body.password)
        state.sessions.revoke_user(user.id)
        state.events.record(admin.owner, "user_password_reset", user.id)
    if body.unlock:
        state.users.unlock(user.id)
        state.events.record(admin.owner, "user_unlock", user.id)
    return user_card(state.users.get(user.id), state.teams.of_user(user.id))


@router.get("/teams")
async def list_teams(request: Request, admin: Admin) -> dict[str, Any]:
    names = _names(request)
    data = [team_card(t, names) for t in request.app.state.teams.list()]
    return {"object": "list", "data": data}


@router.post("/teams", status_code=201)
async def create_team(body: NewTeam, request: Request, admin: Admin) -> dict[str, Any]:
    team = request.app.state.teams.create(body.name)
    request.app.state.events.record(admin.owner, "team_create", team.id, team.name)
    return team_card(team, {})


@router.patch("/teams/{team_id}")
async def change_team(
    team_id: str, body: TeamLimits, request: Request, admin: Admin
) -> dict[str, Any]:
    teams = request.app.state.teams
    team = teams.set_limits(
        teams.resolve(team_id).id,
        safety_policy=body.safety_policy,
        rpm=body.rpm,
        max_concurrent=body.max_concurrent,
    )
    detail = f"policy={team.safety_policy} rpm={team.rpm} concurrent={team.max_concurrent}"
    request.app.state.events.record(admin.owner, "team_limits", team.id, detail)
    return team_card(team, _names(request))


@router.delete("/teams/{team_id}")
async def delete_team(team_id: str, request: Request, admin: Admin) -> dict[str, Any]:
    teams = request.app.state.teams
    team = teams.delete(teams.resolve(team_id).id)
    request.app.state.events.record(admin.owner, "team_delete", team.id, team.name)
    return {"id": team.id, "object": "team", "deleted": True}


@router.post("/teams/{team_id}/members")
async def add_member(team_id: str, body: Member, request: Request, admin: Admin) -> Any:
    state = request.app.state
    user = state.users.resolve(body.user)
    team = state.teams.add_member(state.teams.resolve(team_id).id, user.id)
    state.events.record(admin.owner, "team_member_add", team.id, user.id)
    return team_card(team, _names(request))


@router.delete("/teams/{team_id}/members/{user}")
async def remove_member(team_id: str, user: str, request: Request, admin: Admin) -> Any:
    state = request.app.state
    found = state.users.resolve(user)
    team = state.teams.remove_member(state.teams.resolve(team_id).id, found.id)
    state.events.record(admin.owner, "team_member_remove", team.id, found.id)
    return team_card(team, _names(request))


@router.get("/keys")
async def list_keys(request: Request, admin: Admin) -> dict[str, Any]:
    names = _names(request)
    data = [
        {**key_card(k), "user": names.get(k.user_id or "")} for k in request.app.state.keys.list()
    ]
    return {"object": "list", "data": data}


@router.delete("/keys/{key_id}")
async def revoke_key(key_id: str, request: Request, admin: Admin) -> dict[str, Any]:
    key = request.app.state.keys.revoke(key_id)
    request.app.state.events.record(admin.owner, "key_revoke", key.id, key.name)
    return key_card(key)


@router.get("/usage")
async def usage(request: Request, admin: Admin) -> dict[str, Any]:
    """Requests and tokens per user (and, summed over their members, per team), and the
    documents in each user's and each team's collections."""
    state = request.app.state
    totals = state.usage.totals(state.keys.conn)
    documents = _documents(state.keys.conn)
    users = [
        {
            "id": u.id,
            "name": u.name,
            "requests": totals.get(u.id, (0, 0))[0],
            "tokens": totals.get(u.id, (0, 0))[1],
            "documents": documents.get(u.id, 0),
        }
        for u in state.users.list()
    ]
    by_id = {u["id"]: u for u in users}
    teams = []
    for t in state.teams.list():
        members = [by_id[m] for m in t.members if m in by_id]
        teams.append(
            {
                "id": t.id,
                "name": t.name,
                "requests": sum(m["requests"] for m in members),
                "tokens": sum(m["tokens"] for m in members),
                "documents": documents.get(t.id, 0),
            }
        )
    return {"users": users, "teams": teams}


def _documents(conn: Any) -> dict[str, int]:
    rows = conn.execute(
        "SELECT c.owner, COUNT(d.id) FROM collections c"
        " JOIN documents d ON d.collection_id = c.id GROUP BY c.owner"
    ).fetchall()
    return {r[0]: r[1] for r in rows}


@router.get("/audit")
async def audit(request: Request, admin: Admin, limit: int = 100) -> dict[str, Any]:
    """The account audit log and the AI Filter's decisions, newest first."""
    limit = max(1, min(limit, 1000))
    state = request.app.state
    return {
        "accounts": [asdict(e) for e in state.events.recent(limit)],
        "safety": [asdict(e) for e in state.audit.recent(limit)],
    }
