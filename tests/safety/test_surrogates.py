"""A lone surrogate (`"\\ud800"` in raw JSON: valid JSON, not Unicode) is refused with a 400 in
each API's own error shape on every chat route, and the server goes on serving."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.conftest import RunningServer, assert_serving

HEADERS = {"Content-Type": "application/json"}
# raw JSON bytes: json.dumps would escape the surrogate the same way, httpx must not re-encode it
OPENAI_BODY = (
    b'{"model": "echo", "messages": [{"role": "user", "content": "\\uc548\\ub155\\ud800"}]}'
)


@pytest.fixture
def srv(server_factory: Callable[..., RunningServer]) -> RunningServer:
    return server_factory()


@pytest.mark.parametrize("stream", [False, True])
def test_openai_chat_refuses_a_lone_surrogate(srv: RunningServer, stream: bool) -> None:
    body = OPENAI_BODY if not stream else OPENAI_BODY[:-1] + b', "stream": true}'
    response = httpx.post(srv.api + "/chat/completions", content=body, headers=HEADERS)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert "messages.0.content" in error["message"] and "U+D800" in error["message"]
    assert_serving(srv)


def test_openai_routes_refuse_surrogates_anywhere(srv: RunningServer) -> None:
    bodies = {
        "/completions": b'{"model": "echo", "prompt": "\\udc00\\uc548\\ub155"}',
        "/chat/completions": (  # a low surrogate inside a text part
            b'{"model": "echo", "messages": [{"role": "user", "content": '
            b'[{"type": "text", "text": "\\ud55c\\udfff"}]}]}'
        ),
        "/tokenize": b'{"model": "echo", "input": "\\ud83d"}',  # half an emoji
    }
    for path, body in bodies.items():
        response = httpx.post(srv.api + path, content=body, headers=HEADERS)
        assert response.status_code == 400, (path, response.text)
        assert "lone surrogate" in response.json()["error"]["message"]
    # a whole emoji written as a surrogate pair is fine
    pair = (
        b'{"model": "echo", "messages": '
        b'[{"role": "user", "content": "\\ud83d\\ude00 \\uc548\\ub155"}]}'
    )
    ok = httpx.post(srv.api + "/chat/completions", content=pair, headers=HEADERS)
    assert ok.status_code == 200 and ok.json()["choices"][0]["message"]["content"] == "😀 안녕"


@pytest.mark.parametrize("accept", ["application/json", "text/event-stream"])
def test_clova_v3_refuses_a_lone_surrogate(srv: RunningServer, accept: str) -> None:
    response = httpx.post(
        srv.url + "/v3/chat-completions/echo",
        content=b'{"messages": [{"role": "user", "content": "\\uc548\\ub155\\ud800"}]}',
        headers={**HEADERS, "Accept": accept},
    )
    assert response.status_code == 400, response.text
    status = response.json()["status"]
    assert status["code"] == "40001" and "U+D800" in status["message"]


def test_conversations_refuse_a_lone_surrogate(srv: RunningServer) -> None:
    with srv.http() as http:
        cid = http.post("/conversations", json={}).json()["id"]
        response = http.post(
            f"/conversations/{cid}/messages",
            content=b'{"content": "\\uc548\\ub155\\ud800", "stream": true}',
            headers=HEADERS,
        )
        assert response.status_code == 400, response.text
        error = response.json()["error"]
        # pydantic's constrained str refuses it itself ("unable to parse ... unicode string")
        assert error["param"] == "content" and "unicode" in error["message"].lower()
        assert http.get(f"/conversations/{cid}").json()["messages"] == []  # nothing half-written


def test_moderations_refuse_a_lone_surrogate(srv: RunningServer) -> None:
    response = httpx.post(
        srv.api + "/moderations",
        content=b'{"input": ["\\uc548\\ub155", "\\ud800"]}',
        headers=HEADERS,
    )
    assert response.status_code == 400, response.text
    assert "input.1 holds a lone surrogate (U+D800)" in response.json()["error"]["message"]
