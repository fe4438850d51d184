"""The chat UI in headless Chromium: Korean streaming, IME composition, the math skill's
card, a document uploaded and found by the search skill, stop, conversations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.conftest import RunningServer
from tests.web.conftest import screenshot

Web = tuple[RunningServer, Page]
# the first turn of a fresh server builds the skill router: minutes on a busy machine
pytestmark = pytest.mark.timeout(900)
STREAMING = ".msg.assistant.streaming .body"


def _sent(page: Page) -> list[dict[str, Any]]:
    """Every message request the page makes, recorded from now on."""
    bodies: list[dict[str, Any]] = []
    page.on(
        "request",
        lambda r: (
            bodies.append(r.post_data_json)
            if r.method == "POST" and r.url.endswith("/messages")
            else None
        ),
    )
    return bodies


def _answered(page: Page, count: int = 1) -> None:
    expect(page.locator(".msg.assistant:not(.streaming)")).to_have_count(count, timeout=300_000)


def test_a_korean_message_streams_in(web: Web) -> None:
    _, page = web
    # Plain chat is shown a checked sentence at a time (docs/assistant.md), so the echo
    # answer needs more than one sentence for a part of it to show before the rest.
    text = "안녕하세요. 오늘 서울 날씨가 참 맑네요. 오후에는 한강에서 자전거를 탈 생각이에요."
    page.fill("#input", text)
    page.press("#input", "Enter")
    # part of the answer is on screen while the rest is still coming
    page.wait_for_function(
        f"(n) => (document.querySelector('{STREAMING}')?.textContent || '').length >= n",
        arg=3,
        timeout=300_000,  # the first turn of a fresh server builds the skill router
    )
    partial = page.locator(STREAMING).text_content() or ""
    assert 0 < len(partial.rstrip("▍")) < len(text)
    _answered(page)
    assert page.locator(".msg.user .body").text_content() == text
    answer = page.locator(".msg.assistant .body").text_content() or ""
    assert answer.strip() == text  # syllables whole, rendered as a Markdown paragraph
    # named after it: the list is refreshed after the answer (under load it still showed
    # «새 대화» a moment after the answer ended)
    expect(page.locator("#conversations .open")).not_to_have_text("새 대화", timeout=30_000)
    title = page.locator("#conversations .open").text_content() or ""
    assert len(title) >= 20 and text.startswith(title.rstrip("…").strip())
    screenshot(page, "web-korean-stream")


def test_enter_while_composing_a_syllable_does_not_send(web: Web) -> None:
    _, page = web
    sent = _sent(page)
    cdp = page.context.new_cdp_session(page)
    page.focus("#input")
    cdp.send("Input.insertText", {"text": "안녕하세"})
    cdp.send("Input.imeSetComposition", {"text": "요", "selectionStart": 1, "selectionEnd": 1})
    page.keyboard.press("Enter")  # the IME's Enter: commits, never sends
    page.wait_for_timeout(300)
    assert sent == [] and page.locator(".msg").count() == 0
    cdp.send("Input.insertText", {"text": "요"})  # compositionend with the last syllable
    assert page.input_value("#input").strip() == "안녕하세요"
    page.keyboard.press("Enter")
    _answered(page)
    assert [b["content"] for b in sent] == ["안녕하세요"]  # once, last syllable whole
    expect(page.locator(".msg.user .body")).to_have_text(["안녕하세요"])
    assert page.input_value("#input") == ""


def test_composition_events_hold_back_enter(web: Web) -> None:
    """The same with synthetic `compositionstart`/`compositionend` events, as some IMEs
    send Enter's keydown before `compositionend`."""
    _, page = web
    sent = _sent(page)
    page.fill("#input", "감사합니")
    page.dispatch_event("#input", "compositionstart", {"data": ""})
    page.fill("#input", "감사합니다")
    page.press("#input", "Enter")
    page.wait_for_timeout(300)
    assert sent == []
    page.dispatch_event("#input", "compositionend", {"data": "다"})
    page.press("#input", "Enter")
    _answered(page)
    assert [b["content"] for b in sent] == ["감사합니다"]


def test_a_math_question_shows_the_math_skill_card(web: Web) -> None:
    _, page = web
    page.fill("#input", "점 (2,5)와 직선 2x−y+2=0 사이의 거리는?")
    page.click("#send")
    card = page.locator(".skill-card[data-skill=math]")
    expect(card).to_be_visible(timeout=300_000)
    expect(card.locator(".result")).to_contain_text("0.447", timeout=300_000)
    expect(card.locator(".steps li").first).to_be_attached()  # collapsed under «풀이 과정»
    _answered(page)
    screenshot(page, "web-math-skill")


def test_an_uploaded_document_is_found_by_the_search_skill(web: Web, tmp_path: Path) -> None:
    _, page = web
    rules = tmp_path / "휴가규정.txt"
    rules.write_text(
        "연차 휴가 규정. 입사 1년이 지난 직원에게는 연차 휴가 15일이 주어진다. "
        "육아휴직은 최대 1년까지 쓸 수 있다.",
        encoding="utf-8",
    )
    page.click("#tab-docs")
    page.fill("#new-collection", "사내규정")
    page.click("#create-collection")
    expect(page.locator("#collection")).to_have_value("사내규정")
    page.set_input_files("#upload", str(rules))
    expect(page.locator("#upload-status")).to_contain_text("색인 완료", timeout=120_000)
    expect(page.locator("#documents li")).to_have_text(["휴가규정.txt"])
    page.fill("#input", "회사 규정에서 연차 휴가 며칠인지 찾아줘")
    page.press("#input", "Enter")
    card = page.locator(".skill-card[data-skill=search_documents]")
    expect(card.locator(".result")).to_contain_text("휴가규정.txt", timeout=300_000)
    expect(card.locator(".result")).to_contain_text("15일")
    _answered(page)
    screenshot(page, "web-document-search")


LONG_ANSWER = (  # plain talk: no date, place or number that would call a skill
    "친구들과 맛있는 저녁을 먹었어요. 영화도 한 편 봤어요. 주인공의 연기가 인상적이었어요. "
    "음악도 정말 아름다웠어요. 집에 오는 길에 천천히 산책을 했어요. 바람이 시원해서 좋았어요. "
    "강아지 한 마리가 꼬리를 흔들며 따라왔어요. 작은 꽃집 앞에서 잠시 멈췄어요. "
    "노란 국화가 예쁘게 피어 있었어요. 마음이 편안해지는 저녁이었어요."
)


def test_stop_ends_the_answer_and_the_chat_goes_on(web: Web) -> None:
    _, page = web
    # several different sentences: a repeated string would be stopped by the loop guard, and
    # plain chat shows a sentence once it is whole
    page.fill("#input", LONG_ANSWER)
    page.press("#input", "Enter")
    page.wait_for_selector(STREAMING)
    page.wait_for_function(
        f"() => (document.querySelector('{STREAMING}')?.textContent || '').length > 2",
        timeout=300_000,
    )
    page.press("#input", "Escape")  # the keyboard way; the button does the same
    expect(page.locator(".msg.assistant.stopped")).to_have_count(1)
    expect(page.locator("#status")).to_have_text("멈췄습니다")
    assert page.is_disabled("#stop") and page.is_enabled("#send")
    page.fill("#input", "다시 안녕")
    page.click("#send")
    _answered(page, 2)
    expect(page.locator(".msg.assistant .body").last).to_have_text("다시 안녕")


def test_conversations_can_be_reopened_renamed_and_deleted(web: Web) -> None:
    _, page = web
    page.select_option("#preset", "trip")
    page.click("#new-conversation")
    page.fill("#input", "부산 여행 계획 세워줘")
    page.press("#input", "Enter")
    _answered(page)
    page.click("#new-conversation")
    expect(page.locator(".msg")).to_have_count(0)
    first = page.locator("#conversations li").filter(has_text="부산 여행")
    first.locator(".open").click()
    expect(page.locator(".msg.user .body")).to_have_text(["부산 여행 계획 세워줘"])
    expect(page.locator("#preset")).to_have_value("trip")
    first.locator(".rename").click()
    field = page.locator("#conversations li input")
    field.fill("부산 2박 3일")
    field.press("Enter")
    expect(page.locator("#conversations .open").filter(has_text="부산 2박 3일")).to_have_count(1)
    page.locator("#conversations li").filter(has_text="부산 2박 3일").locator(".delete").click()
    expect(page.locator("#conversations .open").filter(has_text="부산")).to_have_count(0)
    expect(page.locator(".msg")).to_have_count(0)


def test_a_server_that_needs_a_key_asks_for_one(server_factory: Any, browser: Any) -> None:
    srv = server_factory(require_keys="true")
    key = srv.create_key("웹")
    page = browser.new_page(locale="ko-KR")
    page.goto(srv.url + "/")
    expect(page.locator("#status")).to_have_text("API 키가 필요합니다")
    page.fill("#key", key)
    page.dispatch_event("#key", "change")
    page.fill("#input", "열쇠로 들어왔어요")
    page.press("#input", "Enter")
    expect(page.locator(".msg.assistant:not(.streaming) .body")).to_have_text(
        "열쇠로 들어왔어요", timeout=300_000
    )
    page.close()


def test_the_memory_panel_shows_edits_and_deletes_what_is_remembered(web: Web) -> None:
    _, page = web
    page.fill("#input", "저는 부산에 살아요")
    page.press("#input", "Enter")
    _answered(page)
    page.click("#tab-memory")
    field = page.locator("#memories li input")
    expect(field).to_have_value("사는 곳: 부산")
    field.fill("사는 곳: 부산 해운대")
    page.locator("#memories li button", has_text="저장").click()
    expect(page.locator("#memories li input")).to_have_value("사는 곳: 부산 해운대")
    page.locator("#memories li button", has_text="삭제").click()
    expect(page.locator("#memories li")).to_have_text(["아직 기억한 것이 없습니다"])


def test_a_booking_waits_for_the_approve_button(
    server_factory: Any, browser: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    bookings = tmp_path / "bookings.tsv"
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).parents[2]))
    monkeypatch.setenv("BOOKINGS_FILE", str(bookings))
    srv = server_factory(plugins="tests.assistant.booking_plugin")
    page = browser.new_page(locale="ko-KR")
    page.goto(srv.url + "/")
    page.wait_for_selector("body[data-ready=true]")
    page.fill("#input", "내일 오후 3시에 대회의실 예약해줘")
    page.press("#input", "Enter")
    card = page.locator(".skill-card.confirm[data-skill=book_meeting_room]")
    expect(card.locator("button.approve")).to_be_visible(timeout=300_000)
    expect(card.locator(".arguments")).to_contain_text("대회의실")
    assert not bookings.exists()  # asked, not booked
    card.locator("button.approve").click()
    done = page.locator(".skill-card:not(.confirm)[data-skill=book_meeting_room] .result")
    expect(done).to_contain_text("예약했습니다", timeout=300_000)
    assert bookings.read_text(encoding="utf-8") == "대회의실\t내일 오후 3시\n"
    screenshot(page, "web-confirmation")
    page.close()


def test_the_tuning_tab_shows_each_task_and_its_loss_curve(
    server_factory: Any, browser: Any, tmp_path: Path
) -> None:
    from haneul.config import Settings
    from haneul.studio.jobs import JobStore
    from haneul.studio.losscurve import write_loss_svg

    data = tmp_path / "상담.jsonl"
    row = {"messages": [{"role": "user", "content": "배송은 언제 와요?"},
                        {"role": "assistant", "content": "2~3일 걸립니다."}]}  # fmt: skip
    data.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    # the task stays as this test sets it; tenants name datasets inside the data directory
    srv = server_factory(tuning_worker="false", datasets_dir=str(tmp_path))
    created = httpx.post(srv.url + "/tuning/v2/tasks", json={
        "name": "상담봇-1", "trainingDatasetFilePath": str(data)}).json()  # fmt: skip
    store = JobStore(Settings(home=srv.home))
    assert "result" in created, created
    task = created["result"]["id"]
    losses = [2.5 / (1 + i / 8) for i in range(60)]
    write_loss_svg(store.run_dir(task) / "loss.svg", losses, title="gemma3-270m")
    store.update(task, status="RUNNING", info={"currStep": 60, "totalTrainSteps": 120,
                                                "trainLoss": losses[-1]})  # fmt: skip
    page = browser.new_page(locale="ko-KR", viewport={"width": 1280, "height": 800})
    page.goto(srv.url + "/")
    page.wait_for_selector("body[data-ready=true]")
    page.click("#tab-tuning")
    item = page.locator(f"#tuning-tasks li[data-task={task}]")
    expect(item).to_contain_text("상담봇-1")
    expect(item).to_contain_text("학습 중 · 60/120 스텝 · 손실 0.299")
    curve = item.locator("img.loss-curve")
    expect(curve).to_have_attribute("alt", "상담봇-1 학습 손실 곡선")
    assert page.evaluate("(img) => img.complete && img.naturalWidth", curve.element_handle()) == 560
    screenshot(page, "tuning-tab")
    page.close()
