"""NAVER's documented curl requests for CLOVA Studio's text API tools (summarization v2,
segmentation, embedding v2, reranker) and router, replayed over HTTP against a real server on
the bundled models (the default chat model haneul-mini-ko, e5), with Korean text."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.conftest import RunningServer

# NAVER's own example text for summarization (CLOVA Studio's features), shortened
FEATURES = (
    "CLOVA Studio가 제공하는 다양한 기능은 다음과 같습니다. 문장 생성 기능은 몇 가지 키워드만 "
    "입력하면 해당 키워드를 기반으로 시나리오, 자기소개서, 이메일, 마케팅 문구 같은 글을 "
    "만들어 줍니다. 요약 기능은 줄거리, 보고서, 이메일과 같이 긴 글에서 주요 요소를 파악하여 "
    "설정한 길이에 맞게 글을 줄여 줍니다. 분류 기능은 문장의 유형이나 문서의 주제를 분류합니다."
)
VPC_DOCS = [
    {
        "id": "id1",
        "doc": "VPC 삭제 오류: VPC를 삭제할 수 없습니다. VPC 안에 자원이 남아 있으면 VPC를 "
        "삭제할 수 없습니다. 삭제하려는 VPC에 연결된 모든 자원을 반납하거나 삭제해야 합니다.",
    },
    {
        "id": "id2",
        "doc": "서버 접속 오류: 서버에 접속할 수 없는 경우 방화벽 규칙(ACG)에서 접속 포트가 "
        "허용되어 있는지 확인해 주십시오.",
    },
    {
        "id": "id3",
        "doc": "요금 안내: 서버 요금은 사용한 시간만큼 부과되며, 정지된 서버도 스토리지 "
        "요금이 부과됩니다.",
    },
]


def _post(server: RunningServer, path: str, body: dict[str, object]) -> dict[str, object]:
    headers = {"X-NCP-CLOVASTUDIO-REQUEST-ID": "haneul-test-1"}
    with httpx.Client(base_url=server.url, timeout=300) as http:
        res = http.post(path, json=body, headers=headers)
    assert res.status_code == 200, res.text
    reply = res.json()
    assert reply["status"] == {"code": "20000", "message": "OK"}
    result: dict[str, object] = reply["result"]
    return result


def test_summarization_on_the_korean_model(server: RunningServer) -> None:
    body = {
        "texts": [FEATURES],
        "segMinSize": 300,
        "includeAiFilters": True,
        "autoSentenceSplitter": True,
        "segCount": -1,
        "segMaxSize": 1000,
    }
    result = _post(server, "/v1/api-tools/summarization/v2", body)
    text = str(result["text"])
    assert text.startswith("- ") and "\ufffd" not in text
    assert len(text) < len(FEATURES)  # the guard: never longer than its source
    assert isinstance(result["inputTokens"], int) and 0 < result["inputTokens"] < len(FEATURES)
    assert isinstance(result["aiFilter"], list)


def test_segmentation_and_embedding_v2(server: RunningServer) -> None:
    text = FEATURES + " " + " ".join(d["doc"] for d in VPC_DOCS)
    body = {
        "postProcessMaxSize": 1000,
        "alpha": 0.0,
        "segCnt": -1,
        "postProcessMinSize": 300,
        "text": text,
        "postProcess": False,
    }
    result = _post(server, "/v1/api-tools/segmentation", body)
    segments = result["topicSeg"]
    assert isinstance(segments, list) and len(segments) >= 2
    flat = [i for span in result["span"] for i in span]  # type: ignore[attr-defined]
    assert flat == list(range(len(flat)))
    embedded = _post(server, "/v1/api-tools/embedding/v2", {"text": "오늘 날씨 어때?"})
    assert len(embedded["embedding"]) == 1024  # type: ignore[arg-type]
    assert embedded["inputTokens"] > 0  # type: ignore[operator]


def test_reranker_answers_with_citations(server: RunningServer) -> None:
    body = {"documents": VPC_DOCS, "query": "VPC 삭제 방법 알려줘", "maxTokens": 128}
    result = _post(server, "/v1/api-tools/reranker", body)
    answer = str(result["result"])
    cited = result["citedDocuments"]
    assert answer and "\ufffd" not in answer
    assert isinstance(cited, list) and cited and all(d in VPC_DOCS for d in cited)
    for doc in cited:
        assert f"<doc{VPC_DOCS.index(doc) + 1}>" in answer
    usage = result["usage"]
    assert isinstance(usage, dict) and usage["promptTokens"] > 0


def test_router_over_http(server_factory: Callable[..., RunningServer], tmp_path: Path) -> None:
    """NAVER's router example against a real server reading its routers file."""
    routers = {
        "weather": {
            "1": {
                "domains": [
                    {"name": "날씨", "examples": ["내일 비 와?", "주말 날씨 어때?"]},
                    {"name": "맛집", "examples": ["강남역 근처 맛집 추천해 줘"]},
                ],
                "safety": True,
            }
        }
    }
    path = tmp_path / "routers.json"
    path.write_text(json.dumps(routers, ensure_ascii=False), encoding="utf-8")
    running = server_factory(clova_routers=str(path))
    body = {
        "query": "미세먼지 정보 알려줘",
        "chatHistory": [{"role": "user", "content": "내일 서울의 강수 예보 알려줘"}],
    }
    result = _post(running, "/v1/routers/weather/versions/1/route", body)
    assert result["domain"] == {"result": "날씨", "called": True}
    assert result["blockedContent"] == {"result": [], "called": False}
    with httpx.Client(base_url=running.url, timeout=60) as http:
        missing = http.post("/v1/routers/weather/versions/2/route", json=body)
    assert missing.status_code == 404 and missing.json()["status"]["code"] == "40400"
