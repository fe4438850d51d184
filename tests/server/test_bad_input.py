"""Every bad request gets the right 4xx in the OpenAI error shape, and the server keeps serving."""

from __future__ import annotations

from typing import Any

import httpx
import openai
import pytest

from tests.conftest import RunningServer, assert_serving

CHAT = "smollm2-135m-instruct"
USER = [{"role": "user", "content": "안녕하세요"}]
LONG_KOREAN = "서울시청은 서울특별시 중구 세종대로에 있습니다. " * 400

CASES: list[tuple[str, str, dict[str, Any], int, str, str | None]] = [
    # (id, path, body, status, code, param)
    (
        "no-messages",
        "chat/completions",
        {"model": CHAT, "messages": []},
        400,
        "invalid_request_error",
        "messages",
    ),
    (
        "unknown-model",
        "chat/completions",
        {"model": "없는-모델", "messages": USER},
        404,
        "model_not_found",
        "model",
    ),
    (
        "temperature-too-high",
        "chat/completions",
        {"model": CHAT, "messages": USER, "temperature": 5},
        400,
        "invalid_request_error",
        "temperature",
    ),
    (
        "top-p-zero",
        "chat/completions",
        {"model": CHAT, "messages": USER, "top_p": 0},
        400,
        "invalid_request_error",
        "top_p",
    ),
    (
        "unknown-parameter",
        "chat/completions",
        {"model": CHAT, "messages": USER, "tempreature": 1},
        400,
        "invalid_request_error",
        "tempreature",
    ),
    (
        "bad-role",
        "chat/completions",
        {"model": CHAT, "messages": [{"role": "시스템", "content": "x"}]},
        400,
        "invalid_request_error",
        None,
    ),
    (
        "tool-without-id",
        "chat/completions",
        {"model": CHAT, "messages": [*USER, {"role": "tool", "content": "결과"}]},
        400,
        "invalid_request_error",
        None,
    ),
    (
        "max-tokens-over-context",
        "chat/completions",
        {"model": CHAT, "messages": USER, "max_tokens": 100000},
        400,
        "invalid_request_error",
        "max_tokens",
    ),
    (
        "korean-context-overflow",
        "chat/completions",
        {"model": CHAT, "messages": [{"role": "user", "content": LONG_KOREAN}], "max_tokens": 8},
        400,
        "context_length_exceeded",
        "messages",
    ),
    (
        "korean-context-overflow-stream",
        "chat/completions",
        {
            "model": CHAT,
            "messages": [{"role": "user", "content": LONG_KOREAN}],
            "max_tokens": 8,
            "stream": True,
        },
        400,
        "context_length_exceeded",
        "messages",
    ),
    (
        "bad-json-schema",
        "chat/completions",
        {
            "model": CHAT,
            "messages": USER,
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "x", "schema": {"type": "없는타입"}},
            },
        },
        400,
        "invalid_request_error",
        "response_format",
    ),
    (
        "json-schema-missing",
        "chat/completions",
        {"model": CHAT, "messages": USER, "response_format": {"type": "json_schema"}},
        400,
        "invalid_request_error",
        "response_format",
    ),
    (
        "tool-choice-unknown-tool",
        "chat/completions",
        {
            "model": CHAT,
            "messages": USER,
            "tools": [{"type": "function", "function": {"name": "a"}}],
            "tool_choice": {"type": "function", "function": {"name": "b"}},
        },
        400,
        "invalid_request_error",
        None,
    ),
    (
        "chat-on-base-model",
        "chat/completions",
        {"model": "gemma3-270m", "messages": USER},
        400,
        "invalid_request_error",
        "model",
    ),
    (
        "chat-on-embedding-model",
        "chat/completions",
        {"model": "multilingual-e5-small", "messages": USER},
        400,
        "invalid_request_error",
        "model",
    ),
    (
        "empty-prompt",
        "completions",
        {"model": "gemma3-270m", "prompt": ""},
        400,
        "invalid_request_error",
        None,
    ),
    (
        "many-prompts",
        "completions",
        {"model": "gemma3-270m", "prompt": ["가", "나"]},
        400,
        "invalid_request_error",
        None,
    ),
    (
        "embeddings-on-chat-model",
        "embeddings",
        {"model": CHAT, "input": "서울"},
        400,
        "invalid_request_error",
        "model",
    ),
    (
        "empty-embedding-input",
        "embeddings",
        {"model": "multilingual-e5-small", "input": ["가", " "]},
        400,
        "invalid_request_error",
        None,
    ),
    (
        "embedding-too-long",
        "embeddings",
        {"model": "multilingual-e5-small", "input": LONG_KOREAN},
        400,
        "context_length_exceeded",
        "input",
    ),
    (
        "wrong-dimensions",
        "embeddings",
        {"model": "multilingual-e5-small", "input": "서울", "dimensions": 1024},
        400,
        "invalid_request_error",
        "dimensions",
    ),
]


@pytest.mark.parametrize(
    ("path", "body", "status", "code", "param"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_request_gets_clear_4xx(
    server: RunningServer,
    path: str,
    body: dict[str, Any],
    status: int,
    code: str,
    param: str | None,
) -> None:
    res = httpx.post(f"{server.api}/{path}", json=body, timeout=120)
    assert res.status_code == status, res.text
    error = res.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["code"] == code
    assert error["message"]
    if param is not None:
        assert error["param"] == param
    assert_serving(server)


def test_malformed_json_body(server: RunningServer) -> None:
    res = httpx.post(
        server.api + "/chat/completions",
        content=b'{"messages": [',
        headers={"content-type": "application/json"},
    )
    assert res.status_code == 400
    assert res.json()["error"]["message"] == "request body is not valid JSON"


def test_unknown_route_and_method(server: RunningServer) -> None:
    assert httpx.get(server.api + "/없는경로").json()["error"]["code"] == "not_found"
    assert httpx.get(server.api + "/chat/completions").status_code == 405


def test_openai_client_sees_typed_errors(client: openai.OpenAI, server: RunningServer) -> None:
    with pytest.raises(openai.BadRequestError) as bad:
        client.chat.completions.create(
            model=CHAT, messages=[{"role": "user", "content": LONG_KOREAN}], max_tokens=4
        )
    assert bad.value.code == "context_length_exceeded"
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="없는-모델", messages=USER)  # type: ignore[arg-type]
    reply = client.chat.completions.create(model=CHAT, messages=USER, max_tokens=2)  # type: ignore[arg-type]
    assert reply.choices[0].message.content is not None
