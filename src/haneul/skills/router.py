"""Choosing a skill without tool calling: the bundled models are too small to call tools,
so a router picks the skill (or none) by nearest examples in e5's embedding space, and the
skill's own parser fills the arguments.

Each skill ships example utterances; `NO_SKILL` has its own (greetings, small talk,
writing, advice, opinions) and so has `QUESTION`, a factual question (who, what, when,
where, why about the world or about rules). An utterance goes to the class whose examples
are closest (the mean of the top three cosines), and to a skill only if that skill's parser
can read arguments from it. With `documents=True` (the user may have documents) a
question ranked above the class chosen without it goes to the documents first, its
`fallback` the route taken when there are none; otherwise `QUESTION` is left out, as if it
were not there. A request about an entity or a notion («…에 대해 알려줘», «…은 누구야?»,
«…의 역사») that would be plain chat searches them first too (`asks_about`). An utterance
that asks for general chat in so many words («문서 말고», «일반 상식으로») or asks for an
opinion, advice or a recommendation, or tells a feeling (`OPINION`), never searches them.
More examples (`train`) make it better: this is the seed of the Skill Trainer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from haneul.skills import Skill
from haneul.skills.builtin.math import asks_problem
from haneul.skills.builtin.todo import asks_schedule
from haneul.skills.builtin.todo_done import parse as asks_done
from haneul.skills.builtin.units import asks_conversion

NO_SKILL = "none"
UNITS = "convert_units"
MATH = "math"
QUESTION = "question"  # a factual question: the documents first, when the user has some
SEARCH = "search_documents"
TABLE = "document_table"
SUMMARY = "document_summary"
TODO_ADD = "todo_add"
TODO_DONE = "todo_done"
EmbedTexts = Callable[[list[str]], np.ndarray]  # texts -> (n, dim) normalised rows

NO_SKILL_EXAMPLES = (
    "안녕하세요",
    "반가워요 오늘 기분이 좋네요",
    "너는 누구야?",
    "자기소개 해줘",
    "시 한 편 써줘",
    "팀장님께 보낼 사과 메일 써줘",
    "이 문장을 영어로 번역해줘",
    "파이썬으로 리스트 정렬하는 법 알려줘",
    "스트레스 해소하는 방법 추천해줘",
    "세종대왕은 어떤 업적을 남겼어?",
    "고마워, 도움이 됐어",
    "재미있는 농담 하나 해줘",
    "면접 준비는 어떻게 해?",
    "다이어트 식단 추천해줘",
    "write a short poem about autumn",
    "tell me a joke",
    "수학을 잘하려면 어떻게 공부해야 해?",
    "적분이 실생활에서 어디에 쓰여?",
    "여름휴가 때 어디 갈지 추천해줘",
    "내일 할 일 정리해서 JSON으로 줘: 병원, 세탁",
    "장보기 목록을 json 배열로 만들어줘",
)
# More of "no skill" for the assistant's router, now that factual questions have a class of
# their own (`QUESTION`); NO_SKILL_EXAMPLES stays as the skillsets' router reads it.
CHAT_EXAMPLES = (
    "문서 말고 네 생각을 듣고 싶어",
    "오늘 하루 어땠어?",
    "나 오늘 시험 망쳤어",
    "심심해 놀아줘",
    "이 글 좀 다듬어줘",
    "주말에 볼 만한 드라마 추천해줘",
)

# A factual question (the world's facts, a text's facts): with documents, they are searched
# first, so the answer comes from them or says they do not hold it (docs/assistant.md).
QUESTION_EXAMPLES = (
    "세종대왕은 어떤 업적을 남겼어?",
    "삼국을 통일한 나라는 어디야?",
    "전화기를 발명한 사람은 누구야?",
    "조선을 세운 왕은?",
    "프랑스 혁명이 일어난 원인은?",
    "태양계에서 가장 큰 행성은?",
    "이 회사의 창립 연도는?",
    "그 작가의 첫 작품 제목은 무엇인가?",
    "한국 최초의 인공위성 이름은?",
    "그 전쟁이 끝난 이유는 무엇인가?",
    "이 건물을 설계한 건축가는 누구인가?",
    "그 영화의 감독은 누구야?",
    "신라의 수도는 어디였어?",
    "비타민 C가 부족하면 생기는 병은?",
    "이 이론을 처음 주장한 학자는?",
    "그 사건의 배경이 된 도시는?",
    "그 가수의 데뷔곡은 뭐야?",
    "반도체가 뭐야?",
    "머신러닝과 딥러닝의 차이는?",
    "그 단체의 초대 회장은 누구였어?",
    "이 약의 부작용은 뭐가 있어?",
    "원자력 발전의 원리가 뭐야?",
    "그 선수가 금메달을 딴 대회는?",
    "이 유적이 발견된 곳은 어디야?",
    "그 나라의 공용어는 무엇인가?",
    "이 질병의 주된 원인은?",
    "그 협약에 처음 서명한 나라들은?",
    "who invented the telephone?",
)
# Asking for general chat in so many words: never the documents
GENERAL_CHAT = re.compile(
    r"문서\s*(?:말고|없이|(?:는|를)?\s*(?:빼고|찾지\s*말고|보지\s*말고|검색하지\s*말고))|"
    r"(?:검색|찾지)\s*(?:하지\s*)?말고|검색\s*없이|일반\s*상식|상식(?:으로|적으로)|"
    r"네\s*생각|그냥\s*(?:대화|얘기|이야기|수다)"
)

# «이 문장 맞춤법 검사해줘: …», «영어로 번역해줘: …»: work on a text in the message, never a
# question for the documents
EDIT_GIVEN = re.compile(
    r"(?:맞춤법|띄어쓰기|교정|고쳐|다듬|번역|영어로|한국어로|바꿔|윤문|검토)[^:：\n]{0,20}[:：\n]\s*\S.{5,}",
    re.S,
)

# A search of the documents asked for in so many words: 문서에서 … 찾아줘, 매뉴얼에 … 나와 있어?,
# 사내 문서 검색: … (after GENERAL_CHAT, so «문서 찾지 말고» never gets here)
SEARCH_ASKED = re.compile(
    r"(?:문서|매뉴얼|위키|자료)\S*\s*(?:에서|에|중에)\s+.{0,40}?(?:찾아|검색|나와\s*있|알려)"
    r"|(?:문서|자료)\s*검색"
)

# Opinions, advice, recommendations and feelings ask the assistant, not the documents: they
# never search them, with documents or without (docs/assistant.md)
OPINION = re.compile(
    r"어떻게\s*(?:생각|봐|보니|보세요|보십니까)|(?:좋다고|낫다고|맞다고|옳다고)\s*(?:봐|생각)|"
    r"(?:네|너의?|당신의?)\s*(?:생각|의견)|의견(?:이|은|을)?\s*(?:궁금|어때|말해|듣고)|"
    r"추천\s*(?:해|좀|부탁|할\s*만|하는|받고)|추천\s*[?？!.]*$|조언|골라\s*줘|"
    r"기분|속상해|속상하|외로워|외롭|우울해|우울하|무서워|설레|서운해|서운하|"
    r"(?:뭐가|무엇이|어느\s*(?:쪽|게|것)이?)\s*(?:더\s*)?(?:나을|좋을|낫|좋아)|"
    r"(?:좋을까|괜찮을까|나을까|할까|말까|어떡하지|어떻게\s*하지)\s*[?？!.]*$|팁"
)
# A request about an entity or a notion («…에 대해 알려줘», «…은 누구야?», «…의 역사»,
# «…이 뭔지»): with documents, it searches them first like a factual question, unless its
# subject is the assistant or the user («너는 누구야?», «나에 대해 알려줘»)
_ABOUT = re.compile(
    r"(\S+?)에\s*(?:대해서?|대한|관해서?|관한)\s*(?:좀\s*|자세히\s*|간단히\s*|쉽게\s*)*"
    r"(?:알려|설명|말해|얘기|이야기|소개|아는|정리)|"
    r"(\S+?)(?:은|는|이|가)?\s*누(?:구(?:야|예요|에요|였|인|지|니|세요|십니까|일까)|군(?:지|가|데))|"
    r"의\s*역사|"
    r"(\S+?)(?:이|가)?\s*(?:뭔지|무엇인지|무슨\s*뜻)|"
    r"(?:어떤|무슨\s*일을\s*한)\s*(?:사람|인물)"
)
# a subject that is the assistant or the user
_SELF = frozenset(
    ["너", "넌", "니", "네", "당신", "하늘", "하늘이", "자기", "나", "난", "저", "전", "내", "제"]
)


def asks_about(utterance: str) -> bool:
    """A request about an entity or a notion, not about the assistant or the user, nor
    about a text it carries («이 문장이 무슨 뜻이야: …»)."""
    if ":" in utterance:
        return False
    for match in _ABOUT.finditer(utterance):
        subject = next((g for g in match.groups() if g), "")
        if subject.rstrip("은는이가") not in _SELF and subject not in _SELF:
            return True
    return False


# A factual question the embedding ranks as chat: where or when a named thing is, how many
# or how much of it («훈민정음 해례본은 어디에 보관되어 있어?», «창립일은 언제야?»), and
# whether a rule allows something done with or to a thing («법인카드로 주말에 결제해도
# 돼?»; «나 지금 자도 돼?» names no such thing and stays chat)
_WHERE_WHEN = re.compile(
    r"(\S+?)(?:은|는|이|가)\s+(?:\S+\s+){0,2}?"
    r"(?:어디|언제|며칠|몇\s*\S|얼마)"
)
_MAY_I = re.compile(r"[가-힣]도\s*(?:돼|되[나니는요죠지]|될까|됩니까|됨|괜찮)\S*\s*[?？]?\s*$")
_OURS = frozenset(["나의", "저의", "우리", "저희", "너의", "네가", "내가", "제가"])
_THING = re.compile(r"[가-힣A-Za-z0-9]{2,}(?:으로|로|에서|에게|에|을|를)(?=\s)")


def asks_fact(utterance: str) -> bool:
    """A where/when/how-many question about something other than the assistant or the user,
    or a may-I question about a named thing (see `_WHERE_WHEN`, `_MAY_I`)."""
    for match in _WHERE_WHEN.finditer(utterance):
        subject = match.group(1)
        before = utterance[: match.start(1)].split()[-1:]  # «제 생일은», «우리 팀은»
        if {subject, subject.rstrip("은는이가"), *before} & (_SELF | _OURS):
            continue
        return True
    return bool(_MAY_I.search(utterance) and _THING.search(utterance))


# Examples the router adds to a skill's own: the questions people ask that the skill's
# examples do not cover. Math word problems (figures, calculus, series, counting, money,
# motion) and document questions asked about a rule without naming a document, which
# otherwise sit closest to the calendar's "며칠/언제".
ROUTER_EXAMPLES: dict[str, tuple[str, ...]] = {
    "math": (
        "지름이 8인 원의 둘레 구해줘",
        "가로 4cm 세로 6cm인 직사각형 넓이는?",
        "윗변 2, 아랫변 6, 높이 3인 사다리꼴의 넓이는?",
        "반지름 4인 구의 부피는 얼마야?",
        "반지름 1, 높이 3인 원기둥의 겉넓이",
        "x^2의 도함수는?",
        "f(x)=x^2-x의 x=1에서 미분계수",
        "sin(x)를 0부터 pi까지 적분해줘",
        "x가 0으로 갈 때 (1-cos(x))/x^2의 극한은?",
        "1부터 1000까지 자연수의 합",
        "첫째항 3, 공비 2인 등비수열의 6항까지의 합은?",
        "x^2-1을 인수분해하면?",
        "4x-3<9를 풀어줘",
        "x+2y=5, 3x-y=1 연립방정식",
        "9명 중 4명을 선택하는 방법은 몇 가지야?",
        "6C2 값은?",
        "주사위를 두 번 던져 눈의 합이 10 이상일 확률",
        "동전을 5번 던질 때 앞면이 3번 나올 확률은?",
        "120000원에서 15% 할인된 가격은?",
        "1000만원을 연 2% 복리로 10년 두면 얼마가 돼?",
        "250의 8%는 얼마야?",
        "시속 100km로 1시간 45분 가면 몇 km?",
        "90km를 시속 45km로 가면 몇 시간 걸려?",
        "24와 36의 최대공약수",
        "5 팩토리얼은?",
    ),
    "search_documents": (
        "연차는 몇 개월 일하면 생겨?",
        "출장비는 하루에 얼마까지 받을 수 있어?",
        "육아휴직 기간이 어떻게 돼?",
        "경조사 휴가는 며칠 쓸 수 있어?",
        "여름 휴가 신청은 언제 해야 돼?",
        "퇴직금은 언제 지급돼?",
        "복지 포인트는 어디에 쓸 수 있어?",
        "야간 근무 수당은 얼마야?",
        "계약서상 납품 기한이 언제야?",
        "휴가 규정에 따르면 반차도 쓸 수 있어?",
    ),
}


@dataclass(frozen=True)
class Route:
    skill: str  # a skill name or NO_SKILL
    arguments: dict[str, Any] | None
    score: float  # similarity to the chosen class's examples
    scores: dict[str, float]  # per class, for explanations and the benchmark
    # A factual question sent to the documents first: the route it takes when the search
    # finds no documents at all (the route without documents)
    fallback: Route | None = None

    @property
    def question(self) -> bool:
        return self.fallback is not None


class SkillRouter:
    def __init__(
        self,
        skills: Iterable[Skill],
        embed: EmbedTexts,
        top: int = 3,
        *,
        examples_embed: EmbedTexts | None = None,
    ) -> None:
        """`examples_embed`, when given, embeds the built-in and skills' own examples at
        construction (a memo kept on disk, say); user utterances, trained and loaded
        examples always go through `embed`."""
        self.skills = {s.spec.name: s for s in skills}
        self.embed = embed
        self.top = top
        self.examples: dict[str, list[str]] = {
            NO_SKILL: [e for e in NO_SKILL_EXAMPLES if e not in QUESTION_EXAMPLES]
            + list(CHAT_EXAMPLES),
            QUESTION: list(QUESTION_EXAMPLES),
        }
        for name, item in self.skills.items():
            self.examples[name] = [*item.spec.examples, *ROUTER_EXAMPLES.get(name, ())]
        self._fit(examples_embed or embed)

    def _fit(self, embed: EmbedTexts | None = None) -> None:
        labels, texts = [], []
        for label, examples in self.examples.items():
            labels += [label] * len(examples)
            texts += examples
        self._labels = np.array(labels)
        embed = embed or self.embed
        self._matrix = embed(texts) if texts else np.zeros((0, 1), dtype=np.float32)

    def train(self, examples: Iterable[tuple[str, str]]) -> None:
        """Add (utterance, skill name or 'none') examples and refit."""
        for text, label in examples:
            if label not in (NO_SKILL, QUESTION) and label not in self.skills:
                raise ValueError(f"unknown skill '{label}' in the training examples")
            self.examples.setdefault(label, []).append(text)
        self._fit()

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.examples, ensure_ascii=False, indent=1), encoding="utf-8")

    def load(self, path: Path) -> None:
        saved: dict[str, list[str]] = json.loads(path.read_text(encoding="utf-8"))
        kept = {k: v for k, v in saved.items() if k in (NO_SKILL, QUESTION) or k in self.skills}
        self.examples = {QUESTION: list(QUESTION_EXAMPLES), **kept}  # saved before QUESTION
        self._fit()

    def route(
        self, utterance: str, enabled: Iterable[str] | None = None, documents: bool = False
    ) -> Route:
        """`_route`'s choice, but a search of the documents the user asked to see as a table
        («재택근무 지침의 핵심을 표로 보여줘») is the table skill's, and one asked to be
        summarised («휴가 규정 요약해줘») the summary skill's."""
        allowed = SUMMARY in self.skills and (enabled is None or SUMMARY in enabled)
        pasted = self.skills[SUMMARY].parse(utterance) if allowed else None
        if pasted is not None and "text" in pasted:  # «회의록 요약해줘: 오늘 회의에서…»
            return Route(SUMMARY, pasted, 1.0, {})
        found = self._route(utterance, enabled, documents)
        if found.skill != SEARCH:
            return found
        for name in (TABLE, SUMMARY):
            if name not in self.skills or (enabled is not None and name not in enabled):
                continue
            arguments = self.skills[name].parse(utterance)
            if arguments is not None:
                return Route(name, arguments, found.score, found.scores)
        return found

    def _route(
        self, utterance: str, enabled: Iterable[str] | None = None, documents: bool = False
    ) -> Route:
        """The skill for `utterance` among `enabled` (None: all) and its arguments, or none.
        `documents`: the user may have documents, so a factual question (`QUESTION` ranked
        above the class chosen without it) searches them first."""
        allowed = set(self.skills if enabled is None else enabled) | {NO_SKILL, QUESTION}
        asked = asks_conversion(utterance) if UNITS in allowed & set(self.skills) else None
        if asked is not None:  # «3시간은 몇 분이야?» is a conversion, with documents or not
            return Route(UNITS, asked, 1.0, {})
        problem = asks_problem(utterance) if MATH in allowed & set(self.skills) else None
        if problem is not None:  # «연차 15일 중에 7일 썼으면 며칠 남았어?»: the same
            return Route(MATH, problem, 1.0, {})
        kept = asks_schedule(utterance) if TODO_ADD in allowed & set(self.skills) else None
        if kept is not None:  # «내일 오후 3시에 팀 회의 잡아줘»: kept as a to-do, confirmed first
            return Route(TODO_ADD, kept, 1.0, {})
        done = asks_done(utterance) if TODO_DONE in allowed & set(self.skills) else None
        if done is not None:  # «보고서 제출 완료했어»: marked done, confirmed first
            return Route(TODO_DONE, done, 1.0, {})
        if (
            GENERAL_CHAT.search(utterance)
            or OPINION.search(utterance)
            or EDIT_GIVEN.search(utterance)
        ):
            allowed.discard(SEARCH)
        if SEARCH in allowed and SEARCH in self.skills and SEARCH_ASKED.search(utterance):
            # «매뉴얼에서 비밀번호 초기화 방법 찾아줘»: a search asked for in so many words
            return Route(SEARCH, {"query": utterance.strip()}, 1.0, {})
        vector = self.embed([utterance])[0]
        sims = self._matrix @ vector
        scores: dict[str, float] = {}
        for label in set(self._labels.tolist()) & allowed:
            mine = np.sort(sims[self._labels == label])[::-1][: self.top]
            scores[label] = float(mine.mean())
        ranked = sorted(scores.items(), key=lambda x: -x[1])
        plain = self._pick(utterance, [x for x in ranked if x[0] != QUESTION], scores)
        if not documents or SEARCH not in allowed or plain.skill == SEARCH:
            return plain
        if plain.skill != NO_SKILL and self.skills[plain.skill].spec.side_effects:
            return plain  # never a side effect behind a search that found nothing
        for label, score in ranked:
            if label == QUESTION:
                return Route(SEARCH, {"query": utterance.strip()}, score, scores, plain)
            if label == plain.skill:
                break
        if plain.skill == NO_SKILL and (asks_about(utterance) or asks_fact(utterance)):
            score = scores.get(QUESTION, 0.0)
            return Route(SEARCH, {"query": utterance.strip()}, score, scores, plain)
        return plain

    def _pick(
        self, utterance: str, ranked: list[tuple[str, float]], scores: dict[str, float]
    ) -> Route:
        """The best class whose skill reads its arguments from `utterance`, or none."""
        for label, score in ranked:
            if label == NO_SKILL:
                return Route(NO_SKILL, None, score, scores)
            arguments = self.skills[label].parse(utterance)
            if arguments is not None:
                return Route(label, arguments, score, scores)
        return Route(NO_SKILL, None, scores.get(NO_SKILL, 0.0), scores)
