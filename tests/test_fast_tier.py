"""The in-process tier's own fixtures: the app is the one `haneul serve` runs (same routes,
same error shape, same lifespan), driven without a port."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

from haneul.config import Settings
from tests.conftest import AppClient, asgi_client, in_process_settings

USER = [{"role": "user", "content": "하늘이 파랗다"}]


def test_chat_whole_and_streamed_on_the_echo_model(app_client: AppClient) -> None:
    whole = app_client.post("chat/completions", json={"model": "echo", "messages": USER})
    assert whole.status_code == 200, whole.text
    assert whole.json()["choices"][0]["message"]["content"] == "하늘이 파랗다"
    streamed = app_client.post(
        "chat/completions", json={"model": "echo", "messages": USER, "stream": True}
    )
    assert streamed.headers["content-type"].startswith("text/event-stream")
    lines = [x.removeprefix("data: ") for x in streamed.text.splitlines() if x.startswith("data: ")]
    assert lines[-1] == "[DONE]"
    deltas = [json.loads(x)["choices"] for x in lines[:-1]]
    text = "".join(c[0]["delta"].get("content") or "" for c in deltas if c)
    assert text == "하늘이 파랗다"  # one Hangul syllable per chunk, none split


def test_the_lifespan_ran(app_client: AppClient) -> None:
    """The default model is loaded at startup, as in `haneul serve`."""
    assert app_client.get("/health").json()["models_loaded"] == ["echo"]


def test_settings_reach_the_app(app_factory: Callable[..., AppClient]) -> None:
    keyed = app_factory(require_keys=True)
    res = keyed.post("chat/completions", json={"model": "echo", "messages": USER})
    assert res.status_code == 401
    assert res.json()["error"]["code"] == "invalid_api_key"


def test_a_plugin_named_in_settings_is_there_for_that_app_only(
    app_factory: Callable[..., AppClient],
) -> None:
    with_plugin = app_factory(plugins="tests.assistant.booking_plugin")
    names = {s["name"] for s in with_plugin.get("skills").json()["data"]}
    assert "book_meeting_room" in names and "math" in names
    with_plugin.close()
    without = app_factory()
    assert "book_meeting_room" not in {s["name"] for s in without.get("skills").json()["data"]}


async def _async_chat(settings: Settings) -> str:
    async with asgi_client(settings) as client:
        res = await client.post("/v1/chat/completions", json={"model": "echo", "messages": USER})
        content: str = res.json()["choices"][0]["message"]["content"]
        return content


def test_asgi_client_for_async_code(tmp_path: Path) -> None:
    assert asyncio.run(_async_chat(in_process_settings(tmp_path))) == "하늘이 파랗다"
