"""Document to table and document summary: the key points of an uploaded document as a
Markdown table with the source of every row, or as its own sentences, through the
assistant; asking with no document is a clear skill error."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import RunningServer

DOCS = Path(__file__).resolve().parents[2] / "bench" / "data" / "answers_docs"

RULES = """# 취업 규칙

연차 휴가는 입사 1년 후 15일이 주어진다. 회사는 직원의 건강을 중요하게 생각한다.

근무 시간: 오전 9시부터 오후 6시까지

출장비는 국내 출장 하루 3만 원이다. 모든 직원은 서로 존중해야 한다.

육아휴직은 최대 1년까지 쓸 수 있다.
"""


def test_an_uploaded_document_becomes_a_table(keyed: tuple[RunningServer, str, str]) -> None:
    srv, key, other = keyed
    with srv.http(key) as http:
        http.post("/collections", json={"name": "인사"})
        upload = http.post(
            "/collections/인사/documents", files=[("files", ("취업규칙.md", RULES.encode()))]
        )
        assert upload.json()["added"] == 1
        cid = http.post("/conversations", json={}).json()["id"]
        reply = http.post(
            f"/conversations/{cid}/messages",
            json={"content": "이 문서에서 핵심 내용을 표로 만들어줘"},
        ).json()
        [call] = reply["skill_calls"]
        assert call["name"] == "document_table", call
        table = call["content"]
        assert table.startswith("**취업규칙.md** 핵심 내용")
        assert "| 항목 | 내용 | 출처 |" in table
        assert "| 연차 휴가 | 입사 1년 후 15일이 주어진다. | 취업 규칙 |" in table
        assert "| 근무 시간 | 오전 9시부터 오후 6시까지 | 취업 규칙 |" in table
        rows = [r["item"] for r in call["data"]]
        assert rows.index("연차 휴가") < rows.index("육아휴직")  # the document's order

        named = http.post(
            f"/conversations/{cid}/messages",
            json={"content": "취업규칙.md 내용을 표로 정리해줘"},
        ).json()["skill_calls"][0]
        assert named["arguments"] == {"document": "취업규칙.md"} and named["error"] is None
    with srv.http(other) as http:  # another key has no documents: an error, not a crash
        cid = http.post("/conversations", json={}).json()["id"]
        reply = http.post(
            f"/conversations/{cid}/messages",
            json={"content": "이 문서에서 핵심 내용을 표로 만들어줘"},
        )
        assert reply.status_code == 200
        [call] = reply.json()["skill_calls"]
        assert call["error"] == "no document any in your collections"


def test_an_uploaded_document_is_summarised_in_its_own_sentences(
    keyed: tuple[RunningServer, str, str],
) -> None:
    """«휴가규정.txt 내용을 요약해 줘» (the web UI's own follow-up after a search) is the
    summary skill's: the first sentence of each article, whole, and the answer is that list
    (no model sentence after it); a text given in the message is not a document's summary."""
    srv, key, _ = keyed
    rules = (DOCS / "휴가규정.txt").read_bytes()
    with srv.http(key) as http:
        http.post("/collections", json={"name": "인사"})
        files = [("files", ("휴가규정.txt", rules)), ("files", ("취업규칙.md", RULES.encode()))]
        assert http.post("/collections/인사/documents", files=files).json()["added"] == 2
        cid = http.post("/conversations", json={}).json()["id"]
        for request in ("휴가규정.txt 내용을 요약해 줘", "휴가 규정 요약해줘"):
            reply = http.post(f"/conversations/{cid}/messages", json={"content": request}).json()
            [call] = reply["skill_calls"]
            assert call["name"] == "document_summary" and call["error"] is None, call
            said = reply["message"]["content"]
            assert said == call["content"] and said.startswith("**휴가규정.txt** 요약")
            assert "- 제4조 (병가) 업무 외 질병으로 요양이 필요한 직원은 연 60일까지" in said
        given = http.post(
            f"/conversations/{cid}/messages",
            json={"content": "이 글 좀 요약해줘: 회사는 내년부터 재택근무를 확대한다"},
        ).json()
        [call] = given["skill_calls"]  # the text in the message, not an uploaded document
        assert call["arguments"] == {"text": "회사는 내년부터 재택근무를 확대한다"}
        assert given["message"]["content"] == (
            "**붙여 주신 글** 요약 (문장 1개를 그대로 옮겼습니다)\n\n"
            "- 회사는 내년부터 재택근무를 확대한다"
        )


BOOK = (Path(__file__).parent / "data" / "rule_book.txt").read_text()  # 7 articles, 2 chunks


def test_a_table_or_summary_of_named_articles_holds_those_once(
    keyed: tuple[RunningServer, str, str],
) -> None:
    """«출장비 규정 표로 정리해줘» over a whole rule book tabled every article, and a sentence
    in two overlapping chunks was a row twice."""
    srv, key, _ = keyed
    with srv.http(key) as http:
        http.post("/collections", json={"name": "사규"})
        files = [("files", ("취업규칙.txt", BOOK.encode()))]
        assert http.post("/collections/사규/documents", files=files).json()["added"] == 1
        cid = http.post("/conversations", json={}).json()["id"]

        def call(text: str) -> dict[str, object]:
            reply = http.post(f"/conversations/{cid}/messages", json={"content": text}).json()
            [made] = reply["skill_calls"]
            return dict(made)

        table = call("출장비 규정 표로 정리해줘")
        assert table["name"] == "document_table"
        contents = [str(row["content"]) for row in table["data"]]  # type: ignore[attr-defined]
        assert len(contents) == len(set(contents)) == 3, contents
        assert all(("출장" in c or "식비" in c or "일비" in c) for c in contents), contents
        summary = call("연차 규정 요약해줘")
        assert summary["name"] == "document_summary"
        lines = [str(row["text"]) for row in summary["data"]]  # type: ignore[attr-defined]
        assert lines[0].startswith("제1조 (연차휴가)") and len(lines) == 4, lines
        assert not any("여름휴가" in line or "출장" in line for line in lines)
