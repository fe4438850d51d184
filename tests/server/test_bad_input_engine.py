"""Bad requests whose error comes from the real engine (llama.cpp's tokenizer and grammar
compiler, e5's limits) get the right 4xx in the OpenAI shape, on a real server; the
validation and routing errors are checked in process in test_bad_input.py."""

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
        "max-tokens-over-context",
        "chat/completions",
        {"model": CHAT, "messages": USER, "max_tokens": 1024},
        400,
        "invalid_request_error",
        "max_tokens",
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
def test_engine_error_gets_clear_4xx(
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
