"""Korean mail decoded: CP949 under an EUC-KR label, UTF-8, RFC 2047 headers in several
charsets, HTML-only bodies, attachments listed; .eml and .mbox imports threaded; the
reply register check (존댓말) the drafts and the benchmark use."""

from __future__ import annotations

from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

from haneul.workspace.mail.assist import addressee, formal
from haneul.workspace.mail.parse import attachment_bytes, parse, thread_subject
from tests.conftest import AppClient


def test_cp949_text_labelled_euc_kr_is_read_whole() -> None:
    body = "똠양꿍 회식은 금요일 7시입니다.".encode("cp949")  # 똠 is not in strict EUC-KR
    raw = (
        b"Subject: =?ks_c_5601-1987?B?"
        + __import__("base64").b64encode("회식 안내".encode("cp949"))
        + b"?=\r\nFrom: =?EUC-KR?B?"
        + __import__("base64").b64encode("최유리".encode("cp949"))
        + b"?= <yuri@example.kr>\r\nContent-Type: text/plain; charset=euc-kr\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + body
    )
    parsed = parse(raw)
    assert parsed.subject == "회식 안내"
    assert parsed.sender == "최유리 <yuri@example.kr>"
    assert parsed.text == "똠양꿍 회식은 금요일 7시입니다."


def test_an_html_only_utf8_mail_becomes_text_and_attachments_are_listed() -> None:
    message = MIMEMultipart()
    message["Subject"] = Header("회신: 견적서 송부", "utf-8").encode()
    message["From"] = "sales@example.kr"
    message["Message-ID"] = "<q1@example.kr>"
    html = (
        "<html><head><style>p{}</style></head>"
        "<body><p>안녕하세요,<br>견적서를 첨부합니다.</p></body></html>"
    )
    message.attach(MIMEText(html, "html", "utf-8"))
    part = MIMEApplication("품목,단가\n노트북,1200000\n".encode(), Name="견적서.csv")
    part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", "견적서.csv"))
    message.attach(part)
    parsed = parse(message.as_bytes())
    assert parsed.text == "안녕하세요,\n견적서를 첨부합니다."
    assert thread_subject(parsed.subject) == "견적서 송부"
    assert [a.filename for a in parsed.attachments] == ["견적서.csv"]
    name, data = attachment_bytes(message.as_bytes(), parsed.attachments[0].index)
    assert name == "견적서.csv" and "노트북" in data.decode()


def test_register_and_addressing() -> None:
    assert formal("검토 결과를 금요일까지 보내 드리겠습니다. 확인 부탁드립니다.")
    assert not formal("검토 결과 금요일까지 보낼게. 확인해 줘.")
    assert addressee("박지훈 팀장 <park@example.kr>") == "박지훈 팀장님"
    assert addressee("이서연 <lee@example.kr>") == "이서연 님"


def test_eml_and_mbox_imports_are_threaded(app_client: AppClient) -> None:
    first = MIMEText("다음 주 화요일 워크숍 장소를 정해 주세요.", "plain", "utf-8")
    first["Subject"], first["From"] = "워크숍 장소", "한도윤 과장 <han@example.kr>"
    first["Message-ID"], first["Date"] = "<ws-1@example.kr>", "Mon, 30 Nov 2026 10:00:00 +0900"
    reply = MIMEText("강남 회의실로 하겠습니다.", "plain", "utf-8")
    reply["Subject"], reply["From"] = "RE: 워크숍 장소", "me@example.kr"
    reply["Message-ID"], reply["In-Reply-To"] = "<ws-2@example.kr>", "<ws-1@example.kr>"
    reply["Date"] = "Mon, 30 Nov 2026 11:00:00 +0900"
    eml = app_client.post("mail/import", files={"file": ("ws.eml", first.as_bytes())})
    assert eml.json()["added"] == 1, eml.text
    mbox = b"From me@example.kr Mon Nov 30 11:00:00 2026\n" + reply.as_bytes() + b"\n"
    added = app_client.post("mail/import", files={"file": ("sent.mbox", mbox)})
    assert added.json()["added"] == 1, added.text
    again = app_client.post("mail/import", files={"file": ("ws.eml", first.as_bytes())})
    assert again.json()["added"] == 0  # the same Message-ID once
    threads = app_client.get("mail/threads").json()["data"]
    assert len(threads) == 1 and threads[0]["count"] == 2
    assert threads[0]["subject"] == "워크숍 장소"
    bad = app_client.post("mail/import", files={"file": ("notes.txt", b"hello")})
    assert bad.status_code == 400
    draft = app_client.post(f"mail/threads/{threads[0]['id']}/drafts", json={}).json()
    assert draft["to"] == ["me@example.kr"]  # no mailbox says who "me" is: the last writer
    approved = app_client.post(
        f"mail/drafts/{draft['id']}/approve", json={"digest": draft["digest"]}
    )
    assert approved.status_code == 200
    no_box = app_client.post(f"mail/drafts/{draft['id']}/send")
    assert no_box.status_code == 404  # sending needs a connected mailbox
    assert "/v1/mail/account" in no_box.json()["error"]["message"]
