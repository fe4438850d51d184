"""How document_table labels a row (skills/builtin/table.py): an article heading, a colon's
label, or the topic before Kiwi's 은/는, and never a cut inside a word."""

from __future__ import annotations

import pytest

from haneul.skills.builtin.table import _row, parse
from haneul.skills.documents_source import Sentence


@pytest.mark.parametrize(
    ("sentence", "item", "content"),
    [
        (
            "제3조 (경조사 휴가) 본인 결혼 시 5일의 휴가를 준다.",
            "제3조 (경조사 휴가)",
            "본인 결혼 시 5일의 휴가를 준다.",
        ),
        (
            "2. 식비: 하루 3만 원 한도에서 실비로 정산한다.",
            "2. 식비",
            "하루 3만 원 한도에서 실비로 정산한다.",
        ),
        ("연차휴가는 반일 단위로 나누어 쓸 수 있다.", "연차휴가", "반일 단위로 나누어 쓸 수 있다."),
        # the 가 of 휴가 and the 는 of 하는 are no particles: no label, the whole sentence
        ("하늘전자 휴가 규정 (2026년 개정)", "내용", "하늘전자 휴가 규정 (2026년 개정)"),
        ("출근하는 직원 모두 10시까지 출근한다.", "내용", "출근하는 직원 모두 10시까지 출근한다."),
    ],
)
def test_a_row_is_labelled_by_the_sentence_s_own_words(
    sentence: str, item: str, content: str
) -> None:
    _, got_item, got_content, _ = _row(Sentence(sentence))
    assert (got_item, got_content) == (item, content)


def test_a_sentence_with_a_number_ranks_above_one_without() -> None:
    with_fact = _row(Sentence("병가는 연 60일까지 쓸 수 있다."))[0]
    without = _row(Sentence("병가는 부서장에게 알린다."))[0]
    plain_fact = _row(Sentence("1년간 출근한 직원에게 15일을 준다."))[0]
    assert with_fact > plain_fact > without


@pytest.mark.parametrize(
    ("message", "asks"),
    [
        ("휴가 규정 문서를 표로 정리해줘", True),
        ("출장비규정.txt 표 만들어 줘", True),
        ("이 내용을 표 형식으로 보여줘", True),
        ("도표로 보여줘", True),
        ("투표 결과를 표로 정리해줘", True),
        # 표 inside another word asks for no table: an advice question went to document_table
        ("발표할 때 긴장을 줄이는 방법은?", False),
        ("대표이사는 누구야?", False),
        ("올해 목표 세우는 법", False),
        ("표시된 금액은 얼마야?", False),
    ],
)
def test_a_table_is_asked_for_only_by_the_word_표(message: str, asks: bool) -> None:
    assert (parse(message) is not None) == asks


def test_a_request_naming_parts_of_a_rule_book_gets_those_parts() -> None:
    """«출장비 규정 표로 정리해줘» over a whole rule book made a table of every article: a
    request naming some articles gets theirs; naming the document (or nothing) gets it all."""
    from haneul.skills.builtin.table import focus
    from haneul.skills.documents_source import Sentence

    book = [
        Sentence("하늘상사 취업규칙\n\n제1조 (연차휴가) 15일의 연차휴가를 준다."),
        Sentence("반차 두 번은 연차 하루로 센다."),
        Sentence("제2조 (여름휴가) 여름휴가는 5일을 준다."),
        Sentence("제5조 (출장비) 숙박비는 1박에 10만 원을 한도로 한다."),
        Sentence("식비는 하루 3만 원을 지급한다."),
        Sentence("제6조 (재택근무) 재택근무는 주 2회까지 할 수 있다."),
    ]

    def kept(about: str, name: str = "취업규칙.txt") -> list[int]:
        return [book.index(s) for s in focus(book, about, name)]

    assert kept("출장비 규정 표로 정리해줘") == [3, 4]
    assert kept("연차 규정 요약해줘") == [0, 1]
    assert kept("휴가 규정 요약해줘") == [0, 1, 2]
    assert kept("재택근무랑 출장비 표로 보여줘") == [3, 4, 5]
    assert kept("이 문서 요약해줘") == kept("취업규칙 요약해줘") == list(range(6))
    assert kept("휴가 규정 요약해줘", name="휴가규정.txt") == list(range(6))  # the document's name
