"""The answer benchmark's check of whether an answer states the gold (bench/answers.py)."""

from __future__ import annotations

from bench.answers import states


def test_a_gold_of_two_things_is_stated_when_the_answer_names_each() -> None:
    answer = "김홍집은 귀국한 뒤 황준헌의 《조선책략》과 정관응의 《이언 (易言)》을 소개하여"
    assert states(answer, ["조선책략과 이언"])
    assert not states("김홍집은 《조선책략》을 소개하여", ["조선책략과 이언"])
    assert not states("한국 학기술원", ["한국과학기술원"])  # 과 inside a word joins nothing


def test_numbers_are_stated_within_their_rounding() -> None:
    assert states("넓이는 약 50.27입니다.", ["50.27"])
    assert states("넓이는 약 50.3입니다.", ["50.27"])
    assert not states("넓이는 약 51입니다.", ["50.27"])
