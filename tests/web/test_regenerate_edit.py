"""Regenerate and edit-and-resend replace a turn, on screen and in the stored conversation
(the conversation is cut at that turn on the server), and a reload shows the same."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
import pytest
from playwright.sync_api import expect

from tests.conftest import RunningServer
from tests.web.conftest import Opened, answered, screenshot


def stored(srv: RunningServer, page_url: str) -> list[tuple[str, str]]:
    cid = page_url.split("#/c/")[1]
    messages = httpx.get(f"{srv.url}/v1/conversations/{cid}").json()["messages"]
    return [(m["role"], m["content"]) for m in messages]


@pytest.mark.timeout(900)  # the first turn builds the skill router (minutes on a busy machine)
def test_regenerate_and_edit_replace_the_turn_where_it_is_stored(
    server_factory: Callable[..., RunningServer], open_ui: Callable[..., Opened]
) -> None:
    srv = server_factory()
    ui = open_ui(srv)
    page = ui.page
    for n, text in enumerate(["첫 번째 인사를 드립니다.", "두 번째 인사를 드립니다."]):
        page.fill("#input", text)
        page.press("#input", "Enter")
        answered(page, n + 1)
    assert [r for r, _ in stored(srv, page.url)] == ["user", "assistant"] * 2
    # regenerate the second answer: still two turns, here and on the server
    second = page.locator(".msg.assistant").nth(1)
    old = second.get_attribute("data-message-id")
    assert old
    second.locator(".regenerate").click()
    expect(second).not_to_have_attribute("data-message-id", old, timeout=300_000)
    expect(second).to_have_attribute("data-message-id", re.compile("^msg_"), timeout=300_000)
    expect(page.locator(".msg.user")).to_have_count(2)
    expect(page.locator(".msg.user .body")).to_have_text(
        ["첫 번째 인사를 드립니다.", "두 번째 인사를 드립니다."]
    )
    messages = stored(srv, page.url)
    assert (messages[3][0], len(messages)) == ("assistant", 4)
    assert [c for r, c in messages if r == "user"] == [
        "첫 번째 인사를 드립니다.",
        "두 번째 인사를 드립니다.",
    ]
    # edit the first question: the conversation is cut there and goes on from the new one
    page.locator(".msg.assistant").first.locator(".edit").click()
    expect(page.locator("#input")).to_have_value("첫 번째 인사를 드립니다.")
    expect(page.locator(".msg.user.editing")).to_have_count(1)
    page.keyboard.press("Escape")  # cancel: nothing changes
    expect(page.locator(".msg.user.editing")).to_have_count(0)
    expect(page.locator("#input")).to_have_value("")
    page.locator(".msg.assistant").first.locator(".edit").click()
    page.fill("#input", "고친 첫 번째 인사를 드립니다.")
    page.press("#input", "Enter")
    answered(page, 1)
    expect(page.locator(".msg.user .body")).to_have_text(["고친 첫 번째 인사를 드립니다."])
    assert [c for r, c in stored(srv, page.url) if r == "user"] == ["고친 첫 번째 인사를 드립니다."]
    screenshot(page, "edited")
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    expect(page.locator(".msg.user .body")).to_have_text(["고친 첫 번째 인사를 드립니다."])
    expect(page.locator(".msg.assistant")).to_have_count(1)
    assert ui.errors == []


def test_cutting_a_conversation_over_the_api(server_factory: Callable[..., RunningServer]) -> None:
    srv = server_factory()
    with srv.http() as http:
        cid = http.post("/conversations", json={}).json()["id"]
        for text in ["안녕하세요 반갑습니다", "오늘도 좋은 하루입니다"]:
            done = http.post(f"/conversations/{cid}/messages", json={"content": text})
            assert done.status_code == 200, done.text
        messages = http.get(f"/conversations/{cid}").json()["messages"]
        answer = messages[1]["id"]
        cut = http.delete(f"/conversations/{cid}/messages/{answer}").json()
        assert [m["id"] for m in cut["data"]] == [m["id"] for m in messages]  # from its question
        assert http.get(f"/conversations/{cid}").json()["messages"] == []
        missing = http.delete(f"/conversations/{cid}/messages/{answer}")
        assert missing.status_code == 404
        assert missing.json()["error"]["param"] == "message_id"
