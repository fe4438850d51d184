"""Sign-in with a server-side session on a real server: cookies, CSRF, sign-out, password
change, lockout, the open mode ending once a user exists, and no default password."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import httpx
import openai
import pytest

from tests.accounts.helpers import PASSWORD, WRONG, add_user, browser, sign_in
from tests.conftest import AppClient, RunningServer

USER = [{"role": "user", "content": "안녕하세요"}]


def test_open_mode_until_a_user_exists(server_factory: Callable[..., RunningServer]) -> None:
    srv = server_factory()
    assert httpx.get(srv.url + "/", follow_redirects=False).status_code == 200
    assert srv.client().chat.completions.create(model="echo", messages=USER).choices  # type: ignore[arg-type]
    add_user(srv, "관리자", "--admin")
    page = httpx.get(srv.url + "/", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/signin")
    assert "로그인" in httpx.get(srv.url + "/signin").text
    with pytest.raises(openai.AuthenticationError):
        srv.client().chat.completions.create(model="echo", messages=USER)  # type: ignore[arg-type]
    refused = httpx.get(srv.api + "/conversations")
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "signin_required"


def test_sign_in_cookie_csrf_and_sign_out(server_factory: Callable[..., RunningServer]) -> None:
    srv = server_factory()
    add_user(srv, "김민수", "--display-name", "김민수 과장")
    with browser(srv) as anon:
        wrong = anon.post("/v1/auth/signin", json={"name": "김민수", "password": WRONG})
        assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "invalid_credentials"
        nobody = anon.post("/v1/auth/signin", json={"name": "없는사람", "password": WRONG})
        assert nobody.json()["error"]["message"] == wrong.json()["error"]["message"]
    client = sign_in(srv, "김민수")
    me = client.get("/v1/auth/me").json()
    assert me["user"]["display_name"] == "김민수 과장" and me["user"]["role"] == "member"
    home = httpx.get(srv.url + "/", cookies=client.cookies, follow_redirects=False)
    assert home.status_code == 200

    # The session cookie is HttpOnly and SameSite=Lax (not Secure: this server is on loopback).
    fresh = browser(srv).post("/v1/auth/signin", json={"name": "김민수", "password": PASSWORD})
    set_cookies = fresh.headers.get_list("set-cookie")
    session = next(h for h in set_cookies if h.startswith("haneul_session="))
    assert "HttpOnly" in session and "SameSite=lax" in session and "Secure" not in session
    token = fresh.cookies["haneul_session"]
    db = sqlite3.connect(srv.home / "haneul.db")
    assert token not in str(db.execute("SELECT * FROM sessions").fetchall())

    # A state-changing request with the cookie needs the CSRF token; a read does not.
    no_csrf = {"X-CSRF-Token": ""}
    refused = client.post("/v1/conversations", json={"title": "회의"}, headers=no_csrf)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf_token_invalid"
    forged = client.post("/v1/conversations", json={"title": "회의"}, headers={"X-CSRF-Token": "x"})
    assert forged.status_code == 403
    made = client.post("/v1/conversations", json={"title": "주간 회의"})
    assert made.status_code == 201, made.text
    assert [c["title"] for c in client.get("/v1/conversations").json()["data"]] == ["주간 회의"]

    assert client.post("/v1/auth/signout").status_code == 200
    assert client.get("/v1/auth/me").status_code == 401
    other = httpx.get(srv.api + "/auth/me", cookies={"haneul_session": token})
    assert other.status_code == 200  # signing out ends that session only


def test_signed_out_cookie_no_longer_works(server_factory: Callable[..., RunningServer]) -> None:
    srv = server_factory()
    add_user(srv, "이서연")
    client = sign_in(srv, "이서연")
    token = client.cookies["haneul_session"]
    assert client.post("/v1/auth/signout").status_code == 200
    again = httpx.get(srv.api + "/auth/me", cookies={"haneul_session": token})
    assert again.status_code == 401 and again.json()["error"]["code"] == "signin_required"


def test_password_change_ends_other_sessions(server_factory: Callable[..., RunningServer]) -> None:
    srv = server_factory()
    add_user(srv, "박지훈")
    laptop, phone = sign_in(srv, "박지훈"), sign_in(srv, "박지훈")
    bad = laptop.post("/v1/auth/password", json={"current": WRONG, "new": "새-비밀번호-1234"})
    assert bad.status_code == 401
    short = laptop.post("/v1/auth/password", json={"current": PASSWORD, "new": "짧다"})
    assert short.status_code == 400
    done = laptop.post("/v1/auth/password", json={"current": PASSWORD, "new": "새-비밀번호-1234"})
    assert done.status_code == 200 and done.json()["other_sessions_ended"] == 1
    assert laptop.get("/v1/auth/me").status_code == 200
    assert phone.get("/v1/auth/me").status_code == 401
    with browser(srv) as anon:
        old = anon.post("/v1/auth/signin", json={"name": "박지훈", "password": PASSWORD})
        assert old.status_code == 401
    sign_in(srv, "박지훈", "새-비밀번호-1234")


def test_lockout_after_repeated_failures(server_factory: Callable[..., RunningServer]) -> None:
    srv = server_factory(signin_max_failures="3", signin_lockout_s="600")
    add_user(srv, "최유진")
    with browser(srv) as anon:
        for _ in range(3):
            wrong = anon.post("/v1/auth/signin", json={"name": "최유진", "password": WRONG})
            assert wrong.status_code == 401
        locked = anon.post("/v1/auth/signin", json={"name": "최유진", "password": PASSWORD})
        assert locked.status_code == 423, locked.text
        assert locked.json()["error"]["code"] == "account_locked"
    events = srv.cli("users", "list", "--json")
    assert events.returncode == 0
    db = sqlite3.connect(srv.home / "haneul.db")
    actions = [r[0] for r in db.execute("SELECT action FROM account_events ORDER BY id")]
    assert actions.count("signin_failed") == 3 and "signin_locked" in actions


def test_no_default_password(server_factory: Callable[..., RunningServer]) -> None:
    srv = server_factory()
    empty = srv.cli("users", "create", "관리자", "--admin", "--password-stdin", input="\n")
    assert empty.returncode != 0
    short = srv.cli("users", "create", "관리자", "--admin", "--password-stdin", input="1234\n")
    assert short.returncode != 0 and "8" in short.stderr
    listed = srv.cli("users", "list", "--json")
    assert listed.stdout.strip() == "[]"


def test_cookie_is_secure_beyond_loopback(app_factory: Callable[..., AppClient]) -> None:
    app = app_factory(host="0.0.0.0")
    app.app.state.users.create("김민수", PASSWORD)
    signed = app.post("/v1/auth/signin", json={"name": "김민수", "password": PASSWORD})
    assert signed.status_code == 200
    for cookie in signed.headers.get_list("set-cookie"):
        assert "Secure" in cookie and "SameSite=lax" in cookie
    session = next(c for c in signed.headers.get_list("set-cookie") if "haneul_session" in c)
    csrf = next(c for c in signed.headers.get_list("set-cookie") if "haneul_csrf" in c)
    assert "HttpOnly" in session and "HttpOnly" not in csrf
