"""Per-key limits hold on every route: one state per key with its own limits, refusals not
charged, Retry-After from the real wait, and a deadline for every queued request."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute

from haneul.config import Settings
from haneul.errors import RateLimitError
from haneul.server.app import create_app
from haneul.server.auth import authenticate, require_admin
from haneul.server.limits import Limiter
from tests.conftest import RunningServer

USER = [{"role": "user", "content": "안녕하세요"}]
PUBLIC = {"/", "/health"}


def _chat(srv: RunningServer, key: str, model: str = "echo", **kw: object) -> httpx.Response:
    return httpx.post(
        srv.api + "/chat/completions",
        json={"model": model, "messages": USER, **kw},
        headers={"Authorization": f"Bearer {key}"},
        timeout=60,
    )


def _models(srv: RunningServer, key: str) -> httpx.Response:
    return httpx.get(srv.api + "/models", headers={"Authorization": f"Bearer {key}"}, timeout=30)


@contextmanager
def _streaming(srv: RunningServer, key: str, chars: int) -> Iterator[list[str]]:
    """A slow echo stream held open (its first line read); yields the lines read so far."""
    body = {
        "model": "echo-slow",
        "messages": [{"role": "user", "content": "가" * chars}],
        "stream": True,
    }
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    with httpx.stream(
        "POST", srv.api + "/chat/completions", json=body, headers=headers, timeout=120
    ) as res:
        assert res.status_code == 200
        lines = res.iter_lines()
        seen = [next(lines)]
        yield seen
        seen.extend(line for line in lines if line)


def _api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        included = getattr(route, "original_router", None)  # FastAPI's included routers
        if included is not None:
            yield from _api_routes(included.routes)
        elif isinstance(route, APIRoute):
            yield route


def _calls(dependant: Any) -> Iterator[Any]:
    """Every dependency a route runs, through the dependencies of its dependencies (the
    admin routes take `authenticate` through their admin check)."""
    for dependency in dependant.dependencies:
        yield dependency.call
        yield from _calls(dependency)


# Routes that answer before there is a principal: the pages, the sign-in itself (its own lockout
# guards it) and the calendar feed that phones fetch with the secret in its address.
PAGES = {
    "/signin",
    "/admin",
    "/workspace",
    "/reports",
    "/skill-trainer",
    "/mail",
}  # like "/": a signed-out browser is sent to /signin
WITHOUT_PRINCIPAL = PAGES | {"/v1/auth/signin", "/v1/todos/feed/{token}.ics"}
WITHOUT_PRINCIPAL |= {"/auth/oidc/login", "/auth/oidc/callback"}  # SSO: before a sign-in


def test_every_route_takes_the_limited_principal(tmp_path: Path) -> None:
    app = create_app(Settings(home=tmp_path))
    routes = [r for r in _api_routes(app.routes) if r.path not in PUBLIC | WITHOUT_PRINCIPAL]
    assert len(routes) > 30
    takes = {authenticate, require_admin}  # require_admin is authenticate, then a role check
    missing = [route.path for route in routes if not takes & set(_calls(route.dependant))]
    assert missing == []


def test_every_route_charges_the_key_once(tmp_path: Path) -> None:
    """In process: each GET route, `get_model` and the studio's included, counts one request
    against the caller's minute (they once skipped it, or reset the key's state)."""
    app = create_app(Settings(home=tmp_path, default_model="echo"))
    # Full paths from the schema: a router mounted twice (/v1 and /v1/openai) keeps its
    # prefix outside its routes, so the routes' own paths would not say where they answer.
    paths = [
        path
        for path, methods in app.openapi()["paths"].items()
        if "get" in methods and "{" not in path and path not in PUBLIC
    ]
    paths += ["/v1/models/multilingual-e5-small", "/tuning/v2/tasks/없는-작업"]
    calls = app.state.limiter.state("anonymous").calls

    async def run() -> list[tuple[str, int, int]]:
        seen = []
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as http:
            for path in paths:
                before = len(calls)
                res = await http.get(path)
                seen.append((path, res.status_code, len(calls) - before))
        return seen

    seen = asyncio.run(run())
    assert {"/tuning/v2/tasks", "/v1/models", "/metrics"} <= set(paths)
    assert [s for s in seen if s[2] != 1] == []
    assert all(status < 500 for _, status, _ in seen)


def test_model_list_does_not_reset_a_keys_limits(
    server_factory: Callable[..., RunningServer],
) -> None:
    """The reported attack: with `--rpm 3`, reading /v1/models between chats once reset
    the budget and the concurrency; now every route counts against the same state."""
    srv = server_factory(max_queue="0")
    key = srv.create_key("제한-키", "--rpm", "3", "--max-concurrent", "1")
    answers = [_chat(srv, key), _models(srv, key), _chat(srv, key)]
    assert [r.status_code for r in answers] == [200, 200, 200]
    refused = [_models(srv, key), _chat(srv, key), _models(srv, key), _chat(srv, key)]
    assert [r.status_code for r in refused] == [429] * 4
    assert {r.json()["error"]["code"] for r in refused} == {"rate_limit_exceeded"}
    # The window opened at the first chat: the real wait is close to a minute, not 1 s.
    assert all(int(r.headers["Retry-After"]) > 30 for r in refused)

    one = srv.create_key("한-번에-하나", "--max-concurrent", "1")
    with _streaming(srv, one, chars=200) as seen:
        for _ in range(3):
            assert _models(srv, one).status_code == 200
            second = _chat(srv, one, model="echo-slow")
            assert second.status_code == 429
            assert second.json()["error"]["code"] == "too_many_concurrent_requests"
            assert int(second.headers["Retry-After"]) >= 1
        assert len(seen) == 1  # the first stream was still running throughout
    assert seen[-1] == "data: [DONE]"


def test_refused_requests_are_not_charged(server_factory: Callable[..., RunningServer]) -> None:
    srv = server_factory(max_queue="0")
    key = srv.create_key("환불", "--rpm", "4", "--max-concurrent", "1")
    with _streaming(srv, key, chars=100):  # the 1st request of the minute
        for _ in range(6):
            refused = _chat(srv, key)
            assert refused.status_code == 429
            assert refused.json()["error"]["code"] == "too_many_concurrent_requests"
    assert [_chat(srv, key).status_code for _ in range(3)] == [200, 200, 200]
    over = _chat(srv, key)
    assert over.status_code == 429
    assert over.json()["error"]["code"] == "rate_limit_exceeded"


def test_a_queued_request_is_refused_at_its_deadline(
    server_factory: Callable[..., RunningServer],
) -> None:
    """One engine slot, held by a long stream: another key's request waits at most the
    queue deadline and gets a 429 engine_overloaded with Retry-After while the stream runs."""
    srv = server_factory(parallel="1", queue_timeout_s="2")
    a, b = srv.create_key("가-팀"), srv.create_key("나-팀")
    with _streaming(srv, a, chars=400) as seen:
        waited = _chat(srv, b, model="echo-slow")
        assert waited.status_code == 429
        assert waited.json()["error"]["code"] == "engine_overloaded"
        # the stream has held the slot for the whole 2 s wait: it will not end in 1 s
        assert int(waited.headers["Retry-After"]) >= 2
        assert len(seen) == 1  # refused while the stream held the slot
        assert _chat(srv, b).status_code == 200  # another model's slots are its own


def test_a_queued_request_starts_when_the_slot_frees(
    server_factory: Callable[..., RunningServer],
) -> None:
    srv = server_factory(parallel="1", queue_timeout_s="60")
    a, b = srv.create_key("가-팀"), srv.create_key("나-팀")
    results: dict[str, httpx.Response] = {}
    with _streaming(srv, a, chars=20) as seen:
        waiter = threading.Thread(target=lambda: results.update(b=_chat(srv, b, "echo-slow")))
        waiter.start()
    waiter.join(timeout=60)
    assert seen[-1] == "data: [DONE]"
    assert results["b"].status_code == 200
    assert results["b"].json()["choices"][0]["message"]["content"] == "안녕하세요"


def test_limits_are_the_keys_own_and_survive_other_numbers() -> None:
    async def run() -> None:
        limiter = Limiter(rpm=600, max_concurrent=16, max_queue=0, queue_timeout_s=1)
        lease = await limiter.admit("k", rpm=3, max_concurrent=1)
        limiter.charge("k", rpm=3, max_concurrent=1)
        with pytest.raises(RateLimitError):  # still one slot, whatever the last caller said
            await limiter.admit("k", rpm=3, max_concurrent=1)
        assert limiter.snapshot()["k"] == (1, 0)
        lease.release()
        lease.release()  # idempotent
        assert limiter.snapshot()["k"] == (0, 0)
        limiter.charge("k", rpm=3, max_concurrent=1)
        with pytest.raises(RateLimitError) as over:
            limiter.charge("k", rpm=3, max_concurrent=1)
        assert over.value.retry_after > 55

    asyncio.run(run())


def test_a_full_queue_says_how_long_a_slot_is_held() -> None:
    """Retry-After for a full queue comes from how long this key's generations last."""

    async def run() -> float:
        limiter = Limiter(rpm=600, max_concurrent=16, max_queue=0, queue_timeout_s=1)
        first = await limiter.admit("k", max_concurrent=1)
        await asyncio.sleep(1.5)
        first.release()
        second = await limiter.admit("k", max_concurrent=1)
        with pytest.raises(RateLimitError) as full:
            await limiter.admit("k", max_concurrent=1)
        second.release()
        assert full.value.code == "too_many_concurrent_requests"
        return full.value.retry_after

    assert asyncio.run(run()) > 1.4
