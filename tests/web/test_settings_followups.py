"""The settings page (model, preset, theme, memory, the API key) and the follow-up chips
under an answer, in headless Chromium under the production CSP. Screenshots go to
tests/artifacts/."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from tests.conftest import RunningServer
from tests.web.conftest import Opened, answered, screenshot


def fake_answers(page: Page, done: dict[str, Any]) -> list[Any]:
    """Answer every message with `done` (the request is what the test checks)."""
    sent: list[Any] = []

    def answer(route: Route) -> None:
        sent.append(route.request.post_data_json)
        body = f"data: {json.dumps(done, ensure_ascii=False)}\n\ndata: [DONE]\n\n"
        route.fulfill(status=200, content_type="text/event-stream", body=body)

    page.route("**/messages", answer)
    return sent


HELLO = {"type": "done", "message": {"id": "msg_h", "role": "assistant", "content": "안녕하세요"}}


def test_settings_keep_the_preset_theme_and_memory_choice(
    server_factory: Callable[..., RunningServer], open_ui: Callable[..., Opened]
) -> None:
    ui = open_ui(server_factory())
    page = ui.page
    page.click("#open-settings")
    settings = page.locator("#settings")
    expect(settings).to_be_visible()
    assert page.url.endswith("#/settings")
    expect(page.locator("#settings-model")).to_have_value("echo")
    expect(settings).to_contain_text("/v1/chat/completions")  # how to call the API
    expect(settings.locator(".settings-skills")).to_contain_text("수학 계산 · 켜짐")
    page.select_option("#settings-preset", "interview")
    page.select_option("#settings-theme", "dark")
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    page.uncheck("#settings-memory")
    page.uncheck("#settings-skill-math")
    expect(settings.locator(".settings-skills")).to_contain_text("수학 계산 · 꺼짐")
    screenshot(page, "settings-dark")
    page.keyboard.press("Escape")
    expect(settings).to_be_hidden()
    page.wait_for_function("() => !window.location.hash.includes('settings')")
    expect(page.locator("#preset")).to_have_value("interview")
    assert not page.locator("#skills input[value=math]").is_checked()
    sent = fake_answers(page, HELLO)
    page.fill("#input", "안녕하세요")
    page.press("#input", "Enter")
    answered(page)
    assert sent[0]["memory"] is False and "math" not in sent[0]["skills"]
    # a reload keeps them; the address #/settings opens the page itself
    page.goto(ui.server.url + "/#/settings")
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    expect(settings).to_be_visible()
    expect(page.locator("#settings-preset")).to_have_value("interview")
    expect(page.locator("#settings-theme")).to_have_value("dark")
    expect(page.locator("#settings-memory")).not_to_be_checked()
    page.click("#settings-close")
    expect(settings).to_be_hidden()
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    assert ui.errors == [] and ui.foreign() == []


UNITS_DONE = {
    "type": "done",
    "message": {"id": "msg_u", "role": "assistant", "content": "30평은 약 99.17㎡입니다.",
                "skill_calls": [{"id": "c1", "name": "convert_units",
                                 "arguments": {"value": 30.0, "from_unit": "평",
                                               "to_unit": "제곱미터"},
                                 "data": {"value": 99.17355371900827, "unit": "meter ** 2"},
                                 "answer": "30평은 약 99.17㎡입니다.", "error": None}]},
    "citations": [], "finish_reason": "stop",
}  # fmt: skip
DOC_DONE = {
    "type": "done",
    "message": {"id": "msg_d", "role": "assistant", "content": "연차는 15일입니다 [1].",
                "skill_calls": []},
    "citations": [{"n": 1, "document": "휴가규정.pdf", "page": 3, "snippet": "연차 휴가 15일",
                   "text": "연차 휴가 15일이 주어진다.", "supported": True},
                  {"n": 2, "document": "복지.txt", "page": None, "snippet": "육아휴직",
                   "text": "육아휴직", "supported": False}],
    "finish_reason": "stop",
}  # fmt: skip


def test_follow_ups_come_from_the_skill_and_the_cited_documents(
    server_factory: Callable[..., RunningServer], open_ui: Callable[..., Opened]
) -> None:
    page = open_ui(server_factory()).page
    finish = "(done) => window.haneulUI.finish(window.haneulUI.bubble('assistant'), done)"
    page.evaluate(finish, UNITS_DONE)
    chips = page.locator(".followups .followup")
    expect(chips).to_have_text(
        ["1평은 몇 제곱미터야?", "99.17제곱미터는 몇 평이야?", "60평은 몇 제곱미터야?"]
    )
    # a quantity said in several units («3시간 20분은 몇 분이야?»): other units of its kind,
    # not «1분은 몇 분이야?»
    compound = json.loads(json.dumps(UNITS_DONE))
    call = compound["message"]["skill_calls"][0]
    call["arguments"] = {"value": 200.0, "from_unit": "분", "to_unit": "분", "said": "3시간 20분"}
    call["data"] = {"value": 200.0, "unit": "minute"}
    page.evaluate(finish, compound)
    expect(chips).to_have_text(["3시간 20분은 몇 시간이야?", "3시간 20분은 몇 초야?"])
    page.evaluate(finish, DOC_DONE)  # only the newest answer has chips
    expect(page.locator(".followups")).to_have_count(1)
    expect(chips).to_have_text(
        ["«휴가규정.pdf» 내용을 요약해 줘", "«휴가규정.pdf»에서 비슷한 내용을 더 찾아줘"]
    )  # the unsupported 복지.txt gives none
    page.evaluate(finish, HELLO)  # a plain answer: nothing to suggest, nothing invented
    expect(page.locator(".followups")).to_have_count(0)
    page.evaluate(finish, UNITS_DONE)
    sent = fake_answers(page, HELLO)
    chips.nth(1).click()
    # no conversation was open: a new one starts with the question
    expect(page.locator(".msg.user .body")).to_have_text(["99.17제곱미터는 몇 평이야?"])
    answered(page, 1)
    assert sent[0]["content"] == "99.17제곱미터는 몇 평이야?"


@pytest.mark.timeout(900)  # the first turn builds the skill router (minutes on a busy machine)
def test_a_real_unit_answer_offers_the_way_back(
    server_factory: Callable[..., RunningServer], open_ui: Callable[..., Opened]
) -> None:
    page = open_ui(server_factory()).page
    page.fill("#input", "30평은 몇 제곱미터야?")
    page.press("#input", "Enter")
    answered(page)
    expect(page.locator(".msg.assistant .body")).to_contain_text("99.17")
    expect(page.locator(".followups .followup")).to_contain_text(["99.17제곱미터는 몇 평이야?"])
    screenshot(page, "follow-ups")
