"""The 보고서 작성 page in headless Chromium on a real server: a template's outline proposed,
edited (renamed, removed, added, moved), written with live progress, shown with its summary
table and sources, and downloadable as HWPX; screenshots kept."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Browser, expect

from tests.conftest import RunningServer
from tests.web.conftest import ARTIFACTS

NOTE = (
    "주간 회의록: 참석자는 김민수, 박지훈, 이서연. 신규 고객 세 곳과 계약했다.\n\n"
    "결정 사항: 다음 주 금요일까지 부산 전시회 부스 설계를 마친다."
)


def test_report_editor(server_factory: Callable[..., RunningServer], browser: Browser) -> None:
    srv = server_factory()
    http = srv.http()
    assert http.post("/collections", json={"name": "회의자료"}).status_code == 201
    files = [("files", ("회의록.txt", NOTE.encode()))]
    assert http.post("/collections/회의자료/documents", files=files).status_code == 200

    page = browser.new_page(locale="ko-KR", viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(srv.url + "/static/reports.html")
    page.wait_for_selector("body[data-ready=true]")
    page.fill("#topic", "이번 주 회의 결과")
    page.select_option("#collection", "회의자료")
    page.select_option("#template", "회의록")
    page.click("text=개요 제안")

    rows = page.locator("#outline li input")
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_have_value("회의 개요")
    rows.nth(0).fill("회의 개요와 참석자")
    page.locator("#outline li").nth(3).get_by_role("button", name="항목 삭제").click()
    page.click("#add-heading")
    page.locator("#outline li input").nth(3).fill("전시회 준비")
    page.locator("#outline li").nth(3).get_by_role("button", name="위로").click()
    expect(rows).to_have_count(4)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "reports-outline.png"), full_page=True)

    page.click("#generate")
    expect(page.locator("#result")).to_be_visible(timeout=60_000)
    expect(page.locator("#message")).to_have_text("보고서를 작성했습니다.")
    headings = ["회의 개요와 참석자", "논의 내용", "전시회 준비", "결정 사항"]
    expect(page.locator("#sections h3")).to_have_text(headings)
    expect(page.locator("#progress li.done")).to_have_count(4)
    expect(page.locator("#table tbody tr")).to_have_count(4)
    expect(page.locator("#sources li").first).to_contain_text("회의록.txt")
    assert "부산" in page.locator("#sections").inner_text()
    href = page.locator("#hwpx").get_attribute("href")
    assert href is not None and href.endswith("format=hwpx")
    assert http.get(href.removeprefix("/v1")).headers["content-type"] == "application/hwp+zip"
    expect(page.locator("#reports li")).to_have_count(1)
    page.screenshot(path=str(ARTIFACTS / "reports-written.png"), full_page=True)
    assert errors == []
    page.close()
