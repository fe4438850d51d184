"""Concurrent streams are decoded together, and a client that goes away frees its slot."""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import openai

from tests.conftest import RunningServer

CHAT = "smollm2-135m-instruct"


def _one_stream(client: openai.OpenAI, i: int) -> dict[str, object]:
    first = last = None
    parts, finish = [], None
    stream = client.chat.completions.create(
        model=CHAT,
        messages=[{"role": "user", "content": f"Tell me fact number {i} about Korea."}],
        max_tokens=48,
        temperature=0.7,
        seed=i,
        stream=True,
    )
    for chunk in stream:
        for choice in chunk.choices:
            if choice.delta.content:
                now = time.monotonic()
                first = first or now
                last = now
                parts.append(choice.delta.content)
            finish = choice.finish_reason or finish
    return {"text": "".join(parts), "first": first, "last": last, "finish": finish}


def test_eight_simultaneous_streams_complete_and_overlap(server: RunningServer) -> None:
    client = server.client(timeout=300)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda i: _one_stream(client, i), range(8)))
    for r in results:
        assert r["text"] and "\ufffd" not in str(r["text"])
        assert r["finish"] in ("stop", "length")
    # Decoded together, not one after another: every stream had produced its first token
    # before the earliest stream finished.
    earliest_end = min(r["last"] for r in results)  # type: ignore[type-var]
    assert all(r["first"] <= earliest_end for r in results)  # type: ignore[operator]


def _slots_busy(server: RunningServer, model: str) -> int:
    status = httpx.get(server.url + "/health").json()["models"][model]
    return int(status.get("slots_busy", status.get("active", 0)))


def _wait_idle(server: RunningServer, model: str) -> int:
    for _ in range(100):
        busy = _slots_busy(server, model)
        if busy == 0:
            return 0
        time.sleep(0.1)
    return busy


def test_disconnect_frees_the_llama_slot(server: RunningServer) -> None:
    body = {
        "model": CHAT,
        "messages": [{"role": "user", "content": "Write a very long essay."}],
        "max_tokens": 900,
        "stream": True,
        "temperature": 1.0,
        "ignore_eos": True,
    }
    with httpx.stream("POST", server.api + "/chat/completions", json=body, timeout=60) as res:
        for n, _ in enumerate(res.iter_lines()):
            if n > 6:
                assert _slots_busy(server, CHAT) >= 1
                break  # leaving iter_lines closes the connection
    # The stream is closed mid-answer: the slot must come back long before 900 tokens.
    assert _wait_idle(server, CHAT) == 0
    metrics = httpx.get(server.url + "/metrics").text
    assert re.search(rf'haneul_client_disconnects_total{{model="{CHAT}"}} [1-9]', metrics)
    assert re.search(rf'haneul_inflight_generations{{model="{CHAT}"}} 0\.0', metrics)


def test_disconnect_ends_the_generation_above_the_engine(server: RunningServer) -> None:
    body = {
        "model": "echo-slow",
        "messages": [
            {"role": "user", "content": "".join(chr(0xAC00 + i * 97 % 11172) for i in range(400))}
        ],
        "stream": True,
    }
    with httpx.stream("POST", server.api + "/chat/completions", json=body, timeout=60) as res:
        for n, _ in enumerate(res.iter_lines()):
            if n > 4:
                assert _slots_busy(server, "echo-slow") == 1
                break
    assert _wait_idle(server, "echo-slow") == 0


def test_metrics_and_health(server: RunningServer) -> None:
    health = httpx.get(server.url + "/health").json()
    assert health["status"] == "ok"
    assert health["models"][CHAT]["slots"] == 8
    text = httpx.get(server.url + "/metrics").text
    assert "haneul_requests_total" in text
    assert "haneul_time_to_first_token_seconds_bucket" in text
    assert re.search(rf'haneul_completion_tokens_total{{model="{CHAT}"}} [1-9]', text)


def test_threads_are_a_setting(server_factory: object) -> None:
    """One thread works (a busy machine can make 2 OpenMP threads collapse)."""
    srv = server_factory(default_model=CHAT, threads="1", parallel="2")  # type: ignore[operator]
    reply = srv.client().chat.completions.create(
        model=CHAT, messages=[{"role": "user", "content": "Hi"}], max_tokens=4
    )
    assert reply.usage.completion_tokens >= 1
    assert httpx.get(srv.url + "/health").json()["models"][CHAT]["slots"] == 2
    threading.active_count()
