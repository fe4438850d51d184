"""The upstream backend: a second Haneul on loopback forwards to the first."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import openai
import pytest

from haneul.config import Settings
from haneul.engine.catalog import Catalog, ModelEntry
from tests.conftest import RunningServer, add_echo_models, free_port


def _upstream(name: str, base_url: str, remote: str, task: str = "chat") -> ModelEntry:
    return ModelEntry(
        name=name,
        kind="upstream",
        task=task,
        source="upstream",
        options={"base_url": base_url, "remote_model": remote, "ctx_size": 1024},
    )


@pytest.fixture
def front(
    tmp_path: Path, server: RunningServer, server_factory: Callable[..., RunningServer]
) -> RunningServer:
    home = tmp_path / "front"
    add_echo_models(home)
    catalog = Catalog(Settings(home=home))
    catalog.add(_upstream("remote-chat", server.api, "smollm2-135m-instruct"))
    catalog.add(_upstream("remote-e5", server.api, "multilingual-e5-small", "embedding"))
    catalog.add(_upstream("remote-missing", server.api, "없는-모델"))
    catalog.add(_upstream("remote-down", f"http://127.0.0.1:{free_port()}/v1", "x"))
    return server_factory(home=home)


def test_chat_through_upstream(front: RunningServer) -> None:
    client = front.client()
    reply = client.chat.completions.create(
        model="remote-chat",
        messages=[{"role": "user", "content": "안녕하세요"}],
        max_tokens=8,
        temperature=0,
    )
    assert reply.model == "remote-chat"
    assert reply.choices[0].message.content
    chunks = list(
        client.chat.completions.create(
            model="remote-chat",
            messages=[{"role": "user", "content": "안녕하세요"}],
            max_tokens=8,
            temperature=0,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert streamed == reply.choices[0].message.content
    assert chunks[-1].usage is not None


def test_embeddings_through_upstream(front: RunningServer) -> None:
    result = front.client().embeddings.create(model="remote-e5", input=["서울", "부산"])
    assert len(result.data) == 2 and len(result.data[0].embedding) == 384


def test_upstream_errors_are_mapped(front: RunningServer) -> None:
    with pytest.raises(openai.NotFoundError):
        front.client().chat.completions.create(
            model="remote-missing", messages=[{"role": "user", "content": "x"}]
        )
    res = httpx.post(
        front.api + "/chat/completions",
        json={"model": "remote-down", "messages": [{"role": "user", "content": "x"}]},
    )
    assert res.status_code == 502
    assert res.json()["error"]["code"] == "upstream_error"
    assert httpx.get(front.url + "/health").status_code == 200
