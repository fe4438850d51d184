"""Composition fixes of issue 18's second pass: markup in explanations made plain, an
explanation that only repeats the skill's sentence dropped, unasked JSON shown as a list,
and a document hit that answers in other words counted as support."""

from __future__ import annotations

from haneul.assistant import compose
from haneul.skills.builtin.documents import COSINE_THRESHOLD, supports

PROMPTS = ["당신은 하늘(Haneul)입니다. 한국어로 정확하고 친절하게, 간결하게 답합니다."]


def test_tex_and_tags_are_made_plain() -> None:
    text = "거리는 <tex>$\\sqrt{5}/5 \\approx 0.447$</tex>입니다. <b>공식</b>은 \\frac{1}{2}입니다."
    assert compose.strip_markup(text) == "거리는 √5/5 ≈ 0.447입니다. 공식은 1/2입니다."
    assert compose.strip_markup("2 < 3 이고 a<b") == "2 < 3 이고 a<b"  # not tags
    answer = "점 (2,5)와 직선 2x-y+2=0 사이의 거리는 √5/5 ≈ 0.447입니다."
    composed = compose.explain(
        answer,
        "공식 |ax+by+c|/√(a²+b²)에 넣으면 <tex>$\\sqrt{5}/5$</tex>가 됩니다.",
        question="점 (2,5)와 직선 2x−y+2=0 사이의 거리는?",
        grounds=["√5/5 ≈ 0.447214"],
        prompts=PROMPTS,
    )
    assert "<tex>" not in composed.text and "$" not in composed.text


def test_an_explanation_that_only_repeats_part_of_the_answer_is_left_out() -> None:
    answer = "점 (2,5)와 직선 2x-y+2=0 사이의 거리는 √5/5 ≈ 0.447입니다."
    composed = compose.explain(
        answer, "√5/5 ≈ 0.447입니다.", question="거리는?", grounds=[], prompts=PROMPTS
    )
    assert composed.text == answer and composed.explanation == "dropped"


def test_unasked_json_with_several_values_is_shown_as_a_list() -> None:
    gate = compose.Gate("서울의 명소 세 곳", PROMPTS)
    assert gate.feed('[{"task": "경복궁", "due": null}, {"task": "남산타워"}, ') == ""
    gate.feed('{"task": "북촌 한옥마을"}]')
    rest, composed = gate.close()
    assert rest == composed.text == "- 경복궁\n- 남산타워\n- 북촌 한옥마을"
    assert composed.explanation == "kept"


def test_unasked_json_that_says_nothing_is_still_dropped() -> None:
    for question, body in (
        ("안녕하세요!", '[{"task": "답", "due": null}, {"task": "인사"}]'),
        ("오늘 뭐 하지?", '[{"task": "오늘 뭐 하지?", "due": null}]'),
    ):
        gate = compose.Gate(question, PROMPTS)
        gate.feed(body)
        _, composed = gate.close()
        assert composed.explanation == "dropped" and composed.reason
        assert "task" not in composed.text


def test_a_hit_close_in_meaning_supports_a_naturally_phrased_question() -> None:
    rule = {"text": "제3조 (경조사 휴가) 본인 결혼 시 5일, 자녀 결혼 시 1일의 경조사 휴가를 준다."}
    # words in common enough (결혼하면 counts as 결혼: documents._CONDITIONS)
    assert supports("본인 결혼하면 휴가 며칠 받아?", {**rule, "cosine": None})
    question = "식 올리면 며칠 쉴 수 있어?"
    assert not supports(question, {**rule, "cosine": None})  # few words in common
    assert supports(question, {**rule, "cosine": COSINE_THRESHOLD + 0.01})
    assert not supports("주차 지원 돼?", {**rule, "cosine": COSINE_THRESHOLD - 0.05})


def test_a_citation_in_square_brackets_is_cut_too() -> None:
    text = "고양이는 조용한 편입니다. [출처: 고양이 커뮤니티] 강아지는 산책이 필요해요 [출처:"
    assert compose.strip_citations(text) == "고양이는 조용한 편입니다. 강아지는 산책이 필요해요"
    marked = "경조사 휴가는 5일입니다 [1]."
    assert compose.strip_citations(marked, 1) == marked
