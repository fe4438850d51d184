"""Metric code on hand-made cases whose answer is known."""

from __future__ import annotations

import math

import pytest

from haneul.errors import InvalidRequestError
from haneul.evals import metrics
from haneul.evals.tasks import get_task, sample


def test_exact_match_ignores_spaces_and_punctuation() -> None:
    assert metrics.exact_match("1989년 2월 15일.", "1989년 2월15일") == 1.0
    assert metrics.exact_match("임수경", "임종석") == 0.0


def test_f1_is_character_level() -> None:
    # 서울시청은 vs 서울시청: 4 common characters, precision 4/5, recall 1.
    assert metrics.f1_score("서울시청은", "서울시청") == pytest.approx(2 * 0.8 * 1 / 1.8)
    assert metrics.f1_score("부산", "서울시청") == 0.0
    assert metrics.f1_score("", "서울") == 0.0


def test_best_over_golds() -> None:
    assert metrics.best_over_golds("세종대왕", ["세종", "세종대왕"]) == (1.0, 1.0)


def test_pearson_of_known_vectors() -> None:
    assert metrics.pearson([1, 2, 3], [2, 4, 6]) == pytest.approx(1.0)
    assert metrics.pearson([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    assert metrics.pearson([1, 2, 3, 4], [1, 3, 2, 4]) == pytest.approx(0.8)
    assert metrics.pearson([1, 1, 1], [1, 2, 3]) == 0.0
    assert not math.isnan(metrics.pearson([0, 5], [5, 0]))
    with pytest.raises(ValueError):
        metrics.pearson([1], [1])


@pytest.mark.parametrize(
    ("answer", "label"),
    [
        ("contradiction", "contradiction"),
        ("관계: 모순입니다.", "contradiction"),
        ("Entailment (함의)", "entailment"),
        ("중립", "neutral"),
        ("잘 모르겠어요", None),
    ],
)
def test_parse_nli_label(answer: str, label: str | None) -> None:
    assert metrics.parse_nli_label(answer) == label


def test_parse_score_clips_and_fails_cleanly() -> None:
    assert metrics.parse_score("점수: 4.5점") == 4.5
    assert metrics.parse_score("7") == 5.0
    assert metrics.parse_score("비슷합니다") is None


def test_parse_todo_json() -> None:
    good = '```json\n[{"task": "보고서 보내기", "due": "내일"}]\n```'
    assert metrics.parse_todo_json(good) == [{"task": "보고서 보내기", "due": "내일"}]
    assert metrics.parse_todo_json('{"todos": [{"task": "회의실 예약"}]}') is not None
    assert metrics.parse_todo_json("[]") is None
    assert metrics.parse_todo_json('[{"due": "내일"}]') is None
    assert metrics.parse_todo_json("할 일: 보고서") is None


def test_unknown_task_and_bad_limit_are_4xx() -> None:
    with pytest.raises(InvalidRequestError) as info:
        get_task("없는과제")
    assert "알 수 없는" in info.value.message
    with pytest.raises(InvalidRequestError):
        sample([{"id": 1}], 0, seed=0)


def test_sample_is_seeded() -> None:
    items = [{"id": i} for i in range(100)]
    assert sample(items, 5, seed=7) == sample(items, 5, seed=7)
    assert sample(items, 5, seed=7) != sample(items, 5, seed=8)
