"""Single sign-on through OpenID Connect against a stand-in provider on loopback: a small
FastAPI app in this process that serves discovery, its JWKS (an RSA key made here), an
/authorize that approves at once and a /token that checks PKCE and signs the ID token. The
real server (a subprocess) follows the whole flow as a browser would (httpx, redirects)."""

from __future__ import annotations

import base64
import hashlib
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Form, Header, HTTPException, Request
from fastapi.responses import RedirectResponse
from joserfc import jwt
from joserfc.jwk import RSAKey

from haneul.config import Settings
from haneul.errors import AuthenticationError
from haneul.server.accounts.oidc import _identity
from haneul.store.db import connect
from haneul.store.oidc_links import OidcLinks
from haneul.store.users import UserStore
from tests.accounts.helpers import add_user, browser
from tests.conftest import (
    AppClient,
    RunningServer,
    add_echo_models,
    free_port,
    start_server,
    stop_server,
)

CLIENT_ID, SECRET = "haneul-web", "haneul-client-secret-2026"


def _rsa_key(kid: str) -> RSAKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return RSAKey.import_key(pem, {"kid": kid})


class Provider:
    """The stand-in identity provider; `mode` bends the next ID token it signs."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.key, self.other_key = _rsa_key("key-1"), _rsa_key("key-1")
        self.mode = "ok"
        self.person: dict[str, Any] = {}
        self.codes: dict[str, dict[str, str]] = {}
        self.authorize_requests: list[dict[str, str]] = []
        self.app = self._app()

    def _app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/.well-known/openid-configuration")
        def discovery() -> dict[str, Any]:
            return {
                "issuer": self.url,
                "authorization_endpoint": self.url + "/authorize",
                "token_endpoint": self.url + "/token",
                "jwks_uri": self.url + "/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
            }

        @app.get("/jwks")
        def jwks() -> dict[str, Any]:
            return {"keys": [self.key.as_dict(private=False)]}

        @app.get("/authorize")
        def authorize(request: Request) -> RedirectResponse:
            query = dict(request.query_params)
            self.authorize_requests.append(query)
            code = secrets.token_urlsafe(16)
            self.codes[code] = query
            back = {"code": code, "state": query["state"]}
            return RedirectResponse(query["redirect_uri"] + "?" + urlencode(back), 302)

        @app.post("/token")
        def token(
            code: str = Form(),
            code_verifier: str = Form(),
            redirect_uri: str = Form(),
            authorization: str = Header(""),
        ) -> dict[str, Any]:
            asked = self.codes.pop(code, None)
            basic = "Basic " + base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
            digest = hashlib.sha256(code_verifier.encode()).digest()
            challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if asked is None or asked["code_challenge"] != challenge or authorization != basic:
                raise HTTPException(400, "invalid_grant")
            assert redirect_uri == asked["redirect_uri"]
            return {"access_token": "at-" + code, "token_type": "Bearer", "expires_in": 300,
                    "id_token": self.id_token(asked["nonce"])}  # fmt: skip

        return app

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims = {"iss": self.url, "aud": CLIENT_ID, "iat": now, "exp": now + 300,
                  "nonce": nonce, **self.person}  # fmt: skip
        if self.mode == "nonce":
            claims["nonce"] = "다른-요청의-nonce"
        if self.mode == "audience":
            claims["aud"] = "다른-앱"
        if self.mode == "expired":
            claims["iat"], claims["exp"] = now - 7200, now - 3600
        key = self.other_key if self.mode == "other_key" else self.key
        signed = jwt.encode({"alg": "RS256", "kid": "key-1"}, claims, key)
        if self.mode == "tampered":  # same signature, a different person in the claims
            header, _, signature = signed.split(".")
            forged = jwt.encode({"alg": "RS256"}, {**claims, "sub": "관리자"}, key)
            signed = ".".join([header, forged.split(".")[1], signature])
        return signed


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    stand_in = Provider()
    config = uvicorn.Config(stand_in.app, host="127.0.0.1", port=stand_in.port, log_level="error")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield stand_in
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def srv(provider: Provider, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    home = tmp_path_factory.mktemp("oidc-home")
    add_echo_models(home)
    running = start_server(
        home,
        default_model="echo",
        oidc_issuer=provider.url,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=SECRET,
    )
    add_user(running, "관리자", "--admin")
    add_user(running, "haneul.kim")  # a password user whose name an SSO account also claims
    yield running
    stop_server(running)


@pytest.fixture(autouse=True)
def person(provider: Provider) -> None:
    provider.mode = "ok"
    provider.person = {"sub": "248289761001", "name": "김하늘",
                       "preferred_username": "haneul.kim", "email": "haneul.kim@example.co.kr",
                       "email_verified": True}  # fmt: skip


def sso_sign_in(
    srv: RunningServer, then: str = "/workspace"
) -> tuple[httpx.Client, httpx.Response]:
    client = browser(srv)
    response = client.get("/auth/oidc/login", params={"next": then}, follow_redirects=True)
    return client, response


def links(srv: RunningServer) -> list[tuple[str, str]]:
    with sqlite3.connect(Path(srv.home) / "haneul.db") as conn:
        return conn.execute("SELECT subject, user_id FROM oidc_links").fetchall()


def test_sign_in_page_offers_sso(srv: RunningServer) -> None:
    page = httpx.get(srv.url + "/signin")
    assert "SSO로 로그인" in page.text and 'href="/auth/oidc/login"' in page.text


def test_full_flow_creates_the_user_once(srv: RunningServer, provider: Provider) -> None:
    client, landed = sso_sign_in(srv)
    assert landed.status_code == 200 and landed.url.path == "/workspace", landed.text
    hops = [str(r.url) for r in landed.history]
    assert any(h.startswith(provider.url + "/authorize") for h in hops)
    asked = provider.authorize_requests[-1]
    assert asked["code_challenge_method"] == "S256" and asked["nonce"] and asked["state"]
    assert asked["client_id"] == CLIENT_ID and "openid" in asked["scope"].split()
    me = client.get("/v1/auth/me").json()["user"]
    assert me["display_name"] == "김하늘" and me["role"] == "member"
    assert me["name"] != "haneul.kim"  # never linked to the password user of that name
    csrf = client.cookies["haneul_csrf"]
    made = client.post(
        "/v1/todos", json={"title": "시장 동향 조사"}, headers={"X-CSRF-Token": csrf}
    )
    assert made.status_code in (200, 201), made.text  # a full session, CSRF token included
    again, elsewhere = sso_sign_in(srv, then="//evil.example/후속")
    assert elsewhere.status_code == 200 and elsewhere.url.host == "127.0.0.1"
    assert elsewhere.url.path == "/"  # `next` stays on this site
    assert again.get("/v1/auth/me").json()["user"]["id"] == me["id"]
    assert links(srv) == [("248289761001", me["id"])]


@pytest.mark.parametrize("mode", ["tampered", "other_key", "nonce", "audience", "expired"])
def test_bad_id_tokens_are_refused(srv: RunningServer, provider: Provider, mode: str) -> None:
    provider.mode = mode
    provider.person["sub"] = "공격자-" + mode
    client, refused = sso_sign_in(srv)
    assert refused.status_code == 401, refused.text
    assert refused.json()["error"]["code"] == "sso_invalid_token"
    assert client.get("/v1/auth/me").status_code == 401
    assert all(not subject.startswith("공격자") for subject, _ in links(srv))


def test_callback_without_its_state_is_refused(srv: RunningServer) -> None:
    forged = browser(srv).get("/auth/oidc/callback?code=stolen&state=guessed")
    assert forged.status_code == 401
    assert forged.json()["error"]["code"] == "sso_state_mismatch"
    page = browser(srv).get(
        "/auth/oidc/callback?error=access_denied", headers={"Accept": "text/html"}
    )
    assert page.status_code == 401 and "로그인 실패" in page.text


def test_sso_off_when_not_configured(app_factory: Callable[..., AppClient]) -> None:
    app = app_factory()
    login = app.get("/auth/oidc/login")
    assert login.status_code == 404 and login.json()["error"]["code"] == "not_found"
    assert "SSO로 로그인" not in app.get("/signin").text


def test_allowed_domains_and_admin_group(tmp_path: Path) -> None:
    """The settings' two policies, on the verified claims and a real database."""
    settings = Settings(
        home=tmp_path, oidc_allowed_domains="example.co.kr", oidc_admin_group="하늘-관리자"
    )
    claims = {"iss": "https://sso.example.co.kr", "sub": "7", "name": "이서연",
              "email": "seoyeon@example.co.kr", "email_verified": True,
              "groups": ["하늘-관리자"]}  # fmt: skip
    for refused in ({"email": "seoyeon@gmail.com"}, {"email_verified": False}):
        with pytest.raises(AuthenticationError) as caught:
            _identity(settings, {**claims, **refused})
        assert caught.value.code == "sso_domain_refused"
    conn = connect(settings.db_path)
    users = UserStore(conn)
    links = OidcLinks(conn, users)
    admin = links.sign_in(_identity(settings, claims))
    assert admin.is_admin and admin.display_name == "이서연" and admin.name == "seoyeon"
    member = links.sign_in(_identity(settings, {**claims, "groups": []}))
    assert member.id == admin.id and member.role == "member"  # the role follows the group
    with pytest.raises(AuthenticationError):
        users.verify("seoyeon", "아무-비밀번호-1234")  # SSO users have no password
