"""The mail page in headless Chromium against a real server and real mail servers (dovecot,
aiosmtpd): connect the mailbox, open a CP949 thread from the inbox, draft a reply, see that
보내기 stays off until 승인, approve, send; the reply reaches the recipient threaded.
The summary shown is the thread's own sentences when the model's fails its checks.
Screenshots in tests/artifacts/ (mail-summary, mail-draft, mail-sent)."""

from __future__ import annotations

import email
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.conftest import RunningServer
from tests.web.conftest import screenshot
from tests.web.test_a11y import AXE, RUN
from tests.workspace.mailservers import DOMAIN, DOVECOT, MailServers
from tests.workspace.test_mail import ORIGINAL_ID, PASSWORDS, cp949_message

pytestmark = [
    pytest.mark.skipif(
        DOVECOT is None, reason="dovecot is not installed (apt-get install dovecot-imapd)"
    ),
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS"),
]


@pytest.fixture
def servers() -> Iterator[MailServers]:
    running = MailServers.create(PASSWORDS)
    running.append("kim", "INBOX", cp949_message())
    yield running
    running.stop()


def test_inbox_draft_approve_send(
    servers: MailServers, server_factory: Callable[..., RunningServer], browser: Browser
) -> None:
    srv = server_factory(default_model="echo", mail_ca_file=str(servers.ca_file))
    page = browser.new_page(locale="ko-KR", viewport={"width": 1280, "height": 1000})
    page.goto(srv.url + "/mail")
    page.wait_for_selector("body[data-ready=true]")
    expect(page.locator("#connect")).to_be_visible()
    account = servers.account("kim")
    form = page.locator("#connect-form")
    for name in ("address", "username", "password", "imap_host", "smtp_host"):
        form.locator(f"[name={name}]").fill(str(account[name]))
    form.locator("[name=display_name]").fill("김하늘")
    form.locator("[name=signature]").fill("김하늘 드림")
    form.locator("[name=imap_port]").fill(str(servers.imap_port))
    form.locator("[name=smtp_port]").fill(str(servers.smtp_port))
    form.locator("button[type=submit]").click()
    thread = page.locator("#threads li").first
    expect(thread).to_contain_text("1분기 예산안 검토 요청")
    expect(thread).to_contain_text("박지훈 팀장")
    thread.locator("button").click()
    expect(page.locator("#messages")).to_contain_text("똠방각하 회의실")
    # the echo model's «summary» is the whole thread: the page shows the thread's own first
    # sentences instead, and says so
    page.click("#summarize")
    summary = page.locator("#summary")
    expect(summary).to_contain_text("박지훈 팀장님: 1분기 예산안 검토 결과를 12월 12일 금요일까지")
    expect(summary.locator(".summary-note")).to_contain_text("메일 내용과 맞지 않아")
    screenshot(page, "mail-summary")

    page.click("#reply")
    body = page.locator("#draft-body")
    expect(page.locator("#draft-state")).to_have_text("승인 전")
    assert body.input_value().startswith("박지훈 팀장님, 안녕하세요. 김하늘입니다.")
    expect(page.locator("#send")).to_be_disabled()
    body.fill(body.input_value().replace("김하늘 드림", "검토 후 회신드리겠습니다.\n\n김하늘 드림"))
    screenshot(page, "mail-draft")
    page.evaluate(AXE.read_text(encoding="utf-8"))  # axe-core, as tests/web/test_a11y.py runs it
    serious = [v for v in page.evaluate(RUN) if v["impact"] in ("serious", "critical")]
    assert serious == []
    assert servers.received == []  # nothing sent before approval

    page.click("#approve")
    expect(page.locator("#draft-state")).to_contain_text("승인됨")
    expect(page.locator("#send")).to_be_enabled()
    page.click("#send")
    expect(page.locator("#message")).to_contain_text("보냈습니다")
    screenshot(page, "mail-sent")
    page.close()

    [delivered] = servers.folder("park", "INBOX")
    reply = email.message_from_bytes(delivered)
    assert reply["In-Reply-To"] == ORIGINAL_ID
    assert reply["To"].endswith(f"<park@{DOMAIN}>")
    text = reply.get_payload(decode=True).decode(reply.get_content_charset())
    assert "검토 후 회신드리겠습니다." in text  # what the user approved, as edited
    assert len(servers.folder("kim", "Sent")) == 1
