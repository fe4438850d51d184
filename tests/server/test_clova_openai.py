"""CLOVA Studio's OpenAI-compatible path (`/v1/openai/...`) and its model names.

In process on the echo models: aliases, error shapes, CLOVA's extras and `dimensions`, and
langchain-naver's clients through the ASGI transport. Against a real server on the bundled
models: `ChatClovaX` and `ClovaXEmbeddings` unchanged (only base URL and key set)."""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

import httpx
import pytest
from langchain_core.messages import HumanMessage
from langchain_naver import ChatClovaX, ClovaXEmbeddings
from pydantic import BaseModel

from haneul.config import Settings
from haneul.engine.catalog import Catalog, ModelEntry
from tests.conftest import AppClient, RunningServer, add_echo_models, in_process_app

USER = [{"role": "user", "content": "하늘이 파랗다"}]
HOST = ["haneul.test"]  # the in-process tier's host name, past the Host allow-list


def _home(tmp_path: Path) -> Path:
    home = tmp_path / "clova"
    home.mkdir()
    add_echo_models(home)
    Catalog(Settings(home=home)).add(
        ModelEntry(name="echo-embed", kind="echo", task="embedding", source="test")
    )
    return home


@pytest.fixture
def app(tmp_path: Path) -> Iterator[AppClient]:
    """Echo chat as the default model, echo-embed (3 dimensions) as the embedding model."""
    with in_process_app(
        _home(tmp_path), embedding_model="echo-embed", allowed_hosts=HOST
    ) as running:
        yield running


# -- aliases -------------------------------------------------------------------------------


def test_clova_names_reach_the_default_models(app: AppClient) -> None:
    for path in ("/v1/openai/chat/completions", "/v1/chat/completions"):
        res = app.post(path, json={"model": "HCX-005", "messages": USER})
        assert res.status_code == 200, res.text
        assert res.json()["choices"][0]["message"]["content"] == "하늘이 파랗다"
        assert res.json()["model"] == "echo"
    res = app.post("/v1/openai/embeddings", json={"model": "clir-emb-dolphin", "input": "서울"})
    assert res.status_code == 200, res.text
    assert res.json()["model"] == "echo-embed"


def test_models_lists_the_aliases_on_both_paths(app: AppClient) -> None:
    for path in ("/v1/models", "/v1/openai/models"):
        cards = {c["id"]: c for c in app.get(path).json()["data"]}
        for name in ("HCX-005", "HCX-007", "HCX-DASH-002", "HCX-003"):
            assert cards[name]["alias_of"] == "echo" and cards[name]["task"] == "chat"
        assert cards["clir-emb-dolphin"]["alias_of"] == "echo-embed"
        assert cards["bge-m3"]["task"] == "embedding"
        assert "alias_of" not in cards["echo"]
    one = app.get("/v1/openai/models/HCX-007").json()
    assert one["id"] == "HCX-007" and one["alias_of"] == "echo"


def test_the_alias_setting_maps_and_removes(app_factory: Callable[..., AppClient]) -> None:
    app = app_factory(model_aliases="HCX-005=echo-slow, HCX-003=, 상담봇=echo", allowed_hosts=HOST)
    res = app.post("/v1/openai/chat/completions", json={"model": "HCX-005", "messages": USER})
    assert res.json()["model"] == "echo-slow"
    named = app.post("chat/completions", json={"model": "상담봇", "messages": USER})
    assert named.status_code == 200
    gone = app.post("/v1/openai/chat/completions", json={"model": "HCX-003", "messages": USER})
    assert gone.status_code == 404
    ids = {c["id"] for c in app.get("models").json()["data"]}
    assert {"HCX-005", "상담봇"} <= ids and "HCX-003" not in ids


def test_a_bad_alias_setting_is_refused_at_start(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="NAME=TARGET"):
        Settings(home=tmp_path, model_aliases="HCX-005")


def test_an_unmapped_clova_name_gets_clova_codes_and_names_the_setting(app: AppClient) -> None:
    body = {"model": "HCX-999", "messages": USER}
    openai_path = app.post("/v1/openai/chat/completions", json=body)
    assert openai_path.status_code == 404
    error = openai_path.json()["error"]
    assert error["code"] == "40080" and error["param"] == "model"
    assert "HANEUL_MODEL_ALIASES" in error["message"]
    plain = app.post("/v1/chat/completions", json=body).json()["error"]
    assert plain["code"] == "model_not_found" and "HANEUL_MODEL_ALIASES" in plain["message"]
    native = app.post("/v3/chat-completions/HCX-999", json={"messages": USER})
    assert native.status_code == 404
    assert native.json()["status"]["code"] == "40080"
    assert "HANEUL_MODEL_ALIASES" in native.json()["status"]["message"]
    emb = app.post("/v1/openai/embeddings", json={"model": "clir-emb-x", "input": "서울"})
    assert emb.json()["error"]["code"] == "40080"


def test_other_errors_on_clova_path_carry_clova_codes(app: AppClient) -> None:
    res = app.post("/v1/openai/chat/completions", json={"model": "HCX-005", "messages": []})
    assert res.status_code == 400
    assert res.json()["error"]["code"] == "40001"
    assert app.post("/v1/openai/completions", json={"prompt": "하늘"}).status_code == 404


# -- CLOVA's extras -------------------------------------------------------------------------


def test_repeat_penalty_and_reasoning_are_accepted(app: AppClient) -> None:
    body = {"model": "HCX-005", "messages": USER, "repeat_penalty": 5.0, "top_k": 3}
    res = app.post("/v1/openai/chat/completions", json=body)
    assert res.status_code == 200, res.text
    assert "x-haneul-unsupported" not in res.headers
    for extra in ({"reasoning_effort": "high"}, {"thinking": {"effort": "low"}}):
        res = app.post("/v1/openai/chat/completions", json={**body, **extra})
        assert res.status_code == 200, res.text
        assert res.json()["choices"][0]["message"]["content"] == "하늘이 파랗다"
        assert "no reasoning mode" in res.headers["x-haneul-unsupported"]
    streamed = app.post(
        "/v1/openai/chat/completions", json={**body, "reasoning_effort": "medium", "stream": True}
    )
    assert "reasoning_effort=medium" in streamed.headers["x-haneul-unsupported"]
    none = app.post("/v1/openai/chat/completions", json={**body, "reasoning_effort": "none"})
    assert "x-haneul-unsupported" not in none.headers
    bad = app.post("/v1/openai/chat/completions", json={**body, "repeat_penalty": 11})
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "repeat_penalty"


def _embed(app: AppClient, path: str, dimensions: int) -> httpx.Response:
    body = {"model": "echo-embed", "input": ["서울", "부산항"], "dimensions": dimensions}
    return app.post(path, json=body)


def test_dimensions_truncate_below_and_pad_above_on_clova_path(app: AppClient) -> None:
    native = _embed(app, "/v1/openai/embeddings", 3).json()["data"]
    padded = _embed(app, "/v1/openai/embeddings", 1024).json()["data"]
    for small, big in zip(native, padded, strict=True):
        assert len(big["embedding"]) == 1024
        assert big["embedding"][:3] == small["embedding"]
        assert not any(big["embedding"][3:])
    for path in ("/v1/openai/embeddings", "/v1/embeddings"):
        cut = _embed(app, path, 2).json()["data"]
        for item, whole in zip(cut, native, strict=True):
            vector = item["embedding"]
            assert len(vector) == 2
            assert math.isclose(math.hypot(*vector), 1.0, rel_tol=1e-6)
            ratio = whole["embedding"][0] / whole["embedding"][1]
            assert math.isclose(vector[0] / vector[1], ratio, rel_tol=1e-6)
    over = _embed(app, "/v1/embeddings", 1024)
    assert over.status_code == 400 and over.json()["error"]["param"] == "dimensions"


# -- langchain-naver through the ASGI transport (echo) --------------------------------------


def _chat_clovax(app: AppClient, **kw: Any) -> ChatClovaX:
    transport = httpx.ASGITransport(app=app.app, client=("127.0.0.1", 50000))
    client = httpx.AsyncClient(transport=transport, base_url="http://haneul.test")
    return ChatClovaX(
        base_url="http://haneul.test/v1/openai", api_key="none", http_async_client=client, **kw
    )


def test_chatclovax_request_shape_is_accepted(app: AppClient) -> None:
    model = _chat_clovax(app, repeat_penalty=4.0, top_k=5, thinking={"effort": "none"})
    reply = app.portal.call(model.ainvoke, [HumanMessage("한국의 수도는 서울이다")])
    assert reply.content == "한국의 수도는 서울이다"


def test_chatclovax_bind_tools_round_trip(app: AppClient) -> None:
    def get_weather(city: str) -> str:
        """도시의 날씨를 알려 준다."""
        return f"{city}: 맑음"

    model = _chat_clovax(app).bind_tools([get_weather])
    message = '/call get_weather {"city": "서울"}'
    reply = app.portal.call(model.ainvoke, [HumanMessage(message)])
    assert reply.tool_calls[0]["name"] == "get_weather"
    assert reply.tool_calls[0]["args"] == {"city": "서울"}


class City(BaseModel):
    name: str
    country: str


def test_chatclovax_structured_output_as_a_tool_call(app: AppClient) -> None:
    model = _chat_clovax(app).with_structured_output(City, method="function_calling")
    message = '/call City {"name": "서울", "country": "한국"}'
    assert app.portal.call(model.ainvoke, [HumanMessage(message)]) == City(
        name="서울", country="한국"
    )


class Capital(BaseModel):
    capital: Literal["서울", "부산", "대구"]


# -- a real server, the bundled models, the clients unchanged -------------------------------


def test_chatclovax_invoke_and_stream_korean(server: RunningServer) -> None:
    model = ChatClovaX(base_url=server.url + "/v1/openai", api_key="none", max_tokens=24)
    reply = model.invoke("서울에 대해 한 문장으로 말해 줘.")
    assert isinstance(reply.content, str) and reply.content.strip()
    assert reply.response_metadata["model_name"] == "haneul-mini-ko"
    parts = [chunk.content for chunk in model.stream("부산은 어떤 도시야?")]
    text = "".join(str(p) for p in parts)
    assert len([p for p in parts if p]) > 1 and text.strip()
    assert "\ufffd" not in text
    assert any("\uac00" <= ch <= "\ud7a3" for ch in text)


def test_clovaxembeddings_documents_and_query(server: RunningServer) -> None:
    embeddings = ClovaXEmbeddings(base_url=server.url + "/v1/openai", api_key="none")
    docs = embeddings.embed_documents(["서울은 한국의 수도이다.", "김치는 발효 음식이다."])
    query = embeddings.embed_query("한국의 수도는 어디인가?")
    assert len(query) == 1024 and all(len(d) == 1024 for d in docs)  # 384 from e5, zero-padded
    assert not any(query[384:])
    scores = [sum(a * b for a, b in zip(query, d, strict=True)) for d in docs]
    assert scores[0] > scores[1]
    async_query = asyncio.run(embeddings.aembed_query("한국의 수도는 어디인가?"))
    assert json.dumps(async_query[:384]) == json.dumps(query[:384])


def test_chatclovax_structured_output_and_tools_on_the_real_model(server: RunningServer) -> None:
    """`with_structured_output` (ChatClovaX's default: a named tool call), decoded under the
    tool's schema by llama.cpp's grammar: the answer is a valid `Capital`."""
    # room for the JSON wrapper (the grammar allows whitespace); a cut-off reply is no call
    model = ChatClovaX(
        base_url=server.url + "/v1/openai", api_key="none", max_tokens=160, temperature=0
    )
    out = model.with_structured_output(Capital).invoke("한국의 수도는?")
    assert isinstance(out, Capital) and out.capital in ("서울", "부산", "대구")
