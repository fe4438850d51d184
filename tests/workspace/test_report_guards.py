"""The section writer's guards, with the echo model (whose reply IS the prompt): no prompt
text reaches a report. Each section the model echoes is replaced by the passages' own
sentences, marked `drafted: "extractive"` with the reason, and every such sentence is one of
the cited passage's; exports say so; the model-drafted outline falls back to the template's
when the reply has no usable headings."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from haneul.assistant.compose import _clauses
from haneul.workspace.reports.export import EXTRACTIVE_NOTE
from haneul.workspace.reports.guard import extractive, section_problem
from haneul.workspace.reports.outline import headings
from haneul.workspace.reports.writer import SUMMARY_KO, SYSTEM_KO
from tests.conftest import RunningServer, add_echo_models, start_server, stop_server

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
PROMPT_TEXT = ("보고서 주제", "작성할 항목", "자료:", "다음 글")


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    home = tmp_path_factory.mktemp("report-guards")
    add_echo_models(home)
    running = start_server(home, default_model="echo")
    http = running.http()
    assert http.post("/collections", json={"name": "영업자료"}).status_code == 201
    for name, text in (("3분기실적.txt", SALES), ("시장동향.txt", MARKET)):
        files = [("files", (name, text.encode()))]
        assert http.post("/collections/영업자료/documents", files=files).status_code == 200
    yield running
    stop_server(running)


def _report(http: httpx.Client, outline: list[str] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"topic": "전기차 판매 현황", "collection": "영업자료"}
    body |= {"template": "주간 업무 보고"} if outline is None else {"outline": outline}
    made = http.post("/v1/reports", json=body)
    assert made.status_code == 201, made.text
    return dict(made.json())


def assert_no_prompt(text: str) -> None:
    for label in PROMPT_TEXT:
        assert label not in text, text
    flat = re.sub(r"\s+", "", text)
    for clause in _clauses(SYSTEM_KO) + _clauses(SUMMARY_KO):
        assert clause not in flat, text


def test_an_echoed_prompt_never_reaches_the_report(srv: RunningServer) -> None:
    http = httpx.Client(base_url=srv.url, timeout=120)
    rid = _report(http, ["판매 실적", "시장 위험"])["id"]
    done = http.post(f"/v1/reports/{rid}/generate", json={"model": "echo", "stream": False})
    assert done.status_code == 200, done.text
    report = done.json()
    assert report["status"] == "done" and len(report["sections"]) == 2
    for section in report["sections"]:
        assert section["drafted"] == "extractive", section
        assert "leaked" in section["reason"]
        assert_no_prompt(section["text"])
        passages = {c["n"]: c["text"] for c in section["citations"]}
        parts = re.findall(r"(.+?)\s*\[(\d+)\]", section["text"])
        assert parts, section["text"]
        for sentence, n in parts:  # every sentence is its cited passage's own
            assert sentence.strip() in re.sub(r"\s+", " ", passages[int(n)]), sentence
    for row in report["table"][1:]:
        assert_no_prompt(row[1])
    assert any("부산" in s["text"] or "배터리" in s["text"] for s in report["sections"])

    md = http.get(f"/v1/reports/{rid}/export", params={"format": "markdown"}).text
    assert_no_prompt(md)
    assert md.count(EXTRACTIVE_NOTE) == 2
    assert re.findall(r"^## (.+)$", md, re.M) == ["판매 실적", "시장 위험", "요약표", "출처"]


def test_outline_falls_back_to_the_template(srv: RunningServer) -> None:
    http = httpx.Client(base_url=srv.url, timeout=60)
    report = _report(http)
    drafted = http.post(f"/v1/reports/{report['id']}/outline", json={"model": "echo"})
    assert drafted.status_code == 200, drafted.text
    body = drafted.json()
    assert body["outline_drafted"] == "template" and "usable headings" in body["outline_reason"]
    assert body["outline"] == ["주요 실적", "진행 중인 업무", "이슈 및 위험", "다음 주 계획"]
    assert http.post("/v1/reports/rpt_없음/outline", json={}).status_code == 404


def test_section_guards() -> None:
    grounds = ["전기차 판매 현황", SALES]
    prompts = [SYSTEM_KO]
    good = "전기차 판매는 지난해 같은 기간보다 12% 늘었다 [1]. 부산 지점이 가장 많이 팔았다 [1]."
    assert section_problem(good, prompts=prompts, grounds=grounds) is None
    echoed = "보고서 주제: 전기차 판매 현황\n작성할 항목: 판매 실적\n\n자료:\n[1] 3분기"
    assert "leaked" in str(section_problem(echoed, prompts=prompts, grounds=grounds))
    instructed = "주어진 자료만 근거로 한국어로 간결하게 쓰고 판매가 늘었다."
    assert "leaked" in str(section_problem(instructed, prompts=prompts, grounds=grounds))
    loop = "부산 지점이 가장 많이 팔았다. " * 3
    assert "repeated" in str(section_problem(loop, prompts=prompts, grounds=grounds))
    invented = "전기차 판매는 45% 늘었다 [1]."
    assert "45%" in str(section_problem(invented, prompts=prompts, grounds=grounds))
    listed = "[1] 3분기 영업 실적 보고: 전기차 판매는 늘었다."
    assert "leaked" in str(section_problem(listed, prompts=prompts, grounds=grounds))
    passage = " ".join(f"{n}번째 문장은 자료에 그대로 있는 문장이다." for n in "일이삼사오")
    copy = passage + " [1]"
    why = section_problem(copy, prompts=prompts, grounds=[passage], passages=[passage])
    assert why == "a passage copied whole"
    english = "Sales of electric cars grew by twelve percent in Busan [1]."
    assert section_problem(english, prompts=prompts, grounds=grounds) == "not Korean prose"
    assert section_problem("  ", prompts=prompts, grounds=grounds) == "the model wrote nothing"


def test_extractive_sections_are_the_passages_own_sentences() -> None:
    hits = [{"text": SALES}, {"text": MARKET}]
    text = extractive("전기차 시장", "위험 요인", hits)
    parts = re.findall(r"(.+?)\s*\[(\d+)\]", text)
    assert 1 < len(parts) <= 3
    for sentence, n in parts:
        assert sentence.strip() in hits[int(n) - 1]["text"]
    assert "위험 요인은 배터리 원가 상승과 보조금 축소다." in text
    assert extractive("주제", "항목", [{"text": "짧다"}]) == ""
    again = extractive("전기차 시장", "위험 요인", hits, avoid=[text])  # a later section
    later = {s.strip() for s in re.findall(r"(.+?)\s*\[\d+\]", again)}
    assert later and not later & {sentence.strip() for sentence, _ in parts}


def test_outline_headings_are_read_from_json_or_a_list() -> None:
    topic = "전기차 판매 현황"
    as_json = '{"headings": ["판매 실적", "시장 동향", "판매 실적", "Risk", "보고서 주제: 전기차"]}'
    assert headings(as_json, topic) == ["판매 실적", "시장 동향"]
    copied = '{"headings": ["추진 배경", "현황 분석", "향후 과제", "전기차 판매"]}'  # the example
    assert headings(copied, topic) == []
    cut = '{ "headings": ["판매 실적", "시장 동향", "다음 분기'  # the token limit
    assert headings(cut, topic) == ["판매 실적", "시장 동향"]
    listed = "1. 판매 실적 분석\n2) 경쟁사 동향\n- 향후 계획\n- " + "아주 긴 제목" * 10
    assert headings(listed, topic) == ["판매 실적 분석", "경쟁사 동향", "향후 계획"]
    assert headings("보고서 주제: 전기차 판매 현황\n\n자료:\n[1] 3분기 영업 실적", topic) == []
