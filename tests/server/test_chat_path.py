"""The one chat path (server/chat.py) under every dialect, in process on the echo model: each
route is metered the same way (tokens, time to the first token, in-flight generations back to
zero), a bad request the engine finds at the first token is a 4xx in the route's own error
shape, and each streamed dialect keeps its own framing (server/sse.py)."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.conftest import AppClient

SKY = "하늘이 파랗다"
CLOVA_STREAM = {"Accept": "text/event-stream"}


def _metric(app: AppClient, name: str) -> float:
    """The echo model's value of metric `name` (0 when not yet reported)."""
    text = app.get("/metrics").text
    found = re.search(rf'^{name}\{{model="echo"\}} (\S+)$', text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def _ttft(app: AppClient) -> float:
    return _metric(app, "haneul_time_to_first_token_seconds_count")


def _tokens(app: AppClient) -> float:
    return _metric(app, "haneul_completion_tokens_total")


def _clova(text: str) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": text}]}


def _clova_events(body: str) -> list[tuple[str, dict[str, Any]]]:
    events, name = [], ""
    for line in body.splitlines():
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: "):
            events.append((name, json.loads(line.removeprefix("data: "))))
    return events


def test_clova_v3_is_metered_like_the_openai_route(app_client: AppClient) -> None:
    app = app_client
    whole = app.post("/v3/chat-completions/echo", json=_clova(SKY))
    assert whole.json()["result"]["message"]["content"] == SKY
    assert _tokens(app) == len(SKY)  # the echo model: a token a character
    assert _ttft(app) == 0  # a whole answer has no first token to time

    streamed = app.post("/v3/chat-completions/echo", json=_clova(SKY), headers=CLOVA_STREAM)
    assert streamed.headers["cache-control"] == "no-cache"
    events = _clova_events(streamed.text)
    assert [n for n, _ in events] == ["token"] * len(SKY) + ["result"]
    assert events[-1][1]["message"]["content"] == SKY
    assert _ttft(app) == 1 and _tokens(app) == 2 * len(SKY)

    chunks = app.post(
        "chat/completions",
        json={"model": "echo", "messages": _clova(SKY)["messages"], "stream": True},
    )
    assert chunks.text.endswith("data: [DONE]\n\n")
    assert _ttft(app) == 2 and _tokens(app) == 3 * len(SKY)
    assert _metric(app, "haneul_inflight_generations") == 0
    assert _metric(app, "haneul_client_disconnects_total") == 0


def test_an_engine_refusal_at_the_first_token_is_a_4xx_in_each_shape(
    app_factory: Any,
) -> None:
    # Characters are not counted against the context before the engine sees them (8 per
    # token allowed), so the echo model itself finds the prompt too long, at its first chunk.
    app = app_factory(chars_per_token=8)
    long = "가" * 5000  # the echo model: 5000 tokens, its context holds 4096
    clova = app.post("/v3/chat-completions/echo", json=_clova(long), headers=CLOVA_STREAM)
    assert clova.status_code == 400, clova.text
    assert clova.json()["status"]["code"] == "40003"
    openai = app.post(
        "chat/completions",
        json={"model": "echo", "messages": _clova(long)["messages"], "stream": True},
    )
    assert openai.status_code == 400, openai.text
    assert openai.json()["error"]["code"] == "context_length_exceeded"
    assert _metric(app, "haneul_inflight_generations") == 0
    assert _ttft(app) == 0 and _metric(app, "haneul_client_disconnects_total") == 0
    assert app.post("/v3/chat-completions/echo", json=_clova(SKY)).status_code == 200


def test_an_assistant_turn_is_metered_on_the_same_path(app_client: AppClient) -> None:
    app = app_client
    cid = app.post("conversations", json={"title": "하늘"}).json()["id"]
    reply = app.post(f"conversations/{cid}/messages", json={"content": SKY, "stream": True})
    lines = [x for x in reply.text.splitlines() if x.startswith("data: ")]
    assert lines[-1] == "data: [DONE]"
    events = [json.loads(x.removeprefix("data: ")) for x in lines[:-1]]
    assert "".join(e["content"] for e in events if e["type"] == "delta") == SKY
    assert events[-1]["type"] == "done"
    assert _ttft(app) == 1  # timed at the first delta of the answer
    assert _metric(app, "haneul_inflight_generations") == 0
