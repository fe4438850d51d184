"""Issue 18's second pass on a real server (the scripted echo double, the real e5 router,
real skills and document search): a search with no documents, unasked JSON, markup in an
explanation, and the engine's usage in the done event."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from haneul.skills.builtin.documents import NO_DOCUMENTS_KO
from tests.assistant.scripted_plugin import PLUGIN, scripted_home
from tests.conftest import RunningServer

SCRIPT = {
    "명소": '[{"task": "경복궁", "due": null}, {"task": "남산타워"}, {"task": "북촌 한옥마을"}]',
    "직선": "공식에 넣으면 <tex>$\\sqrt{5}/5$</tex>입니다.",
}
RULES = (
    "하늘상사 인사 규정\n\n"
    "제1조 (연차) 1년간 80퍼센트 이상 출근한 직원에게 15일의 연차를 준다.\n\n"
    "제2조 (계약) 근로 계약 기간은 입사일부터 2년으로 한다.\n"
)


@pytest.fixture
def scripted(server_factory: Callable[..., RunningServer], tmp_path: Path) -> RunningServer:
    home = tmp_path / "scripted"
    scripted_home(home, SCRIPT)
    return server_factory(home, plugins=PLUGIN, default_model="scripted")


def _stream(http: httpx.Client, cid: str, content: str, **body: Any) -> list[dict[str, Any]]:
    events = []
    with http.stream(
        "POST", f"/conversations/{cid}/messages", json={"content": content, "stream": True, **body}
    ) as response:
        assert response.status_code == 200, response.read()
        for line in response.iter_lines():
            if line.startswith("data: ") and line != "data: [DONE]":
                events.append(json.loads(line[6:]))
    return events


def _text(events: list[dict[str, Any]]) -> str:
    return "".join(e["content"] for e in events if e["type"] == "delta")


def _skills(events: list[dict[str, Any]]) -> list[str]:
    return [e["name"] for e in events if e["type"] == "skill_call"]


def test_a_search_without_documents_chats_or_says_how_to_upload(scripted: RunningServer) -> None:
    with scripted.http() as http:
        http.timeout = httpx.Timeout(600)  # the first turn builds the router
        cid = http.post("/conversations", json={}).json()["id"]
        only = {"skills": ["search_documents"]}
        events = _stream(http, cid, "계약 기간 찾아줘", **only)
        assert _skills(events) == [] and _text(events) == "계약 기간 찾아줘"  # the echo
        assert events[-1]["message"]["skill_calls"] == []
        events = _stream(http, cid, "문서에서 계약 기간 찾아줘", **only)
        assert _skills(events) == ["search_documents"]
        assert _text(events) == NO_DOCUMENTS_KO == events[-1]["message"]["content"]
        assert "올려 주세요" in NO_DOCUMENTS_KO and events[-1]["citations"] == []
        http.post("/collections", json={"name": "인사"})
        upload = http.post(
            "/collections/인사/documents",
            files=[("files", ("인사규정.txt", RULES.encode()))],
        )
        assert upload.json()["added"] == 1
        events = _stream(http, cid, "계약 기간 찾아줘", **only)  # now the router's pick runs
        assert _skills(events) == ["search_documents"]
        assert events[-1]["citations"][0]["document"] == "인사규정.txt"


def test_unasked_json_is_a_list_and_tex_is_plain(scripted: RunningServer) -> None:
    with scripted.http() as http:
        http.timeout = httpx.Timeout(600)
        cid = http.post("/conversations", json={}).json()["id"]
        events = _stream(http, cid, "서울의 명소 세 곳", skills=[])
        done = events[-1]
        listed = "- 경복궁\n- 남산타워\n- 북촌 한옥마을"
        assert _text(events) == done["message"]["content"] == listed
        assert done["composed"]["explanation"] == "kept"
        events = _stream(http, cid, "점 (2,5)와 직선 2x−y+2=0 사이의 거리는?")
        content = events[-1]["message"]["content"]
        assert _skills(events) == ["math"] and content.startswith("점 (2,5)와 직선")
        assert "√5/5입니다." in content and "<tex>" not in content and "$" not in content
