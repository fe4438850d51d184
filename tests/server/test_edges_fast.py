"""Edge bugs of issue 20 (defect 10) that need no real model: in process, on the echo models."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.conftest import AppClient


@pytest.fixture
def app(app_factory: Callable[..., AppClient]) -> AppClient:
    return app_factory()


def test_a_conversation_max_tokens_over_the_context_is_a_clear_400(app: AppClient) -> None:
    cid = app.post("conversations", json={}).json()["id"]
    res = app.post(
        f"conversations/{cid}/messages", json={"content": "안녕하세요", "max_tokens": 8192}
    )
    assert res.status_code == 400, res.text
    error = res.json()["error"]
    assert error["param"] == "max_tokens"
    assert "4096" in error["message"] and "-" not in error["message"]  # echo's context


def test_snippet_marks_stay_on_their_words_after_a_dotted_capital_i() -> None:
    from haneul.knowledge.retrieve import highlight, snippet, window

    text = "İİİ 이스탄불 여행 뒤에 서울시청은 붐볐다"
    spans = highlight(text, {"서울시청"})
    assert [text[a:b] for a, b in spans] == ["서울시청"]
    lo, hi = window(text, {"서울시청"})
    assert "<mark>서울시청</mark>은" in snippet(text, spans, lo, hi)


def test_assistant_tool_call_arguments_that_are_not_json_are_a_400(app: AppClient) -> None:
    messages = [
        {"role": "user", "content": "서울 날씨 알려줘"},
        {
            "role": "assistant",
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": "{도시: 서울"},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "맑음, 영상 3도"},
    ]
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {}}}]
    res = app.post("chat/completions", json={"model": "echo", "messages": messages, "tools": tools})
    assert res.status_code == 400, res.text
    assert "JSON object" in res.json()["error"]["message"]
    messages[1]["tool_calls"][0]["function"]["arguments"] = '{"도시": "서울"}'  # type: ignore[index]
    res = app.post("chat/completions", json={"model": "echo", "messages": messages, "tools": tools})
    assert res.status_code == 200, res.text
