"""The conversation list: date groups, pins kept over a reload, search over titles and
messages with Korean morphemes, and exporting the open conversation as Markdown and JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import RunningServer
from tests.web.conftest import Opened, screenshot
from tests.web.test_a11y import AXE, RUN

NOW = 1_800_000_000  # seconds; the groups are computed in the page's local time
GROUPED = """([now]) => import('/static/convtools.js').then((m) => m.groups([
  {id: 'a', updated_at: now}, {id: 'b', updated_at: now - 86400},
  {id: 'c', updated_at: now - 3 * 86400}, {id: 'd', updated_at: now - 20 * 86400},
  {id: 'e', updated_at: now - 90 * 86400}], now).map(([label, items]) =>
  [label, items.map((c) => c.id)]))"""


@pytest.mark.timeout(900)  # the first turn builds the skill router (minutes on a busy machine)
def test_groups_pins_search_and_export(
    server_factory: Callable[..., RunningServer], open_ui: Callable[..., Opened], tmp_path: Path
) -> None:
    srv = server_factory()
    with srv.http() as http:
        leave = http.post("/conversations", json={"title": "회사 생활"}).json()["id"]
        sent = http.post(
            f"/conversations/{leave}/messages", json={"content": "연차 휴가는 며칠인가요"}
        )
        assert sent.is_success, sent.text
        http.post("/conversations", json={"title": "저녁 메뉴"})
    ui = open_ui(srv)
    page = ui.page
    grouped = page.evaluate(GROUPED, [NOW])
    assert [label for label, _ in grouped] == ["오늘", "어제", "지난 7일", "지난 30일", "이전"]
    expect(page.locator("#conversations li.group-label")).to_have_text(["오늘"])
    # search: a word in a message, with another particle, finds its conversation
    page.fill("#search", "휴가를")
    rows = page.locator("#conversations li.conversation")
    expect(rows).to_have_count(1, timeout=60_000)  # the server's first search loads Kiwi
    expect(rows.locator(".open")).to_contain_text("회사 생활")
    expect(rows.locator(".match")).to_have_text("연차 휴가는 며칠인가요")
    screenshot(page, "conversation-search")
    page.fill("#search", "")
    expect(rows).to_have_count(2)
    # pin: its own group first, kept over a reload
    rows.filter(has_text="저녁 메뉴").locator(".pin").click()
    expect(page.locator("#conversations li.group-label")).to_have_text(["고정됨", "오늘"])
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    first = page.locator("#conversations li.conversation").first
    expect(first).to_contain_text("저녁 메뉴")
    expect(first.locator(".pin")).to_have_attribute("aria-pressed", "true")
    # export the open conversation
    rows.filter(has_text="회사 생활").locator(".open").click()
    expect(page.locator(".msg.user")).to_have_count(1)
    with page.expect_download() as md:
        page.click(".conv-tools .export-md")
    md.value.save_as(tmp_path / "c.md")
    text = (tmp_path / "c.md").read_text("utf-8")
    assert text.startswith("# 회사 생활") and "**나**: 연차 휴가는 며칠인가요" in text
    with page.expect_download() as js:
        page.click(".conv-tools .export-json")
    js.value.save_as(tmp_path / "c.json")
    data = json.loads((tmp_path / "c.json").read_text("utf-8"))
    assert data["id"] == leave and [m["role"] for m in data["messages"]] == ["user", "assistant"]
    # the list with groups, a pin and the export row passes axe as well
    page.evaluate(AXE.read_text(encoding="utf-8"))
    violations = page.evaluate(RUN)
    assert [v for v in violations if v["impact"] in ("serious", "critical")] == []
    assert ui.errors == []
