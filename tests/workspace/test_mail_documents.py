"""Mail and the user's documents: an attachment is indexed into a collection on request, and a
reply draft grounded on that collection cites the passage it was given."""

from __future__ import annotations

from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

from tests.conftest import AppClient

POLICY = (
    "출장비 규정\n국내 출장 숙박비는 1박에 12만 원까지 지원합니다. 영수증은 7일 안에 제출합니다."
)


def test_an_attachment_is_indexed_and_a_draft_cites_it(app_client: AppClient) -> None:
    message = MIMEMultipart()
    message["Subject"], message["From"] = "출장비 문의", "정유진 대리 <yujin@example.kr>"
    message["Message-ID"] = "<trip@example.kr>"
    message.attach(MIMEText("부산 출장 숙박비를 얼마까지 지원받을 수 있나요?", "plain", "utf-8"))
    part = MIMEApplication(POLICY.encode(), Name="출장비규정.txt")
    part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", "출장비규정.txt"))
    message.attach(part)
    app_client.post("mail/import", files={"file": ("trip.eml", message.as_bytes())})
    [thread] = app_client.get("mail/threads").json()["data"]
    [mail] = app_client.get(f"mail/threads/{thread['id']}").json()["messages"]
    [attachment] = mail["attachments"]
    assert attachment["filename"] == "출장비규정.txt"

    url = f"mail/messages/{mail['id']}/attachments/{attachment['index']}/index"
    indexed = app_client.post(url, json={"collection": "사내규정"})
    assert indexed.status_code == 200, indexed.text
    assert indexed.json()["document"] == "출장비규정.txt"
    docs = app_client.get("collections/사내규정/documents").json()["data"]
    assert [d["name"] for d in docs] == ["출장비규정.txt"]
    assert (
        app_client.post(f"mail/messages/{mail['id']}/attachments/99/index", json={}).status_code
        == 404
    )

    draft = app_client.post(
        f"mail/threads/{thread['id']}/drafts", json={"collection": "사내규정"}
    ).json()
    [citation] = draft["citations"]
    assert citation["document_name"] == "출장비규정.txt" and "12만 원" in citation["text"]
    assert "[1] 출장비규정.txt" in draft["body"]  # the echo model shows what it was given
    missing = app_client.post(f"mail/threads/{thread['id']}/drafts", json={"collection": "없음"})
    assert missing.status_code == 404
