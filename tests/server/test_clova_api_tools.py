"""CLOVA Studio's text API tools (segmentation, embedding v2 and v1, summarization,
reranker) in process: the echo model as the chat model (it repeats its input, so the
summarizer's and the reranker's guards must replace its answer) and the real e5 model.
NAVER's documented request bodies are replayed with Korean text."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import AppClient, in_process_app

SEOUL = [
    "서울은 대한민국의 수도이다.",
    "서울의 인구는 약 950만 명으로 나라에서 가장 많다.",
    "한강이 서울을 동서로 가로질러 흐른다.",
    "서울에는 경복궁과 창덕궁 같은 조선의 궁궐이 남아 있다.",
]
KIMCHI = [
    "김치는 배추나 무를 소금에 절여 양념한 발효 음식이다.",
    "김치에는 고춧가루, 마늘, 젓갈 같은 양념이 들어간다.",
    "김장은 겨울을 앞두고 김치를 한꺼번에 담그는 풍습이다.",
    "잘 익은 김치는 유산균이 많아 새콤한 맛이 난다.",
]
SOCCER = [
    "축구는 두 팀이 공을 발로 차서 상대 골문에 넣는 경기이다.",
    "한 팀은 골키퍼를 포함해 열한 명의 선수로 이루어진다.",
    "월드컵은 사 년마다 열리는 국가 대항 축구 대회이다.",
    "경기 시간은 전반과 후반 각각 사십오 분이다.",
]
TEXT = " ".join(SEOUL + KIMCHI + SOCCER)


@pytest.fixture
def app(tmp_path: Path) -> Iterator[AppClient]:
    with in_process_app(tmp_path, allowed_hosts=["haneul.test"]) as running:
        yield running


def test_segmentation_finds_the_topics(app: AppClient) -> None:
    res = app.post("/v1/api-tools/segmentation", json={"text": TEXT, "segCnt": 3})
    assert res.status_code == 200, res.text
    result = res.json()["result"]
    assert res.json()["status"]["code"] == "20000"
    assert result["span"] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]
    assert result["topicSeg"] == [SEOUL, KIMCHI, SOCCER]
    assert result["inputTokens"] > 0
    automatic = app.post(
        "/v1/api-tools/segmentation", json={"text": [TEXT], "alpha": -100, "segCnt": -1}
    ).json()["result"]
    assert [4, 5, 6, 7] in automatic["span"] or [8, 9, 10, 11] in automatic["span"]
    assert [s for seg in automatic["topicSeg"] for s in seg] == SEOUL + KIMCHI + SOCCER


def test_segmentation_post_processing_and_errors(app: AppClient) -> None:
    body = {"text": TEXT, "segCnt": 3, "postProcess": True}
    merged = app.post(
        "/v1/api-tools/segmentation",
        json={**body, "postProcessMinSize": 110, "postProcessMaxSize": 1000},
    ).json()["result"]  # 97, 117 and 117 characters: Seoul's joins its only neighbour
    assert merged["topicSeg"] == [SEOUL + KIMCHI, SOCCER]
    split = app.post(
        "/v1/api-tools/segmentation",
        json={**body, "postProcessMinSize": 0, "postProcessMaxSize": 60},
    ).json()["result"]
    assert len(split["span"]) > 3
    assert all(len("".join(s)) <= 60 for s in split["topicSeg"] if len(s) > 1)
    for bad in ({"text": TEXT, "alpha": 3}, {"text": ""}, {"text": TEXT, "segCnt": 0}):
        res = app.post("/v1/api-tools/segmentation", json=bad)
        assert res.status_code == 400 and res.json()["status"]["code"] == "40001", bad


def _cos(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def test_embedding_v2_is_clova_sized(app: AppClient) -> None:
    def embed(text: str, path: str = "/v1/api-tools/embedding/v2") -> list[float]:
        res = app.post(path, json={"text": text})
        assert res.status_code == 200, res.text
        assert res.json()["result"]["inputTokens"] > 0
        vector: list[float] = res.json()["result"]["embedding"]
        return vector

    capital = embed("한국의 수도는 서울이다.")
    assert len(capital) == 1024 and all(x == 0 for x in capital[384:])
    assert math.isclose(math.sqrt(_cos(capital, capital)), 1.0, rel_tol=1e-4)
    near = embed("서울은 대한민국의 수도입니다.")
    far = embed("김치는 발효 음식이다.")
    assert _cos(capital, near) > _cos(capital, far)
    v1 = embed("한국의 수도는 서울이다.", "/v1/api-tools/embedding/clir-emb-dolphin")
    assert math.isclose(_cos(capital, v1), 1.0, rel_tol=1e-4)
    chat = app.post("/v1/api-tools/embedding/HCX-005", json={"text": "안녕"})
    assert chat.status_code == 400 and chat.json()["status"]["code"] == "40001"
    empty = app.post("/v1/api-tools/embedding/v2", json={"text": ""})
    assert empty.json()["status"]["code"] == "40001"


def test_summarization_guard_replaces_a_parroted_summary(app: AppClient) -> None:
    """The echo model answers with its input: not a summary, so each segment is stood
    for by its first sentence (the source's own words, never the whole input)."""
    body = {
        "texts": [" ".join(SEOUL), " ".join(KIMCHI)],
        "segCount": 2,
        "segMaxSize": 1000,
        "segMinSize": 0,
        "autoSentenceSplitter": True,
        "includeAiFilters": True,
    }
    res = app.post("/v1/api-tools/summarization/v2", json=body)
    assert res.status_code == 200, res.text
    result = res.json()["result"]
    lines = result["text"].split("\n")
    assert len(lines) == 2 and all(line.startswith("- ") for line in lines)
    assert lines == [f"- {SEOUL[0]}", f"- {KIMCHI[0]}"]
    assert result["inputTokens"] == len("\n".join(body["texts"]))  # echo: a token a character
    assert {f["groupName"] for f in result["aiFilter"]} >= {"curse"}
    whole = app.post(
        "/v1/api-tools/summarization/v2", json={"texts": [TEXT], "autoSentenceSplitter": False}
    ).json()["result"]["text"]
    assert whole == f"- {SEOUL[0]}"


def test_summarization_errors_in_clova_shape(app: AppClient) -> None:
    for bad in (
        {"texts": ["서울"], "segMinSize": 500, "segMaxSize": 100},
        {"texts": ["가" * 35_001]},
        {"texts": []},
        {"texts": ["서울"], "unknown": 1},
    ):
        res = app.post("/v1/api-tools/summarization/v2", json=bad)
        assert res.status_code == 400 and res.json()["status"]["code"] == "40001", bad


def test_reranker_cites_the_relevant_document(app: AppClient) -> None:
    documents = [
        {"id": "kimchi", "doc": " ".join(KIMCHI)},
        {"id": "seoul", "doc": " ".join(SEOUL)},
        {"id": "soccer", "doc": " ".join(SOCCER)},
    ]
    res = app.post(
        "/v1/api-tools/reranker",
        json={"query": "서울의 인구는 몇 명인가요?", "documents": documents, "maxTokens": 256},
    )
    assert res.status_code == 200, res.text
    result = res.json()["result"]
    # the echo model repeats the documents with their tags: replaced by the cited sentence
    assert result["result"] == f"{SEOUL[1]} <doc2>"
    assert result["citedDocuments"] == [documents[1]]
    assert result["suggestedQueries"] == []
    usage = result["usage"]
    assert usage["totalTokens"] == usage["promptTokens"] + usage["completionTokens"] > 0
    bad = app.post("/v1/api-tools/reranker", json={"query": "서울", "documents": []})
    assert bad.status_code == 400 and bad.json()["status"]["code"] == "40001"
    big = app.post(
        "/v1/api-tools/reranker", json={"query": "서울", "documents": documents, "maxTokens": 4096}
    )
    assert big.json()["status"]["code"] == "40001"


@pytest.mark.slow  # reranks long documents with the real model
def test_reranker_fits_long_documents_into_the_context(app: AppClient) -> None:
    """Three 3,000-character documents do not fit the echo model's 4,096 tokens (a token a
    character) with the answer: each is cut around its best sentence until they do."""
    filler = "이 문단은 회사의 일반적인 안내 사항을 설명하는 문장으로 채워져 있다. " * 37
    documents = [
        {"id": "a", "doc": filler * 2},
        {"id": "b", "doc": filler + SEOUL[1] + " " + filler},
        {"id": "c", "doc": filler * 2},
    ]
    assert all(len(d["doc"]) > 2900 for d in documents)
    res = app.post(
        "/v1/api-tools/reranker",
        json={"query": "서울의 인구는 몇 명인가요?", "documents": documents, "maxTokens": 512},
    )
    assert res.status_code == 200, res.text
    result = res.json()["result"]
    assert result["result"] == f"{SEOUL[1]} <doc2>"
    assert 2000 < result["usage"]["promptTokens"] <= 4096 - 512  # uncut: 3,600 and more
