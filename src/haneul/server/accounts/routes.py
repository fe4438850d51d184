"""Sign-in, sign-out, password change, the signed-in user's own API keys, and the sign-in
page. The session token lives in an HttpOnly, SameSite=Lax cookie (Secure when the server
listens beyond loopback); the CSRF token in a cookie the page reads and sends back in
`X-CSRF-Token` (server/auth.py checks it)."""

from __future__ import annotations

import asyncio
from importlib import resources
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from haneul.errors import AccountLockedError, AuthenticationError, PermissionDeniedError
from haneul.server.auth import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    Principal,
    authenticate,
    is_loopback,
)
from haneul.store.keys import ApiKey
from haneul.store.teams import Team
from haneul.store.users import User

router = APIRouter()
Auth = Annotated[Principal, Depends(authenticate)]


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current: str = Field(min_length=1, max_length=1024)
    new: str = Field(min_length=1, max_length=1024)


class NewKey(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)


def user_card(user: User, teams: list[Team] | None = None) -> dict[str, Any]:
    card: dict[str, Any] = {
        "id": user.id,
        "object": "user",
        "name": user.name,
        "display_name": user.display_name,
        "role": user.role,
        "created_at": int(user.created_at),
        "disabled": not user.active,
        "locked_until": int(user.locked_until) if user.locked_until else None,
    }
    if teams is not None:
        card["teams"] = [{"id": t.id, "name": t.name} for t in teams]
    return card


def key_card(key: ApiKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "object": "api_key",
        "name": key.name,
        "prefix": key.prefix,
        "user_id": key.user_id,
        "created_at": int(key.created_at),
        "last_used_at": int(key.last_used_at) if key.last_used_at else None,
        "revoked": not key.active,
        "rpm": key.rpm,
        "max_concurrent": key.max_concurrent,
        "safety_policy": key.safety_policy,
    }


def _set_cookies(request: Request, response: Response, token: str, csrf: str) -> None:
    settings = request.app.state.settings
    secure = not is_loopback(settings.host)
    age = int(settings.session_ttl_s)
    response.set_cookie(
        SESSION_COOKIE, token, max_age=age, httponly=True, samesite="lax", secure=secure
    )
    # Read by the page and sent back in X-CSRF-Token (double submit, bound to the session).
    response.set_cookie(
        CSRF_COOKIE, csrf, max_age=age, httponly=False, samesite="lax", secure=secure
    )


@router.post("/v1/auth/signin")
async def signin(body: SignIn, request: Request) -> JSONResponse:
    state = request.app.state
    try:
        user = await asyncio.to_thread(state.users.verify, body.name, body.password)
    except AccountLockedError:
        state.events.record("anonymous", "signin_locked", body.name)
        raise
    except AuthenticationError:
        state.events.record("anonymous", "signin_failed", body.name)
        raise
    token, session = state.sessions.create(user.id)
    state.events.record(user.id, "signin", user.id)
    card = {"user": user_card(user, state.teams.of_user(user.id)), "csrf_token": session.csrf}
    response = JSONResponse(card)
    _set_cookies(request, response, token, session.csrf)
    return response


@router.post("/v1/auth/signout")
async def signout(request: Request, principal: Auth) -> JSONResponse:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        request.app.state.sessions.revoke(token)
    request.app.state.events.record(principal.owner, "signout", principal.owner)
    response = JSONResponse({"signed_out": True})
    response.delete_cookie(SESSION_COOKIE)
    response.delete_cookie(CSRF_COOKIE)
    return response


@router.get("/v1/auth/me")
async def me(request: Request, principal: Auth) -> dict[str, Any]:
    state = request.app.state
    if principal.user_id is None:
        return {"user": None, "key_id": principal.key_id, "open": principal.key_id == "anonymous"}
    user = state.users.get(principal.user_id)
    return {"user": user_card(user, state.teams.of_user(user.id)), "open": False}


@router.post("/v1/auth/password")
async def change_password(body: PasswordChange, request: Request, principal: Auth) -> Any:
    state = request.app.state
    user = _user(request, principal)
    await asyncio.to_thread(state.users.verify, user.name, body.current)
    state.users.set_password(user.id, body.new)
    ended = state.sessions.revoke_user(user.id, keep=request.cookies.get(SESSION_COOKIE))
    state.events.record(user.id, "password_change", user.id)
    return {"changed": True, "other_sessions_ended": ended}


def _user(request: Request, principal: Principal) -> User:
    if principal.user_id is None:
        raise PermissionDeniedError("only a signed-in user (or a user's key) has this")
    user: User = request.app.state.users.get(principal.user_id)
    return user


@router.get("/v1/me/keys")
async def my_keys(request: Request, principal: Auth) -> dict[str, Any]:
    user = _user(request, principal)
    keys = request.app.state.keys.list(user.id)
    return {"object": "list", "data": [key_card(k) for k in keys]}


@router.post("/v1/me/keys", status_code=201)
async def create_my_key(body: NewKey, request: Request, principal: Auth) -> dict[str, Any]:
    user = _user(request, principal)
    key, secret = request.app.state.keys.create(body.name, user_id=user.id)
    request.app.state.events.record(user.id, "key_create", key.id, key.name)
    return {**key_card(key), "secret": secret}


@router.delete("/v1/me/keys/{key_id}")
async def revoke_my_key(key_id: str, request: Request, principal: Auth) -> dict[str, Any]:
    user = _user(request, principal)
    key = request.app.state.keys.revoke(key_id, user_id=user.id)
    request.app.state.events.record(user.id, "key_revoke", key.id, key.name)
    return key_card(key)


def _page(name: str) -> HTMLResponse:
    return HTMLResponse(resources.files("haneul.web").joinpath(name).read_text(encoding="utf-8"))


@router.get("/signin", include_in_schema=False)
async def signin_page(request: Request) -> HTMLResponse:
    page = _page("signin.html")
    if getattr(request.app.state, "oidc", None) is not None:  # SSO configured (oidc.py)
        sso = '<a id="sso" class="button" href="/auth/oidc/login">SSO로 로그인</a>'
        page = HTMLResponse(bytes(page.body).decode().replace("<!--SSO-->", sso))
    return page


@router.get("/admin", include_in_schema=False)
async def admin_page(request: Request) -> Response:
    return signin_redirect(request) or _page("admin.html")


def signin_redirect(request: Request) -> RedirectResponse | None:
    """For the web UI's own pages: once users exist, a browser without a live session is
    sent to the sign-in page (None: let it in)."""
    state = request.app.state
    if not state.users.any():
        return None
    token = request.cookies.get(SESSION_COOKIE)
    session = state.sessions.lookup(token) if token else None
    if session is not None:
        return None
    return RedirectResponse("/signin?next=" + request.url.path, status_code=303)
