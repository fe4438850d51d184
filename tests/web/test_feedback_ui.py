"""Thumbs up with a comment from the web UI, stored per message on the server, and the
liked answers downloaded from the tuning tab as a dataset Studio's reader accepts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from haneul.studio.datasets import parse_csv, parse_jsonl
from tests.conftest import RunningServer
from tests.web.conftest import Opened, answered, screenshot


@pytest.mark.timeout(900)  # the first turn builds the skill router (minutes on a busy machine)
def test_a_liked_answer_with_a_comment_exports_as_a_tuning_dataset(
    server_factory: Callable[..., RunningServer], open_ui: Callable[..., Opened], tmp_path: Path
) -> None:
    srv = server_factory()
    ui = open_ui(srv)
    page = ui.page
    page.fill("#input", "안녕하세요 반갑습니다")
    page.press("#input", "Enter")
    answered(page)
    answer = page.locator(".msg.assistant").first
    answer.locator(".thumb.up").click()
    expect(answer.locator(".thumb.up")).to_have_attribute("aria-pressed", "true")
    answer.locator(".feedback-comment").fill("인사를 잘 받아 줘서 좋아요")
    answer.locator(".feedback-save").click()
    expect(answer.locator(".feedback-done")).to_contain_text("의견을 보냈습니다")
    (stored,) = httpx.get(srv.url + "/v1/feedback").json()["data"]
    assert stored["rating"] == "up" and stored["comment"] == "인사를 잘 받아 줘서 좋아요"
    assert stored["message_id"] == answer.get_attribute("data-message-id")
    screenshot(page, "feedback")
    page.click("#tab-tuning")
    with page.expect_download() as jsonl:
        page.click(".export-jsonl")
    saved = tmp_path / "liked.jsonl"
    jsonl.value.save_as(saved)
    dataset = parse_jsonl(saved.read_bytes())
    assert dataset.problems == [] and len(dataset.examples) == 1
    assert dataset.examples[0].messages[1]["content"] == "안녕하세요 반갑습니다"
    with page.expect_download() as csv:
        page.click(".export-csv")
    csv.value.save_as(tmp_path / "liked.csv")
    assert parse_csv((tmp_path / "liked.csv").read_bytes()).problems == []
    # taking the thumb back removes it on the server
    answer.locator(".thumb.up").click()
    expect(answer.locator(".thumb.up")).to_have_attribute("aria-pressed", "false")
    page.wait_for_function(
        "() => fetch('/v1/feedback').then((r) => r.json()).then((j) => j.data.length === 0)"
    )
    assert ui.errors == []
