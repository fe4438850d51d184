"""보고서 작성 on the bundled haneul-mini-ko, not the echo model: a report from a collection of
KorQuAD paragraphs (the shared data set), its outline drafted by the model (or the template's
when the model's does not parse), each section the model's draft that passed the guards or
the passages' own sentences; no prompt text anywhere; every cited passage is a paragraph
the collection holds; DOCX and HWPX read back with the same headings, table and citations
as the Markdown; and the editor shows it (screenshot `reports-real-model.png`)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, expect

from haneul.engine.catalog import MINI_KO
from haneul.knowledge.loaders.hwpx import load_hwpx
from haneul.workspace.reports.guard import section_problem
from tests.conftest import SHARED_DATA, RunningServer, start_server, stop_server
from tests.web.conftest import ARTIFACTS
from tests.workspace.test_report_guards import assert_no_prompt
from tests.workspace.test_reports import docx_parts, hwpx_parts

KORQUAD = SHARED_DATA / "korquad" / "korquad_v1.0_dev_even.json"
ARTICLE, TOPIC = "암호화폐", "암호화폐의 개념과 블록체인 기술"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not KORQUAD.exists(), reason="shared data absent"),
]


@pytest.fixture(scope="module")
def paragraphs() -> dict[str, str]:
    data = json.loads(KORQUAD.read_text(encoding="utf-8"))["data"]
    article = next(a for a in data if a["title"] == ARTICLE)
    return {f"{ARTICLE}_{n}.txt": p["context"] for n, p in enumerate(article["paragraphs"], 1)}


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    home = tmp_path_factory.mktemp("report-real")
    running = start_server(home, default_model=MINI_KO, parallel="1", ctx_size="2048")
    yield running
    stop_server(running)


def test_report_on_the_bundled_model(
    srv: RunningServer, paragraphs: dict[str, str], browser: Browser
) -> None:
    http = httpx.Client(base_url=srv.url, timeout=600)
    assert http.post("/v1/collections", json={"name": "암호화폐자료"}).status_code == 201
    for name, text in paragraphs.items():
        files = [("files", (name, text.encode()))]
        assert http.post("/v1/collections/암호화폐자료/documents", files=files).status_code == 200

    made = http.post("/v1/reports", json={"topic": TOPIC, "collection": "암호화폐자료"}).json()
    drafted = http.post(f"/v1/reports/{made['id']}/outline", json={"top_k": 3}).json()
    assert drafted["outline_drafted"] in ("model", "template"), drafted
    if drafted["outline_drafted"] == "template":
        assert drafted["outline"] == ["개요", "주요 내용", "결론"] and drafted["outline_reason"]
    for heading in drafted["outline"]:
        assert_no_prompt(heading)
    outline = ["암호화폐의 개념", "블록체인 기술"]  # the user's edit, kept short for the test
    assert http.patch(f"/v1/reports/{made['id']}", json={"outline": outline}).status_code == 200

    done = http.post(f"/v1/reports/{made['id']}/generate", json={"stream": False, "top_k": 2})
    assert done.status_code == 200, done.text
    report = done.json()
    assert report["status"] == "done", report.get("error")
    for section in report["sections"]:
        text = section["text"]
        assert_no_prompt(text)
        assert section["drafted"] in ("model", "extractive"), section
        if section["drafted"] == "model":  # by construction it passed the guards
            passages = [c["text"] for c in section["citations"]]
            grounds = [TOPIC, section["heading"], *passages]
            assert section_problem(text, prompts=[], grounds=grounds, passages=passages) is None
        assert {int(n) for n in re.findall(r"\[(\d+)\]", text)} <= {
            c["n"] for c in section["citations"]
        }
        for c in section["citations"]:  # every cited passage is one the collection holds
            assert c["text"].strip() in paragraphs[c["document"]], c

    md = http.get(f"/v1/reports/{made['id']}/export", params={"format": "markdown"}).text
    md_headings = re.findall(r"^## (.+)$", md, re.M)
    assert md_headings == [*outline, "요약표", "출처"]
    md_table = [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in md.splitlines()
        if line.startswith("| ")
    ]
    md_cites = [line[2:] for line in md.split("## 출처\n")[1].splitlines() if line]
    word = http.get(f"/v1/reports/{made['id']}/export", params={"format": "docx"}).content
    hangul = http.get(f"/v1/reports/{made['id']}/export", params={"format": "hwpx"}).content
    for headings, table, cites in (docx_parts(word), hwpx_parts(hangul)):
        assert (headings, table, cites) == (md_headings, md_table, md_cites)
    loaded = load_hwpx("report.hwpx", hangul)
    assert [s.heading for s in loaded.sections if s.heading] == md_headings

    page = browser.new_page(locale="ko-KR", viewport={"width": 1280, "height": 900})
    page.goto(srv.url + "/reports")
    page.wait_for_selector("body[data-ready=true]")
    page.get_by_role("button", name=TOPIC).click()
    expect(page.locator("#sections h3")).to_have_text(outline)
    shown = page.locator("#sections").inner_text()
    assert_no_prompt(shown)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "reports-real-model.png"), full_page=True)
    page.close()
