"""OpenAPI skills: the shipped travel and car-rental manifests against stand-in partner
servers on loopback, directly and through the assistant (the booking waits for approval)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from haneul.errors import InvalidRequestError, UpstreamError
from haneul.skills import SkillArgumentError, SkillContext
from haneul.skills.openapi import OpenApiSkill, load_manifest, markdown
from tests.conftest import HANEUL, RunningServer, free_port, haneul_env

ROOT = Path(__file__).parents[2]
TOKEN = "rent-token-123"


def _start(*args: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.skills.partner_stubs", args[0], str(port), *args[1:]],
        cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(url + "/docs", timeout=1)
            return process, url
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("stand-in partner did not start")


@pytest.fixture(scope="module")
def partners() -> Iterator[dict[str, str]]:
    travel, travel_url = _start("travel")
    cars, cars_url = _start("car_rental", TOKEN)
    yield {"travel": travel_url, "car_rental": cars_url}
    for process in (travel, cars):
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def partner_env(partners: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("HANEUL_TRAVEL_URL", partners["travel"])
    monkeypatch.setenv("HANEUL_CAR_RENTAL_URL", partners["car_rental"])
    monkeypatch.setenv("HANEUL_CAR_RENTAL_TOKEN", TOKEN)
    return partners


def _skills(name: str) -> dict[str, OpenApiSkill]:
    return {s.operation_id: s for s in load_manifest(name)}


def test_each_operation_is_a_skill_with_its_schema(partner_env: dict[str, str]) -> None:
    travel, cars = _skills("travel"), _skills("car_rental")
    assert set(travel) == {"searchHotels", "searchFlights"}
    assert set(cars) == {"searchCars", "createReservation", "cancelReservation"}
    hotels = travel["searchHotels"].spec
    assert hotels.name == "travel__searchHotels" and not hotels.side_effects
    assert hotels.parameters["required"] == ["city"]
    assert hotels.parameters["properties"]["nights"]["type"] == "integer"
    reserve = cars["createReservation"].spec  # body schema from a $ref, resolved
    assert reserve.side_effects and reserve.parameters["required"] == ["car_id", "date"]
    assert cars["cancelReservation"].spec.side_effects  # DELETE
    assert travel["searchHotels"].parse("다음 주 강릉 호텔 2박 알아봐줘") == {
        "city": "강릉",
        "nights": 2,
    }
    assert cars["createReservation"].parse("JE-204 모레부터 3일 예약해 줘") == {
        "car_id": "JE-204",
        "date": "모레",
        "days": 3,
    }
    assert cars["createReservation"].parse("그 차로 렌터카 예약해줘") is None  # no car named


def test_calls_reach_the_partner_and_come_back_as_markdown(partner_env: dict[str, str]) -> None:
    travel, cars = _skills("travel"), _skills("car_rental")
    context = SkillContext()

    async def run() -> None:
        found = await travel["searchHotels"].run({"city": "부산", "nights": 2}, context)
        assert "| name | area | price_per_night | rating | total |" in found.content
        assert "| 해운대 오션호텔 | 해운대 | 180000 | 4.6 | 360000 |" in found.content
        assert found.data[1]["name"] == "광안리 스테이"
        flights = await travel["searchFlights"].run(
            {"origin": "김포", "destination": "제주"}, context
        )
        assert "대한항공" in flights.content and "김포→제주" in flights.content
        booked = await cars["createReservation"].run({"car_id": "JE-101", "date": "내일"}, context)
        assert booked.data["reservation_id"] == "R-1001" and "- status: 예약됨" in booked.content
        cancelled = await cars["cancelReservation"].run({"reservation_id": "R-1001"}, context)
        assert cancelled.data["status"] == "취소됨"

        with pytest.raises(SkillArgumentError, match="'울릉'에는 제휴 호텔이 없습니다"):
            await travel["searchHotels"].run({"city": "울릉"}, context)  # the partner's 404
        with pytest.raises(SkillArgumentError, match="nights"):
            await travel["searchHotels"].run({"city": "부산", "nights": "이틀"}, context)
        with pytest.raises(SkillArgumentError, match="'city' is a required property"):
            await travel["searchHotels"].run({}, context)

    asyncio.run(run())
    seen = httpx.get(partner_env["travel"] + "/calls").json()
    assert seen == ["hotels 부산 2", "flights 김포 제주", "hotels 울릉 1"]  # bad ones never left


def test_credentials_and_an_unreachable_partner_are_clear_errors(
    partner_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    search = _skills("car_rental")["searchCars"]
    monkeypatch.setenv("HANEUL_CAR_RENTAL_TOKEN", "wrong")
    with pytest.raises(UpstreamError, match="refused our credentials \\(401\\)"):
        asyncio.run(search.run({"location": "제주"}, SkillContext()))
    monkeypatch.setenv("HANEUL_CAR_RENTAL_TOKEN", "토큰")
    with pytest.raises(UpstreamError, match="HANEUL_CAR_RENTAL_TOKEN is not ASCII"):
        asyncio.run(search.run({"location": "제주"}, SkillContext()))
    monkeypatch.delenv("HANEUL_CAR_RENTAL_TOKEN")
    with pytest.raises(UpstreamError, match="set HANEUL_CAR_RENTAL_TOKEN"):
        asyncio.run(search.run({"location": "제주"}, SkillContext()))
    monkeypatch.setenv("HANEUL_TRAVEL_URL", f"http://127.0.0.1:{free_port()}")
    with pytest.raises(UpstreamError, match="여행 검색: ConnectError"):
        asyncio.run(_skills("travel")["searchHotels"].run({"city": "부산"}, SkillContext()))
    monkeypatch.delenv("HANEUL_TRAVEL_URL")
    with pytest.raises(InvalidRequestError, match="HANEUL_TRAVEL_URL"):
        load_manifest("travel")


def test_a_bad_manifest_is_reported(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"name_for_human": "나쁜 예", "openapi": {}}), encoding="utf-8")
    with pytest.raises(InvalidRequestError, match="name_for_model"):
        load_manifest(bad)
    spec = {
        "name_for_human": "빈 문서",
        "name_for_model": "empty",
        "description_for_model": "x",
        "openapi": {"openapi": "3.1.0"},
    }
    bad.write_text(json.dumps(spec), encoding="utf-8")
    with pytest.raises(InvalidRequestError, match="info"):
        load_manifest(bad)


def test_markdown_of_json_answers() -> None:
    assert markdown([{"이름": "가|나", "값": 1}]) == "| 이름 | 값 |\n|---|---|\n| 가\\|나 | 1 |"
    assert markdown({"상태": "예약됨"}) == "- 상태: 예약됨"
    assert markdown([]) == "(결과 없음)"


def test_the_assistant_books_a_car_only_after_approval(
    server_factory: Callable[..., RunningServer], partner_env: dict[str, str]
) -> None:
    srv = server_factory(
        skill_manifests="travel,car_rental",
        travel_url=partner_env["travel"],  # HANEUL_TRAVEL_URL, ...
        car_rental_url=partner_env["car_rental"],
        car_rental_token=TOKEN,
    )
    with srv.http() as http:
        cid = http.post("/conversations", json={}).json()["id"]

        def say(text: str) -> dict[str, object]:
            reply = http.post(f"/conversations/{cid}/messages", json={"content": text})
            assert reply.status_code == 200, reply.text
            return reply.json()

        [hotels] = say("부산 호텔 찾아줘")["skill_calls"]
        assert hotels["name"] == "travel__searchHotels" and "해운대 오션호텔" in hotels["content"]
        [cars] = say("제주 렌터카 찾아줘")["skill_calls"]
        assert cars["name"] == "car_rental__searchCars" and "JE-101" in cars["content"]
        events = say("JE-204 모레부터 3일 예약해 줘")["events"]
        asked = events[0]
        assert asked["type"] == "confirmation_required"
        assert asked["name"] == "car_rental__createReservation"
        headers = {"Authorization": f"Bearer {TOKEN}"}
        reservations = partner_env["car_rental"] + "/reservations"
        before = httpx.get(reservations, headers=headers).json()
        assert not [r for r in before if r["car_id"] == "JE-204"]  # not booked before the yes
        done = http.post(
            f"/conversations/{cid}/confirmations/{asked['id']}", json={"approve": True}
        )
        [booking] = done.json()["skill_calls"]
        assert booking["data"]["car_id"] == "JE-204" and booking["data"]["total_price"] == 360000
        after = httpx.get(reservations, headers=headers).json()
        assert [r["days"] for r in after if r["car_id"] == "JE-204"] == [3]


def test_serve_refuses_a_manifest_it_cannot_use(tmp_path: Path) -> None:
    env = haneul_env(tmp_path, skill_manifests="travel", port=str(free_port()))
    done = subprocess.run([HANEUL, "serve"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "cannot start" in done.stderr and "HANEUL_TRAVEL_URL" in done.stderr
