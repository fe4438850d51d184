"""The `mail` skill: it reads the user's own mailbox (imported here from an .eml) through the
server's mail source, summarises and drafts, and never sends; a mail pasted into the chat is
not taken for the mailbox."""

from __future__ import annotations

from email.mime.text import MIMEText

from haneul.skills import SkillContext
from haneul.skills.builtin.mail import NO_MAILBOX_KO, mail, parse
from tests.conftest import AppClient


def test_the_parser_reads_mailbox_requests_only() -> None:
    assert parse("받은 메일 보여줘") == {"action": "inbox", "thread": ""}
    assert parse("'워크숍 장소' 메일 요약해줘") == {"action": "summary", "thread": "워크숍 장소"}
    assert parse("한도윤 과장님이 보낸 메일에 답장 써줘")["action"] == "draft"
    assert parse("다음 메일에 답장을 써 줘: 안녕하세요, 견적 문의드립니다.") is None
    assert parse("메일 쓰는 법 알려줘") is None


def test_the_skill_reads_summarises_and_drafts_without_sending(app_client: AppClient) -> None:
    message = MIMEText("다음 주 화요일 워크숍 장소를 정해 주세요.", "plain", "utf-8")
    message["Subject"], message["From"] = "워크숍 장소", "한도윤 과장 <han@example.kr>"
    message["Message-ID"] = "<ws-skill@example.kr>"
    app_client.post("mail/import", files={"file": ("ws.eml", message.as_bytes())})
    source = app_client.app.state.assistant.mail
    context = SkillContext(owner="anonymous", mail=source)

    listed = app_client.portal.call(mail.run, {"action": "inbox"}, context)
    assert "워크숍 장소 (한도윤 과장 <han@example.kr>, 1통)" in listed.content
    summary = app_client.portal.call(mail.run, {"action": "summary", "thread": "워크숍"}, context)
    assert "워크숍 장소를 정해" in summary.content  # the echo model reads the thread back
    missing = app_client.portal.call(
        mail.run, {"action": "summary", "thread": "없는 제목"}, context
    )
    assert "찾지 못했습니다" in missing.content
    nobody = app_client.portal.call(mail.run, {"action": "inbox"}, SkillContext())
    assert nobody.content == NO_MAILBOX_KO
    drafted = app_client.portal.call(mail.run, {"action": "draft"}, context)
    draft = drafted.data["draft"]
    assert draft["body"].startswith("한도윤 과장님, 안녕하세요.")
    assert draft["status"] == "draft" and "승인한 뒤에만" in drafted.content
    sent = app_client.post(f"mail/drafts/{draft['id']}/send")
    assert sent.status_code == 409  # not approved; and the import has no mailbox to send from
    assert mail.spec.side_effects is False  # it cannot send: sending is approved in /mail


def test_another_owners_mail_reads_as_not_found(app_client: AppClient) -> None:
    _, kim = app_client.app.state.keys.create("김하늘")
    _, lee = app_client.app.state.keys.create("이서연")
    as_kim = {"Authorization": f"Bearer {kim}"}
    as_lee = {"Authorization": f"Bearer {lee}"}
    message = MIMEText("인사 평가 결과는 대외비입니다.", "plain", "utf-8")
    message["Subject"], message["From"] = "평가 결과", "hr@example.kr"
    added = app_client.post(
        "mail/import", files={"file": ("hr.eml", message.as_bytes())}, headers=as_kim
    )
    assert added.json()["added"] == 1
    [thread] = app_client.get("mail/threads", headers=as_kim).json()["data"]
    assert app_client.get("mail/threads", headers=as_lee).json()["data"] == []
    assert app_client.get(f"mail/threads/{thread['id']}", headers=as_lee).status_code == 404
    draft = app_client.post(f"mail/threads/{thread['id']}/drafts", json={}, headers=as_kim)
    stolen = app_client.get(f"mail/drafts/{draft.json()['id']}", headers=as_lee)
    assert stolen.status_code == 404
    assert app_client.get("mail/account", headers=as_lee).status_code == 404
