"""The Skill Trainer page in headless Chromium against a real server and the travel and
car-rental stand-in partners: make a skillset from the shipped API specs, import the bench's
48 example utterances, train, publish, try a search, and a booking that waits for 실행."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from playwright.sync_api import Browser, expect

from tests.conftest import RunningServer
from tests.skillsets.conftest import DATA, TOKEN, partners  # noqa: F401  (a fixture)
from tests.web.conftest import screenshot


def test_train_publish_and_try_a_skillset(
    server_factory: Callable[..., RunningServer],
    browser: Browser,
    partners: dict[str, str],  # noqa: F811
) -> None:
    srv = server_factory(
        travel_url=partners["travel"],
        car_rental_url=partners["car_rental"],
        car_rental_token=TOKEN,
        preload="multilingual-e5-small",
    )
    page = browser.new_page(locale="ko-KR", viewport={"width": 1280, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(srv.url + "/skill-trainer")
    page.wait_for_selector("body[data-ready=true]")
    page.fill("#create input[name=name]", "여행과 렌터카")
    page.fill("#create input[name=manifests]", "travel, car_rental")
    page.click("#create button[type=submit]")
    expect(page.locator("#operations")).to_contain_text("createReservation")
    expect(page.locator("#operations")).to_contain_text("실행 전 확인")

    page.click("#detail details summary")
    page.fill("#import-text", (DATA / "train.jsonl").read_text(encoding="utf-8"))
    page.click("#import")
    expect(page.locator("#example-count")).to_have_text("48개")
    page.click("#train")
    expect(page.locator("#versions")).to_contain_text("버전 1: 예시 48개", timeout=60_000)
    page.click("#versions button")
    expect(page.locator("#versions")).to_contain_text("게시됨")

    page.fill("#query", "부산 가면 어디서 자야 돼? 숙소 알아봐줘")
    page.click("#plan")
    expect(page.locator("#answer")).to_contain_text('searchHotels {"city":"부산"}')
    page.click("#try button[type=submit]")
    expect(page.locator("#answer")).to_contain_text("해운대 오션호텔")

    page.fill("#query", "JE-101 이걸로 내일 예약해 줘")
    page.click("#try button[type=submit]")
    expect(page.locator("#answer")).to_contain_text("실행할까요")
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert httpx.get(partners["car_rental"] + "/reservations", headers=auth).json() == []
    screenshot(page, "skill-trainer-confirm")
    page.click("#approve")
    expect(page.locator("#answer")).to_contain_text("예약됨")
    expect(page.locator("#confirm")).to_be_hidden()
    booked = httpx.get(partners["car_rental"] + "/reservations", headers=auth).json()
    assert [r["car_id"] for r in booked] == ["JE-101"]
    assert errors == []
    page.close()
