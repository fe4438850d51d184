"""Place arguments (city, origin, destination, location) are places by construction: a known
place name or a noun before a locative particle, never a verb form, whatever read them (the
manifest's patterns, learned patterns, seen values). The first three utterances are the
held-out failures reported on 2026-12-05; the others are new."""

from __future__ import annotations

import pytest

from haneul.skills.openapi import OpenApiSkill, load_manifest
from haneul.skillsets.arguments import Example, fill, learn, place_ok


@pytest.fixture(scope="module")
def operations() -> dict[str, OpenApiSkill]:
    with pytest.MonkeyPatch.context() as patch:  # fill() calls nobody: any loopback URL
        patch.setenv("HANEUL_TRAVEL_URL", "http://127.0.0.1:9")
        patch.setenv("HANEUL_CAR_RENTAL_URL", "http://127.0.0.1:9")
        skills = [*load_manifest("travel"), *load_manifest("car_rental")]
    return {s.operation_id: s for s in skills}


@pytest.mark.parametrize(
    ("text", "city"),
    [
        ("목포에 하룻밤 묵을 호텔 있나?", "목포"),  # was «묵을»
        ("인천에서 2박 할 숙소 찾아줘", "인천"),  # was «할»
        ("안동 게스트하우스나 호텔 있을까", "안동"),  # was «게스트하우스나»
        ("여름휴가로 삼척에 놀러 갈 건데 잘 만한 호텔", "삼척"),
        ("부모님 모시고 갈 숙소, 담양 쪽으로", "담양"),
        ("제주도 호텔 알아봐줘", "제주"),
        ("부산시 숙소 추천", "부산"),
        ("무릉에서 묵을 호텔", "무릉"),  # not in the list, but a noun before 에서
    ],
)
def test_a_hotel_city_is_a_place_never_a_verb_form(
    operations: dict[str, OpenApiSkill], text: str, city: str
) -> None:
    arguments, missing = fill(operations["searchHotels"], text)
    assert (arguments.get("city"), missing) == (city, [])


@pytest.mark.parametrize(
    "text",
    ["조용히 쉴 호텔 찾아줘", "가족이랑 머물 숙소 알려줘", "바다 보이는 호텔 추천해줘"],
)
def test_no_place_in_the_utterance_leaves_the_city_missing(
    operations: dict[str, OpenApiSkill], text: str
) -> None:
    arguments, missing = fill(operations["searchHotels"], text)
    assert "city" not in arguments
    assert missing == ["city"]


def test_learned_patterns_and_values_pass_the_same_check(
    operations: dict[str, OpenApiSkill],
) -> None:
    said = [
        Example("강릉에서 묵을 호텔", "searchHotels", {"city": "강릉"}),
        # a mislabelled example: «묵을» is no place, so it is neither a value nor a pattern
        Example("하룻밤 묵을 숙소", "searchHotels", {"city": "묵을"}),
        Example("여수 가서 탈 차", "searchCars", {"location": "여수"}),
    ]
    learned = learn(said, list(operations))
    assert "묵을" not in learned["searchHotels"].values["city"]
    assert all("묵을" not in p.split("(?P")[0] for p in learned["searchHotels"].patterns["city"])
    # the learned «… 묵을» context reads the word before it only if it is a place
    assert fill(operations["searchHotels"], "속초에서 묵을 호텔", learned["searchHotels"])[0] == {
        "city": "속초"
    }
    arguments, missing = fill(operations["searchHotels"], "혼자 묵을 호텔", learned["searchHotels"])
    assert (arguments.get("city"), missing) == (None, ["city"])
    cars = fill(operations["searchCars"], "통영 가서 탈 차 있어?", learned["searchCars"])[0]
    assert cars == {"location": "통영"}


def test_flight_places_keep_their_order(operations: dict[str, OpenApiSkill]) -> None:
    arguments, missing = fill(operations["searchFlights"], "김포에서 제주 가는 비행기 찾아줘")
    assert (arguments, missing) == ({"origin": "김포", "destination": "제주"}, [])
    # one place known, the other missing: the known one is not guessed into both
    arguments, missing = fill(operations["searchFlights"], "내일 떠나는 비행기 알려줘")
    assert missing == ["destination", "origin"]


def test_the_place_rule() -> None:
    assert place_ok("목포", "아무 말")  # known
    assert place_ok("청송군", "청송군 숙소")  # known without 군
    assert place_ok("무릉", "무릉에 가요")  # a noun before 에
    assert not place_ok("무릉", "무릉 좋아")  # unknown and no particle
    assert not place_ok("묵을", "묵을에 가요")  # a verb form, even before a particle
    assert not place_ok("하룻밤", "하룻밤에 10만원")  # a time, not a place
    assert not place_ok("게스트하우스나", "안동 게스트하우스나 호텔")
