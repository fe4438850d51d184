"""What was shown under an answer live (the source chips, the memories used, what code
corrected) is shown the same after the page is reloaded and the conversation reopened, and
the Markdown export says it too: a real server with a real document search, whose scripted
echo model writes a wrong product, and a real Chromium."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.assistant.scripted_plugin import PLUGIN, scripted_home
from tests.conftest import RunningServer
from tests.web.conftest import Opened, answered, screenshot

SCRIPT = {"이사": "이사 축하드려요! 참고로 12 × 12 = 154입니다."}
NEWSLETTER = (
    "하늘상사 사보\n\n하늘상사를 세운 사람은 김하늘 대표로, 2001년 서울 마포구에서 회사를 열었다.\n"
)


@pytest.mark.slow
def test_memories_and_corrections_are_shown_again_after_a_reload(
    server_factory: Callable[..., RunningServer],
    open_ui: Callable[..., Opened],
    tmp_path: Path,
) -> None:
    home = scripted_home(tmp_path / "scripted", SCRIPT)
    srv = server_factory(home, plugins=PLUGIN, default_model="scripted")
    with srv.http() as http:
        http.post("/collections", json={"name": "사보"})
        # a copy with another heading, as shared drives hold them: shown once, named as a copy
        copy = "게시판에 다시 올린 글 (복사본)\n\n" + NEWSLETTER.split("\n\n", 1)[1]
        files = [
            ("files", ("사보.txt", NEWSLETTER.encode())),
            ("files", ("사보_게시판.txt", copy.encode())),
        ]
        assert http.post("/collections/사보/documents", files=files).json()["added"] == 2
    ui = open_ui(srv)
    page = ui.page
    # (a bare «저 서울로 이사했어요» is acknowledged without the model: ask something too)
    moved = "저 서울로 이사했어요. 이사 선물로 뭐가 좋을까요?"
    asked = ["하늘상사를 세운 사람은 누구야?", "저는 부산에 살아요", moved]
    for n, text in enumerate(asked, start=1):
        page.fill("#input", text)
        page.press("#input", "Enter")
        answered(page, n)
    answer = page.locator(".msg.assistant").last
    expect(answer.locator(".extras .memories-used")).to_have_text("기억 사용: 사는 곳: 부산")
    note = "코드로 확인해 고친 내용: 12 × 12 = 144"
    expect(answer.locator(".extras .corrections-note")).to_have_text(note)
    live = answer.locator(".extras").inner_text()
    live_body = answer.locator(".body").inner_text()

    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    page.locator("#conversations li.conversation .open").first.click()
    expect(page.locator(".msg.assistant")).to_have_count(3)
    cited = page.locator(".msg.assistant").first
    # the echo repeats its prompt, so its explanation was dropped: said again after reload
    dropped = cited.locator(".composed-note")
    expect(dropped).to_contain_text("검사를 통과하지 못해")
    assert not re.search(r"[A-Za-z]", dropped.inner_text())  # why, in Korean; never `reason`
    chip = cited.locator(".citations .citation")
    expect(chip).to_have_text(["[1] 사보.txt"])  # the document answer's source, as live
    chip.click()
    expect(page.locator("#passage-text")).to_contain_text("김하늘 대표")
    expect(page.locator("#passage-collection")).to_contain_text("같은 내용: 사보_게시판.txt")
    page.keyboard.press("Escape")
    reopened = page.locator(".msg.assistant").last
    expect(reopened.locator(".extras .memories-used")).to_have_text("기억 사용: 사는 곳: 부산")
    expect(reopened.locator(".extras .corrections-note")).to_have_text(note)
    assert reopened.locator(".extras").inner_text() == live
    # said once, as live: the stored text's own note in words is not shown above it
    expect(reopened.locator(".body")).not_to_contain_text("고쳤습니다")
    assert reopened.locator(".body").inner_text() == live_body
    # the answer before used no memory and corrected nothing: no notes under it
    plain = page.locator(".msg.assistant").nth(1)
    expect(plain.locator(".extras")).to_have_count(0)
    screenshot(page, "reload-memories-and-corrections")

    with page.expect_download() as md:
        page.click(".conv-tools .export-md")
    md.value.save_as(tmp_path / "c.md")
    text = (tmp_path / "c.md").read_text("utf-8")
    assert "> 기억 사용: 사는 곳: 부산" in text
    assert "> " + note in text
    assert ui.errors == []
