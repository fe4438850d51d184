"""An accessibility pass: axe-core (npm, installed in web/node_modules by `make setup`) run
in Chromium on the main pages, light and dark, desktop and phone. No serious or critical
violation is allowed; the full report goes to tests/artifacts/axe-report.json."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import ROOT, RunningServer
from tests.web.conftest import ARTIFACTS, Opened, screenshot
from tests.web.test_settings_followups import DOC_DONE, UNITS_DONE

AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
RUN = """async () => {
  const result = await window.axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => n.target.join(" "))}));
}"""


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.exists():
        pytest.fail("axe-core is not installed: `make setup` runs `npm ci --prefix web`")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def report() -> Iterator[dict[str, Any]]:
    found: dict[str, Any] = {}
    yield found
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / "axe-report.json"
    old = json.loads(path.read_text("utf-8")) if path.exists() else {}
    path.write_text(json.dumps({**old, **found}, ensure_ascii=False, indent=1), "utf-8")


def audit(page: Page, source: str, report: dict[str, Any], name: str) -> list[Any]:
    """axe's violations on the page as it is now, recorded under `name`; the serious ones."""
    page.evaluate(source)  # evaluated through DevTools: the page's CSP does not apply
    violations = page.evaluate(RUN)
    report[name] = violations
    return [v for v in violations if v["impact"] in ("serious", "critical")]


def test_the_main_pages_have_no_serious_violations(
    server_factory: Callable[..., RunningServer],
    open_ui: Callable[..., Opened],
    axe_source: str,
    report: dict[str, Any],
) -> None:
    ui = open_ui(server_factory())
    page = ui.page
    serious = {"first-screen": audit(page, axe_source, report, "first-screen")}
    # an answer with a skill card, sources, follow-ups, and a source passage open
    finish = "(done) => window.haneulUI.finish(window.haneulUI.bubble('assistant'), done)"
    page.evaluate("() => window.haneulUI.bubble('user', '30평은 몇 제곱미터야?')")
    page.evaluate(
        "(m) => window.haneulUI.showMessage(m)",
        {**UNITS_DONE["message"], "skill_calls": UNITS_DONE["message"]["skill_calls"]},
    )
    page.evaluate(finish, DOC_DONE)
    page.locator(".citation").first.click()
    expect(page.locator("#passage")).to_be_visible()
    serious["answer"] = audit(page, axe_source, report, "answer")
    screenshot(page, "a11y-answer")
    page.keyboard.press("Escape")
    for tab in ("docs", "memory", "tuning"):
        page.click(f"#tab-{tab}")
        expect(page.locator(f"#{tab}-panel")).to_be_visible()
        page.wait_for_timeout(300)  # its list loads
        serious[f"panel-{tab}"] = audit(page, axe_source, report, f"panel-{tab}")
    page.click("#open-settings")
    expect(page.locator("#settings")).to_be_visible()
    serious["settings"] = audit(page, axe_source, report, "settings")
    page.select_option("#settings-theme", "dark")
    serious["settings-dark"] = audit(page, axe_source, report, "settings-dark")
    page.click("#settings-close")
    serious["answer-dark"] = audit(page, axe_source, report, "answer-dark")
    assert {k: v for k, v in serious.items() if v} == {}
    assert ui.errors == []


def test_the_phone_layout_has_no_serious_violations(
    server_factory: Callable[..., RunningServer],
    open_ui: Callable[..., Opened],
    axe_source: str,
    report: dict[str, Any],
    tmp_path: Path,
) -> None:
    page = open_ui(server_factory(), width=390, height=844).page
    serious = {"phone": audit(page, axe_source, report, "phone")}
    page.click("#open-sidebar")
    page.wait_for_timeout(400)  # the drawer's slide
    serious["phone-drawer"] = audit(page, axe_source, report, "phone-drawer")
    page.click("#scrim", position={"x": 370, "y": 400})
    page.click("#open-settings")
    serious["phone-settings"] = audit(page, axe_source, report, "phone-settings")
    screenshot(page, "phone-settings")
    assert {k: v for k, v in serious.items() if v} == {}


def test_the_skill_trainer_page_has_no_serious_violations(
    server_factory: Callable[..., RunningServer],
    browser: Browser,
    axe_source: str,
    report: dict[str, Any],
) -> None:
    # the manifests need their partners' URLs to load; nothing is called on this page here
    nowhere = "http://127.0.0.1:9"
    srv = server_factory(travel_url=nowhere, car_rental_url=nowhere, car_rental_token="t")
    page = browser.new_page(locale="ko-KR", viewport={"width": 1280, "height": 1000})
    page.goto(srv.url + "/skill-trainer")
    page.wait_for_selector("body[data-ready=true]")
    serious = {"skill-trainer": audit(page, axe_source, report, "skill-trainer")}
    page.fill("#create input[name=name]", "여행과 렌터카")
    page.fill("#create input[name=manifests]", "travel, car_rental")
    page.click("#create button[type=submit]")
    expect(page.locator("#operations")).to_contain_text("createReservation")
    page.click("#detail details summary")
    serious["skill-trainer-detail"] = audit(page, axe_source, report, "skill-trainer-detail")
    page.emulate_media(color_scheme="dark")
    serious["skill-trainer-dark"] = audit(page, axe_source, report, "skill-trainer-dark")
    page.close()
    assert {k: v for k, v in serious.items() if v} == {}
