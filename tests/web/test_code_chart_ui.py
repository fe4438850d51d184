"""코드 작성 in the web UI: a spreadsheet attached from the message box, a chart request,
and the chart shown as an image with Korean labels, downloadable, its code behind a toggle
(screenshot in tests/artifacts/)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import RunningServer
from tests.web.conftest import Opened, answered, screenshot

SALES = "월,매출\n1월,120\n2월,150\n3월,170\n4월,160\n5월,210\n6월,230\n"


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")
@pytest.mark.timeout(900)  # the first turn builds the skill router (minutes on a busy machine)
def test_an_attached_spreadsheet_becomes_a_chart(
    server_factory: Callable[..., RunningServer], open_ui: Callable[..., Opened], tmp_path: Path
) -> None:
    ui = open_ui(server_factory())
    page = ui.page
    sheet = tmp_path / "월별매출.csv"
    sheet.write_text(SALES, encoding="utf-8")
    page.set_input_files("#attach", str(sheet))
    chip = page.locator(".file-chip[data-name='월별매출.csv']")
    expect(chip).to_contain_text("색인 완료", timeout=120_000)
    page.fill("#input", "월별 매출 추이를 그래프로 그려줘")
    page.press("#input", "Enter")
    card = page.locator(".skill-card[data-skill=python]")
    chart = card.locator(".code-chart img")
    expect(chart).to_be_visible(timeout=300_000)
    answered(page)
    assert chart.evaluate("img => img.naturalWidth") > 100
    chart.scroll_into_view_if_needed()
    screenshot(page, "code-chart")
    download = card.locator("a.code-download")
    assert (download.get_attribute("href") or "").startswith("data:image/png;base64,")
    assert download.get_attribute("download") == "chart-1.png"
    source = card.locator("details.code-source")
    expect(source.locator("pre")).to_be_hidden()
    # the echo model writes no code, so the template drew it, and the card says so
    expect(source.locator("summary")).to_have_text("코드 보기 (기본 차트 코드)")
    source.locator("summary").click()
    expect(source.locator("pre")).to_contain_text("/data/월별매출.csv")
