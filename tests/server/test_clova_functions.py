"""CLOVA v3 function calling and structured output translated to OpenAI's shapes and back
(server/clova/functions.py), and the translation run through the real serving path on the
echo model (whose `/call NAME {json}` answers with a tool call)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from haneul.errors import InvalidRequestError, UnsupportedError
from haneul.server.clova.functions import (
    ToolCallStream,
    clova_message,
    openai_messages,
    openai_response_format,
    openai_tool_choice,
    openai_tools,
)
from haneul.server.openai.schemas import ChatCompletionRequest
from tests.conftest import AppClient

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "도시의 현재 날씨를 알려 준다",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "description": "도시 이름"}},
            "required": ["city"],
        },
    },
}
CLOVA_TURNS: list[dict[str, Any]] = [
    {"role": "system", "content": "친절한 비서"},
    {"role": "user", "content": [{"type": "text", "text": "서울 날씨 어때?"}]},
    {
        "role": "assistant",
        "content": "",
        "toolCalls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "get_weather", "arguments": {"city": "서울"}},
            }
        ],
    },
    {"role": "tool", "toolCallId": "call_1", "content": '{"기온": 3, "하늘": "맑음"}'},
]


def test_messages_with_tool_turns_become_openai_messages() -> None:
    out = openai_messages(CLOVA_TURNS)
    assert out[1] == {"role": "user", "content": "서울 날씨 어때?"}
    call = out[2]["tool_calls"][0]
    assert call["id"] == "call_1" and call["function"]["name"] == "get_weather"
    assert json.loads(call["function"]["arguments"]) == {"city": "서울"}
    assert "서울" in call["function"]["arguments"]  # not \\uc11c\\uc6b8
    assert out[3] == {
        "role": "tool",
        "tool_call_id": "call_1",
        "content": '{"기온": 3, "하늘": "맑음"}',
    }
    request = ChatCompletionRequest.model_validate(
        {"model": "echo", "messages": out, "tools": openai_tools([WEATHER])}
    )
    assert request.messages[2].tool_calls is not None


@pytest.mark.parametrize(
    ("turn", "error"),
    [
        ({"role": "tool", "content": "결과"}, InvalidRequestError),
        ({"role": "critic", "content": "안녕"}, InvalidRequestError),
        (
            {"role": "user", "content": [{"type": "image_url", "imageUrl": {"url": "x"}}]},
            UnsupportedError,
        ),
        (
            {"role": "assistant", "toolCalls": [{"function": {"name": "f", "arguments": 3}}]},
            InvalidRequestError,
        ),
        ({"role": "user"}, InvalidRequestError),
    ],
)
def test_bad_turns_are_refused(turn: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        openai_messages([turn])


def test_tool_choice_and_response_format() -> None:
    assert openai_tool_choice(None) is None
    assert openai_tool_choice("auto") == "auto" and openai_tool_choice("none") == "none"
    named = {"type": "function", "function": {"name": "get_weather"}}
    assert openai_tool_choice(named) == named
    with pytest.raises(InvalidRequestError):
        openai_tool_choice("sometimes")
    schema = {"type": "object", "properties": {"도시": {"type": "string"}}, "required": ["도시"]}
    fmt = openai_response_format({"type": "json", "schema": schema})
    assert fmt == {
        "type": "json_schema",
        "json_schema": {"name": "response", "schema": schema, "strict": True},
    }
    assert openai_response_format({"type": "json"}) == {"type": "json_object"}
    assert openai_response_format(None) is None
    with pytest.raises(InvalidRequestError):
        openai_response_format({"type": "xml"})
    request = ChatCompletionRequest.model_validate(
        {"model": "echo", "messages": [{"role": "user", "content": "서울"}], "response_format": fmt}
    )
    assert request.response_format is not None
    with pytest.raises(InvalidRequestError):
        openai_tools([{"type": "function", "function": {"description": "이름 없음"}}])


def test_reply_tool_calls_come_back_as_objects() -> None:
    message = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "c1",
                "type": "function",
                "function": {"name": "f", "arguments": '{"도시": "부산"}'},
            },
            {"id": "c2", "type": "function", "function": {"name": "g", "arguments": "부산"}},
        ],
    }
    out = clova_message(message)
    assert out["content"] == ""
    assert out["toolCalls"][0]["function"]["arguments"] == {"도시": "부산"}
    assert out["toolCalls"][1]["function"]["arguments"] == {"_raw": "부산"}
    assert "toolCalls" not in clova_message({"role": "assistant", "content": "안녕하세요"})


def test_streamed_tool_call_deltas_are_gathered() -> None:
    stream = ToolCallStream()
    first = stream.feed(
        [{"index": 0, "id": "c1", "function": {"name": "get_weather", "arguments": '{"city": "서'}}]
    )
    assert first[0]["function"]["arguments"] == '{"city": "서'
    stream.feed([{"index": 0, "function": {"arguments": '울"}'}}])
    stream.feed(None)
    assert stream.calls() == [
        {
            "id": "c1",
            "type": "function",
            "function": {"name": "get_weather", "arguments": {"city": "서울"}},
        }
    ]


def test_translated_request_runs_on_the_serving_path(app_client: AppClient) -> None:
    """CLOVA tools in, through `/v1/chat/completions` (the one serving path), CLOVA out."""
    turns = [{"role": "user", "content": '/call get_weather {"city": "서울"}'}]
    body = {
        "model": "echo",
        "messages": openai_messages(turns),
        "tools": openai_tools([WEATHER]),
        "tool_choice": openai_tool_choice("auto"),
    }
    res = app_client.post("/v1/chat/completions", json=body)
    assert res.status_code == 200, res.text
    choice = res.json()["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    message = clova_message(choice["message"])
    assert message["toolCalls"][0]["function"] == {
        "name": "get_weather",
        "arguments": {"city": "서울"},
    }
