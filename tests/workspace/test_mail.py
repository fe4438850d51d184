"""메일 답장 against real servers on loopback: dovecot (IMAP, TLS) and aiosmtpd (SMTP, TLS),
through the in-process app on the echo model. A CP949 thread is read, summarised and
answered; nothing is sent before the exact draft is approved; the reply reaches the
recipient's INBOX and the Sent folder with its threading headers; wrong passwords and a
dropped connection are clear errors; the database holds no readable password."""

from __future__ import annotations

import email
import stat
from collections.abc import Iterator
from email.header import Header
from email.mime.text import MIMEText
from pathlib import Path

import pytest

from haneul.workspace.mail.summary import SMALL
from tests.conftest import AppClient, in_process_app
from tests.workspace.mailservers import DOMAIN, DOVECOT, DroppingProxy, MailServers

pytestmark = [
    pytest.mark.skipif(
        DOVECOT is None, reason="dovecot is not installed (apt-get install dovecot-imapd)"
    ),
    # aiosmtpd warns of AUTH without STARTTLS: its session is implicit TLS from the start
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS"),
]

PASSWORDS = {"kim": "kim-app-pass-7Hq2", "park": "park-app-pass-9Zx4"}
ORIGINAL_ID = "<budget-2026-q1@haneul.test>"


def cp949_message() -> bytes:
    """박지훈 팀장's request, as an older Windows client sends it: EUC-KR labels over CP949 text
    (똠 is CP949-only), an RFC 2047 subject."""
    body = (
        "김하늘 님,\n\n1분기 예산안 검토 결과를 12월 12일 금요일까지 보내 주세요.\n"
        "회의실은 똠방각하 회의실로 잡았습니다.\n\n박지훈 드림"
    )
    message = MIMEText(body.encode("cp949"), "plain", "euc-kr")
    message.replace_header("Content-Transfer-Encoding", "8bit")
    message.set_payload(body.encode("cp949"))
    message["Subject"] = Header("1분기 예산안 검토 요청", "euc-kr").encode()
    message["From"] = f"{Header('박지훈 팀장', 'euc-kr').encode()} <park@{DOMAIN}>"
    message["To"] = f"kim@{DOMAIN}"
    message["Date"] = "Fri, 04 Dec 2026 09:30:00 +0900"
    message["Message-ID"] = ORIGINAL_ID
    return message.as_bytes()


@pytest.fixture(scope="module")
def servers() -> Iterator[MailServers]:
    running = MailServers.create(PASSWORDS)
    running.append("kim", "INBOX", cp949_message())
    yield running
    running.stop()


@pytest.fixture(scope="module")
def app(servers: MailServers, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppClient]:
    home = tmp_path_factory.mktemp("mail-home")
    with in_process_app(home, mail_ca_file=servers.ca_file) as client:
        yield client


@pytest.fixture(scope="module")
def thread_id(app: AppClient, servers: MailServers) -> str:
    account = servers.account(
        "kim", display_name="김하늘", signature="김하늘 드림\n기획팀 | 하늘전자"
    )
    connected = app.request("PUT", "mail/account", json=account)
    assert connected.status_code == 200, connected.text
    synced = app.post("mail/sync")
    assert synced.json()["added"] == 1, synced.text
    threads = app.get("mail/threads").json()["data"]
    return str(threads[0]["id"])


def test_a_cp949_thread_is_read(app: AppClient, thread_id: str) -> None:
    threads = app.get("mail/threads").json()["data"]
    assert threads[0]["subject"] == "1분기 예산안 검토 요청"
    assert threads[0]["senders"] == [f"박지훈 팀장 <park@{DOMAIN}>"]
    message = app.get(f"mail/threads/{thread_id}").json()["messages"][0]
    assert "12월 12일 금요일까지" in message["text"]
    assert "똠방각하" in message["text"]  # a CP949-only syllable under an euc-kr label
    assert "\ufffd" not in message["text"]


def test_the_thread_is_summarised_and_its_todos_proposed_not_saved(
    app: AppClient, thread_id: str
) -> None:
    summary = app.post(f"mail/threads/{thread_id}/summary", json={}).json()
    assert summary["object"] == "mail.summary" and summary["model"] == "echo"
    # the echo model reads the whole thread back: no summary, so the reader gets the
    # thread's own first sentences, past the greeting and before the sign-off
    assert summary["drafted"] == "extractive"
    assert summary["reason"] == "not shorter than the thread" and summary["model_asked"] is True
    said = "1분기 예산안 검토 결과를 12월 12일 금요일까지 보내 주세요."
    assert summary["summary"] == f"박지훈 팀장님: {said} 회의실은 똠방각하 회의실로 잡았습니다."
    assert summary["usage"]["completion_tokens"] > 0
    # a small model is not asked at all: the same sentences, no tokens spent
    small = app.post(f"mail/threads/{thread_id}/summary", json={"model": "haneul-mini-ko"})
    assert small.status_code == 200, small.text
    assert small.json()["summary"] == summary["summary"] and small.json()["usage"] == {}
    assert small.json()["reason"] == SMALL and small.json()["model_asked"] is False
    cards = {m["id"]: m for m in app.get("models").json()["data"]}
    assert cards["haneul-mini-ko"]["loaded"] is False  # never loaded for it
    proposal = app.post(f"mail/threads/{thread_id}/todos", json={"today": "2026-12-05"}).json()
    assert proposal["object"] == "todo.proposal" and proposal["saved"] is False
    assert proposal["source"] == {"kind": "mail", "ref": thread_id}
    assert any("예산안" in c["title"] for c in proposal["candidates"])
    assert app.get("todos").json()["data"] == []  # nothing saved until accepted
    accepted = app.post("todos/accept", json={"candidates": proposal["candidates"][:1]})
    assert accepted.status_code == 201
    assert accepted.json()["data"][0]["source"] == {"kind": "mail", "ref": thread_id}


def test_a_reply_is_drafted_in_the_right_register(app: AppClient, thread_id: str) -> None:
    draft = app.post(f"mail/threads/{thread_id}/drafts", json={}).json()
    assert draft["status"] == "draft" and draft["approved"] is False
    assert draft["to"] == [f"박지훈 팀장 <park@{DOMAIN}>"]
    assert draft["subject"] == "Re: 1분기 예산안 검토 요청"
    assert draft["body"].startswith("박지훈 팀장님, 안녕하세요. 김하늘입니다.")
    assert draft["body"].endswith("김하늘 드림\n기획팀 | 하늘전자")
    assert draft["in_reply_to"] == ORIGINAL_ID


def test_nothing_is_sent_without_approval_of_the_exact_draft(
    app: AppClient, servers: MailServers, thread_id: str
) -> None:
    before = len(servers.received)
    draft = app.post(f"mail/threads/{thread_id}/drafts", json={}).json()
    refused = app.post(f"mail/drafts/{draft['id']}/send")
    assert refused.status_code == 409, refused.text
    shown = draft["digest"]
    edited = app.request("PATCH", f"mail/drafts/{draft['id']}", json={"body": "수정한 본문입니다."})
    assert edited.json()["digest"] != shown
    stale = app.post(f"mail/drafts/{draft['id']}/approve", json={"digest": shown})
    assert stale.status_code == 409  # approving what was shown before the edit
    approved = app.post(
        f"mail/drafts/{draft['id']}/approve", json={"digest": edited.json()["digest"]}
    )
    assert approved.json()["approved"] is True
    app.request("PATCH", f"mail/drafts/{draft['id']}", json={"subject": "Re: 바뀐 제목"})
    again = app.post(f"mail/drafts/{draft['id']}/send")
    assert again.status_code == 409  # an edit after approval takes the approval back
    assert len(servers.received) == before


def test_the_approved_reply_is_sent_threaded_and_saved_to_sent(
    app: AppClient, servers: MailServers, thread_id: str
) -> None:
    draft = app.post(f"mail/threads/{thread_id}/drafts", json={}).json()
    app.post(f"mail/drafts/{draft['id']}/approve", json={"digest": draft["digest"]})
    sent = app.post(f"mail/drafts/{draft['id']}/send")
    assert sent.status_code == 200, sent.text
    assert sent.json()["status"] == "sent" and sent.json()["sent_folder"] == "Sent"
    inbox = [email.message_from_bytes(m) for m in servers.folder("park", "INBOX")]
    saved = [email.message_from_bytes(m) for m in servers.folder("kim", "Sent")]
    for found in (inbox, saved):
        assert len(found) == 1
        reply = found[0]
        assert reply["In-Reply-To"] == ORIGINAL_ID
        assert reply["References"].split() == [ORIGINAL_ID]
        assert reply["Message-ID"] == sent.json()["sent_message_id"]
        assert str(email.header.make_header(email.header.decode_header(reply["Subject"]))) == (
            "Re: 1분기 예산안 검토 요청"
        )
        body = reply.get_payload(decode=True).decode(reply.get_content_charset())
        assert body.replace("\r\n", "\n").rstrip("\n") == draft["body"]
    twice = app.post(f"mail/drafts/{draft['id']}/send")
    assert twice.status_code == 409  # sent once only
    late = app.request("PATCH", f"mail/drafts/{draft['id']}", json={"body": "늦은 수정"})
    assert late.status_code == 409  # what was sent stays as it was sent
    thread = app.get(f"mail/threads/{thread_id}").json()
    assert [m["origin"] for m in thread["messages"]] == ["imap", "sent"]


def test_smtp_with_starttls_sends_too(app: AppClient, servers: MailServers, thread_id: str) -> None:
    account = servers.account(
        "kim", smtp_port=servers.starttls_port, smtp_security="starttls", display_name="김하늘"
    )
    assert app.request("PUT", "mail/account", json=account).status_code == 200
    draft = app.post(f"mail/threads/{thread_id}/drafts", json={}).json()
    app.post(f"mail/drafts/{draft['id']}/approve", json={"digest": draft["digest"]})
    sent = app.post(f"mail/drafts/{draft['id']}/send")
    assert sent.status_code == 200, sent.text
    assert len(servers.folder("park", "INBOX")) == 2
    assert app.request("PUT", "mail/account", json=servers.account("kim")).status_code == 200


def test_wrong_credentials_are_a_clear_error(
    app: AppClient, servers: MailServers, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = servers.account("kim", password="not-the-app-password")
    with caplog.at_level("DEBUG"):
        answer = app.request("PUT", "mail/account", json=wrong)
    assert "not-the-app-password" not in caplog.text  # never logged
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "mail_auth_failed"
    assert "app password" in error["message"] and "not-the-app-password" not in answer.text


def test_a_dropped_connection_is_a_clear_error(
    app: AppClient, servers: MailServers, thread_id: str
) -> None:
    proxy = DroppingProxy(servers.imap_port)
    try:
        through = app.request(
            "PUT", "mail/account", json=servers.account("kim", imap_port=proxy.port)
        )
        assert through.status_code == 200, through.text
        proxy.dropping = True
        answer = app.post("mail/sync")  # the mailbox was fine; now its server drops us
        assert answer.status_code == 502
        error = answer.json()["error"]
        assert error["code"] == "mail_unreachable" and "mail server" in error["message"]
        assert PASSWORDS["kim"] not in answer.text
        before = len(servers.folder("park", "INBOX"))
        draft = app.post(f"mail/threads/{thread_id}/drafts", json={}).json()
        app.post(f"mail/drafts/{draft['id']}/approve", json={"digest": draft["digest"]})
        sent = app.post(f"mail/drafts/{draft['id']}/send")  # SMTP works, IMAP (Sent) drops
        assert sent.status_code == 200 and sent.json()["status"] == "sent"
        assert sent.json()["sent_folder"] is None
        assert len(servers.folder("park", "INBOX")) == before + 1
        settings = app.request(
            "PUT", "mail/account", json=servers.account("kim", imap_port=proxy.port)
        )
        assert settings.status_code == 400  # connecting a mailbox: the settings are at fault
        assert settings.json()["error"]["code"] == "mail_unreachable"
    finally:
        proxy.close()
        restored = app.request("PUT", "mail/account", json=servers.account("kim"))
        assert restored.status_code == 200


def test_credentials_are_not_readable_in_the_database(app: AppClient, thread_id: str) -> None:
    home = Path(app.home)
    stored = b"".join(p.read_bytes() for p in home.glob("haneul.db*"))
    assert b"kim@haneul.test" in stored  # the account is there...
    assert PASSWORDS["kim"].encode() not in stored  # ...its password is not
    key = home / "mail.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    account = app.get("mail/account").json()
    assert account["password"] == "set" and "secret" not in account
