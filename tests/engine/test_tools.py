"""Tool-call emulation for templates without tools: the request rewrite and the reply parse."""

from __future__ import annotations

import json

import jsonschema
import pytest

from haneul.engine import tools
from haneul.errors import InvalidRequestError

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}
TIME = {"type": "function", "function": {"name": "get_time"}}


def _request(**kw: object) -> dict[str, object]:
    return {"messages": [{"role": "user", "content": "서울 날씨?"}], "tools": [WEATHER, TIME], **kw}


def test_required_schema_accepts_only_known_calls() -> None:
    schema = tools.prepare(_request(tool_choice="required"))["response_format"]["json_schema"][
        "schema"
    ]
    jsonschema.validate(
        {"tool_calls": [{"name": "get_weather", "arguments": {"city": "서울"}}]}, schema
    )
    jsonschema.validate({"tool_calls": [{"name": "get_time", "arguments": {}}]}, schema)
    for bad in (
        {"content": "맑음"},
        {"tool_calls": []},
        {"tool_calls": [{"name": "rm_rf", "arguments": {}}]},
        {"tool_calls": [{"name": "get_weather", "arguments": {}}]},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)


def test_auto_also_allows_a_plain_answer() -> None:
    prepared = tools.prepare(_request())
    schema = prepared["response_format"]["json_schema"]["schema"]
    jsonschema.validate({"content": "맑아요"}, schema)
    assert "tools" not in prepared and prepared["messages"][0]["role"] == "system"
    assert "get_weather" in prepared["messages"][0]["content"]


def test_named_choice_and_none() -> None:
    named = tools.prepare(
        _request(tool_choice={"type": "function", "function": {"name": "get_time"}})
    )
    schema = named["response_format"]["json_schema"]["schema"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            {"tool_calls": [{"name": "get_weather", "arguments": {"city": "x"}}]}, schema
        )
    none = tools.prepare(_request(tool_choice="none"))
    assert "response_format" not in none and "tools" not in none
    with pytest.raises(InvalidRequestError):
        tools.prepare(_request(tool_choice={"type": "function", "function": {"name": "없음"}}))


def test_history_with_calls_and_results_is_rewritten() -> None:
    messages = [
        {"role": "system", "content": "간결하게."},
        {"role": "user", "content": "서울 날씨?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "서울"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": '{"기온": 21}'},
    ]
    out = tools.prepare({"messages": messages, "tools": [WEATHER]})["messages"]
    assert out[0]["content"].startswith("간결하게.")
    assert json.loads(out[2]["content"]) == {
        "tool_calls": [{"name": "get_weather", "arguments": {"city": "서울"}}]
    }
    assert out[3] == {"role": "user", "content": 'Result of tool get_weather: {"기온": 21}'}


def test_finish_turns_json_into_tool_calls() -> None:
    reply = {
        "id": "x",
        "created": 0,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {
                    "role": "assistant",
                    "content": json.dumps(
                        {"tool_calls": [{"name": "get_weather", "arguments": {"city": "부산"}}]}
                    ),
                },
            }
        ],
    }
    done = tools.finish(reply)["choices"][0]
    assert done["finish_reason"] == "tool_calls" and done["message"]["content"] is None
    call = done["message"]["tool_calls"][0]
    assert call["id"].startswith("call-") and json.loads(call["function"]["arguments"]) == {
        "city": "부산"
    }
    chunks = tools.as_chunks(reply)
    assert chunks[0]["choices"][0]["delta"]["tool_calls"][0]["index"] == 0
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"


def test_finish_keeps_a_plain_answer_and_a_cut_off_reply() -> None:
    answer = {
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": '{"content": "맑음"}'},
            }
        ]
    }
    assert tools.finish(answer)["choices"][0]["message"]["content"] == "맑음"
    cut = {
        "choices": [
            {
                "index": 0,
                "finish_reason": "length",
                "message": {"role": "assistant", "content": '{"tool_ca'},
            }
        ]
    }
    done = tools.finish(cut)["choices"][0]
    assert done["message"]["content"] == ""  # never the internal JSON (issue 20)
    assert done["finish_reason"] == "length"
