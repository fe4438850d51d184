"""haneul-mini-ko's v5 data recipe: v4's turns, with the bare span turns laid out question
first in most of them (v4 extracts worse when the question comes before the passage), and
nothing else changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from haneul.studio.mini_ko import docqa, recipe_v4, recipe_v5, recipe_v6, recipe_v7, recipe_v8
from haneul.studio.mini_ko.build import RECIPES
from haneul.studio.mini_ko.span_turns import QUESTION_FIRST, span_turns
from tests.conftest import SHARED_DATA

needs_data = pytest.mark.skipif(not (SHARED_DATA / "korquad").exists(), reason="shared data absent")


def _question_first(made: list[list[dict[str, str]]]) -> float:
    """The share of turns whose question comes before the passage (that holds the answer)."""
    questions = sorted(
        {qa["question"] for p in docqa._paragraphs(SHARED_DATA) for qa in p["qas"]},
        key=len,
        reverse=True,
    )
    first = 0
    for messages in made:
        user, answer = messages[-2]["content"], messages[-1]["content"]
        question = next(q for q in questions if q in user)
        first += user.find(question) < user.replace(question, "\x00" * len(question)).find(answer)
    return first / len(made)


@needs_data
def test_span_turns_put_the_question_first_in_the_share_asked() -> None:
    v4 = span_turns(SHARED_DATA, seed=0, count=300)
    v5 = span_turns(SHARED_DATA, seed=0, count=300, question_first=recipe_v5.QUESTION_FIRST)
    assert QUESTION_FIRST == 0.35 and recipe_v5.QUESTION_FIRST == 0.65
    # the same (paragraph, question) pairs and answers, laid out otherwise
    assert [m[-1] for m in v4] == [m[-1] for m in v5]
    assert 0.25 < _question_first(v4) < 0.45 and 0.55 < _question_first(v5) < 0.75
    # the same draws: a turn is v4's or v4's with its two parts the other way round
    changed = sum(a != b for a, b in zip(v4, v5, strict=True))
    assert 0.2 * len(v4) < changed < 0.4 * len(v4)


@needs_data
def test_v6_puts_the_question_first_in_nine_span_turns_in_ten() -> None:
    v5 = span_turns(SHARED_DATA, seed=0, count=300, question_first=recipe_v5.QUESTION_FIRST)
    v6 = span_turns(SHARED_DATA, seed=0, count=300, question_first=recipe_v6.QUESTION_FIRST)
    assert 0.82 < _question_first(v6) < 0.97
    # v5's pairs and answers, only the layout differs
    assert [m[-1] for m in v5] == [m[-1] for m in v6]
    assert RECIPES["v6"][0] is recipe_v6.build and recipe_v6.COUNTS == recipe_v4.COUNTS


@needs_data
def test_v7_puts_the_question_first_in_every_span_turn() -> None:
    v6 = span_turns(SHARED_DATA, seed=0, count=300, question_first=recipe_v6.QUESTION_FIRST)
    v7 = span_turns(SHARED_DATA, seed=0, count=300, question_first=recipe_v7.QUESTION_FIRST)
    assert _question_first(v7) == 1.0
    assert [m[-1] for m in v6] == [m[-1] for m in v7]
    assert RECIPES["v7"][0] is recipe_v7.build and recipe_v7.COUNTS == recipe_v4.COUNTS


@needs_data
def test_v8_writes_the_question_bare_in_three_span_turns_in_ten() -> None:
    v6 = span_turns(SHARED_DATA, seed=0, count=300, question_first=recipe_v6.QUESTION_FIRST)
    v8 = span_turns(SHARED_DATA, seed=0, count=300, question_first=0.9, bare=recipe_v8.BARE)
    assert [m[-1] for m in v6] == [m[-1] for m in v8]
    assert 0.82 < _question_first(v8) < 0.97

    def bare(messages: list[dict[str, str]]) -> bool:
        """The question is a paragraph of its own (no label, tag or heading before it)."""
        question = next(
            qa["question"]
            for p in docqa._paragraphs(SHARED_DATA)
            for qa in p["qas"]
            if qa["answers"][0]["text"] == messages[-1]["content"]
            and qa["question"] in messages[-2]["content"]
        )
        paragraphs = [
            p.removeprefix("1) ").removeprefix("2) ") for p in messages[-2]["content"].split("\n\n")
        ]
        return question in paragraphs

    assert 0.2 < sum(map(bare, v8)) / len(v8) < 0.4
    assert sum(map(bare, v6)) == 0  # bare=0 draws nothing: v6's turns are as trained
    assert RECIPES["v8"][0] is recipe_v8.build and recipe_v8.COUNTS == recipe_v4.COUNTS


@needs_data
@pytest.mark.slow  # builds two whole recipes (about 20 s of CPU each)
def test_v5_is_v4_but_for_the_span_turns(tmp_path: Path) -> None:
    v4 = recipe_v4.build(SHARED_DATA, tmp_path / "v4")
    v5 = recipe_v5.build(SHARED_DATA, tmp_path / "v5")
    assert v5["recipe"] == "v5" and v5["counts"] == v4["counts"]
    assert v5["sources"] == v4["sources"]

    def turns(work: Path) -> set[str]:
        lines = (work / "train.jsonl").read_text().splitlines()
        lines += (work / "heldout.jsonl").read_text().splitlines()
        return {json.dumps(json.loads(line)["messages"], ensure_ascii=False) for line in lines}

    only_v5 = turns(tmp_path / "v5") - turns(tmp_path / "v4")
    assert 0 < len(only_v5) <= v4["counts"]["span"]
