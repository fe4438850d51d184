"""Document summary (skills/builtin/summary.py): a summary asked for is the document's own
sentences, the best of each article or labelled part first, titles left out, in the
document's order; a text given in the message, a table asked for or another skill's request
is not this skill's."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from haneul.errors import NotFoundError
from haneul.skills import SkillArgumentError, SkillContext, SkillResult, get_skill
from haneul.skills.builtin.summary import key_sentences, parse
from haneul.skills.documents_source import Sentence, StaticDocuments

DOCS = Path(__file__).resolve().parents[2] / "bench" / "data" / "answers_docs"


def _run(arguments: dict[str, object], context: SkillContext) -> SkillResult:
    return asyncio.run(get_skill("document_summary").run(arguments, context))


def _context() -> SkillContext:
    files = [("규정", p.name, p.read_text(encoding="utf-8")) for p in sorted(DOCS.iterdir())]
    return SkillContext("인사팀", StaticDocuments({"인사팀": files}))


@pytest.mark.parametrize(
    ("utterance", "arguments"),
    [
        ("휴가규정.txt 내용을 요약해 줘", {"document": "휴가규정.txt"}),
        ("«출장비규정.txt» 내용을 요약해 줘", {"document": "출장비규정.txt"}),
        ("재택근무 지침 핵심만 간추려 줘", {"about": "재택근무 지침 핵심만 간추려 줘"}),
        ("방금 올린 문서 요점 알려줘", {"about": "방금 올린 문서 요점 알려줘"}),
        # a table asked for is document_table's
        ("출장비 지급 기준을 표로 요약해 줘", None),
        # the text to summarise is in the message
        # a text in the message is summarised itself, not a document
        (
            "이 글 좀 요약해줘: 회사는 내년부터 재택근무를 확대한다",
            {"text": "회사는 내년부터 재택근무를 확대한다"},
        ),
        (
            "다음 내용 요약해 줘\n올해 매출은 작년보다 12% 늘었고 영업이익은 줄었다.",
            {"text": "올해 매출은 작년보다 12% 늘었고 영업이익은 줄었다."},
        ),
        # no summary asked for
        ("휴가규정에서 병가는 며칠이야?", None),
        ("요약" + "가" * 130, None),
    ],
)
def test_what_asks_for_a_summary_of_a_document(
    utterance: str, arguments: dict[str, str] | None
) -> None:
    assert parse(utterance) == arguments


def test_a_regulation_is_summarised_by_the_first_sentence_of_each_article() -> None:
    result = _run({"document": "휴가규정.txt"}, _context())
    lines = result.answer.splitlines()
    assert lines[0] == "**휴가규정.txt** 요약 (문서의 문장 5개를 그대로 옮겼습니다)"
    items = [line for line in lines if line.startswith("- ")]
    assert [item[2:5] for item in items] == ["제1조", "제2조", "제3조", "제4조", "제5조"]
    assert "하늘전자 휴가 규정" not in result.answer  # the title line is no point
    text = (DOCS / "휴가규정.txt").read_text(encoding="utf-8")
    assert all(item[2:] in text for item in items)  # every word the document's own
    assert result.data[0]["text"].startswith("제1조 (연차휴가)")


def test_the_document_the_request_mentions_and_errors() -> None:
    mentioned = _run({"about": "출장비 규정 요약해줘"}, _context())
    assert mentioned.answer.startswith("**출장비규정.txt** 요약")
    assert "숙박비: 서울과 광역시는 1박에 10만 원" in mentioned.answer
    short = _run({"document": "재택근무", "points": 2}, _context())
    assert short.answer.count("\n- ") == 2
    with pytest.raises(SkillArgumentError):
        _run({"document": "휴가규정.txt", "points": 0}, _context())
    with pytest.raises(NotFoundError):
        _run({"document": "없는문서"}, _context())
    with pytest.raises(SkillArgumentError):
        _run({"document": "휴가규정.txt"}, SkillContext("인사팀"))


def test_parts_come_first_then_the_sentences_that_carry_most() -> None:
    sentences = [
        Sentence("취업 규칙", heading="취업 규칙"),
        Sentence("연차 휴가는 입사 1년 후 15일이 주어진다.", heading="취업 규칙"),
        Sentence("회사는 직원의 건강을 중요하게 생각한다.", heading="취업 규칙"),
        Sentence("근무 시간: 오전 9시부터 오후 6시까지 일한다.", heading="취업 규칙"),
        Sentence("출장비는 국내 출장 하루 3만 원이다.", heading="취업 규칙"),
        Sentence("육아휴직은 최대 1년까지 쓸 수 있다.", heading="취업 규칙"),
    ]
    # two parts (the heading's, the labelled line's): their best first, then by weight
    assert key_sentences(sentences, 3) == [1, 3, 4]
    assert key_sentences(sentences, 6) == [1, 2, 3, 4, 5]  # never the title line
    # prose with no parts: its lead, then the best of each stretch of the rest
    prose = [Sentence(f"한강 이야기 {n}번째 문장이다.") for n in range(12)]
    prose[5] = Sentence("한강의 길이는 494킬로미터이다.")
    assert key_sentences(prose, 1) == [0]
    assert key_sentences(prose, 3) == [0, 5, 7]  # 1-6 and 7-11: 5 carries most, then a tie


def test_a_pasted_text_is_summarised_in_its_own_sentences() -> None:
    """«회의록 요약해줘: 오늘 회의에서…» searched the documents and found nothing: the text in
    the message is summarised itself, and the router sends it there with documents or not."""
    from haneul.skills import builtin_and_plugin_skills
    from haneul.skills.router import SkillRouter
    from tests.skills import e5_memo

    pasted = (
        "회사는 내년부터 재택근무를 주 3회로 늘린다. 다만 신입사원은 첫 3개월 동안 사무실에 "
        "나와야 한다. 이는 적응을 돕기 위한 것이다. 직원들은 대체로 환영하는 분위기다. 일부 "
        "팀장은 협업 문제를 걱정한다. 회사는 화상회의 장비를 추가로 구입할 계획이다. 예산은 "
        "2억 원이다. 시행은 3월 1일부터다."
    )
    arguments = parse("이 글 요약해줘: " + pasted)
    assert arguments == {"text": pasted}
    result = _run(arguments, SkillContext())  # no documents needed
    lines = [line[2:] for line in result.answer.splitlines() if line.startswith("- ")]
    assert result.answer.startswith("**붙여 주신 글** 요약 (문장 4개를 그대로 옮겼습니다)")
    assert len(lines) == 4 and all(line in pasted for line in lines)
    router = SkillRouter(builtin_and_plugin_skills().values(), e5_memo.embed)
    for documents in (True, False):
        route = router.route("회의록 요약해줘: " + pasted, documents=documents)
        assert route.skill == "document_summary" and route.arguments == {"text": pasted}
    edit = router.route("이 문장 맞춤법 검사해줘: 오늘 회의는 몇시에 하나요", documents=True)
    assert edit.skill != "search_documents"  # a text to correct is no question for them
