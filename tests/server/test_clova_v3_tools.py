"""CLOVA Studio v3 function calling and structured output on `/v3/chat-completions/{model}`
(and `/v3/tasks/...`, the same formatter), through the one chat path.

In process on the echo model (whose `/call NAME {json}` answers with a tool call): the
whole tool round trip in CLOVA's shape (arguments as objects, `toolCallId` turns), tool-call
pieces in a stream, `responseFormat` and `toolChoice` checked with CLOVA's error codes, and
`thinking` reported rather than refused. On the real server and the bundled Korean model:
NAVER's documented request bodies for function calling and structured outputs (the curl
examples of the `clovastudio-chatcompletionsv3-fc` and `-so` pages, reduced to their JSON
bodies; only the host and key differ), answered under llama.cpp's grammar."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import AppClient, RunningServer

V3 = "/v3/chat-completions/echo"
STREAM = {"Accept": "text/event-stream"}
# NAVER's function-calling example: the weather tool, as its curl request sends it
GET_WEATHER: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "getWeather",
        "description": "특정 지역의 날씨 정보를 제공합니다.",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {"type": "string", "description": "날씨를 알고 싶은 지역 이름"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "date": {"type": "string", "description": "YYYY-MM-DD 형식의 날짜"},
            },
            "required": ["location"],
        },
    },
}
WEATHER_QUESTION = {"role": "user", "content": "오늘 서울 날씨 어때?"}
WEATHER_CALL = '/call getWeather {"location": "서울", "unit": "celsius"}'


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppClient]:
    """One in-process app for the module, on the echo models."""
    from tests.conftest import in_process_settings

    home = tmp_path_factory.mktemp("clova-v3-tools")
    running = AppClient(in_process_settings(home))
    yield running
    running.close()


def _events(text: str) -> list[tuple[str, dict[str, Any]]]:
    """(event name, data) pairs of a CLOVA stream's body."""
    out, name = [], ""
    for line in text.splitlines():
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: "):
            out.append((name, json.loads(line.removeprefix("data: "))))
    return out


def _status(reply: httpx.Response) -> dict[str, str]:
    status: dict[str, str] = reply.json()["status"]
    return status


# -- function calling, in process ----------------------------------------------------------


def test_a_tool_call_comes_back_in_clovas_shape_and_its_result_goes_in(app: AppClient) -> None:
    body = {
        "messages": [{"role": "user", "content": WEATHER_CALL}],
        "tools": [GET_WEATHER],
        "toolChoice": "auto",
    }
    reply = app.post(V3, json=body)
    assert reply.status_code == 200, reply.text
    result = reply.json()["result"]
    assert result["finishReason"] == "tool_calls"
    (call,) = result["message"]["toolCalls"]
    assert call["type"] == "function" and call["id"]
    assert call["function"] == {
        "name": "getWeather",
        "arguments": {"location": "서울", "unit": "celsius"},  # an object, not a string
    }
    assert result["message"]["content"] == ""

    follow_up = {
        "messages": [
            {"role": "user", "content": "오늘 서울 날씨 어때?"},
            {"role": "assistant", "content": "", "toolCalls": [call]},  # sent back unchanged
            {
                "role": "tool",
                "toolCallId": call["id"],
                "content": '{"location": "서울", "temperature": "17도", "condition": "맑음"}',
            },
        ],
        "tools": [GET_WEATHER],
    }
    answer = app.post(V3, json=follow_up)
    assert answer.status_code == 200, answer.text
    final = answer.json()["result"]
    assert final["finishReason"] == "stop" and "toolCalls" not in final["message"]
    assert final["message"]["content"] == "오늘 서울 날씨 어때?"  # echo: the last user turn


def test_a_streamed_tool_call_has_its_pieces_in_tokens_and_the_whole_call_in_the_result(
    app: AppClient,
) -> None:
    body = {"messages": [{"role": "user", "content": WEATHER_CALL}], "tools": [GET_WEATHER]}
    reply = app.post(V3, json=body, headers=STREAM)
    assert reply.status_code == 200, reply.text
    events = _events(reply.text)
    assert [name for name, _ in events] == ["token", "result"]
    piece = events[0][1]["message"]["toolCalls"][0]
    assert piece["function"]["name"] == "getWeather"
    assert json.loads(piece["function"]["arguments"]) == {"location": "서울", "unit": "celsius"}
    assert events[0][1]["usage"] is None
    result = events[-1][1]
    assert result["finishReason"] == "tool_calls"
    arguments = {"location": "서울", "unit": "celsius"}
    assert result["message"]["toolCalls"] == [
        {"id": piece["id"], "type": "function",
         "function": {"name": "getWeather", "arguments": arguments}}
    ]  # fmt: skip
    assert result["usage"]["promptTokens"] == len(WEATHER_CALL)


def test_tool_choice_none_and_a_named_choice(app: AppClient) -> None:
    base = {"messages": [{"role": "user", "content": WEATHER_CALL}], "tools": [GET_WEATHER]}
    assert app.post(V3, json={**base, "toolChoice": "none"}).status_code == 200
    named = {"type": "function", "function": {"name": "getWeather"}}
    chosen = app.post(V3, json={**base, "toolChoice": named})
    assert chosen.status_code == 200, chosen.text
    assert chosen.json()["result"]["message"]["toolCalls"][0]["function"]["name"] == "getWeather"


@pytest.mark.parametrize(
    ("change", "code", "words"),
    [
        ({"toolChoice": {"type": "function", "function": {"name": "없는함수"}}}, "40001",
         "없는함수"),
        ({"toolChoice": "sometimes"}, "40001", "toolChoice"),
        ({"toolChoice": {"type": "function", "function": "getWeather"}}, "40001", "toolChoice"),
        ({"messages": [WEATHER_QUESTION, {"role": "assistant", "toolCalls": [
            {"id": "c1", "function": {"name": "getWeather", "arguments": "{깨진"}}]}]},
         "40001", "arguments"),
        ({"tools": [{"type": "function", "function": {"description": "이름 없음"}}]}, "40001",
         "name"),
        ({"responseFormat": {"type": "xml"}}, "40001", "responseFormat"),
        ({"responseFormat": {"type": "json", "schema": "객체가 아님"}}, "40001", "schema"),
        ({"messages": [{"role": "tool", "content": "17도"}]}, "40001", "toolCallId"),
        ({"messages": [{"role": "user", "content": [
            {"type": "image_url", "imageUrl": {"url": "https://example.com/a.png"}}]}]},
         "40009", "images"),
    ],
)  # fmt: skip
def test_bad_function_calling_requests_get_clovas_codes(
    app: AppClient, change: dict[str, Any], code: str, words: str
) -> None:
    body = {"messages": [WEATHER_QUESTION], "tools": [GET_WEATHER], **change}
    reply = app.post(V3, json=body)
    assert reply.status_code == 400, reply.text
    status = _status(reply)
    assert status["code"] == code and words in status["message"], status


def test_response_format_and_thinking_are_taken(app: AppClient) -> None:
    schema = {"type": "object", "properties": {"도시": {"type": "string"}}, "required": ["도시"]}
    text = '{"도시": "부산"}'
    body = {
        "messages": [{"role": "user", "content": text}],
        "responseFormat": {"type": "json", "schema": schema},
        "thinking": {"effort": "low"},
    }
    reply = app.post(V3, json=body)
    assert reply.status_code == 200, reply.text
    assert json.loads(reply.json()["result"]["message"]["content"]) == {"도시": "부산"}
    assert "no reasoning mode" in reply.headers["x-haneul-unsupported"]
    quiet = app.post(V3, json={**body, "thinking": {"effort": "none"}})
    assert "x-haneul-unsupported" not in quiet.headers
    wrong = app.post(V3, json={**body, "thinking": {"effort": "maximal"}})
    assert wrong.status_code == 400 and _status(wrong)["code"] == "40001"


# -- NAVER's documented examples against a real server and the bundled model ----------------


def _post(server: RunningServer, model: str, body: dict[str, Any]) -> dict[str, Any]:
    reply = httpx.post(
        f"{server.url}/v3/chat-completions/{model}",
        json=body,
        headers={"Authorization": "Bearer nv-test", "X-NCP-CLOVASTUDIO-REQUEST-ID": "haneul-1"},
        timeout=300,
    )
    assert reply.status_code == 200, reply.text
    assert _status(reply) == {"code": "20000", "message": "OK"}
    result: dict[str, Any] = reply.json()["result"]
    return result


def test_navers_function_calling_example_on_the_real_model(server: RunningServer) -> None:
    body = {
        "messages": [WEATHER_QUESTION],
        "tools": [GET_WEATHER],
        "toolChoice": {"type": "function", "function": {"name": "getWeather"}},
        "maxTokens": 120,
        "temperature": 0,
    }
    result = _post(server, "HCX-005", body)
    assert result["finishReason"] == "tool_calls", result
    (call,) = result["message"]["toolCalls"]
    assert call["function"]["name"] == "getWeather"
    arguments = call["function"]["arguments"]
    assert isinstance(arguments, dict) and isinstance(arguments["location"], str)
    assert arguments.get("unit", "celsius") in ("celsius", "fahrenheit")
    # the documented second step: the tool's result goes back and the model answers in text
    follow_up = {
        "messages": [
            WEATHER_QUESTION,
            {"role": "assistant", "content": "", "toolCalls": [call]},
            {
                "role": "tool",
                "toolCallId": call["id"],
                "content": '{"location": "서울", "temperature": "17도", "condition": "맑음"}',
            },
        ],
        "tools": [GET_WEATHER],
        "toolChoice": "none",
        "maxTokens": 40,
        "temperature": 0,
    }
    final = _post(server, "HCX-005", follow_up)
    # "none": plain text, not parsed as a tool reply (which once dropped it to ""); what the
    # small model writes after a tool result is weak (it may echo the call), so only its shape
    assert final["finishReason"] in ("stop", "length") and "toolCalls" not in final["message"]
    assert final["message"]["content"].strip()


def test_navers_structured_outputs_example_on_the_real_model(server: RunningServer) -> None:
    schema = {
        "type": "object",
        "properties": {
            "city": {"type": "string", "enum": ["서울", "부산", "대구", "인천"]},
            "weather": {"type": "string", "enum": ["맑음", "흐림", "비", "눈"]},
            "temperature": {"type": "integer", "minimum": -30, "maximum": 45},
        },
        "required": ["city", "weather", "temperature"],
        "additionalProperties": False,
    }
    body = {
        "messages": [
            {"role": "system", "content": "문장에서 도시, 날씨, 기온을 뽑아 JSON으로 답하세요."},
            {"role": "user", "content": "부산은 오늘 비가 오고 기온은 12도입니다."},
        ],
        "responseFormat": {"type": "json", "schema": schema},
        "thinking": {"effort": "none"},
        "maxTokens": 120,
        "temperature": 0,
    }
    result = _post(server, "HCX-007", body)
    value = json.loads(result["message"]["content"])  # decoded under the schema: it parses
    assert set(value) == {"city", "weather", "temperature"}
    assert value["city"] in ("서울", "부산", "대구", "인천")
    assert value["weather"] in ("맑음", "흐림", "비", "눈")
    assert isinstance(value["temperature"], int) and -30 <= value["temperature"] <= 45


def test_values_of_the_wrong_type_are_refused_not_coerced(app: AppClient) -> None:
    question = {"messages": [WEATHER_QUESTION]}
    for path, change in [
        (V3, {"seed": True}),
        (V3, {"maxTokens": "50"}),
        ("/v1/chat-completions/echo", {"seed": False}),
        ("/testapp/v1/chat-completions/echo", {"topK": "3"}),
    ]:
        reply = app.post(path, json={**question, **change})
        assert reply.status_code == 400, (path, change, reply.text)
        assert _status(reply)["code"] == "40001" and next(iter(change)) in _status(reply)["message"]
