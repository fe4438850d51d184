"""Issue 18: a question about what the assistant remembers of the user («제 이름 기억해요?») is
answered from the memory store by construction (assistant/recall.py), in process on the echo
model: the remembered value with the right 조사, «아직 … 말씀해 주신 적이 없어요» for an empty
slot, a plain «꺼져 있어서» with memory off; never the documents, never a skill. Questions
about other people, and facts said only in the conversation, take the normal path."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from haneul.assistant.memory import Memory
from haneul.assistant.recall import acknowledge, confirm_slot, recall, recall_slot
from haneul.assistant.turn import RECALLED
from tests.conftest import AppClient, in_process_app


@pytest.mark.parametrize(
    ("text", "slot"),
    [
        ("내 이름 혹시 기억나?", "name"),
        ("저를 어떻게 부르면 된다고 했는지 알아요?", "name"),
        ("제가 요즘 사는 동네가 어디였죠?", "residence"),
        ("내가 어디 산다고 말했더라?", "residence"),
        ("제 직업이 뭐였더라?", "job"),
        ("제가 다니는 회사가 어디라고 했죠?", "workplace"),
        ("내 취미 알아?", "likes"),
        ("제가 못 먹는 거 기억하세요?", "allergy"),
        ("우리 집 반려동물 기억해?", "pets"),
        ("제 아이가 몇 명이라고 했죠?", "children"),
        # other people, other things about the name, requests: not recall questions
        ("제 동생 이름이 뭐였죠?", None),
        ("우리 부장님 이름 기억해?", None),
        ("제 이름 한자 뜻이 뭐예요?", None),
        ("제 이름으로 삼행시 지어 줘", None),
        ("제가 사는 동네 근처 맛집 알려 줘", None),
        ("제 고양이 이름 기억해요?", None),
        ("제 이름은 한소망이에요. 기억해 주세요.", None),  # a statement, for extract
    ],
)
def test_recall_questions_are_recognised(text: str, slot: str | None) -> None:
    assert recall_slot(text) == slot


def _memory(slot: str, content: str) -> Memory:
    return Memory("mem_1", slot, content, time.time(), time.time())


def test_the_answer_is_composed_with_the_right_particles() -> None:
    name = recall("제 이름 기억해요?", [_memory("name", "이름: 정다운")])
    assert name is not None and name.text == "기억하고 있어요. 이름은 정다운이에요."
    assert name.used == ["이름: 정다운"]
    pets = recall("우리 집 반려동물이 뭐였죠?", [_memory("pets", "반려동물: 고양이, 거북이")])
    assert pets is not None and pets.text == "기억하고 있어요. 반려동물은 고양이, 거북이예요."
    empty = recall("제 알레르기 기억해요?", [_memory("name", "이름: 정다운")])
    assert empty is not None and empty.text == "아직 알레르기를 말씀해 주신 적이 없어요."
    assert empty.used == []
    off = recall("제 직업이 뭐였죠?", None)
    assert off is not None
    assert off.text == "지금은 기억 기능이 꺼져 있어서 직업을 기억에서 찾아볼 수 없어요."
    assert recall("제 직업이 뭐였죠?", [], said=["저는 수의사예요."]) is None  # the history's


@pytest.mark.parametrize(
    ("text", "said", "answer"),
    [
        ("제 친구 이름이 뭐였죠?", [], "아직 친구 이름을 말씀해 주신 적이 없어요."),
        ("우리 팀장님 취미가 뭐라고 했지?", [], "아직 팀장님 취미를 말씀해 주신 적이 없어요."),
        (
            "내 동생 사는 곳 기억해?",
            ["저는 부산에 살아요."],
            "아직 동생 사는 곳을 말씀해 주신 적이 없어요.",
        ),
        ("제 친구 이름이 뭐였죠?", ["제 친구는 지수예요."], None),  # spoken of: the history
        ("제 남자 친구 직업이 뭐였죠?", ["제 남자친구는 요리사예요."], None),  # spaces aside
        ("세종대왕 아버지 이름이 뭐야?", [], None),  # not someone the user knows
        ("제 친구 이름 뭐로 지을까요?", [], None),  # no recall cue
    ],
)
def test_someone_elses_fact_never_said_is_said_so(
    text: str, said: list[str], answer: str | None
) -> None:
    for memories in ([_memory("name", "이름: 김민수")], None):
        known = recall(text, memories, said)
        assert (known.text if known else None) == answer, text
        assert known is None or known.used == []


@pytest.mark.parametrize(
    ("text", "slot"),
    [
        ("제가 부산에 산다고 했나요?", "residence"),
        ("제 이름이 민수였나요?", "name"),
        ("제 이름 철수 맞죠?", "name"),
        ("제가 교사라고 했었나요?", "job"),
        ("제가 하늘상사에 다닌다고 했죠?", "workplace"),
        ("제가 등산 좋아한다고 했었죠?", "likes"),
        ("제가 복숭아 알레르기 있다고 했나요?", "allergy"),
        ("제가 고양이 키운다고 했죠?", "pets"),
        ("제 친구 이름이 민수였나요?", None),  # someone else's
        ("부산에 산다고 했나요?", None),  # whose? not said: the normal path
        ("제가 어제 회의에서 뭐라고 했죠?", None),
        ("저는 부산에 살아요. 맞죠?", None),  # a statement, for `extract`
    ],
)
def test_yes_no_recall_questions_are_recognised(text: str, slot: str | None) -> None:
    assert confirm_slot(text) == slot


def test_a_yes_no_recall_says_yes_only_when_the_stored_value_is_named() -> None:
    stored = [
        _memory("residence", "사는 곳: 부산광역시"),
        _memory("name", "이름: 김민수"),
        _memory("pets", "반려동물: 고양이, 강아지"),
    ]
    for question, text in (
        ("제가 부산에 산다고 했나요?", "네, 맞아요. 사는 곳은 부산광역시예요."),
        ("제가 서울에 산다고 했죠?", "제가 기억하는 사는 곳은 부산광역시예요."),
        ("제 이름이 민수였나요?", "네, 맞아요. 이름은 김민수예요."),
        ("제 이름 철수 맞죠?", "제가 기억하는 이름은 김민수예요."),
        ("제가 강아지 키운다고 했죠?", "네, 맞아요. 반려동물은 고양이, 강아지예요."),
        ("제가 교사라고 했었나요?", "아직 직업을 말씀해 주신 적이 없어요."),
    ):
        said = recall(question, stored)
        assert said is not None and said.text == text, question
    off = recall("제가 부산에 산다고 했나요?", None)
    assert off is not None and "꺼져" in off.text


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppClient]:
    """One in-process app for the module, its user owning a document."""
    with in_process_app(tmp_path_factory.mktemp("recall")) as made:
        made.post("collections", json={"name": "사보"})
        text = "하늘상사 사보\n\n하늘상사를 세운 사람은 김하늘 대표로, 2001년에 문을 열었다."
        files = [("files", ("사보.txt", text.encode()))]
        assert made.post("collections/사보/documents", files=files).json()["added"] == 1
        yield made


def _ask(app: AppClient, cid: str, content: str, **extra: Any) -> dict[str, Any]:
    body = {"content": content, "stream": False, **extra}
    reply = app.post(f"conversations/{cid}/messages", json=body, timeout=600)
    assert reply.status_code == 200, reply.text
    answer: dict[str, Any] = reply.json()
    return answer


def _forget(app: AppClient) -> None:
    for memory in app.get("memories").json()["data"]:
        app.delete(f"memories/{memory['id']}")


def _new(app: AppClient) -> str:
    cid: str = app.post("conversations", json={}).json()["id"]
    return cid


def test_each_slot_is_recalled_from_memory_in_a_later_conversation(app: AppClient) -> None:
    _forget(app)
    told = _new(app)
    for fact in (
        "제 이름은 윤슬기예요.",
        "저는 청주에 살고 있어요.",
        "저는 약사예요.",
        "저는 한빛약국에서 일해요.",
        "요가를 정말 좋아해요.",
        "복숭아 알레르기가 있어요.",
        "앵무새를 키워요.",
        "아이가 세 명 있어요.",
    ):
        assert _ask(app, told, fact)["memory"], fact  # each was stored
    cid = _new(app)  # a new conversation: only the memory store knows these
    for question, expected, used in (
        ("제 이름이 뭐였죠?", "이름은 윤슬기예요.", "이름: 윤슬기"),
        ("제가 사는 곳 기억하세요?", "사는 곳은 청주예요.", "사는 곳: 청주"),
        ("제 직업 알아요?", "직업은 약사예요.", "직업: 약사"),
        ("제가 일하는 곳이 어디였죠?", "직장은 한빛약국이에요.", "직장: 한빛약국"),
        ("내 취미가 뭐라고 했지?", "좋아하는 것은 요가예요.", "좋아하는 것: 요가"),
        ("제가 무슨 알레르기가 있다고 했더라?", "알레르기는 복숭아예요.", "알레르기: 복숭아"),
        ("제가 키우는 동물 기억나요?", "반려동물은 앵무새예요.", "반려동물: 앵무새"),
        ("제 자녀가 몇 명이라고 했죠?", "자녀는 세 명이에요.", "자녀: 세 명"),
    ):
        body = _ask(app, cid, question)
        text = "기억하고 있어요. " + expected
        assert body["message"]["content"] == text, question
        assert body["skill_calls"] == [] and body["citations"] == [], question
        assert body["composed"]["reason"] == RECALLED
        done = body["events"][-1]
        assert done["type"] == "done" and done["memories_used"] == [used], question
        assert body["message"]["memories_used"] == [used]
    for question, text in (  # yes/no: yes only when the stored value is the one named
        ("제가 청주에 산다고 했나요?", "네, 맞아요. 사는 곳은 청주예요."),
        ("제가 서울에 산다고 했죠?", "제가 기억하는 사는 곳은 청주예요."),
    ):
        body = _ask(app, cid, question)
        assert body["message"]["content"] == text, question
        assert body["message"]["memories_used"] == ["사는 곳: 청주"]
    stored = app.get(f"conversations/{cid}").json()["messages"]
    answers = [m for m in stored if m["role"] == "assistant"]
    assert answers[0]["memories_used"] == ["이름: 윤슬기"]
    assert answers[0]["content"] == "기억하고 있어요. 이름은 윤슬기예요."


def test_a_document_owner_asking_their_name_gets_the_memory_not_the_documents(
    app: AppClient,
) -> None:
    _forget(app)
    cid = _new(app)
    _ask(app, cid, "제 이름은 남궁별이에요.")
    body = _ask(app, _new(app), "제 이름이 뭐였죠?")
    assert body["message"]["content"] == "기억하고 있어요. 이름은 남궁별이에요."
    assert [c["name"] for c in body["skill_calls"]] == []  # no search_documents
    # the user's documents are still searched for a question about them
    founder = _ask(app, cid, "하늘상사를 세운 사람은 누구야?")
    assert [c["name"] for c in founder["skill_calls"]] == ["search_documents"]
    # a friend's name is not the user's, even in the conversation where the user gave theirs
    # (a model given that history copies it): never said, so it says so
    friend = _ask(app, cid, "제 친구 이름이 뭐였죠?")
    assert friend["message"]["content"] == "아직 친구 이름을 말씀해 주신 적이 없어요."
    assert friend["memories_used"] == [] and friend["skill_calls"] == []
    # a friend the user spoke of: the normal path answers with the history
    told = _new(app)
    _ask(app, told, "제 친구는 이름이 한가람이에요.")
    spoken = _ask(app, told, "제 친구 이름이 뭐였죠?")
    assert spoken["composed"]["reason"] != RECALLED
    assert "말씀해 주신 적이 없어요" not in spoken["message"]["content"]


def test_an_empty_slot_and_memory_off_are_said_never_invented(app: AppClient) -> None:
    _forget(app)
    cid = _new(app)
    empty = _ask(app, cid, "제 직업 기억해요?")
    assert empty["message"]["content"] == "아직 직업을 말씀해 주신 적이 없어요."
    assert empty["memories_used"] == [] and empty["skill_calls"] == []
    _ask(app, _new(app), "제 이름은 송하람이에요.")
    off = _ask(app, _new(app), "제 이름 기억나요?", memory=False)
    assert off["message"]["content"] == (
        "지금은 기억 기능이 꺼져 있어서 이름을 기억에서 찾아볼 수 없어요."
    )
    assert off["memories_used"] == [] and "송하람" not in off["message"]["content"]
    # said in this conversation with memory off (so not stored): the normal path, with the
    # history, and not «말씀해 주신 적이 없어요»
    quiet = _new(app)
    stated = _ask(app, quiet, "저는 소방관이에요.", memory=False)
    assert stated["memory"] == [] and stated["skill_calls"] == []
    assert stated["message"]["content"] == "알겠어요. 직업은 소방관이군요."  # not «기억해 둘게요»
    told = _ask(app, _new(app), "저는 소방관이에요.")  # memory on: stored, and said so
    assert told["message"]["content"] == "알겠어요. 직업은 소방관이라고 기억해 둘게요."
    assert [o["op"] for o in told["memory"]] == ["APPEND"]
    _forget(app)
    _ask(app, _new(app), "제 이름은 송하람이에요.")
    again = _ask(app, quiet, "제 직업이 뭐라고 했죠?")
    assert again["composed"]["reason"] != RECALLED
    assert "말씀해 주신 적이 없어요" not in again["message"]["content"]
    assert [m["slot"] for m in app.get("memories").json()["data"]] == ["name"]


@pytest.mark.parametrize(
    ("text", "on", "answer"),
    [
        ("저는 초등학교 교사예요.", True, "알겠어요. 직업은 초등학교 교사라고 기억해 둘게요."),
        ("저는 초등학교 교사예요.", False, "알겠어요. 직업은 초등학교 교사군요."),
        (
            "저는 부산에 살아요. 고양이를 키워요.",
            True,
            "알겠어요. 사는 곳은 부산이라고 기억해 둘게요. 반려동물은 고양이라고 기억해 둘게요.",
        ),
        ("저는 부산에 사는데 맛집 추천해줘", True, None),  # a request too: the model answers
        ("저는 교사예요. 수업 준비가 힘들어요.", True, None),  # more than a fact
        ("제 이름은 민수예요, 기억해요?", True, None),
        ("저 이제 고양이 안 키워요.", True, None),  # a removal: the normal path
        # a name said as who the user is (it was declined as a question by a small model)
        ("저는 마케팅팀 김하늘이에요", True, "알겠어요. 이름은 김하늘이라고 기억해 둘게요."),
        ("저는 박민수라고 합니다", True, "알겠어요. 이름은 박민수라고 기억해 둘게요."),
        ("저는 한국인이에요", True, None),  # 한 is a surname, 한국인 no name
        ("저는 이민자예요", True, None),
    ],
)
def test_a_statement_of_facts_is_acknowledged_by_construction(
    text: str, on: bool, answer: str | None
) -> None:
    said = acknowledge(text, on)
    assert (said.text if said else None) == answer
    assert said is None or (said.noted and said.used == [])


def test_a_remembered_birthday_dates_the_users_own_questions(app: AppClient) -> None:
    """«내 생일은 5월 3일이야» was read as a calendar question, and «내 생일까지 며칠 남았어?»
    declined: the day is remembered, recalled, and put in the question the calendar counts."""
    import datetime as dt

    from haneul.skills.builtin.calendar import KST

    _forget(app)
    cid = _new(app)
    told = _ask(app, cid, "내 생일은 5월 3일이야")
    assert told["skill_calls"] == [] and told["memory"][0]["content"] == "생일: 5월 3일"
    later = _new(app)
    assert _ask(app, later, "제 생일 기억해요?")["message"]["content"] == (
        "기억하고 있어요. 생일은 5월 3일이에요."
    )
    body = _ask(app, later, "내 생일까지 며칠 남았어?")
    [call] = body["skill_calls"]
    today = dt.datetime.now(KST).date()
    day = dt.date(today.year, 5, 3)
    day = day if day >= today else dt.date(today.year + 1, 5, 3)
    assert call["name"] == "korean_calendar"
    assert call["arguments"] == {"date": day.isoformat(), "count": True}
    left = (day - today).days
    assert f"{left}일 남았습니다" in body["message"]["content"] or left == 0
    stored = app.get(f"conversations/{later}").json()["messages"]
    assert stored[-2]["content"] == "내 생일까지 며칠 남았어?"  # as the user typed it
    _forget(app)
