"""Chat and text completions through a real `haneul serve`, with the official openai client."""

from __future__ import annotations

import json
import re

import httpx
import openai
import pytest

from tests.conftest import RunningServer

HANGUL = re.compile(r"[\uac00-\ud7a3]")
CHAT = "smollm2-135m-instruct"
BASE = "gemma3-270m"


def test_chat_english(client: openai.OpenAI) -> None:
    reply = client.chat.completions.create(
        model=CHAT,
        messages=[{"role": "user", "content": "What is the capital of France?"}],
        max_tokens=24,
        temperature=0,
    )
    assert reply.model == CHAT
    assert reply.choices[0].message.role == "assistant"
    assert reply.choices[0].message.content
    assert reply.choices[0].finish_reason in ("stop", "length")
    assert reply.usage is not None and reply.usage.prompt_tokens > 5
    assert 0 < reply.usage.completion_tokens <= 24


def test_chat_default_model_korean(client: openai.OpenAI) -> None:
    reply = client.chat.completions.create(
        model=CHAT,
        messages=[
            {"role": "system", "content": "한국어로 대답하세요."},
            {"role": "user", "content": "안녕하세요! 오늘 날씨는 어때요?"},
        ],
        max_tokens=32,
        temperature=0,
    )
    text = reply.choices[0].message.content or ""
    assert text and "\ufffd" not in text


def _stream_text(client: openai.OpenAI, **kw: object) -> tuple[list[str], str | None]:
    deltas, finish = [], None
    for chunk in client.chat.completions.create(stream=True, **kw):  # type: ignore[call-overload]
        for choice in chunk.choices:
            if choice.delta.content:
                deltas.append(choice.delta.content)
            finish = choice.finish_reason or finish
    return deltas, finish


def test_stream_korean_never_splits_a_syllable(
    client: openai.OpenAI, server: RunningServer
) -> None:
    """SmolLM2's vocabulary spells most Hangul syllables as 2-3 byte tokens, so streaming
    Korean output crosses syllable boundaries inside tokens on nearly every character."""
    request = {
        "model": CHAT,
        "messages": [
            {"role": "user", "content": "한국어로 자기소개를 해 주세요. 안녕하세요, 저는"}
        ],
        "max_tokens": 48,
        "temperature": 0,
        "seed": 7,
    }
    deltas, finish = _stream_text(client, **request)
    streamed = "".join(deltas)
    whole = client.chat.completions.create(**request).choices[0].message.content  # type: ignore[call-overload]
    assert all("\ufffd" not in d for d in deltas)
    assert streamed == whole
    syllables = HANGUL.findall(streamed)
    assert syllables, f"expected Korean output, got {streamed!r}"
    tokens = httpx.post(
        server.api + "/tokenize", json={"model": CHAT, "input": syllables[0]}
    ).json()
    assert tokens["count"] > 1, "the test must exercise a syllable split over tokens"
    assert finish in ("stop", "length")


def test_stream_usage_only_when_asked(client: openai.OpenAI) -> None:
    kw = {"model": CHAT, "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 4}
    chunks = list(client.chat.completions.create(stream=True, **kw))  # type: ignore[call-overload]
    assert all(c.usage is None for c in chunks)
    chunks = list(
        client.chat.completions.create(  # type: ignore[call-overload]
            stream=True, stream_options={"include_usage": True}, **kw
        )
    )
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens <= 4


def test_sse_wire_format_ends_with_done(server: RunningServer) -> None:
    body = {
        "model": CHAT,
        "messages": [{"role": "user", "content": "서울"}],
        "max_tokens": 3,
        "stream": True,
    }
    with httpx.stream("POST", server.api + "/chat/completions", json=body, timeout=60) as res:
        assert res.headers["content-type"].startswith("text/event-stream")
        events = [line for line in res.iter_lines() if line]
    assert all(e.startswith("data: ") for e in events)
    assert events[-1] == "data: [DONE]"
    json.loads(events[0][6:])


def test_completion_korean_base_model(client: openai.OpenAI) -> None:
    reply = client.completions.create(
        model=BASE, prompt="대한민국의 수도는", max_tokens=16, temperature=0
    )
    text = reply.choices[0].text
    assert text and "\ufffd" not in text
    assert reply.usage is not None and reply.usage.completion_tokens <= 16
    streamed = "".join(
        c.choices[0].text
        for c in client.completions.create(
            model=BASE, prompt="대한민국의 수도는", max_tokens=16, temperature=0, stream=True
        )
        if c.choices
    )
    assert streamed == text


def test_sampling_seed_is_reproducible(client: openai.OpenAI) -> None:
    kw = {
        "model": CHAT,
        "messages": [{"role": "user", "content": "Write a short poem about the sea."}],
        "max_tokens": 20,
        "temperature": 1.0,
        "top_p": 0.9,
        "extra_body": {"top_k": 40, "repetition_penalty": 1.1},
    }
    a = client.chat.completions.create(seed=123, **kw).choices[0].message.content  # type: ignore[call-overload]
    b = client.chat.completions.create(seed=123, **kw).choices[0].message.content  # type: ignore[call-overload]
    assert a == b


def test_stop_strings_and_max_tokens(client: openai.OpenAI) -> None:
    reply = client.chat.completions.create(
        model=CHAT,
        messages=[{"role": "user", "content": "Count from 1 to 20: 1, 2, 3,"}],
        max_tokens=40,
        temperature=0,
        stop=["7"],
    )
    assert "7" not in (reply.choices[0].message.content or "")
    short = client.chat.completions.create(
        model=CHAT,
        messages=[{"role": "user", "content": "Tell me a long story."}],
        max_tokens=3,
        temperature=0,
    )
    assert short.choices[0].finish_reason == "length"
    assert short.usage is not None and short.usage.completion_tokens == 3


def test_models_list(client: openai.OpenAI) -> None:
    ids = {m.id for m in client.models.list()}
    assert {CHAT, BASE, "multilingual-e5-small"} <= ids
    assert client.models.retrieve(CHAT).id == CHAT
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("없는-모델")


def test_web_page_is_served_offline(server: RunningServer) -> None:
    page = httpx.get(server.url + "/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "하늘" in html and "haneul-mini-ko" in html  # the default model
    assert not re.search(r"""(src|href)=["']https?://""", html)  # nothing from a CDN
    for asset in re.findall(r"""(?:src|href)=["'](/static/[^"']+)""", html):
        assert httpx.get(server.url + asset).status_code == 200, asset  # vendor files too
    # The UI is plain ES modules: every module app.js imports is served too.
    script = httpx.get(server.url + "/static/app.js").text
    modules = re.findall(r"""from ["']\./([\w-]+\.js)["']""", script)
    assert "composer.js" in modules
    for module in modules:
        served = httpx.get(server.url + "/static/" + module)
        assert served.status_code == 200, module
        script += served.text
    assert "compositionstart" in script  # Enter while composing Hangul must not send


def test_haneul_mini_ko_is_bundled_and_answers_in_korean(client: openai.OpenAI) -> None:
    """Gemma 3 270M with the shipped LoRA (llama.cpp applies it at load)."""
    assert "haneul-mini-ko" in {m.id for m in client.models.list().data}
    reply = client.chat.completions.create(
        model="haneul-mini-ko",
        messages=[{"role": "user", "content": "안녕하세요! 자기소개 해 주세요."}],
        max_tokens=48,
        temperature=0,
    )
    text = reply.choices[0].message.content or ""
    assert sum("가" <= ch <= "힣" for ch in text) >= 5, text
    todo = client.chat.completions.create(
        model="haneul-mini-ko",
        messages=[
            {"role": "system", "content": '글에서 할 일을 뽑아 JSON 배열로만 답하세요. 형식: '
             '[{"task": "할 일", "due": "기한 또는 null"}]'},
            {"role": "user", "content": "금요일까지 회의록을 정리하고, 견적서를 보내 주세요."},
        ],
        max_tokens=96,
        temperature=0,
    )  # fmt: skip
    assert (todo.choices[0].message.content or "").lstrip().startswith('[{"task"')
