"""MCP both ways with the official SDK: our stand-in MCP server's tools used as skills (over
stdio and streamable HTTP, directly and through the assistant), and Haneul's own skills and
document search served over MCP (HTTP on a running server, stdio by `haneul mcp serve`) to
the SDK's client."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import httpx2
import mcp_types as types
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from haneul.errors import UpstreamError
from haneul.skills import SkillArgumentError, SkillContext
from haneul.skills.mcp import McpServerConfig, load_tools
from tests.conftest import HANEUL, RunningServer, free_port, haneul_env

ROOT = Path(__file__).parents[2]
STUB = [sys.executable, "-m", "tests.skills.mcp_stub"]


@pytest.fixture(scope="module")
def stub_url() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [*STUB, "http", str(port)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}/mcp"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.2)
    yield url
    process.terminate()
    process.wait(timeout=10)


def _configs(url: str) -> list[McpServerConfig]:
    return [
        McpServerConfig("cafeteria", command=STUB[0], args=[*STUB[1:], "stdio"]),
        McpServerConfig("cafeteria", url=url),
    ]


@pytest.mark.parametrize("transport", ["stdio", "http"])
def test_an_mcp_servers_tools_are_skills(stub_url: str, transport: str) -> None:
    config = _configs(stub_url)[transport == "http"]

    async def run() -> None:
        skills = {s.spec.name: s for s in await load_tools(config)}
        assert set(skills) == {"cafeteria__menu", "cafeteria__broken", "cafeteria__reserve_table"}
        menu = skills["cafeteria__menu"]
        assert menu.spec.parameters["required"] == ["day"]
        assert not menu.spec.side_effects
        assert skills["cafeteria__reserve_table"].spec.side_effects  # destructive_hint
        assert menu.parse("화요일 점심 뭐 나와?") == {"day": "화요일 점심 뭐 나와?"}
        result = await menu.run({"day": "화요일"}, SkillContext())
        assert result.content == "화요일 점심: 된장찌개, 제육볶음, 시금치나물"
        with pytest.raises(SkillArgumentError, match="식당 서버 고장: 정전"):
            await skills["cafeteria__broken"].run({"reason": "정전"}, SkillContext())

    asyncio.run(run())


def test_a_dead_mcp_server_is_an_upstream_error() -> None:
    gone = McpServerConfig("gone", url=f"http://127.0.0.1:{free_port()}/mcp", timeout_s=3)
    with pytest.raises(UpstreamError, match="gone"):
        asyncio.run(load_tools(gone))
    missing = McpServerConfig("missing", command="/nonexistent/mcp-server", timeout_s=3)
    with pytest.raises(UpstreamError, match="missing"):
        asyncio.run(load_tools(missing))


def test_the_assistant_routes_to_an_mcp_tool(
    server_factory: Callable[..., RunningServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    servers = tmp_path / "mcp.json"
    examples = {"menu": ["오늘 구내식당 메뉴 뭐야?", "점심 메뉴 알려줘", "식당 메뉴 뭐 나와?"]}
    spec = {"command": STUB[0], "args": [*STUB[1:], "stdio"], "examples": examples}
    dead = {"url": f"http://127.0.0.1:{free_port()}/mcp", "timeout_s": 2}
    servers.write_text(json.dumps({"mcpServers": {"cafeteria": spec, "dead": dead}}), "utf-8")
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    srv = server_factory(mcp_servers=str(servers))  # the dead server is left out, logged
    with srv.http() as http:
        listed = {s["name"]: s for s in http.get("/skills").json()["data"]}
        assert listed["cafeteria__reserve_table"]["side_effects"] is True
        assert not [name for name in listed if name.startswith("dead__")]
        cid = http.post("/conversations", json={}).json()["id"]
        reply = http.post(
            f"/conversations/{cid}/messages", json={"content": "화요일 구내식당 점심 메뉴 알려줘"}
        ).json()
        [call] = reply["skill_calls"]
        assert call["name"] == "cafeteria__menu"
        assert call["content"] == "화요일 점심: 된장찌개, 제육볶음, 시금치나물"
    assert "MCP server dead left out" in srv.log.read_text(encoding="utf-8")


def _text(result: Any) -> str:
    assert isinstance(result, types.CallToolResult)
    return "\n".join(c.text for c in result.content if isinstance(c, types.TextContent))


async def _over_http(url: str, key: str | None, calls: list[tuple[str, dict[str, Any]]]) -> Any:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=60) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        tools = {t.name: t for t in (await client.list_tools()).tools}
        results = [await client.call_tool(name, args) for name, args in calls]
        return tools, results


def test_haneul_serves_its_skills_and_search_over_mcp_http(
    server_factory: Callable[..., RunningServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.setenv("BOOKINGS_FILE", str(tmp_path / "bookings.tsv"))
    srv = server_factory(require_keys="true", plugins="tests.assistant.booking_plugin")
    key, other = srv.create_key("인사팀"), srv.create_key("영업팀")
    with srv.http(key) as http:
        http.post("/collections", json={"name": "인사규정"})
        rules = "재택근무 규정: 직원은 주 2회까지 재택근무를 할 수 있다."
        http.post(
            "/collections/인사규정/documents", files=[("files", ("재택.txt", rules.encode()))]
        )
    search = ("search_documents", {"query": "재택근무는 주 몇 회?"})
    calls = [
        ("math", {"expression": "2x-y+2=0", "point": [2, 5]}),
        search,
        ("book_meeting_room", {"room": "대회의실", "when": "내일"}),
        ("book_meeting_room", {"room": "대회의실", "when": "내일", "confirm": True}),
        ("math", {"expresion": "1+1"}),
    ]
    tools, results = asyncio.run(_over_http(srv.url + "/mcp", key, calls))
    assert {"math", "korean_calendar", "convert_units", "search_documents"} <= set(tools)
    assert "confirm" in tools["book_meeting_room"].input_schema["required"]
    assert tools["book_meeting_room"].annotations.destructive_hint is True
    math, found, unconfirmed, confirmed, bad = results
    assert "0.447" in _text(math) and not math.is_error
    assert "재택.txt" in _text(found) and "주 2회" in _text(found)
    assert unconfirmed.is_error and "confirm=true" in _text(unconfirmed)
    assert not confirmed.is_error and "예약했습니다" in _text(confirmed)
    assert (tmp_path / "bookings.tsv").read_text(encoding="utf-8") == "대회의실\t내일\n"
    assert bad.is_error and _text(bad) == "math: expression: Field required"

    _, [theirs] = asyncio.run(_over_http(srv.url + "/mcp", other, [search]))
    assert "재택.txt" not in _text(theirs)  # another key's search sees none of it
    refused = httpx.post(srv.url + "/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
    assert refused.status_code == 401 and refused.json()["error"]["message"]


def test_haneul_serves_its_skills_over_mcp_stdio(tmp_path: Path) -> None:
    params = StdioServerParameters(
        command=HANEUL, args=["mcp", "serve"], env=haneul_env(tmp_path / "home")
    )

    async def run() -> tuple[set[str], str]:
        async with Client(params, read_timeout_seconds=120) as client:
            names = {t.name for t in (await client.list_tools()).tools}
            args = {"value": 30, "from_unit": "평", "to_unit": "제곱미터"}
            return names, _text(await client.call_tool("convert_units", args))

    names, converted = asyncio.run(run())
    assert {"math", "search_documents", "convert_units"} <= names
    assert "99.17" in converted
