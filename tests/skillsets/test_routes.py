"""Skillsets over HTTP: the Skill Trainer's routes and CLOVA's final answer, on the app in
this process (echo models, real SQLite, real e5), calling the travel and car-rental stand-in
partners over real HTTP on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest

from tests.conftest import AppClient, in_process_settings
from tests.skillsets.conftest import TOKEN, examples

RENT = {"baseOperation": {"header": {"Authorization": f"Bearer {TOKEN}"}}}


def _rows(name: str) -> list[dict[str, Any]]:
    return [
        {"text": e.text, "operationId": e.operation, "arguments": e.arguments}
        for e in examples(name)
    ]


class Trainer:
    def __init__(self, app: AppClient, key: str, other: str) -> None:
        self.app, self.key, self.other = app, key, other

    def call(self, method: str, path: str, key: str | None = None, **kw: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {key or self.key}", **kw.pop("headers", {})}
        return self.app.request(method, path, headers=headers, **kw)

    def answer(self, sid: str, query: str, version: str = "latest", **body: Any) -> Any:
        path = f"/v1/skillsets/{sid}/versions/{version}/final-answer"
        reply = self.call("POST", path, json={"query": query, **body})
        assert reply.status_code == 200, reply.text
        assert reply.json()["status"] == {"code": "20000", "message": "OK"}
        return reply.json()["result"]


@pytest.fixture(scope="module")
def trainer(
    partners: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Trainer]:
    home: Path = tmp_path_factory.mktemp("skillsets")
    app = AppClient(in_process_settings(home))
    try:
        _, key = app.app.state.keys.create("여행사")
        _, other = app.app.state.keys.create("다른 회사")
        yield Trainer(app, key, other)
    finally:
        app.close()


@pytest.fixture(scope="module")
def published(trainer: Trainer) -> str:
    """A travel + car-rental skillset trained on the bench's 48 utterances, published."""
    made = trainer.call(
        "POST",
        "/v1/skillsets",
        json={"name": "여행과 렌터카", "manifests": ["travel", "car_rental"]},
    )
    assert made.status_code == 201, made.text
    sid = made.json()["id"]
    added = trainer.call("POST", f"/v1/skillsets/{sid}/examples", json={"examples": _rows("train")})
    assert added.json() == {"object": "skillset.examples", "added": 48, "total": 48}
    held_out = _rows("heldout")[::3]
    trained = trainer.call("POST", f"/v1/skillsets/{sid}/train", json={"heldOut": held_out})
    assert trained.status_code == 201, trained.text
    version = trained.json()
    assert (version["version"], version["published"]) == (1, False)
    report = version["report"]
    assert report["examples"] == 48 and report["operations"]["none"] == 8
    assert report["heldOut"]["trained"]["end_to_end"] > report["heldOut"]["untrained"]["end_to_end"]
    done = trainer.call("POST", f"/v1/skillsets/{sid}/versions/1/publish")
    assert done.json()["published"] is True
    return sid


def test_a_search_calls_the_partner_and_answers_from_its_result(
    trainer: Trainer, published: str, partners: dict[str, str]
) -> None:
    result = trainer.answer(published, "부산 가면 어디서 자야 돼? 숙소 알아봐줘")
    (call,) = result["apiResult"]
    assert call["operationId"] == "searchHotels" and call["nameForHuman"] == "여행 검색"
    assert unquote(call["url"]) == f"{partners['travel']}/hotels?city=부산"
    assert call["requestBody"] is None
    assert call["responseBody"][0]["name"] == "해운대 오션호텔"
    assert "해운대 오션호텔" in result["finalAnswer"] and "180000" in result["finalAnswer"]
    assert "hotels 부산 1" in httpx.get(partners["travel"] + "/calls").json()

    plan = trainer.call(
        "POST",
        f"/v1/skillsets/{published}/versions/1/plan",
        json={"query": "광주에서 김포까지 제일 빠른 비행기"},
    ).json()
    assert plan["operationId"] == "searchFlights"
    assert plan["arguments"] == {"origin": "광주", "destination": "김포"}
    assert max(plan["scores"], key=plan["scores"].get) == "searchFlights"


def test_a_booking_waits_for_the_users_confirmation(
    trainer: Trainer, published: str, partners: dict[str, str]
) -> None:
    rent = partners["car_rental"]
    auth = {"Authorization": f"Bearer {TOKEN}"}
    result = trainer.answer(published, "JE-101 이걸로 내일 예약해 줘", requestOverride=RENT)
    assert result["apiResult"] == []
    pending = result["confirmation"]
    assert pending["operationId"] == "createReservation"
    assert pending["arguments"] == {"car_id": "JE-101", "date": "내일", "days": 1}
    assert "실행할까요" in result["finalAnswer"]
    assert httpx.get(rent + "/reservations", headers=auth).json() == []  # nothing booked yet

    path = f"/v1/skillsets/{published}/versions/1/confirmations/{pending['id']}"
    done = trainer.call("POST", path, json={"approve": True, "requestOverride": RENT})
    assert done.status_code == 200, done.text
    (call,) = done.json()["result"]["apiResult"]
    assert call["requestBody"] == {"car_id": "JE-101", "date": "내일", "days": 1}
    assert call["responseBody"]["status"] == "예약됨"
    assert [r["car_id"] for r in httpx.get(rent + "/reservations", headers=auth).json()] == [
        "JE-101"
    ]
    again = trainer.call("POST", path, json={"approve": True, "requestOverride": RENT})
    assert again.status_code == 409
    assert again.json()["status"]["code"] == "40900"  # CLOVA's shape on CLOVA's route

    declined = trainer.answer(published, "R-1001 취소해 주세요")["confirmation"]
    path = f"/v1/skillsets/{published}/versions/1/confirmations/{declined['id']}"
    kept = trainer.call("POST", path, json={"approve": False}).json()["result"]
    assert kept["apiResult"] == [] and "취소했습니다" in kept["finalAnswer"]
    assert httpx.get(rent + "/reservations", headers=auth).json()[0]["status"] == "예약됨"


def test_without_credentials_the_partner_refusal_is_reported(
    trainer: Trainer, published: str
) -> None:
    result = trainer.answer(
        published,
        "제주에서 렌트 가능한 차 뭐 있어?",
        requestOverride={
            "baseOperation": {"header": {"Authorization": "Bearer 틀린-키".encode().hex()}}
        },
    )
    (call,) = result["apiResult"]
    assert call["operationId"] == "searchCars"
    assert "처리하지 못했습니다" in result["finalAnswer"] and "401" in result["finalAnswer"]
    found = trainer.answer(published, "제주에서 렌트 가능한 차 뭐 있어?", requestOverride=RENT)
    assert "아반떼" in found["finalAnswer"]


def test_out_of_scope_and_missing_arguments_make_no_call(trainer: Trainer, published: str) -> None:
    result = trainer.answer(published, "여행 경비 아끼는 팁 알려줘")
    assert result["apiResult"] == [] and "답할 수 없는 요청" in result["finalAnswer"]
    asked = trainer.answer(published, "호텔 좀 찾아줘")
    assert asked["apiResult"] == [] and "도시 이름" in asked["finalAnswer"]


def test_a_follow_up_reads_the_previous_turn(trainer: Trainer, published: str) -> None:
    history = [
        {"role": "user", "content": "부산 호텔 찾아줘"},
        {"role": "assistant", "content": "해운대 오션호텔, 광안리 스테이가 있습니다."},
    ]
    result = trainer.answer(published, "그럼 제주는?", chatHistory=history)
    (call,) = result["apiResult"]
    assert call["operationId"] == "searchHotels" and unquote(call["url"]).endswith("city=제주")
    assert "제주 한라호텔" in result["finalAnswer"]


def test_the_answer_streams_clova_events(trainer: Trainer, published: str) -> None:
    reply = trainer.call(
        "POST",
        f"/v1/skillsets/{published}/versions/1/final-answer",
        json={"query": "김포에서 울산 가는 항공권 검색해줘"},
        headers={"Accept": "text/event-stream"},
    )
    assert reply.headers["content-type"].startswith("text/event-stream")
    names = [
        line.removeprefix("event: ")
        for line in reply.text.splitlines()
        if line.startswith("event: ")
    ]
    assert names == ["planning", "cot", "finalAnswer"]
    assert '"operationId":"searchFlights"' in reply.text and "김포→울산" in reply.text


def test_errors_and_ownership(trainer: Trainer, published: str) -> None:
    made = trainer.call(
        "POST", "/v1/skillsets", json={"name": "빈 스킬셋", "manifests": ["travel"]}
    ).json()
    few = trainer.call("POST", f"/v1/skillsets/{made['id']}/train", json={})
    assert few.status_code == 400 and "at least 30" in few.json()["error"]["message"]
    unpublished = trainer.call(
        "POST",
        f"/v1/skillsets/{made['id']}/versions/latest/final-answer",
        json={"query": "부산 호텔"},
    )
    assert unpublished.status_code == 404 and unpublished.json()["status"]["code"] == "40400"
    streamed = trainer.call(
        "POST",
        f"/v1/skillsets/{published}/versions/9/final-answer",
        json={"query": "부산 호텔"},
        headers={"Accept": "text/event-stream"},
    )
    assert streamed.status_code == 404 and "no version 9" in streamed.json()["status"]["message"]
    bad = trainer.call(
        "POST", f"/v1/skillsets/{published}/versions/영/final-answer", json={"query": "부산 호텔"}
    )
    assert bad.status_code == 400 and bad.json()["status"]["code"] == "40001"
    for override in ({"operations": [1]}, {"baseOperation": {"header": {"X-키": "값"}}}):
        refused = trainer.call(
            "POST",
            f"/v1/skillsets/{published}/versions/1/final-answer",
            json={"query": "부산 호텔", "requestOverride": override},
        )
        assert refused.status_code == 400 and refused.json()["status"]["code"] == "40001"
    wrong = trainer.call(
        "POST",
        f"/v1/skillsets/{made['id']}/examples",
        json={"examples": [{"text": "차 빌려줘", "operationId": "searchCars"}]},
    )
    assert wrong.status_code == 400 and "searchCars" in wrong.json()["error"]["message"]
    duplicate = trainer.call(
        "POST", "/v1/skillsets", json={"name": "빈 스킬셋", "manifests": ["travel"]}
    )
    assert duplicate.status_code == 409

    # Another owner sees none of it.
    listed = trainer.call("GET", "/v1/skillsets", key=trainer.other).json()["data"]
    assert listed == []
    assert trainer.call("GET", f"/v1/skillsets/{published}", key=trainer.other).status_code == 404
    theirs = trainer.call(
        "POST",
        f"/v1/skillsets/{published}/versions/1/final-answer",
        key=trainer.other,
        json={"query": "부산 호텔 찾아줘"},
    )
    assert theirs.status_code == 404 and theirs.json()["status"]["code"] == "40400"


def test_a_manifest_registered_inline(trainer: Trainer, partners: dict[str, str]) -> None:
    spec = {
        "openapi": "3.0.3",
        "info": {"title": "호텔", "version": "1"},
        "paths": {
            "/hotels": {
                "get": {
                    "operationId": "findHotels",
                    "summary": "도시의 호텔 찾기",
                    "parameters": [
                        {
                            "name": "city",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {"200": {"description": "호텔 목록"}},
                }
            }
        },
    }
    manifest = {
        "name_for_human": "우리 호텔",
        "name_for_model": "our_hotels",
        "description_for_model": "Find hotels.",
        "openapi": spec,
        "base_url": partners["travel"],
        "answers": {"findHotels": "{0.name}이(가) 1박 {0.price_per_night}원입니다."},
    }
    made = trainer.call("POST", "/v1/skillsets", json={"name": "인라인", "manifests": [manifest]})
    assert made.status_code == 201, made.text
    sid = made.json()["id"]
    rows = [
        {"text": f"{city} 호텔 찾아줘", "operationId": "findHotels", "arguments": {"city": city}}
        for city in ("부산", "제주", "강릉", "여수", "속초", "전주", "경주", "대구", "목포", "춘천")
    ] * 3
    trainer.call("POST", f"/v1/skillsets/{sid}/examples", json={"examples": rows})
    assert trainer.call("POST", f"/v1/skillsets/{sid}/train", json={}).status_code == 201
    result = trainer.answer(sid, "제주 호텔 찾아줘", version="1")
    assert result["finalAnswer"].startswith("제주 한라호텔이(가) 1박 150000원입니다.")
    bad = dict(manifest, openapi="hotels.yaml")
    refused = trainer.call("POST", "/v1/skillsets", json={"name": "경로", "manifests": [bad]})
    assert refused.status_code == 400 and "OpenAPI document itself" in refused.text
