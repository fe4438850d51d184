"""Single sign-on through OpenID Connect: the authorization-code flow with PKCE, state and
nonce (authlib's OAuth 2 client), the provider found by discovery, and the ID token's
signature checked against the provider's JWKS and its claims (iss, aud, exp, iat, nonce,
at_hash) checked before anyone is signed in (joserfc and authlib's `CodeIDToken`).

`GET /auth/oidc/login` sends the browser to the provider; `GET /auth/oidc/callback` comes
back with a code, and ends with the same server-side session as a password sign-in. The
pending sign-in (state, nonce, PKCE verifier) is kept in this process for ten minutes, and
the state is also bound to the browser by an HttpOnly cookie, so a code cannot be injected
into another person's browser. SSO is off (404) unless HANEUL_OIDC_ISSUER is set.
"""

from __future__ import annotations

import html
import logging
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from authlib.integrations.httpx_client import AsyncOAuth2Client
from authlib.oidc.core import CodeIDToken
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from haneul.config import Settings
from haneul.errors import AuthenticationError, HaneulError, NotFoundError, UpstreamError
from haneul.server.accounts.routes import _set_cookies
from haneul.store.oidc_links import Identity, OidcLinks

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
STATE_COOKIE = "haneul_oidc_state"
PENDING_S = 600.0
MAX_PENDING = 10_000
SCOPE = "openid profile email"


@dataclass(frozen=True)
class Pending:
    nonce: str
    verifier: str
    redirect_uri: str
    next: str
    expires_at: float


@dataclass
class OidcClient:
    """One configured provider: its metadata and keys (fetched once, keys again on an
    unknown key id) and the sign-ins under way."""

    settings: Settings
    metadata: dict[str, Any] | None = None
    jwks: dict[str, Any] | None = None
    pending: dict[str, Pending] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def issuer(self) -> str:
        return self.settings.oidc_issuer.rstrip("/")

    def session(self) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=self.settings.oidc_client_id,
            client_secret=self.settings.oidc_client_secret or None,
            token_endpoint_auth_method=(
                "client_secret_basic" if self.settings.oidc_client_secret else "none"
            ),
            code_challenge_method="S256",
            scope=SCOPE,
            timeout=15,
        )

    async def discover(self) -> dict[str, Any]:
        if self.metadata is None:
            url = self.issuer + "/.well-known/openid-configuration"
            data = await _get_json(url)
            if str(data.get("issuer", "")).rstrip("/") != self.issuer:
                raise UpstreamError("the SSO provider's discovery names another issuer")
            for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
                if not isinstance(data.get(key), str):
                    raise UpstreamError(f"the SSO provider's discovery has no {key}")
            self.metadata = data
        return self.metadata

    async def keys(self, refresh: bool = False) -> KeySet:
        if self.jwks is None or refresh:
            self.jwks = await _get_json((await self.discover())["jwks_uri"])
        return KeySet.import_key_set(self.jwks)  # type: ignore[arg-type]

    def remember(self, state: str, pending: Pending) -> None:
        now = time.time()
        with self._lock:
            for old in [s for s, p in self.pending.items() if p.expires_at < now]:
                del self.pending[old]
            while len(self.pending) >= MAX_PENDING:  # a flood of /login: the oldest go first
                del self.pending[next(iter(self.pending))]
            self.pending[state] = pending

    def take(self, state: str) -> Pending | None:
        with self._lock:
            pending = self.pending.pop(state, None)
        return pending if pending is not None and pending.expires_at > time.time() else None


async def _get_json(url: str) -> dict[str, Any]:
    try:
        async with httpx.AsyncClient(timeout=15) as client:
            response = await client.get(url)
            response.raise_for_status()
            data = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise UpstreamError(f"the SSO provider did not answer {url}: {exc}") from None
    if not isinstance(data, dict):
        raise UpstreamError(f"the SSO provider's {url} is not a JSON object")
    return data


def check_issuer(issuer: str) -> None:
    """https, or http to a loopback provider (a test or a provider on the same host)."""
    parts = urlsplit(issuer)
    loopback = parts.hostname in ("127.0.0.1", "::1", "localhost")
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise ValueError(f"HANEUL_OIDC_ISSUER must be an https URL, not {issuer!r}")


def _client(request: Request) -> OidcClient:
    client: OidcClient | None = getattr(request.app.state, "oidc", None)
    if client is None:
        raise NotFoundError("single sign-on is not configured on this server")
    return client


def _next(target: str | None) -> str:
    target = target or "/"
    same_site = target.startswith("/") and not target.startswith(("//", "/\\"))
    return target if same_site and "\\" not in target else "/"


@router.get("/auth/oidc/login", name="oidc_login")
async def oidc_login(request: Request, next: str | None = None) -> Response:
    client = _client(request)
    metadata = await client.discover()
    redirect_uri = client.settings.oidc_redirect_url or str(request.url_for("oidc_callback"))
    state, nonce, verifier = (secrets.token_urlsafe(32) for _ in range(3))
    async with client.session() as oauth:
        url, _ = oauth.create_authorization_url(
            metadata["authorization_endpoint"],
            state=state,
            code_verifier=verifier,
            nonce=nonce,
            redirect_uri=redirect_uri,
        )
    client.remember(
        state, Pending(nonce, verifier, redirect_uri, _next(next), time.time() + PENDING_S)
    )
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        STATE_COOKIE,
        state,
        max_age=int(PENDING_S),
        httponly=True,
        samesite="lax",
        secure=urlsplit(redirect_uri).scheme == "https",
        path="/auth/oidc",
    )
    return response


@router.get("/auth/oidc/callback", name="oidc_callback")
async def oidc_callback(request: Request) -> Response:
    client = _client(request)
    try:
        user_id, target = await _finish(request, client)
    except HaneulError as exc:
        request.app.state.events.record("anonymous", "signin_sso_failed", exc.code)
        if "text/html" not in request.headers.get("accept", ""):
            raise
        return _error_page(exc)
    state = request.app.state
    token, session = state.sessions.create(user_id)
    state.events.record(user_id, "signin_sso", user_id)
    response = RedirectResponse(target, status_code=303)
    _set_cookies(request, response, token, session.csrf)
    response.delete_cookie(STATE_COOKIE, path="/auth/oidc")
    return response


async def _finish(request: Request, client: OidcClient) -> tuple[str, str]:
    query = request.query_params
    if "error" in query:
        reason = query.get("error_description") or query["error"]
        raise AuthenticationError(f"the SSO provider refused: {reason}", code="sso_refused")
    state = query.get("state", "")
    cookie = request.cookies.get(STATE_COOKIE, "")
    pending = client.take(state) if state and secrets.compare_digest(state, cookie) else None
    if pending is None:
        raise AuthenticationError(
            "this SSO sign-in is unknown or expired: start again", code="sso_state_mismatch"
        )
    token = await _exchange(client, query.get("code", ""), pending)
    claims = await _verify(client, token, pending.nonce)
    user = request.app.state.oidc_links.sign_in(_identity(client.settings, claims))
    return user.id, pending.next


async def _exchange(client: OidcClient, code: str, pending: Pending) -> dict[str, Any]:
    metadata = await client.discover()
    try:
        async with client.session() as oauth:
            token: dict[str, Any] = await oauth.fetch_token(
                metadata["token_endpoint"],
                grant_type="authorization_code",
                code=code,
                redirect_uri=pending.redirect_uri,
                code_verifier=pending.verifier,
            )
    except Exception as exc:  # authlib's OAuthError, httpx errors, a non-JSON answer
        raise UpstreamError(f"the SSO provider refused the code: {exc}") from None
    if not isinstance(token.get("id_token"), str):
        raise UpstreamError("the SSO provider's token answer has no id_token")
    return token


async def _verify(client: OidcClient, token: dict[str, Any], nonce: str) -> dict[str, Any]:
    """The ID token's claims once its signature and claims hold; a 401 otherwise."""
    metadata = await client.discover()
    algorithms = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
    algorithms = [a for a in algorithms if a != "none"]
    try:
        try:
            decoded = jwt.decode(token["id_token"], await client.keys(), algorithms=algorithms)
        except InvalidKeyIdError:  # the provider rotated its keys
            decoded = jwt.decode(token["id_token"], await client.keys(True), algorithms=algorithms)
        options = {
            "iss": {"essential": True, "values": [metadata["issuer"]]},
            "aud": {"essential": True, "value": client.settings.oidc_client_id},
            "sub": {"essential": True},
        }
        params = {
            "nonce": nonce,
            "client_id": client.settings.oidc_client_id,
            "access_token": token.get("access_token"),
        }
        claims = CodeIDToken(decoded.claims, decoded.header, options, params)
        claims.validate(leeway=60)
    except (JoseError, ValueError) as exc:
        log.warning("SSO ID token refused: %s", exc)
        raise AuthenticationError(
            f"the SSO provider's ID token is not valid: {exc}", code="sso_invalid_token"
        ) from None
    return dict(claims)


def _identity(settings: Settings, claims: dict[str, Any]) -> Identity:
    email = str(claims.get("email") or "")
    if settings.oidc_allowed_domains:
        domain = email.rpartition("@")[2].lower()
        allowed = {d.lower().lstrip("@") for d in settings.oidc_allowed_domains}
        if claims.get("email_verified") is not True or domain not in allowed:
            raise AuthenticationError(
                "this account's e-mail domain may not sign in here", code="sso_domain_refused"
            )
    admin: bool | None = None
    if settings.oidc_admin_group:
        groups = claims.get("groups") or []
        admin = isinstance(groups, list) and settings.oidc_admin_group in groups
    return Identity(
        issuer=str(claims["iss"]).rstrip("/"),
        subject=str(claims["sub"]),
        username=str(claims.get("preferred_username") or ""),
        display_name=str(claims.get("name") or ""),
        email=email,
        admin=admin,
    )


_MESSAGES = {
    "sso_refused": "로그인 제공자가 로그인을 거절했습니다.",
    "sso_state_mismatch": "로그인 요청이 만료되었거나 알 수 없습니다. 다시 시도하세요.",
    "sso_invalid_token": "로그인 제공자의 응답을 확인할 수 없습니다.",
    "sso_domain_refused": "이 이메일 도메인은 로그인할 수 없습니다.",
    "account_disabled": "사용이 중지된 계정입니다. 관리자에게 문의하세요.",
}


def _error_page(exc: HaneulError) -> HTMLResponse:
    """For a browser: the same error as a short Korean page with a way back."""
    title = _MESSAGES.get(exc.code, "SSO 로그인에 실패했습니다.")
    body = (
        '<!doctype html><html lang="ko"><head><meta charset="utf-8">'
        "<title>로그인 실패 · 하늘 Haneul</title>"
        '<link rel="stylesheet" href="/static/accounts.css"></head><body>'
        f'<main class="signin"><h1>로그인 실패</h1><p class="error">{html.escape(title)}</p>'
        f'<p class="muted">{html.escape(exc.code)}: {html.escape(exc.message)}</p>'
        '<p><a href="/signin">로그인 화면으로</a></p></main></body></html>'
    )
    return HTMLResponse(body, status_code=exc.status)


def configure(app: Any, settings: Settings) -> None:
    """Turn SSO on when HANEUL_OIDC_ISSUER is set (called once by create_app)."""
    app.state.oidc = None
    app.state.oidc_links = OidcLinks(app.state.users.conn, app.state.users)
    if settings.oidc_issuer:
        check_issuer(settings.oidc_issuer)
        if not settings.oidc_client_id:
            raise ValueError("HANEUL_OIDC_CLIENT_ID is needed with HANEUL_OIDC_ISSUER")
        app.state.oidc = OidcClient(settings)
