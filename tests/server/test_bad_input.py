"""Every bad request gets the right 4xx in the OpenAI error shape, and the server keeps serving.

The fast tier: the app runs in this process on the echo models (validation, routing and the
error shape do not depend on the engine). The errors that come from the real engine (its
tokenizer's context overflow, a schema llama.cpp cannot compile, e5's limits) are checked
against a real server in test_bad_input_engine.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from haneul.config import Settings
from haneul.engine.catalog import Catalog, ModelEntry
from tests.conftest import AppClient, add_echo_models, in_process_settings

CHAT = "echo"  # context 4096 characters, one token per character
USER = [{"role": "user", "content": "안녕하세요"}]
LONG_KOREAN = "서울시청은 서울특별시 중구 세종대로에 있습니다. " * 400


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppClient]:
    """One in-process app for the module, with an echo embedding model beside the echo chat."""
    home = tmp_path_factory.mktemp("bad-input")
    add_echo_models(home)
    embed = ModelEntry(name="echo-embed", kind="echo", task="embedding", source="test")
    Catalog(Settings(home=home)).add(embed)
    running = AppClient(in_process_settings(home))
    yield running
    running.close()


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
        {"model": CHAT, "prompt": ""},
        400,
        "invalid_request_error",
        None,
    ),
    (
        "many-prompts",
        "completions",
        {"model": CHAT, "prompt": ["가", "나"]},
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
        {"model": "echo-embed", "input": ["가", " "]},
        400,
        "invalid_request_error",
        None,
    ),
    (
        "wrong-dimensions",
        "embeddings",
        {"model": "echo-embed", "input": "서울", "dimensions": 1024},
        400,
        "invalid_request_error",
        "dimensions",
    ),
]


@pytest.mark.parametrize(
    ("path", "body", "status", "code", "param"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_request_gets_clear_4xx(
    app: AppClient,
    path: str,
    body: dict[str, Any],
    status: int,
    code: str,
    param: str | None,
) -> None:
    res = app.post(path, json=body)
    assert res.status_code == status, res.text
    error = res.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["code"] == code
    assert error["message"]
    if param is not None:
        assert error["param"] == param
    assert app.serving()


def test_the_same_requests_done_right_succeed(app: AppClient) -> None:
    """The cases above fail for the reason they name: fixed, each shape is served."""
    chat = app.post("chat/completions", json={"model": CHAT, "messages": USER, "max_tokens": 3})
    assert chat.status_code == 200, chat.text
    assert chat.json()["choices"][0]["message"]["content"] == "안녕하"
    text = app.post("completions", json={"model": CHAT, "prompt": "하늘"})
    assert text.json()["choices"][0]["text"] == "하늘"
    vectors = app.post("embeddings", json={"model": "echo-embed", "input": "서울", "dimensions": 3})
    assert len(vectors.json()["data"][0]["embedding"]) == 3


def test_malformed_json_body(app: AppClient) -> None:
    res = app.post(
        "chat/completions",
        content=b'{"messages": [',
        headers={"content-type": "application/json"},
    )
    assert res.status_code == 400
    assert res.json()["error"]["message"] == "request body is not valid JSON"


def test_unknown_route_and_method(app: AppClient) -> None:
    assert app.get("없는경로").json()["error"]["code"] == "not_found"
    assert app.get("chat/completions").status_code == 405
