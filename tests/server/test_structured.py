"""JSON-schema constrained output and tool calling on the bundled chat model."""

from __future__ import annotations

import json

import jsonschema
import openai

CHAT = "smollm2-135m-instruct"

PERSON = {
    "type": "object",
    "properties": {
        "이름": {"type": "string", "maxLength": 20},
        "나이": {"type": "integer", "minimum": 0, "maximum": 120},
        "취미": {"type": "array", "items": {"type": "string", "maxLength": 20}, "maxItems": 3},
    },
    "required": ["이름", "나이", "취미"],
    "additionalProperties": False,
}

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "maxLength": 30}},
            "required": ["city"],
        },
    },
}


def test_json_schema_output_always_parses(client: openai.OpenAI) -> None:
    for seed in range(4):
        reply = client.chat.completions.create(
            model=CHAT,
            messages=[{"role": "user", "content": "서울에 사는 사람 한 명을 소개해 주세요."}],
            response_format={
                "type": "json_schema",
                "json_schema": {"name": "person", "schema": PERSON, "strict": True},
            },
            max_tokens=400,
            temperature=1.0,
            seed=seed,
        )
        assert reply.choices[0].finish_reason == "stop"
        jsonschema.validate(json.loads(reply.choices[0].message.content or ""), PERSON)


def test_json_object_mode(client: openai.OpenAI) -> None:
    reply = client.chat.completions.create(
        model=CHAT,
        messages=[{"role": "user", "content": "Give me a JSON object describing a cat."}],
        response_format={"type": "json_object"},
        max_tokens=120,
        temperature=0,
    )
    if reply.choices[0].finish_reason == "stop":
        assert isinstance(json.loads(reply.choices[0].message.content or ""), dict)


def test_tool_call_round_trip(client: openai.OpenAI) -> None:
    messages: list[dict[str, object]] = [
        {"role": "user", "content": "What's the weather in Seoul right now?"}
    ]
    first = client.chat.completions.create(
        model=CHAT,
        messages=messages,
        tools=[WEATHER],
        tool_choice="required",  # type: ignore[arg-type,list-item]
        max_tokens=80,
        temperature=0,
    )
    choice = first.choices[0]
    assert choice.finish_reason == "tool_calls"
    call = choice.message.tool_calls[0]  # type: ignore[index]
    assert call.function.name == "get_weather"  # type: ignore[union-attr]
    assert "city" in json.loads(call.function.arguments)  # type: ignore[union-attr]
    messages.append(choice.message.model_dump(exclude_none=True))
    messages.append(
        {"role": "tool", "tool_call_id": call.id, "content": '{"temp_c": 21, "sky": "맑음"}'}
    )
    second = client.chat.completions.create(
        model=CHAT,
        messages=messages,
        tools=[WEATHER],
        max_tokens=60,
        temperature=0,  # type: ignore[arg-type,list-item]
    )
    answer = second.choices[0].message
    assert answer.tool_calls or answer.content  # auto: may call again or answer


def test_named_tool_choice_streamed(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model=CHAT,
        messages=[{"role": "user", "content": "부산 날씨 알려줘"}],
        tools=[WEATHER],  # type: ignore[list-item]
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
        max_tokens=80,
        temperature=0,
        stream=True,
    )
    calls, finish = [], None
    for chunk in stream:
        for c in chunk.choices:
            calls += c.delta.tool_calls or []
            finish = c.finish_reason or finish
    assert finish == "tool_calls"
    assert calls[0].function.name == "get_weather"  # type: ignore[union-attr]
    json.loads(calls[0].function.arguments)  # type: ignore[union-attr,arg-type]
