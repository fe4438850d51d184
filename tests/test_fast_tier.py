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


def test_the_operator_may_let_a_small_model_answer_open_questions(
    app_factory: Callable[..., AppClient], tmp_path: Path
) -> None:
    """`small_model_chat`: the 270M `scripted-small` answers the open question itself."""
    from tests.assistant.scripted_plugin import PLUGIN, scripted_home

    home = scripted_home(tmp_path / "small", {"노래": "잔잔한 피아노곡도 좋아요."})
    for allowed, expected in ((False, "이 질문에는 답하지 않을게요."), (True, "잔잔한 피아노곡")):
        app = app_factory(home, plugins=PLUGIN, small_model_chat=allowed)
        cid = app.post("conversations", json={}).json()["id"]
        question = "비 오는 날 듣기 좋은 노래 추천해줘"
        body = {"content": question, "skills": [], "model": "scripted-small"}
        reply = app.post(f"conversations/{cid}/messages", json=body)
        assert reply.status_code == 200, reply.text
        assert reply.json()["message"]["content"].startswith(expected)
        # what the web UI reads to mark the role presets: the model card says it too
        cards = {m["id"]: m for m in app.get("models").json()["data"]}
        assert cards["scripted-small"]["open_chat"] is allowed
        assert cards["haneul-mini-ko"]["open_chat"] is allowed
        assert cards["scripted"]["open_chat"] is True  # size unknown: answers as before
        assert "open_chat" not in cards["multilingual-e5-small"]  # not a chat model
        presets = {p["name"]: p["role_play"] for p in app.get("presets").json()["data"]}
        assert presets == {"chat": False, "interview": True, "trip": True}
        app.close()
