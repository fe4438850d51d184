"""보고서 작성 on a real server with two teams: a member writes a report from the team's shared
Korean collection (progress streamed as SSE), and its Markdown, DOCX and HWPX exports read
back with the same headings, summary table and citations; every cited passage is one the
collection holds; another owner gets a 404; a report left running by a stopped server is
interrupted and resumes at the first section not written."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable
from typing import Any

import docx
import httpx
from lxml import etree

from haneul.knowledge.loaders.hwpx import load_hwpx
from tests.accounts.helpers import add_team, add_user, sign_in, upload, wait_documents
from tests.conftest import RunningServer

SALES = (
    "3분기 영업 실적 보고: 전기차 판매는 지난해 같은 기간보다 12% 늘었다. "
    "부산 지점이 가장 많이 팔았고, 대구 지점은 목표의 80%를 달성했다.\n\n"
    "다음 분기에는 법인 고객 대상 시승 행사를 두 번 연다."
)
MARKET = (
    "시장 동향 메모: 국내 전기차 시장은 충전 인프라 확대로 성장하고 있다. "
    "경쟁사 A는 소형 모델 가격을 5% 내렸다.\n\n"
    "위험 요인은 배터리 원가 상승과 보조금 축소다."
)
HP = "{http://www.hancom.co.kr/hwpml/2011/paragraph}"
HH = "{http://www.hancom.co.kr/hwpml/2011/head}"


def events(response: httpx.Response) -> list[dict[str, Any]]:
    out = []
    for line in response.iter_lines():
        if line.startswith("data: ") and line != "data: [DONE]":
            out.append(json.loads(line[6:]))
    return out


def setup_team(srv: RunningServer) -> tuple[httpx.Client, httpx.Client, httpx.Client]:
    add_user(srv, "관리자", "--admin")
    for name in ("김민수", "박지훈", "이서연"):
        add_user(srv, name)
    add_team(srv, "영업팀", "김민수", "박지훈")
    add_team(srv, "개발팀", "이서연")
    kim, park, lee = sign_in(srv, "김민수"), sign_in(srv, "박지훈"), sign_in(srv, "이서연")
    made = kim.post("/v1/collections", params={"team": "영업팀"}, json={"name": "영업자료"})
    assert made.status_code == 201, made.text
    assert upload(kim, "영업자료", "3분기실적.txt", SALES).status_code == 200
    assert upload(kim, "영업자료", "시장동향.txt", MARKET).status_code == 200
    wait_documents(kim, "영업자료", 2)
    return kim, park, lee


def docx_parts(data: bytes) -> tuple[list[str], list[list[str]], list[str]]:
    doc = docx.Document(io.BytesIO(data))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    table = [[cell.text for cell in row.cells] for row in doc.tables[0].rows]
    texts = [p.text for p in doc.paragraphs]
    cites = texts[texts.index("출처") + 1 :]
    return headings, table, cites


def hwpx_parts(data: bytes) -> tuple[list[str], list[list[str]], list[str]]:
    """Read with plain zipfile + lxml, independent of Haneul's loader."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        first = archive.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
        assert archive.read("mimetype") == b"application/hwp+zip"
        container = etree.fromstring(archive.read("META-INF/container.xml"))
        assert container.xpath("//*[local-name()='rootfile']/@full-path") == [
            "Contents/content.hpf"
        ]
        header = etree.fromstring(archive.read("Contents/header.xml"))
        section = etree.fromstring(archive.read("Contents/section0.xml"))
    outline = {s.get("id") for s in header.iter(f"{HH}style") if s.get("name") == "개요 1"}
    top = section.findall(f"{HP}p")
    headings = ["".join(p.itertext()) for p in top if p.get("styleIDRef") in outline]
    table = [
        ["".join(tc.itertext()) for tc in tr.iter(f"{HP}tc")] for tr in section.iter(f"{HP}tr")
    ]
    texts = ["".join(p.itertext()) for p in top]
    cites = texts[texts.index("출처") + 1 :]
    return headings, table, cites


def test_report_from_team_collection(server_factory: Callable[..., RunningServer]) -> None:
    srv = server_factory()
    kim, park, lee = setup_team(srv)
    templates = park.get("/v1/reports/templates").json()["data"]
    assert {t["name"] for t in templates} >= {"주간 업무 보고", "회의록", "제안서 초안"}

    made = park.post(
        "/v1/reports",
        json={"topic": "전기차 판매 현황", "collection": "영업자료", "template": "주간 업무 보고"},
    )
    assert made.status_code == 201, made.text
    report = made.json()
    assert report["outline"] == ["주요 실적", "진행 중인 업무", "이슈 및 위험", "다음 주 계획"]
    rid = report["id"]
    edited = park.patch(f"/v1/reports/{rid}", json={"outline": ["판매 실적", "시장 동향"]})
    assert edited.json()["outline"] == ["판매 실적", "시장 동향"]

    with park.stream(
        "POST", f"/v1/reports/{rid}/generate", json={"model": "echo"}, timeout=120
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        got = events(response)
    kinds = [e["type"] for e in got]
    assert kinds[0] == "started" and kinds[-1] == "done", kinds
    assert kinds.count("section") == 2 and "progress" in kinds
    done = park.get(f"/v1/reports/{rid}").json()
    assert done["status"] == "done"

    # Every cited passage is text of a document in the collection, and [n] names one.
    docs = {
        d["id"]: d["name"] for d in kim.get("/v1/collections/영업자료/documents").json()["data"]
    }
    texts = {"3분기실적.txt": SALES, "시장동향.txt": MARKET}
    for section in done["sections"]:
        assert section["citations"], section
        numbers = {c["n"] for c in section["citations"]}
        assert {int(n) for n in re.findall(r"\[(\d+)\]", section["text"])} <= numbers
        for c in section["citations"]:
            assert docs[c["document_id"]] == c["document"]
            assert c["text"].strip() in texts[c["document"]]
    assert any("부산" in c["text"] for c in done["sources"])

    md = park.get(f"/v1/reports/{rid}/export", params={"format": "markdown"}).text
    md_headings = re.findall(r"^## (.+)$", md, re.M)
    md_table = [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in md.splitlines()
        if line.startswith("| ")
    ]
    md_cites = [line[2:] for line in md.split("## 출처\n")[1].splitlines() if line]
    assert md_headings == ["판매 실적", "시장 동향", "요약표", "출처"]
    assert md_table[0] == ["항목", "핵심 내용", "출처"] and len(md_table) == 3
    assert md_cites and all(re.match(r"\[\d+\] \S+\.txt: ", c) for c in md_cites)

    word = park.get(f"/v1/reports/{rid}/export", params={"format": "docx"})
    assert word.status_code == 200 and "wordprocessingml" in word.headers["content-type"]
    hangul = park.get(f"/v1/reports/{rid}/export", params={"format": "hwpx"})
    assert hangul.status_code == 200 and hangul.headers["content-type"] == "application/hwp+zip"
    for headings, table, cites in (docx_parts(word.content), hwpx_parts(hangul.content)):
        assert headings == md_headings
        assert table == md_table
        assert cites == md_cites

    # Haneul's own loader reads the HWPX back: the same headings, the cited documents named.
    loaded = load_hwpx("report.hwpx", hangul.content)
    assert [s.heading for s in loaded.sections if s.heading] == md_headings
    assert "3분기실적.txt" in loaded.text

    # Another owner, even of the same team, does not see it.
    for other in (lee, kim):
        assert other.get(f"/v1/reports/{rid}").status_code == 404
        assert other.get(f"/v1/reports/{rid}/export").status_code == 404
        assert other.post(f"/v1/reports/{rid}/generate", json={"stream": False}).status_code == 404
        assert other.delete(f"/v1/reports/{rid}").status_code == 404
        assert other.get("/v1/reports").json()["data"] == []
    # And a user outside the team cannot make a report from its collection.
    denied = lee.post("/v1/reports", json={"topic": "판매", "collection": "영업자료"})
    assert denied.status_code == 404
