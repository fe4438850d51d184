"""할 일 생성 on a real llama.cpp model: the reply is decoded under the JSON schema, so it
parses (method "model"), every candidate has a title, and due dates are ISO days from code."""

from __future__ import annotations

import datetime as dt

from tests.conftest import RunningServer

CHAT = "smollm2-135m-instruct"
MAIL = (
    "제목: 신제품 발표 준비\n"
    "김 대리님, 다음 주 수요일까지 발표 자료 초안을 보내 주세요. "
    "이번 달 말까지 고객 명단도 정리해 주시기 바랍니다."
)


def test_constrained_extraction_parses(server: RunningServer) -> None:
    http = server.http()
    for text in (MAIL, "회의 결과: 3분기 내 신규 채용 계획을 확정한다."):
        response = http.post(
            "/todos/extract", json={"text": text, "model": CHAT, "today": "2026-12-02"}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["method"] == "model" and body["parsed"] is True, body
        assert body["saved"] is False
        for candidate in body["candidates"]:
            assert candidate["title"].strip()
            assert candidate["priority"] in ("high", "normal", "low")
            if candidate["due"] is not None:
                dt.date.fromisoformat(candidate["due"])
    assert http.get("/todos").json()["data"] == []
