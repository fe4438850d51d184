"""API keys (created by the CLI, stored hashed, sent as Bearer) and per-key limits."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import openai
import pytest

from tests.conftest import HANEUL, RunningServer, haneul_env

USER = [{"role": "user", "content": "안녕"}]


def test_keys_required_once_one_exists(server_factory: Callable[..., RunningServer]) -> None:
    srv = server_factory()
    assert srv.client().chat.completions.create(model="echo", messages=USER).choices  # type: ignore[arg-type]
    secret = srv.create_key("테스트 팀")
    assert secret.startswith("hn-")
    with pytest.raises(openai.AuthenticationError):
        srv.client("none").chat.completions.create(model="echo", messages=USER)  # type: ignore[arg-type]
    no_header = httpx.post(srv.api + "/chat/completions", json={"model": "echo", "messages": USER})
    assert no_header.status_code == 401
    assert no_header.json()["error"]["code"] == "invalid_api_key"
    reply = srv.client(secret).chat.completions.create(model="echo", messages=USER)  # type: ignore[arg-type]
    assert reply.choices[0].message.content == "안녕"
    assert httpx.get(srv.url + "/metrics").status_code == 401
    assert httpx.get(srv.url + "/health").status_code == 200

    listed = srv.cli("keys", "list", "--json")
    assert json.loads(listed.stdout)[0]["name"] == "테스트 팀"
    assert secret not in listed.stdout and secret not in srv.cli("keys", "list").stdout
    assert srv.cli("keys", "revoke", "테스트 팀").returncode == 0
    with pytest.raises(openai.AuthenticationError):
        srv.client(secret).chat.completions.create(model="echo", messages=USER)  # type: ignore[arg-type]


def test_secret_is_stored_hashed(
    tmp_path: Path, server_factory: Callable[..., RunningServer]
) -> None:
    srv = server_factory()
    secret = srv.create_key("ops")
    db = srv.home / "haneul.db"
    raw = b"".join(p.read_bytes() for p in srv.home.glob("haneul.db*"))
    assert secret.encode() not in raw
    rows = sqlite3.connect(db).execute("SELECT hash, prefix FROM api_keys").fetchall()
    assert len(rows) == 1 and len(rows[0][0]) == 64


def test_requests_per_minute(server_factory: Callable[..., RunningServer]) -> None:
    srv = server_factory()
    secret = srv.create_key("limited", "--rpm", "3")
    client = srv.client(secret)
    for _ in range(3):
        client.chat.completions.create(model="echo", messages=USER)  # type: ignore[arg-type]
    res = httpx.post(
        srv.api + "/chat/completions",
        json={"model": "echo", "messages": USER},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert res.status_code == 429
    assert res.json()["error"]["code"] == "rate_limit_exceeded"
    assert 1 <= int(res.headers["Retry-After"]) <= 60
    other = srv.create_key("other")  # limits are per key
    assert srv.client(other).chat.completions.create(model="echo", messages=USER).choices  # type: ignore[arg-type]


def test_full_queue_answers_429_not_a_hang(server_factory: Callable[..., RunningServer]) -> None:
    srv = server_factory(max_queue="1", queue_timeout_s="30")
    secret = srv.create_key("one-at-a-time", "--max-concurrent", "1")
    headers = {"Authorization": f"Bearer {secret}"}
    long_body = {
        "model": "echo-slow",
        "messages": [
            {"role": "user", "content": "".join(chr(0xAC00 + i * 97 % 11172) for i in range(60))}
        ],
        "stream": True,
    }
    results: dict[str, object] = {}

    def queued() -> None:
        res = httpx.post(
            srv.api + "/chat/completions",
            headers=headers,
            timeout=60,
            json={"model": "echo", "messages": USER},
        )
        results["queued"] = res.status_code

    with httpx.stream(
        "POST", srv.api + "/chat/completions", json=long_body, headers=headers, timeout=60
    ) as running:
        lines = running.iter_lines()  # keep a reference: dropping it closes the stream
        next(lines)
        waiter = threading.Thread(target=queued)
        waiter.start()
        for _ in range(200):  # until it waits in the queue
            metrics = httpx.get(srv.url + "/metrics", headers=headers).text
            if "haneul_queued_requests 1.0" in metrics:
                break
            time.sleep(0.05)
        third = httpx.post(
            srv.api + "/chat/completions",
            headers=headers,
            timeout=10,
            json={"model": "echo", "messages": USER},
        )
        assert third.status_code == 429
        assert third.json()["error"]["code"] == "too_many_concurrent_requests"
        assert "Retry-After" in third.headers
        assert "queued" not in results  # still waiting behind the stream
        assert [line for line in lines if line][-1] == "data: [DONE]"
    waiter.join(timeout=30)
    assert results["queued"] == 200


def test_refuses_public_address_without_keys(tmp_path: Path) -> None:
    import subprocess

    env = haneul_env(tmp_path / "home")
    done = subprocess.run(
        [HANEUL, "serve", "--host", "0.0.0.0", "--port", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "without API keys" in done.stderr
