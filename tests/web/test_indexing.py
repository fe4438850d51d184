"""The documents panel's indexing line: chunks searchable lexically, those with vectors, and
the embedding queue of the chosen collection, followed until the queue is empty."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import RunningServer

pytestmark = pytest.mark.timeout(900)
TEXT = "국내 출장비는 하루 5만 원이다. 해외 출장은 부서장의 승인을 받는다."


def test_the_documents_panel_shows_the_collections_embedding_queue(
    web: tuple[RunningServer, Page],
) -> None:
    _, page = web
    page.click("#tab-docs")
    page.fill("#new-collection", "인사규정")
    page.click("#create-collection")
    expect(page.locator("#collection")).to_have_value("인사규정")
    page.set_input_files(
        "#upload",
        files=[
            {
                "name": "출장규정.txt",
                "mimeType": "text/plain",
                "buffer": TEXT.encode(),
            }
        ],
    )
    expect(page.locator("#upload-status")).to_contain_text("색인 완료", timeout=300_000)
    line = page.locator("#indexing")
    expect(line).to_have_text("검색 준비: 조각 1개 · 벡터 완료", timeout=120_000)
    # the line's words come from the queue's numbers
    text = page.evaluate(
        "async () => (await import('/static/indexing.js'))"
        ".indexingText({lexical: 12, embedded: 5, pending: 7})"
    )
    assert text == "검색 준비: 조각 12개 · 벡터 5/12 · 대기 7"
