"""Accounts on a real server: users and teams made with the CLI, browsers' sessions as
httpx clients that keep cookies and send the CSRF token back as the page does."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.conftest import RunningServer

PASSWORD = "하늘-비밀번호-2026"
WRONG = "틀린-비밀번호-0000"
SEA_REPORT = "영업 보고서: 3분기 전기차 판매는 지난해보다 12% 늘었다. 부산 지점이 가장 많이 팔았다."


def add_user(srv: RunningServer, name: str, *options: str, password: str = PASSWORD) -> str:
    done = srv.cli("users", "create", name, "--password-stdin", *options, input=password + "\n")
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def add_team(srv: RunningServer, team: str, *members: str) -> str:
    done = srv.cli("teams", "create", team)
    assert done.returncode == 0, done.stderr
    for member in members:
        added = srv.cli("teams", "add", team, member)
        assert added.returncode == 0, added.stderr
    return done.stdout.strip()


def browser(srv: RunningServer) -> httpx.Client:
    """A cookie-keeping client, as a browser on the server's own origin is."""
    return httpx.Client(base_url=srv.url, timeout=60, headers={"Origin": srv.url})


def sign_in(srv: RunningServer, name: str, password: str = PASSWORD) -> httpx.Client:
    client = browser(srv)
    response = client.post("/v1/auth/signin", json={"name": name, "password": password})
    assert response.status_code == 200, response.text
    client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return client


def upload(client: httpx.Client, collection: str, name: str, text: str) -> httpx.Response:
    files = [("files", (name, text.encode()))]
    return client.post(f"/v1/collections/{collection}/documents", files=files)


def wait_documents(client: httpx.Client, collection: str, count: int) -> list[Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        docs: list[Any] = client.get(f"/v1/collections/{collection}/documents").json()["data"]
        if len(docs) >= count:
            return docs
        time.sleep(0.3)
    raise AssertionError(f"{collection} never had {count} documents")
