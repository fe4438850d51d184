"""Headless Chromium (Debian's `chromium`, driven by Playwright) against a real server.

Screenshots go to `tests/artifacts/` (or `$HANEUL_TEST_ARTIFACTS`), kept after the run."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.conftest import RunningServer

ARTIFACTS = Path(os.environ.get("HANEUL_TEST_ARTIFACTS", Path(__file__).parents[1] / "artifacts"))


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
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


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
