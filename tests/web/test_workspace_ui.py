"""The workspace page in headless Chromium against a real server, in Korean, with screenshots:
오늘 할 일 with an overdue item, the five actions, and the 할 일 생성 review flow (nothing is
saved until 저장), then «무엇이든 물어보세요» opening the chat with the question."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from playwright.sync_api import Browser, expect

from tests.conftest import RunningServer
from tests.web.conftest import screenshot

MEETING = (
    "전략 회의록\n"
    "- 다음 주 수요일까지 A 모델 출시 일정 공유\n"
    "- 개인 정보 보호 교육 수강 (이번 달 말까지)\n"
    "3분기 실적 리뷰는 지난주에 완료했습니다.\n"
    "긴급: 내일 고객사 견적서 제출 부탁드립니다."
)


def test_workspace_and_review_flow(
    server_factory: Callable[..., RunningServer], browser: Browser
) -> None:
    srv = server_factory()
    api = httpx.Client(base_url=srv.api, timeout=60)
    made = api.post(
        "/todos",
        json={
            "title": "전기차 사업 전략 수립",
            "due": "2020-01-31",
            "priority": "high",
            "subtasks": ["시장 동향 조사", "경쟁사 분석"],
        },
    )
    assert made.status_code == 201
    page = browser.new_page(locale="ko-KR", viewport={"width": 1280, "height": 900})
    page.goto(srv.url + "/workspace")
    page.wait_for_selector("body[data-ready=true]")
    for action in ("할 일 생성", "문서 검색", "보고서 작성", "메일 답장", "코드 작성"):
        expect(page.locator(".actions")).to_contain_text(action)
    today = page.locator("#today")
    expect(today).to_contain_text("전기차 사업 전략 수립")
    expect(today.locator(".subtasks")).to_contain_text("경쟁사 분석")
    expect(today.locator("li.overdue").first).to_contain_text("지남")
    screenshot(page, "workspace-today")

    page.click("#action-todo")
    page.fill("#extract-text", MEETING)
    page.click("#extract")
    rows = page.locator("#candidates tr")
    expect(rows).to_have_count(3)
    expect(page.locator("#review-note")).to_contain_text("아직 저장되지 않았습니다")
    screenshot(page, "workspace-review")
    assert len(api.get("/todos").json()["data"]) == 1  # the proposal saved nothing

    rows.nth(2).locator("input[type=checkbox]").uncheck()
    rows.nth(0).locator("input").nth(1).fill("A 모델 출시 일정 팀에 공유")
    page.click("#accept")
    expect(page.locator("#message")).to_have_text("할 일 2개를 저장했습니다.")
    titles = sorted(t["title"] for t in api.get("/todos").json()["data"])
    assert "A 모델 출시 일정 팀에 공유" in titles and len(titles) == 3
    screenshot(page, "workspace-accepted")

    page.fill("#ask-input", "3분기 실적 요약해줘")
    page.press("#ask-input", "Enter")
    page.wait_for_selector("body[data-ready=true]")
    expect(page.locator("#input")).to_have_value("3분기 실적 요약해줘")
    page.close()
