"""Headless Chromium (Debian's `chromium`, driven by Playwright) against a real server.

Screenshots go to `tests/artifacts/` (or `$HANEUL_TEST_ARTIFACTS`), kept after the run."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route, expect, sync_playwright

from tests.conftest import RunningServer

ARTIFACTS = Path(os.environ.get("HANEUL_TEST_ARTIFACTS", Path(__file__).parents[1] / "artifacts"))


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One Chromium for the tests of this folder, closed when they end: Playwright's sync API
    keeps an event loop running while it is open, and tests after this folder (workspace/...)
    call asyncio.run."""
    chromium = os.environ.get("HANEUL_CHROMIUM") or shutil.which("chromium")
    if chromium is None:
        pytest.fail("Chromium is not installed: `make test` installs Debian's `chromium`")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=["--no-sandbox"]
        )
        yield launched
        launched.close()


@pytest.fixture
def web(
    server_factory: Callable[..., RunningServer], browser: Browser
) -> Iterator[tuple[RunningServer, Page]]:
    """A fresh echo-model server (answers stream one syllable each 50 ms) and a page on it."""
    srv = server_factory(default_model="echo-slow")
    page = browser.new_page(locale="ko-KR", viewport={"width": 1280, "height": 800})
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(srv.url + "/")
    page.wait_for_selector("body[data-ready=true]")
    yield srv, page
    page.close()


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'"
)


class Opened:
    """A page on a server, with every request and CSP/JS error it caused."""

    def __init__(self, server: RunningServer, page: Page) -> None:
        self.server, self.page = server, page
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on(
            "console",
            lambda m: self.errors.append(m.text) if m.type == "error" else None,
        )

    def foreign(self) -> list[str]:
        return [u for u in self.requests if not u.startswith(self.server.url)]


@pytest.fixture
def open_ui(browser: Browser, tmp_path: Path) -> Iterator[Callable[..., Opened]]:
    pages: list[Page] = []

    def _open(
        server: RunningServer, width: int = 1280, height: int = 800, path: str = "/"
    ) -> Opened:
        page = browser.new_page(locale="ko-KR", viewport={"width": width, "height": height})
        pages.append(page)
        page.on("dialog", lambda dialog: dialog.accept())

        def with_csp(route: Route) -> None:
            response = route.fetch()
            headers = {**response.headers, "content-security-policy": CSP}
            route.fulfill(response=response, headers=headers)

        page.route(re.compile(re.escape(server.url) + r"/(\?.*)?$"), with_csp)
        opened = Opened(server, page)
        page.goto(server.url + path)
        page.wait_for_selector("body[data-ready=true]")
        return opened

    yield _open
    for page in pages:
        page.close()


def answered(page: Page, count: int = 1) -> None:
    expect(page.locator(".msg.assistant:not(.streaming)")).to_have_count(count, timeout=300_000)


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
