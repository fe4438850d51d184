"""NAVER's `ChatClovaX` (langchain-naver 0.1.1, unchanged: only base URL and key set) with
tools: `bind_tools` invoked and streamed, and `with_structured_output` by its default method
and by JSON schema. ChatClovaX calls CLOVA's OpenAI-compatible path (`/v1/openai`), the same
serving path as v3's `tools`. In process, on the echo model, whose `/call NAME {json}`
answers with a tool call."""

from __future__ import annotations

from collections.abc import Iterator
from functools import reduce
from pathlib import Path
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessageChunk, HumanMessage
from langchain_naver import ChatClovaX
from pydantic import BaseModel

from tests.conftest import AppClient, in_process_settings

HOST = ["haneul.test"]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppClient]:
    home: Path = tmp_path_factory.mktemp("clova-langchain")
    running = AppClient(in_process_settings(home, allowed_hosts=HOST))
    yield running
    running.close()


def _chat_clovax(app: AppClient, **kw: Any) -> ChatClovaX:
    transport = httpx.ASGITransport(app=app.app, client=("127.0.0.1", 50000))
    client = httpx.AsyncClient(transport=transport, base_url="http://haneul.test")
    return ChatClovaX(
        base_url="http://haneul.test/v1/openai", api_key="nv-test", http_async_client=client, **kw
    )


def get_weather(location: str, unit: str = "celsius") -> str:
    """특정 지역의 날씨를 알려 준다."""
    return f"{location}: 맑음"


class Weather(BaseModel):
    """도시의 날씨."""

    city: str
    condition: str


def test_bind_tools_invoke_and_stream(app: AppClient) -> None:
    model = _chat_clovax(app).bind_tools([get_weather])
    ask = [HumanMessage('/call get_weather {"location": "부산", "unit": "celsius"}')]
    whole = app.portal.call(model.ainvoke, ask)
    assert whole.tool_calls[0]["name"] == "get_weather"
    assert whole.tool_calls[0]["args"] == {"location": "부산", "unit": "celsius"}

    async def streamed() -> list[AIMessageChunk]:
        return [chunk async for chunk in model.astream(ask)]

    chunks = app.portal.call(streamed)
    assert any(c.tool_call_chunks for c in chunks)
    gathered = reduce(lambda a, b: a + b, chunks)
    assert gathered.tool_calls[0]["name"] == "get_weather"
    assert gathered.tool_calls[0]["args"] == whole.tool_calls[0]["args"]


def test_with_structured_output_by_default_and_by_json_schema(app: AppClient) -> None:
    by_tool = _chat_clovax(app).with_structured_output(Weather)
    call = '/call Weather {"city": "대구", "condition": "흐림"}'
    assert app.portal.call(by_tool.ainvoke, [HumanMessage(call)]) == Weather(
        city="대구", condition="흐림"
    )
    # json_schema: response_format reaches the engine; the echo model answers the user's JSON
    by_schema = _chat_clovax(app).with_structured_output(Weather, method="json_schema")
    answer = '{"city": "광주", "condition": "비"}'
    assert app.portal.call(by_schema.ainvoke, [HumanMessage(answer)]) == Weather(
        city="광주", condition="비"
    )
