"""The web UI shows what code corrected in an answer (`done.composed.corrections`) under it,
where the memories used are shown: a real turn on a real server whose scripted echo model
writes a wrong product in plain chat."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import expect

from tests.assistant.scripted_plugin import PLUGIN, scripted_home
from tests.conftest import RunningServer
from tests.web.conftest import Opened, answered, screenshot

SCRIPT = {"점심": "비빔밥 어때요? 참고로 12 × 12 = 154입니다."}


def test_the_corrections_of_a_turn_show_under_the_answer(
    server_factory: Callable[..., RunningServer],
    open_ui: Callable[..., Opened],
    tmp_path: Path,
) -> None:
    home = tmp_path / "scripted"
    scripted_home(home, SCRIPT)
    srv = server_factory(home, plugins=PLUGIN, default_model="scripted")
    page = open_ui(srv).page
    page.fill("#input", "점심 메뉴 추천해줘")
    page.press("#input", "Enter")
    answered(page)
    answer = page.locator(".msg.assistant").last
    expect(answer.locator(".body")).not_to_contain_text("154")
    expect(answer.locator(".body")).to_contain_text("12 × 12 = 144입니다.")
    note = answer.locator(".extras .corrections-note")
    expect(note).to_have_text("코드로 확인해 고친 내용: 12 × 12 = 144")
    # said once: the text's own note in words is not shown again above it
    expect(answer.locator(".body")).not_to_contain_text("고쳤습니다")
    screenshot(page, "corrections-under-the-answer")

    # a turn that corrected nothing shows no note
    page.fill("#input", "고마워요")
    page.press("#input", "Enter")
    answered(page, 2)
    expect(page.locator(".msg.assistant").last.locator(".corrections-note")).to_have_count(0)
