"""Edge bugs of the generation routes (issue 20, defect 10), on the real bundled models in
process: whole replies end on a complete character, cut tool calls keep their complete calls,
`parallel_tool_calls: false` is honoured, usage counts every choice of `n`."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import pytest

from haneul.engine import tools
from tests.conftest import AppClient, in_process_settings

CHAT = "smollm2-135m-instruct"
BASE = "gemma3-270m"
RARE = "똠뛟햏꿿 뷁 쀍 읆 똠뛟햏꿿 뷁 쀍 읆"
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "도시의 날씨를 알려준다",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppClient]:
    saved = {k: os.environ.pop(k) for k in [k for k in os.environ if k.startswith("HANEUL_")]}
    home = tmp_path_factory.mktemp("edges")
    app = AppClient(in_process_settings(home, default_model=BASE, parallel=2, ctx_size=512))
    yield app
    app.close()
    os.environ.update(saved)


def _text(choice: dict[str, object]) -> str:
    message = choice.get("message")
    text = message.get("content") if isinstance(message, dict) else choice.get("text")
    return str(text or "")


@pytest.mark.slow  # twelve generations on the real model
def test_whole_replies_end_on_a_complete_character(real: AppClient) -> None:
    cut = 0
    for max_tokens in range(1, 13):
        sampling = {"max_tokens": max_tokens, "temperature": 0}
        replies = [
            real.post("completions", json={"model": BASE, "prompt": RARE, **sampling}),
            real.post(
                "chat/completions",
                json={
                    "model": CHAT,
                    "messages": [{"role": "user", "content": f"따라 쓰세요: {RARE}"}],
                    **sampling,
                },
            ),
        ]
        for reply in replies:
            assert reply.status_code == 200, reply.text
            choice = reply.json()["choices"][0]
            cut += choice["finish_reason"] == "length"
            assert "\ufffd" not in _text(choice), (max_tokens, _text(choice))
        clova = real.post(
            f"/v3/chat-completions/{CHAT}",
            json={"messages": [{"role": "user", "content": RARE}], "maxTokens": max_tokens},
        )
        assert clova.status_code == 200, clova.text
        assert "\ufffd" not in clova.json()["result"]["message"]["content"]
    assert cut >= 12  # the small limits did cut the replies


def test_n_choices_are_all_counted_in_usage(real: AppClient) -> None:
    reply = real.post(
        "chat/completions",
        json={
            "model": CHAT,
            "messages": [{"role": "user", "content": "하늘은 왜 파란가요?"}],
            "n": 2,
            "max_tokens": 6,
            # greedy: both choices run to the limit every time (sampled, one could stop early)
            "temperature": 0,
        },
    ).json()
    assert len(reply["choices"]) == 2
    assert all(c["finish_reason"] == "length" for c in reply["choices"])
    assert reply["usage"]["completion_tokens"] == 12
    usage = reply["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + 12


@pytest.mark.slow  # generations on the real model
def test_a_cut_tool_reply_never_shows_the_internal_json(real: AppClient) -> None:
    message = {"role": "user", "content": "서울과 부산의 날씨를 알려줘"}
    seen_call = False
    for max_tokens in (8, 24, 40, 44, 48):
        reply = real.post(
            "chat/completions",
            json={
                "model": CHAT,
                "messages": [message],
                "tools": [WEATHER],
                "tool_choice": "required",
                "max_tokens": max_tokens,
                "temperature": 0,
            },
        )
        assert reply.status_code == 200, reply.text
        choice = reply.json()["choices"][0]
        assert "tool_calls" not in (choice["message"].get("content") or "")
        for call in choice["message"].get("tool_calls") or []:
            seen_call = seen_call or choice["finish_reason"] == "length"
            assert json.loads(call["function"]["arguments"])  # complete arguments
        assert choice["finish_reason"] in ("length", "tool_calls")
    assert seen_call  # a whole first call, then the cut: kept, with finish_reason length


# -- the reply's parsing, on the raw text the engine gives ---------------------------------


def _engine_reply(raw: str, finish: str = "length") -> dict[str, object]:
    message = {"role": "assistant", "content": raw}
    return {"choices": [{"index": 0, "message": message, "finish_reason": finish}]}


def test_a_cut_reply_keeps_its_complete_calls_and_says_length() -> None:
    raw = (
        '{"tool_calls": [{"name": "get_weather", "arguments": {"city": "서울"}}, '
        '{"name": "get_weather", "arguments": {"city": "부'
    )
    choice = tools.finish(_engine_reply(raw))["choices"][0]  # type: ignore[index]
    assert choice["finish_reason"] == "length"
    assert choice["message"]["content"] is None
    [call] = choice["message"]["tool_calls"]
    assert call["function"]["name"] == "get_weather"
    assert json.loads(call["function"]["arguments"]) == {"city": "서울"}


def test_a_reply_cut_before_any_whole_call_or_in_its_answer() -> None:
    first = tools.finish(_engine_reply('{"tool_calls": [{"name": "get_w'))["choices"][0]  # type: ignore[index]
    assert first["message"]["content"] == "" and not first["message"].get("tool_calls")
    assert first["finish_reason"] == "length"
    answer = tools.finish(_engine_reply('{"content": "하늘이 \\"파랗'))["choices"][0]  # type: ignore[index]
    assert answer["message"]["content"] == '하늘이 "파랗'


def test_parallel_tool_calls_false_keeps_one_call() -> None:
    raw = json.dumps(
        {
            "tool_calls": [
                {"name": "get_weather", "arguments": {"city": "서울"}},
                {"name": "get_weather", "arguments": {"city": "부산"}},
            ]
        },
        ensure_ascii=False,
    )
    choice = tools.finish(_engine_reply(raw, "stop"), parallel=False)["choices"][0]  # type: ignore[index]
    assert len(choice["message"]["tool_calls"]) == 1
    assert choice["finish_reason"] == "tool_calls"
    request = {"messages": [{"role": "user", "content": "날씨"}], "tools": [WEATHER]}
    prepared = tools.prepare({**request, "parallel_tool_calls": False})
    schema = prepared["response_format"]["json_schema"]["schema"]
    assert schema["anyOf"][0]["properties"]["tool_calls"]["maxItems"] == 1
