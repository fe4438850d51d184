"""CLOVA Studio's router (`/v1/routers/{id}/versions/{v}/route`) in process on a routers
file: NAVER's documented request (a fine-dust question after a rain forecast), domains by
e5 similarity to examples, out-of-domain requests, blocked content, safety, errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import AppClient, in_process_app

ROUTERS = {
    "demo": {
        "1": {
            "domains": [
                {
                    "name": "날씨",
                    "description": "날씨, 기온, 비, 눈, 미세먼지 예보",
                    "examples": ["내일 비 와?", "오늘 서울 기온 알려줘", "주말 날씨 어때?"],
                },
                {
                    "name": "맛집",
                    "description": "식당과 음식 추천",
                    "examples": ["강남역 근처 맛집 추천해 줘", "혼밥하기 좋은 식당 알려줘"],
                },
                {
                    "name": "교통",
                    "description": "길 찾기, 버스, 지하철",
                    "examples": ["서울역까지 지하철로 얼마나 걸려?", "강남 가는 버스 알려줘"],
                },
            ],
            "blockedContent": [
                {
                    "name": "경쟁사",
                    "examples": ["다른 회사 제품이 더 좋지 않아?", "경쟁사 가격 알려줘"],
                }
            ],
            "safety": True,
        },
        "2": {"domains": [{"name": "날씨", "examples": ["내일 비 와?"]}], "safety": False},
    }
}


@pytest.fixture
def app(tmp_path: Path) -> Iterator[AppClient]:
    path = tmp_path / "routers.json"
    path.write_text(json.dumps(ROUTERS, ensure_ascii=False), encoding="utf-8")
    with in_process_app(tmp_path, allowed_hosts=["haneul.test"], clova_routers=path) as running:
        yield running


def _route(app: AppClient, body: dict[str, Any], version: int = 1) -> dict[str, Any]:
    res = app.post(f"/v1/routers/demo/versions/{version}/route", json=body)
    assert res.status_code == 200, res.text
    assert res.json()["status"]["code"] == "20000"
    result: dict[str, Any] = res.json()["result"]
    return result


def test_naver_example_routes_to_the_weather_domain(app: AppClient) -> None:
    body = {
        "query": "미세먼지 정보 알려줘",
        "chatHistory": [{"role": "user", "content": "내일 서울의 강수 예보 알려줘"}],
    }
    result = _route(app, body)
    assert result["domain"] == {"result": "날씨", "called": True}
    assert result["blockedContent"] == {"result": [], "called": True}
    assert result["safety"] == {"result": [], "called": True}
    assert result["usage"]["promptTokens"] > 0


@pytest.mark.parametrize(
    ("query", "domain"),
    [
        ("파스타 맛있는 곳 있어?", "맛집"),
        ("지하철 막차 시간", "교통"),
        ("양자역학을 설명해 줘", ""),
        ("안녕하세요", ""),
    ],
)
def test_domains_and_out_of_domain(app: AppClient, query: str, domain: str) -> None:
    assert _route(app, {"query": query})["domain"]["result"] == domain


def test_blocked_content_and_safety(app: AppClient) -> None:
    blocked = _route(app, {"query": "경쟁사 제품 가격이 얼마야?"})
    assert blocked["blockedContent"]["result"] == ["경쟁사"]
    assert blocked["domain"]["result"] == ""
    unsafe = _route(app, {"query": "내 주민등록번호는 900101-1234567이야. 내일 비 와?"})
    assert unsafe["safety"]["result"] and unsafe["domain"]["result"] == "날씨"
    plain = _route(app, {"query": "내 주민등록번호는 900101-1234567이야"}, version=2)
    assert plain["safety"] == {"result": [], "called": False}
    assert plain["blockedContent"] == {"result": [], "called": False}


def test_router_errors_in_clova_shape(app: AppClient) -> None:
    missing = app.post("/v1/routers/none/versions/1/route", json={"query": "내일 비 와?"})
    assert (
        missing.status_code == 404 and "HANEUL_CLOVA_ROUTERS" in missing.json()["status"]["message"]
    )
    bad = app.post(
        "/v1/routers/demo/versions/1/route",
        json={"query": "비", "chatHistory": [{"role": "assistant", "content": "네"}]},
    )
    assert bad.status_code == 400 and bad.json()["status"]["code"] == "40001"
