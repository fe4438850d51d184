"""A document asked for as a table: the table skill's answer is Markdown, and the skill card
above the answer renders it (or hides it, as the answer says it) instead of printing its
pipes: «**출장비규정.txt** 핵심 내용 | 항목 | 내용 | |---|---| …» read as one bold line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import RunningServer
from tests.web.conftest import Opened, answered, screenshot

RULES = (  # written for this test
    "하늘전자 국내 출장비 지급 기준\n\n"
    "일비: 국내 출장 시 하루 2만 5천 원의 일비를 지급한다.\n"
    "식비: 하루 식비는 3만 원 한도에서 실비로 정산한다.\n"
    "숙박비: 서울과 광역시는 1박에 10만 원까지 실비로 지급한다.\n"
)


@pytest.mark.timeout(900)  # the first turn builds the skill router
def test_a_table_answer_is_a_table_in_the_card_and_the_answer(
    server_factory: Callable[..., RunningServer], open_ui: Callable[..., Opened], tmp_path: Path
) -> None:
    srv = server_factory()
    with srv.http() as http:
        http.post("/collections", json={"name": "규정"})
        files = [("files", ("출장비규정.txt", RULES.encode()))]
        assert http.post("/collections/규정/documents", files=files).json()["added"] == 1
    ui = open_ui(srv)
    page = ui.page
    page.fill("#input", "출장비 지급 기준을 표로 요약해 줘")
    page.press("#input", "Enter")
    answered(page)
    answer = page.locator(".msg.assistant").last
    expect(answer.locator(".body table")).to_contain_text("2만 5천 원")
    # its rows are the rules; the document's title line is no row of its own
    expect(answer.locator(".body table tbody tr")).to_have_count(3)
    card = answer.locator(".skill-card")
    expect(card).to_contain_text("표 만들기")
    # `about` is the request itself, shown right above: not repeated in the card
    expect(card.locator(".arguments")).not_to_contain_text("about")
    expect(card.locator(".arguments")).not_to_contain_text("요청")
    # no Markdown source anywhere the reader looks
    assert "|---" not in answer.inner_text()
    assert "**" not in answer.inner_text()
    screenshot(page, "table-answer")
    assert ui.errors == [] and ui.foreign() == []
