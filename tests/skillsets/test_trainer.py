"""The Skill Trainer without HTTP: the real e5 model, the shipped travel and car-rental
manifests, the bench's Korean example utterances."""

from __future__ import annotations

import pytest

from haneul.errors import InvalidRequestError
from haneul.skills.openapi import load_manifest
from haneul.skillsets.arguments import Example, fill, learn
from haneul.skillsets.router import NONE
from haneul.skillsets.trainer import (
    MIN_EXAMPLES,
    Model,
    evaluate,
    operations_of,
    train,
    untrained,
)
from tests.skillsets.conftest import examples


@pytest.fixture(scope="module")
def operations(partners: dict[str, str]):  # type: ignore[no-untyped-def]
    return operations_of([*load_manifest("travel"), *load_manifest("car_rental")])


@pytest.fixture(scope="module")
def trained(operations) -> Model:  # type: ignore[no-untyped-def]
    return train(operations, examples("train"))


def test_the_trained_router_beats_the_untrained_one_on_held_out_utterances(
    operations, trained: Model
) -> None:
    held_out = examples("heldout")
    before = evaluate(untrained(operations), operations, held_out)
    after = evaluate(trained, operations, held_out)
    assert after["routing"] > before["routing"]
    assert after["end_to_end"] > before["end_to_end"]
    text = "여수 가서 탈 차 좀 찾아줘"
    assert untrained(operations).plan(operations, text).operation == "createReservation"
    plan = trained.plan(operations, text)
    assert (plan.operation, plan.arguments) == ("searchCars", {"location": "여수"})


def test_a_stored_model_plans_as_the_fitted_one(operations, trained: Model) -> None:
    again = Model.from_json(trained.to_json())
    for text in (
        "R-1008 렌터카 예약 안 할래",
        "사천에서 김포로 가는 비행기 좀 알아봐",
        "경주 역사 알려줘",
    ):
        first, second = trained.plan(operations, text), again.plan(operations, text)
        assert (first.operation, first.arguments) == (second.operation, second.arguments)
        assert first.score == pytest.approx(second.score, abs=1e-4)
    assert trained.plan(operations, "안녕, 오늘 기분 어때?").operation == NONE


def test_training_needs_thirty_utterances_of_the_skillsets_operations(operations) -> None:
    few = examples("train")[: MIN_EXAMPLES - 1]
    with pytest.raises(InvalidRequestError, match=r"at least 30 example utterances; .* has 29"):
        train(operations, few)
    wrong = [*examples("train"), Example("호텔 예약 변경해줘", "changeHotel")]
    with pytest.raises(InvalidRequestError, match=r"no operation 'changeHotel'.*searchHotels"):
        train(operations, wrong)
    bad_argument = [*examples("train"), Example("부산 호텔", "searchHotels", {"도시": "부산"})]
    with pytest.raises(InvalidRequestError, match="has no argument '도시'"):
        train(operations, bad_argument)
    with pytest.raises(InvalidRequestError, match="'searchHotels' appears twice"):
        operations_of([*load_manifest("travel"), *load_manifest("travel")])


def test_argument_patterns_are_learned_from_the_examples(operations) -> None:
    hotels, flights = operations["searchHotels"], operations["searchFlights"]
    said = [
        Example("이번 주말에 여수에서 묵을 데 찾아줘", "searchHotels", {"city": "여수"}),
        Example(
            "광주에서 제주까지 비행기표 알아봐줘",
            "searchFlights",
            {"origin": "광주", "destination": "제주"},
        ),
    ]
    learned = learn(said, operations)
    # The manifest's own patterns miss both; the learned ones read them.
    assert fill(hotels, "무릉에서 묵을 데 있나?")[1] == ["city"]
    assert fill(hotels, "무릉에서 묵을 데 있나?", learned["searchHotels"]) == ({"city": "무릉"}, [])
    arguments, missing = fill(
        flights, "원주에서 부산까지 비행기표 알아봐줘", learned["searchFlights"]
    )
    assert (arguments, missing) == ({"origin": "원주", "destination": "부산"}, [])
    # A value seen in an example is found as a word; one value never fills two arguments.
    arguments, _ = fill(flights, "제주 가는 광주 출발 항공편", learned["searchFlights"])
    assert arguments["origin"] != arguments.get("destination")
    cars = operations["createReservation"]
    days = learn([Example("JE-204로 4일 빌릴게", "createReservation", {"days": 4})], operations)
    assert fill(cars, "JE-204 빌려줘", days["createReservation"])[0]["days"] == 1  # the default
