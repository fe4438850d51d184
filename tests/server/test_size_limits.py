"""Request size limits before any work, and an AI Filter that never freezes the server.

Each test polls /health from a thread while a long request is served and asserts that no poll
waited more than a few seconds (before the fix, 64,000 × «가» blocked every request, /health
included, for 26 s). How fast /health answers is a goal for bench/safety.py, not a test.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
import pytest

from tests.conftest import RunningServer, assert_serving

HEALTH_BOUND_S = 2.0  # generous: a blocked loop took 6 s at 32k characters and 26 s at 64k


@contextmanager
def health_polls(server: RunningServer) -> Iterator[list[float]]:
    """The time each /health poll took while the block ran (at least one poll)."""
    times: list[float] = []
    stop = threading.Event()

    def poll() -> None:
        with httpx.Client(timeout=60) as http:
            while not stop.is_set() or not times:
                start = time.perf_counter()
                try:
                    ok = http.get(server.url + "/health").status_code == 200
                except httpx.HTTPError:
                    ok = False
                times.append(time.perf_counter() - start if ok else float("inf"))
                time.sleep(0.05)

    thread = threading.Thread(target=poll)
    thread.start()
    try:
        time.sleep(0.1)
        yield times
    finally:
        stop.set()
        thread.join(timeout=120)


def _chat(http: httpx.Client, text: str) -> httpx.Response:
    return http.post(
        "/chat/completions",
        json={"model": "echo", "messages": [{"role": "user", "content": text}]},
    )


@pytest.mark.parametrize("length", [64_000, 200_000])
def test_a_long_prompt_is_refused_at_once_and_health_answers_throughout(
    echo_server: RunningServer, length: int
) -> None:
    srv = echo_server
    with srv.http() as http, health_polls(srv) as polls:
        response = _chat(http, "가" * length)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "context_length_exceeded" and error["param"] == "messages"
    assert f"{length:,} characters" in error["message"]
    assert max(polls) < HEALTH_BOUND_S, polls
    assert_serving(srv)


def test_completions_refuse_a_long_prompt_too(
    echo_server: RunningServer,
) -> None:
    srv = echo_server
    with srv.http() as http:
        response = http.post("/completions", json={"model": "echo", "prompt": "가" * 200_000})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "context_length_exceeded"


def test_the_filter_reads_long_unspaced_text_without_blocking(
    server_factory: Callable[..., RunningServer],
) -> None:
    """With the character limit raised, the 64k prompt reaches the AI Filter (in mask policy,
    the PII patterns read every character): the filter must not hold the event loop."""
    srv = server_factory(chars_per_token="100", safety_policy="mask")
    with srv.http() as http, health_polls(srv) as polls:
        for text in ("가" * 64_000, "a" * 64_000, "가나다라@." * 10_000):
            response = _chat(http, text)
            # the echo model's own context check answers, after the filter has read it all
            assert response.status_code == 400, response.text
            assert response.json()["error"]["code"] == "context_length_exceeded"
    assert max(polls) < HEALTH_BOUND_S, polls


def test_clova_v3_refuses_a_long_prompt_in_its_own_shape(
    echo_server: RunningServer,
) -> None:
    srv = echo_server
    with httpx.Client(base_url=srv.url, timeout=60) as http:
        response = http.post(
            "/v3/chat-completions/echo",
            json={"messages": [{"role": "user", "content": "가" * 64_000}]},
        )
    assert response.status_code == 400
    status = response.json()["status"]
    assert status["code"] == "40003" and "64,000 characters" in status["message"]


def test_too_many_messages_are_refused(echo_server: RunningServer) -> None:
    srv = echo_server
    messages = [{"role": "user", "content": "안녕"}] * 1025
    with srv.http() as http:
        response = http.post("/chat/completions", json={"model": "echo", "messages": messages})
        clova = httpx.post(
            srv.url + "/v3/chat-completions/echo", json={"messages": messages}, timeout=60
        )
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "messages"
    assert clova.status_code == 400 and clova.json()["status"]["code"] == "40001"


def test_a_body_over_the_limit_is_refused_before_it_is_read(
    server_factory: Callable[..., RunningServer],
) -> None:
    srv = server_factory(max_body_bytes="100000")
    body = '{"model": "echo", "messages": [{"role": "user", "content": "' + "가" * 50_000 + '"}]}'
    headers = {"Content-Type": "application/json"}
    with srv.http() as http:
        whole = http.post("/chat/completions", content=body.encode(), headers=headers)

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
            data = body.encode()
            for i in range(0, len(data), 8192):
                yield data[i : i + 8192]

        chunked = http.post("/chat/completions", content=chunks(), headers=headers)
        small = _chat(http, "안녕하세요")
    for response in (whole, chunked):
        assert response.status_code == 413, response.text
        error = response.json()["error"]
        assert error["code"] == "request_too_large" and "100,000 bytes" in error["message"]
    assert small.status_code == 200
    clova = httpx.post(
        srv.url + "/v3/chat-completions/echo", content=body.encode(), headers=headers, timeout=60
    )
    assert clova.status_code == 413 and clova.json()["status"]["code"] == "41300"
    # a tuning task may carry its dataset in the JSON: bounded by that field, not the body
    rows = f'{{"text": "{"안녕하세요 " * 20}"}}\n' * 1000  # > 100 kB, refused later for its shape
    task = httpx.post(
        srv.url + "/tuning/v2/tasks",
        json={
            "name": "큰-데이터",
            "model": "echo",
            "trainingDataset": {"name": "d.jsonl", "content": rows},
        },
        timeout=60,
    )
    assert task.status_code == 400 and "messages" in task.json()["status"]["message"]
