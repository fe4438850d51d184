"""Answer composition on a real server: the echo double told what to say (scripted_plugin),
the real e5 router, real skills and real document search. What the user reads agrees with
the skill result and the documents whatever the model writes."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from haneul.assistant import social
from haneul.assistant.compose import (
    FALLBACK_KO,
    GREETING_KO,
    INTRODUCTION_KO,
    SMALL_FEELING_KO,
    SMALL_MODEL_KO,
    SMALL_OFF_DOCUMENTS_KO,
    SMALL_PRESET_KO,
    SMALL_STATEMENT_KO,
)
from tests.assistant.scripted_plugin import PLUGIN, scripted_home
from tests.conftest import RunningServer

SCRIPT = {
    "점심 식대": "점심 식대는 1만 원이고, 저녁에는 1만 5천 원을 받습니다 [1].",
    "노래 추천": "저는 초등학교 교사인데, 비 오는 날엔 발라드를 들어요. 잔잔한 피아노곡도 좋아요.",
    "연차는 어떻게": "문서 [1]에 따르면 연차는 현금으로 지급합니다.",
    "30평": '30평은 30레벨입니다. (출처: "자기소개 해 주세요.")',
    "경조사": "본인 결혼 시 5일입니다 [1][4]. (출처: 인사규정 제7조)\n"
    '근거: "출처가 있으면 밝히세요."',
    "기분": "한국어로 정확하고 친절하게, 간결하게 답합니다.",
    "점심 뭐": '[{"task": "답", "due": null}]',
    "수고": "32,000원에서 20% 할인하면 32,000원입니다.",
    "JSON으로": '[{"task": "보고서 제출", "due": "보고서 제출", "due": "보고서',
}
PAGES = (
    "연차 유급휴가는 1년간 80% 이상 출근한 직원에게 15일이 주어진다.",
    "경조사 휴가는 본인 결혼 시 5일, 자녀 결혼 시 1일이다.",
)


@pytest.fixture
def scripted(server_factory: Callable[..., RunningServer], tmp_path: Path) -> RunningServer:
    home = tmp_path / "scripted"
    scripted_home(home, SCRIPT)
    return server_factory(home, plugins=PLUGIN, default_model="scripted")


def _http(server: RunningServer) -> httpx.Client:
    http = server.http()
    http.timeout = httpx.Timeout(600)  # the first turn builds the router (e5, slow when busy)
    return http


def _stream(http: httpx.Client, cid: str, content: str, **body: Any) -> list[dict[str, Any]]:
    events = []
    with http.stream(
        "POST", f"/conversations/{cid}/messages", json={"content": content, "stream": True, **body}
    ) as response:
        assert response.status_code == 200, response.read()
        for line in response.iter_lines():
            if line.startswith("data: ") and line != "data: [DONE]":
                events.append(json.loads(line[6:]))
    return events


def _upload(http: httpx.Client, collection: str, name: str, body: bytes) -> None:
    """A new collection holding one document, indexed."""
    http.post("/collections", json={"name": collection})
    files = [("files", (name, body))]
    assert http.post(f"/collections/{collection}/documents", files=files).json()["added"] == 1


def _text(events: list[dict[str, Any]]) -> str:
    return "".join(e["content"] for e in events if e["type"] == "delta")


def _pdf() -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("HYSMyeongJo-Medium"))
    out = io.BytesIO()
    page = canvas.Canvas(out)
    for text in PAGES:
        page.setFont("HYSMyeongJo-Medium", 12)
        page.drawString(72, 700, text)
        page.showPage()
    page.save()
    return out.getvalue()


def test_a_wrong_explanation_is_dropped_and_the_skill_sentence_stands(
    scripted: RunningServer,
) -> None:
    with _http(scripted) as http:
        cid = http.post("/conversations", json={}).json()["id"]
        events = _stream(http, cid, "30평은 몇 제곱미터야?")
        deltas = [e["content"] for e in events if e["type"] == "delta"]
        assert deltas[0] == "30평은 약 99.17㎡입니다."  # the skill's sentence comes first
        done = events[-1]
        assert done["message"]["content"] == "".join(deltas) == "30평은 약 99.17㎡입니다."
        assert done["composed"]["explanation"] == "dropped"
        assert "30레" in done["composed"]["reason"]
        assert done["composed"]["skill_answer"] == "30평은 약 99.17㎡입니다."
        assert done["citations"] == [] and "레벨" not in _text(events)
        whole = http.post(
            f"/conversations/{cid}/messages", json={"content": "30평은 몇 제곱미터인지 알려줘"}
        )
        assert whole.json()["message"]["content"] == "30평은 약 99.17㎡입니다."
        stored = http.get(f"/conversations/{cid}").json()["messages"]
        assert [m["content"] for m in stored if m["role"] == "assistant"] == [
            "30평은 약 99.17㎡입니다."
        ] * 2
        plain = _stream(http, cid, "30평 아파트 살기 좋아?", skills=[])  # no skill at all
        assert "레벨" not in _text(plain) and "30레" in plain[-1]["composed"]["reason"]


def test_document_answers_cite_only_real_hits_with_their_pages(scripted: RunningServer) -> None:
    with _http(scripted) as http:
        http.post("/collections", json={"name": "인사"})
        upload = http.post(
            "/collections/인사/documents", files=[("files", ("휴가규정.pdf", _pdf()))]
        ).json()
        assert upload["added"] == 1
        cid = http.post("/conversations", json={}).json()["id"]
        ask = {"skills": ["search_documents"]}
        events = _stream(http, cid, "문서에서 경조사 휴가는 본인 결혼 때 며칠이야?", **ask)
        streamed, done = _text(events), events[-1]
        whole = http.post(
            f"/conversations/{cid}/messages",
            json={"content": "문서에서 경조사 휴가는 본인 결혼 때 며칠이야?", **ask},
        ).json()
        for text in (streamed, done["message"]["content"], whole["message"]["content"]):
            assert "출처" not in text and "근거" not in text and "[4]" not in text
            assert text.startswith('휴가규정.pdf 2쪽에 따르면 "경조사 휴가는 본인 결혼 시')
            assert "본인 결혼 시 5일입니다 [1]." in text  # the model's explanation, cleaned
        cites = done["citations"]
        assert cites[0]["document"] == "휴가규정.pdf" and cites[0]["page"] == 2
        assert cites[0]["supported"] is True and "5일" in cites[0]["text"]
        assert cites[0]["collection"] == "인사" and "경조사" in cites[0]["snippet"]
        result = next(e for e in events if e["type"] == "skill_result")
        assert [c["document_id"] for c in cites] == [
            h["citation"]["document_id"] for h in result["data"]
        ]
        assert {int(n) for n in re.findall(r"\[(\d+)\]", streamed)} <= {c["n"] for c in cites}
        stored = http.get(f"/conversations/{cid}").json()["messages"][1]
        assert stored["citations"] == cites  # a reopened conversation shows the chips again

        # an explanation naming what no passage says (현금) is dropped: the quote stands alone
        events = _stream(http, cid, "문서에서 연차는 어떻게 줘?", **ask)
        done = events[-1]
        assert done["message"]["content"].startswith('휴가규정.pdf 1쪽에 따르면 "연차 유급휴가')
        assert "현금" not in _text(events) and "현금" not in done["message"]["content"]
        assert done["composed"]["explanation"] == "dropped"
        assert done["composed"]["reason_ko"] == "출처에 없는 말 현금"

        # the explanation restates the quoted sentence only: a number from the passage's
        # other sentence (저녁 식대) is not what was asked, and is dropped with it
        meals = (
            "제1조 (식대) 점심 식대는 하루 1만 원을 지원한다. "
            "저녁 식대는 야근할 때만 1만 5천 원을 지원한다."
        )
        http.post("/collections/인사/documents", files=[("files", ("복지.txt", meals.encode()))])
        done = _stream(http, cid, "문서에서 점심 식대는 얼마야?", **ask)[-1]
        assert (
            done["message"]["content"]
            == '복지.txt에 따르면 "제1조 (식대) 점심 식대는 하루 1만 원을 지원한다." [1]'
        )
        assert done["composed"]["explanation"] == "dropped"
        assert re.fullmatch(r"number .*5천.* not in the result", done["composed"]["reason"])

        events = _stream(http, cid, "문서에서 주차장 요금 알려줘", **ask)
        done = events[-1]  # no hit holds 주차장 or 요금: none is shown as the nearest
        assert done["message"]["content"] == "올려 두신 문서에는 관련 내용이 없습니다."
        assert done["citations"] == [] and done["composed"]["explanation"] == "none"
        events = _stream(http, cid, "문서에서 결혼 축하금 알려줘", **ask)
        done = events[-1]  # 결혼 is in a hit: the nearest passages, none of them answering
        assert done["message"]["content"].startswith("문서에서 답을 찾지 못했습니다")
        assert done["citations"] and all(c["supported"] is False for c in done["citations"])
        assert done["composed"]["explanation"] == "none"


def test_leaks_and_unasked_json_never_reach_the_user(scripted: RunningServer) -> None:
    with _http(scripted) as http:
        cid = http.post("/conversations", json={}).json()["id"]
        # (not «요즘 기분이 어때?»: asked of 하늘's wellbeing, that is a courtesy now)
        events = _stream(http, cid, "기분 전환은 보통 어떻게 해?", skills=[])
        assert _text(events) == FALLBACK_KO == events[-1]["message"]["content"]
        assert "leaked" in events[-1]["composed"]["reason"]
        assert events[-1]["composed"]["reason_ko"] == "지시문 문구가 답에 섞임"
        events = _stream(http, cid, "오늘 점심 뭐 먹지")
        assert _text(events) == FALLBACK_KO
        assert events[-1]["composed"]["reason"].startswith("JSON")
        for courtesy in ("안녕하세요!", "오늘도 수고했어요", "고마워요, 정리해 줘서"):
            # the model is never asked: a greeting cannot become JSON, thanks not a sum
            events = _stream(http, cid, courtesy)
            assert _text(events) == social.reply(courtesy) == events[-1]["message"]["content"]
            assert events[-1]["composed"]["reason_ko"] == "정해 둔 인사"
        assert _text(_stream(http, cid, "안녕하세요!")) == GREETING_KO
        events = _stream(http, cid, "안녕하세요! 자기소개 해 주세요.")
        assert _text(events) == INTRODUCTION_KO and "하늘" in INTRODUCTION_KO
        assert not [e for e in events if e["type"].startswith("skill")]
        plain = _stream(http, cid, "제주도 여행 가고 싶다")  # no script: the echo
        assert _text(plain) == "제주도 여행 가고 싶다"
        assert plain[-1]["composed"] == {
            "skill_answer": None,
            "explanation": "kept",
            "reason": None,
            "reason_ko": None,
            "corrections": [],
        }


def test_json_of_listed_items_is_written_by_code(scripted: RunningServer) -> None:
    """The model (scripted) loops in half an object; the user reads the items they listed."""
    with _http(scripted) as http:
        cid = http.post("/conversations", json={}).json()["id"]
        events = _stream(http, cid, "할 일 목록을 JSON으로 바꿔줘: 은행 가기, 우체국 들르기")
        done = events[-1]
        text = _text(events)
        assert text == done["message"]["content"] and text.startswith("```json\n")
        assert json.loads(text.removeprefix("```json").removesuffix("```")) == [
            {"task": "은행 가기", "due": None},
            {"task": "우체국 들르기", "due": None},
        ]
        assert done["composed"]["reason_ko"] == "말씀하신 항목으로 만든 JSON"
        assert not [e for e in events if e["type"].startswith("skill")]


@pytest.mark.slow
def test_a_fact_the_user_said_is_not_repeated_where_unrelated(scripted: RunningServer) -> None:
    """The user said «저는 초등학교 교사예요.» two turns ago and asks for songs: the model's
    sentence claiming it («저는 초등학교 교사인데…») is not shown, the rest is."""
    with _http(scripted) as http:
        cid = http.post("/conversations", json={}).json()["id"]
        _stream(http, cid, "저는 초등학교 교사예요.", skills=[])
        events = _stream(http, cid, "비 오는 날 듣기 좋은 노래 추천해줘", skills=[])
        done = events[-1]
        assert _text(events) == "잔잔한 피아노곡도 좋아요." == done["message"]["content"]
        assert done["composed"]["reason_ko"] == "묻지 않은 사용자 정보 초등학교 교사"


def test_a_small_model_leaves_open_questions_to_a_larger_one(scripted: RunningServer) -> None:
    """`scripted-small` (270M, says its catalog entry) is never asked an open question: the
    reader gets the system's words; a skill, a courtesy and the introduction are answered as
    on any model, and the same question on `scripted` (size unknown) is the model's."""
    open_question = "비 오는 날 듣기 좋은 노래 추천해줘"
    with _http(scripted) as http:
        cid = http.post("/conversations", json={}).json()["id"]
        events = _stream(http, cid, open_question, model="scripted-small")
        done = events[-1]
        said = SMALL_MODEL_KO.format(model="scripted-small")
        assert _text(events) == said == done["message"]["content"]
        assert done["composed"]["reason_ko"] == "작은 모델이 답하지 않는 질문"
        assert "first_token_ms" not in (done["usage"] or {})  # the model wrote nothing
        # a feeling is no question: it is heard, not declined
        felt = _stream(http, cid, "오늘 기분이 좀 우울해", model="scripted-small")
        assert _text(felt) == SMALL_FEELING_KO.format(model="scripted-small")
        assert felt[-1]["composed"]["reason_ko"] == "작은 모델이 깊이 나누지 않는 마음 이야기"
        skill = _stream(http, cid, "30평은 몇 제곱미터야?", model="scripted-small")
        assert skill[-1]["message"]["content"] == "30평은 약 99.17㎡입니다."
        assert skill[-1]["composed"]["explanation"] == "none"  # not asked, so not dropped
        intro = _stream(http, cid, "넌 뭘 할 수 있어?", model="scripted-small")
        assert intro[-1]["message"]["content"] == INTRODUCTION_KO
        how = _stream(http, cid, "잘 지냈어?", model="scripted-small")
        assert how[-1]["message"]["content"] == social.REPLIES["wellbeing"]
        # an office letter is drafted from a template (it was declined), on a small model only
        letter = _stream(http, cid, "팀장님께 연차 신청 메일 써줘", model="scripted-small")
        assert "제목: 연차 사용 신청드립니다" in _text(letter)
        assert letter[-1]["composed"]["reason_ko"] == "서식으로 만든 초안"
        role = http.post("/conversations", json={"preset": "interview"}).json()["id"]
        interview = _stream(http, role, "백엔드 개발자 면접 준비 중이에요", model="scripted-small")
        said = SMALL_PRESET_KO.format(preset="모의 면접", model="scripted-small")
        assert _text(interview) == said  # the role needs a larger model, and says so
        other = http.post("/conversations", json={}).json()["id"]
        large = _stream(http, other, open_question, skills=[])
        assert "잔잔한 피아노곡" in _text(large) and "작은 모델" not in _text(large)


def test_a_general_question_beside_documents_is_not_answered_from_them(
    scripted: RunningServer,
) -> None:
    """With rules uploaded, «무지개는 왜 생겨?» searched them first (the router's guess) and
    the reader got «문서에서 답을 찾지 못했습니다» over three unrelated rules as the nearest
    passages. No hit holds 무지개: a model that answers open questions gets it as chat; on
    the small one the documents say they hold nothing on it, and show nothing. A question
    on the documents' topic that they do not answer still gets the nearest passages."""
    with _http(scripted) as http:
        _upload(http, "인사", "휴가규정.pdf", _pdf())
        cid = http.post("/conversations", json={}).json()["id"]
        search = {"skills": ["search_documents"]}
        large = _stream(http, cid, "무지개는 왜 생겨?", **search)
        assert _text(large) == "무지개는 왜 생겨?"  # the echo double: the model answered
        assert not any(e["type"] == "skill_result" for e in large)
        small = {**search, "model": "scripted-small"}
        general = _stream(http, cid, "무지개는 왜 생겨?", **small)
        # not in the documents, and not the small model's to answer: both said
        said = SMALL_OFF_DOCUMENTS_KO.format(model="scripted-small")
        assert _text(general) == "올려 두신 문서에는 관련 내용이 없습니다. " + said
        assert general[-1]["message"]["content"] == _text(general)
        assert general[-1]["citations"] == []
        card = next(e for e in general if e["type"] == "skill_result")  # the search's card
        assert card["content"] == "올려 두신 문서에는 관련 내용이 없습니다."  # no passage in it
        on_topic = _stream(http, cid, "결혼 축하금은 얼마야?", **small)  # 결혼 is in a hit
        assert "찾지 못했습니다" in _text(on_topic) and on_topic[-1]["citations"]


SOCIOLOGY = (  # written for this test
    "바질 번스타인은 영국의 사회학자이다. 번스타인은 사회화 과정에서 언어가 하는 역할을 "
    "연구하였고, 계층에 따라 쓰는 말의 부호가 다르다고 보았다.\n\n"
    "그는 제한된 부호와 정교한 부호를 구분하였으며, 학교 교육이 정교한 부호를 요구한다고 "
    "주장하였다."
)


def test_a_small_model_searches_the_documents_before_it_declines(scripted: RunningServer) -> None:
    """«…연구한 학자는?» reads like general knowledge to the router (no skill), and a small
    model declines those; the uploaded article answers it, so the documents are searched
    first and their quote is the answer, alone. What they do not answer is declined as
    before."""
    with _http(scripted) as http:
        _upload(http, "사회학", "번스타인.txt", SOCIOLOGY.encode())
        cid = http.post("/conversations", json={}).json()["id"]
        small = {"model": "scripted-small"}
        for question, quote in (
            ("사회화에서 언어가 미치는 역할에 대해 연구한 학자는?", "사회화 과정에서 언어가"),
            ("번스타인이 구분한 두 가지 부호는?", "제한된 부호와 정교한 부호를"),
        ):
            events = _stream(http, cid, question, **small)
            text = _text(events)
            assert text.startswith("번스타인.txt에 따르면") and quote in text, text
            # the quote alone: a small model is not asked to explain it (docs/assistant.md)
            assert text.endswith('." [1]') and events[-1]["composed"]["explanation"] == "none"
            assert [e["name"] for e in events if e["type"] == "skill_call"] == ["search_documents"]
            assert events[-1]["citations"][0]["document"] == "번스타인.txt"
        declined = _stream(http, cid, "비 오는 날 듣기 좋은 노래 추천해줘", **small)
        assert _text(declined) == SMALL_MODEL_KO.format(model="scripted-small")
        assert not any(e["type"] == "skill_result" for e in declined)
        # the same question with the search skill off: declined, nothing searched
        off = _stream(http, cid, "번스타인이 구분한 두 가지 부호는?", skills=[], **small)
        assert _text(off) == SMALL_MODEL_KO.format(model="scripted-small")
        # JSON of listed items is code's, before any search (the documents are not asked)
        listed = _stream(
            http,
            cid,
            "번스타인이 구분한 두 가지 부호를 JSON으로: 제한된 부호, 정교한 부호",
            **small,
        )
        assert not any(e["type"] == "skill_call" for e in listed)
        assert '"제한된 부호"' in _text(listed) and '"정교한 부호"' in _text(listed)


def test_a_real_korean_turn_on_haneul_mini_ko(server_factory: Callable[..., RunningServer]) -> None:
    srv = server_factory(default_model="haneul-mini-ko")
    with _http(srv) as http:
        cid = http.post("/conversations", json={}).json()["id"]
        events = _stream(http, cid, "30평은 몇 제곱미터야?", max_tokens=64)
        done = events[-1]
        # the 270M model explains no skill sentence: the reader gets the skill's own
        assert done["message"]["content"] == "30평은 약 99.17㎡입니다."
        assert done["composed"]["explanation"] == "none"
        # an open question: the 270M model is not asked, the reader is told why
        events = _stream(http, cid, "겨울에 피부가 건조할 때 어떻게 해?", skills=[])
        assert _text(events) == SMALL_MODEL_KO.format(model="haneul-mini-ko")


def test_a_short_follow_up_asks_the_question_before_of_its_new_value(
    scripted: RunningServer,
) -> None:
    """«그럼 3근은?» after a conversion, «그건 언제 써야 해?» after a document answer: a small
    model had declined both as open questions. Read with the question before
    (assistant/followup.py), they reach the skill, whose sentence is of the new value; the
    stored user message is what the user typed."""
    rules = (
        "제2조 (여름휴가) 여름휴가는 5일을 준다. 여름휴가는 7월 1일부터 8월 31일 사이에 써야 한다."
    )
    with _http(scripted) as http:
        _upload(http, "인사", "휴가규정.txt", rules.encode())
        cid = http.post("/conversations", json={}).json()["id"]
        small = {"model": "scripted-small"}
        assert (
            _text(_stream(http, cid, "삼겹살 2근은 몇 그램이야?", **small))
            == "2근은 1,200그램입니다."
        )
        events = _stream(http, cid, "그럼 3근은?", **small)
        assert _text(events) == "3근은 1,800그램입니다."
        [call] = [e for e in events if e["type"] == "skill_call"]
        assert call["name"] == "convert_units" and call["arguments"]["value"] == 3
        # a follow-up of a follow-up is read with the question both go back to
        assert _text(_stream(http, cid, "그럼 5근은?", **small)) == "5근은 3,000그램입니다."
        assert "5일을 준다" in _text(_stream(http, cid, "여름휴가는 며칠이야?", **small))
        later = _text(_stream(http, cid, "그건 언제 써야 해?", **small))
        assert "7월 1일부터 8월 31일 사이에 써야 한다" in later, later
        stored = http.get(f"/conversations/{cid}").json()["messages"]
        assert [m["content"] for m in stored if m["role"] == "user"][-1] == "그건 언제 써야 해?"
        # after an answer no skill gave, nothing is carried over: declined as before
        other = http.post("/conversations", json={}).json()["id"]
        _stream(http, other, "안녕하세요", **small)
        assert _text(_stream(http, other, "그럼 3근은?", **small)) == SMALL_MODEL_KO.format(
            model="scripted-small"
        )


def test_the_follow_ups_offered_under_a_math_answer_are_answered(
    scripted: RunningServer,
) -> None:
    """The web UI offers «풀이 과정을 단계별로 설명해 줘» and «비슷한 문제를 하나 더 내 줘»
    under every math answer, and a small model declined both (the first after a document
    search that found nothing). Code answers them from the skill call before (practice.py):
    its own steps, and the question with other numbers, which the math skill solves."""
    rules = "제1조 (연차휴가) 1년간 80퍼센트 이상 출근한 직원에게는 15일의 연차휴가를 준다."
    with _http(scripted) as http:
        _upload(http, "인사", "휴가규정.txt", rules.encode())
        cid = http.post("/conversations", json={}).json()["id"]
        small = {"model": "scripted-small"}
        first = _stream(http, cid, "밑변이 8이고 높이가 5인 삼각형 넓이는?", **small)
        [result] = [e for e in first if e["type"] == "skill_result"]
        steps = _stream(http, cid, "풀이 과정을 단계별로 설명해 줘", **small)
        assert not any(e["type"] == "skill_call" for e in steps)  # no search, no model
        listed = "\n".join(f"{n}. {s}" for n, s in enumerate(result["steps"], 1))
        assert _text(steps) == f"풀이 과정입니다.\n\n{listed}\n\n답: {result['answer']}"
        assert steps[-1]["composed"]["reason"] == "the previous skill call's steps"
        # asked again, the steps are of the same math answer (a practice answer is looked past)
        assert _text(_stream(http, cid, "풀이 보여줘", **small)) == _text(steps)
        # and so is a similar problem
        similar = _text(_stream(http, cid, "비슷한 문제를 하나 더 내 줘", **small))
        problem = similar.split("\n\n")[1]
        assert (
            similar.startswith("비슷한 문제입니다.")
            and problem != "밑변이 8이고 높이가 5인 삼각형 넓이는?"
        )
        assert re.fullmatch(r"밑변이 \d+이고 높이가 \d+인 삼각형 넓이는\?", problem), problem
        # sent back as it is, the math skill answers it
        solved = _stream(http, cid, problem, **small)
        assert any(e["type"] == "skill_result" and e["name"] == "math" for e in solved)
        # a question of its own that says 과정 is not a request for the steps
        cid = http.post("/conversations", json={}).json()["id"]
        _stream(http, cid, "밑변이 8이고 높이가 5인 삼각형 넓이는?", **small)
        other = _stream(http, cid, "연차휴가 받는 과정 알려줘", **small)
        assert not _text(other).startswith("풀이 과정입니다.")


def test_a_problem_missing_a_value_is_told_which(scripted: RunningServer) -> None:
    """«원의 넓이를 구해줘» was declined as an open question by a small model, in a sentence
    that offered 계산 among what it does; the math skill says which value is missing, and so
    does the answer."""
    with _http(scripted) as http:
        cid = http.post("/conversations", json={}).json()["id"]
        events = _stream(http, cid, "원의 넓이를 구해줘", model="scripted-small")
        [result] = [e for e in events if e["type"] == "skill_result"]
        assert result["name"] == "math" and "반지름이나 지름" in result["error"]
        assert _text(events) == (
            "계산하려면 값이 더 필요해요: 반지름이나 지름 값을 찾지 못했습니다. "
            "값을 넣어 다시 물어봐 주세요."
        )
        assert events[-1]["composed"]["reason"] == "the routed skill could not do it"


def test_a_statement_is_not_declined_as_a_question(scripted: RunningServer) -> None:
    """«저는 마케팅팀이에요» was answered «이 질문에는 답하지 않을게요…»: there was no question."""
    with _http(scripted) as http:
        cid = http.post("/conversations", json={}).json()["id"]
        events = _stream(http, cid, "저는 마케팅팀이에요", model="scripted-small", skills=[])
        assert _text(events) == SMALL_STATEMENT_KO.format(model="scripted-small")
        asked = _stream(http, cid, "점심 뭐 먹을까요?", model="scripted-small", skills=[])
        assert _text(asked) == SMALL_MODEL_KO.format(model="scripted-small")
