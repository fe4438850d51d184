"""Answer composition: what the user reads agrees with what the skills and documents
returned, whatever the model writes.

A turn's answer starts with the skill's own sentence (`SkillResult.answer`). The model's text
after it is an explanation, kept only when it passes `check`: no number, date or quantity that
the skill result, the question or the sources do not hold; no prompt text (leaks); no repeated
spans (loops); no JSON unless the user asked for JSON or to-dos. Citation-looking text the
model invents («(출처: …)», «근거: "…"») is cut first, and `[n]` markers are kept only when
`n` is one of the real hits. Arithmetic, weekdays and today's date that an answer writes
are recomputed by code (compose_facts): a plain chat answer is corrected and says so, an
explanation after a skill's sentence is dropped. All functions here are pure (today's date
is an argument, Korea's today when left out).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from haneul.assistant.compose_facts import Facts
from haneul.assistant.compose_units import agree, mismatch, quantities
from haneul.knowledge.korean import nouns

Explanation = Literal["kept", "dropped", "none"]

FALLBACK_KO = "죄송합니다. 이 질문에는 제대로 답하기 어렵습니다. 조금 다르게 물어봐 주시겠어요?"
GREETING_KO = "안녕하세요! 저는 하늘입니다. 무엇을 도와드릴까요?"
# An open question (no skill, document or memory answers it) on a model the catalog marks
# small (`Catalog.answers_open`): the system says so instead of the model's fluent guess.
SMALL_MODEL_KO = (
    "이 질문에는 답하지 않을게요. 지금 대화하는 모델({model})은 작은 모델이라, 일반 상식이나 "
    "조언을 물으면 그럴듯하지만 틀린 답을 쓰곤 해요. 계산과 단위 변환, 날짜와 공휴일, 올려 주신 "
    "문서에서 찾기, 할 일 정리는 확실히 도와드릴 수 있어요. 이런 질문에도 답을 받으시려면 "
    "관리자에게 더 큰 모델을 연결해 달라고 해 주세요."
)
# ...and when the user says how they feel («오늘 기분이 좀 우울해»): no question to decline
SMALL_FEELING_KO = (
    "그런 날이 있지요. 이야기해 주셔서 고마워요. 지금 대화하는 모델({model})은 작은 모델이라 "
    "마음을 깊이 나누는 대화는 잘하지 못해요. 일정이나 할 일 정리처럼 짐을 덜어 드릴 수 있는 "
    "일은 확실히 도와드릴게요. 힘든 마음이 오래가면 가까운 사람이나 전문 상담에 꼭 이야기해 "
    "보세요."
)
# A message about the user's own feelings, not a question
FEELING = re.compile(
    r"(?:기분|마음)이?\s*(?:좀\s*|너무\s*|많이\s*)?(?:안\s*좋|별로|우울|꿀꿀|울적|무거)|"
    r"우울해|우울하다|속상해|속상하다|외로워|외롭다|슬퍼|슬프다|힘들어|힘들다|지쳤어|지친다|"
    r"서운해|짜증\s*나"
)
# ...and in a role-play preset (모의 면접, 여행 계획), whose every turn is the model's own
# ...after a search of the documents that found nothing on an open question («한국의 수도는?»
# with documents uploaded): not in them, and not the small model's to answer either
SMALL_OFF_DOCUMENTS_KO = (
    "문서 밖의 일반 상식은 지금 대화하는 모델({model})이 작은 모델이라 답하지 않을게요. 더 큰 "
    "모델이 연결되면 답할 수 있어요."
)
SMALL_PRESET_KO = (
    "«{preset}» 역할은 지금 대화하는 모델({model})처럼 작은 모델로는 제대로 해낼 수 없어서, "
    "모델에게 맡기지 않을게요. 계산과 단위 변환, 날짜와 공휴일, 올려 주신 문서에서 찾기, 할 일 "
    "정리는 지금도 확실히 도와드릴 수 있어요. «{preset}» 역할을 쓰시려면 관리자에게 더 큰 모델을 "
    "연결해 달라고 해 주세요."
)
SMALL_MODEL = "an open question the model is too small to answer"  # composed.reason
SMALL_FEELING = "a feeling the model is too small to talk through"  # composed.reason
SKILL_ERROR = "the routed skill could not do it"  # composed.reason
SKILL_ERROR_KO = "요청하신 작업을 하지 못했습니다: {reason}."
SKILL_MISSING_KO = "계산하려면 값이 더 필요해요: {reason}. 값을 넣어 다시 물어봐 주세요."
SKILL_FAILED_KO = "요청을 처리하는 중에 오류가 났습니다({skill}). 관리자에게 알려 주세요."


def skill_error(error: str) -> str:
    """The reader's sentence for a skill's error «math: 반지름이나 지름 값을 찾지 못했습니다
    (could not find …)»: its Korean part, without the skill's name or the English; a skill's
    own failure (`Assistant._call`) is said as one."""
    skill = re.match(r"^([\w-]+):\s*", error.strip())
    reason = error.strip()[skill.end() :] if skill else error.strip()
    if "(the skill failed:" in reason:
        return SKILL_FAILED_KO.format(skill=skill[1] if skill else "skill")
    reason = re.sub(r"\s*\((?=[^()]*[A-Za-z])[^()가-힣]*\)\s*$", "", reason).rstrip(". ")
    template = SKILL_MISSING_KO if "값을 찾지 못했습니다" in reason else SKILL_ERROR_KO
    return template.format(reason=reason or error)


INTRODUCTION_KO = (
    "안녕하세요! 저는 하늘(Haneul)입니다. 한국어로 대화하는 AI 어시스턴트로, 계산과 단위 변환, "
    "날짜와 공휴일 확인, 올려 주신 문서에서 내용 찾기 같은 일을 도와드려요. "
    "무엇을 도와드릴까요?"
)

# Questions about the assistant itself, and only those: «누구야» or «이름이 뭐야» must be
# addressed to it (a bare question, or one naming 너/당신/하늘), never «대표이사는 누구야?» or
# «이 회사 이름이 뭐야?»; «자기소개서» (a cover letter) is a writing request.
_INTRO = re.compile(
    r"자기\s*소개(?!서)|(?<![가-힣])(?:너는?|넌|당신은?|하늘(?:아|은|이는)?)\s*(?:누구|뭐야|뭐니|무엇)|"
    r"^\s*(?:(?:안녕(?:하세요)?|hi|hello)[\s!,.~]*)?누구(?:세요|신가요|야|니)\s*[?？!.]*\s*$|"
    r"(?<![가-힣])(?:너의?|네|니|당신의?)\s*이름(?:이|은)?\s*(?:뭐|무엇)|^\s*이름이\s*(?:뭐|무엇)|"
    r"(?<![가-힣])(?:너는?|넌|당신은?|하늘은?)\s*(?:어떤|무슨)\s*(?:AI|에이아이|인공지능|모델|봇|챗봇|"
    r"어시스턴트|비서|프로그램|존재)|(?<![가-힣])(?:너|당신|하늘)(?:에\s*대해서?|를|을)\s*"
    r"(?:알려|소개|설명|말해)|"
    r"(?<![가-힣])(?:너는?|넌|네가|니가|당신은?|하늘은?)\s*(?:뭘|무엇을?|뭐)\s*(?:할\s*수|잘\s*해)|"
    r"(?<![가-힣])(?:네가|니가|당신이|하늘이)\s*할\s*수\s*있는\s*(?:일|것|게)|"
    r"^\s*(?:뭘|무엇을?)\s*할\s*수\s*있(?:어|어요|나요|니|는지)|"
    r"(?<![가-힣])(?:너|네|당신)\s*이름이\s*하늘|"
    r"introduce yourself|who are you|what can you do",
    re.I,
)
_GREETING = re.compile(
    r"^\s*(?:안녕(?:하세요|하십니까)?|반가워(?:요)?|반갑습니다|하이|헬로|hello|hi)[\s!~.?]*$", re.I
)
_WANTS_JSON = re.compile(r"json|제이슨|할\s*일|할일|to-?do|투두|목록으로", re.I)
_CITATION_PAREN = re.compile(
    r"\s*[(（\[［]\s*(?:출처|근거|참고|source)\s*[:：][^)）\]］]*[)）\]］]?", re.I
)
_CITATION_LINE = re.compile(r"^\s*(?:근거|출처|참고|source|질문|답)\s*[:：].*$", re.I | re.M)
_MARKER = re.compile(r"\s?\[(\d{1,2})\]")
_SENTENCE_END = re.compile(r"(?<=[.!?。])\s+|\n+")


@dataclass
class Composed:
    """A turn's final text and how it was made (the `composed` field of the done event)."""

    text: str
    skill_answer: str | None = None
    explanation: Explanation = "none"
    reason: str | None = None
    citations: list[dict[str, Any]] = field(default_factory=list)
    corrections: list[str] = field(default_factory=list)  # what code corrected: «12 × 12 = 144»

    def info(self) -> dict[str, Any]:
        return {
            "skill_answer": self.skill_answer,
            "explanation": self.explanation,
            "reason": self.reason,
            "reason_ko": reason_ko(self.reason),
            "corrections": self.corrections,
        }


# Why an explanation was dropped, in the words the reader sees (the `reason` strings below are
# for developers and the API; every one of them is made in this module).
_REASONS_KO = [
    (re.compile(r"JSON the user did not ask for"), "요청하지 않은 JSON 형식"),
    (re.compile(r"prompt text '.*' leaked", re.S), "지시문 문구가 답에 섞임"),
    (re.compile(r"'(.*)' repeated", re.S), "«{0}» 되풀이"),
    (re.compile(r"number (.*) not in the result", re.S), "결과에 없는 수 {0}"),
    (re.compile(r"number (.*) contradicts the question", re.S), "질문과 어긋나는 수 {0}"),
    (re.compile(r"wrong: (.*)", re.S), "확인된 값과 다름: {0}"),
    (re.compile(r"word (.*) not in the sources", re.S), "출처에 없는 말 {0}"),
    (
        re.compile(r"the user's own '(.*)' in an unrelated answer", re.S),
        "묻지 않은 사용자 정보 {0}",
    ),
    (re.compile(r"only repeated the answer"), "답을 되풀이하기만 함"),
    (re.compile(r"added nothing to the question"), "질문에 더한 내용이 없음"),
    (re.compile(r"does not say (.*)", re.S), "묻는 {0}에 답하지 않음"),
    (re.compile(r"the model wrote nothing"), "모델이 아무것도 쓰지 않음"),
    (re.compile(r"fixed self-introduction"), "정해 둔 자기소개"),
    (re.compile(SMALL_MODEL), "작은 모델이 답하지 않는 질문"),
    (re.compile(SMALL_FEELING), "작은 모델이 깊이 나누지 않는 마음 이야기"),
    (re.compile(r"a fixed reply to a courtesy"), "정해 둔 인사"),
    (re.compile(r"JSON made from the listed items"), "말씀하신 항목으로 만든 JSON"),
    (re.compile(r"recalled from memory"), "기억에서 답함"),
    (re.compile(r"acknowledged what the user stated"), "말씀하신 내용을 확인함"),
    (re.compile(r"said the documents lack it, but none were searched"), "찾지 않은 문서를 언급함"),
    (re.compile(r"cited documents, but none were searched"), "찾지 않은 문서를 근거로 댐"),
    (re.compile(r"live information the system does not have"), "시스템에 없는 실시간 정보"),
    (re.compile(r"a recap of this conversation's turns"), "이 대화에서 주고받은 내용"),
    (re.compile(r"an office letter drafted from a template"), "서식으로 만든 초안"),
    (re.compile(r"the previous skill call's steps"), "앞 답의 계산 과정"),
    (
        re.compile(r"a similar problem, checked by the math skill"),
        "계산 기능으로 확인한 비슷한 문제",
    ),
    (re.compile(SKILL_ERROR), "기능이 처리하지 못한 요청"),
    (
        re.compile(r"a statement the model is too small to talk through"),
        "작은 모델이 깊이 나누지 않는 이야기",
    ),
]


def reason_ko(reason: str | None) -> str | None:
    """`reason` for a Korean reader («number 30레벨 not in the result» -> «결과에 없는 수
    30레벨»); a reason made elsewhere gets a general phrase, never English."""
    if not reason:
        return None
    for pattern, words in _REASONS_KO:
        found = pattern.fullmatch(reason)
        if found:
            return words.format(*(g[:30] for g in found.groups()))
    return "답 검사를 통과하지 못함"


def today_kst() -> dt.date:
    return dt.datetime.now(dt.timezone(dt.timedelta(hours=9))).date()


def is_introduction(question: str) -> bool:
    return bool(_INTRO.search(question))


# «넌 누가 만들었어?», «하늘은 어디서 개발했어?»: who made the assistant, answered as it is
_MAKER = re.compile(
    r"(?<![가-힣])(?:너는?|넌|너를|널|당신은?|당신을|하늘(?:아|은|을)?)\s*(?:누가|어디서|어느\s*회사가?)"
    r"\s*(?:만들|개발|만든)|(?:누가|어디서|어느\s*회사가?)\s*(?:너를?|널|당신을?|하늘을?)\s*"
    r"(?:만들|개발)|(?:너|당신|하늘)(?:의|를)?\s*(?:만든|개발한)\s*(?:사람|회사|곳)|"
    r"who (?:made|built) you",
    re.I,
)
MAKER_KO = (
    "저는 하늘(Haneul)이에요. 조직이 자기 서버에 직접 설치해 쓰는 오픈 소스 한국어 AI "
    "플랫폼이고, 이 서버는 이곳 관리자가 운영해요. 대화 내용과 올려 주신 문서는 이 서버 밖으로 "
    "나가지 않아요. 계산과 단위 변환, 날짜와 공휴일 확인, 올려 주신 문서에서 내용 찾기 같은 "
    "일을 도와드려요."
)


def is_about_maker(question: str) -> bool:
    return bool(_MAKER.search(question))


def is_greeting(question: str) -> bool:
    return bool(_GREETING.match(question))


_ASKS = re.compile(
    r"[?？]|뭐|무엇|어떻게|어떡|왜|어떤|할까|될까|좋을까|나을까|방법|추천|알려|줘|주세요"
)


# ...and when the user tells something and asks nothing («저는 마케팅팀이에요»): not a
# question to decline
SMALL_STATEMENT_KO = (
    "말씀 잘 들었어요. 지금 대화하는 모델({model})은 작은 모델이라 자유로운 대화는 잘하지 "
    "못해요. 계산과 단위 변환, 날짜와 공휴일, 올려 주신 문서에서 찾기, 할 일 정리는 확실히 "
    "도와드릴게요."
)
SMALL_STATEMENT = "a statement the model is too small to talk through"  # composed.reason
_DECLARATIVE = re.compile(
    r"(?:이에요|예요|에요|입니다|습니다|합니다|해요|어요|아요|였어요|었어요)[.!~ ]*$"
)


def statement(message: str) -> bool:
    """The user tells something and asks nothing («저는 마케팅팀이에요», «오늘 회의가 길었어요»)."""
    return bool(_DECLARATIVE.search(message.strip())) and not _ASKS.search(message)


def feeling(message: str) -> bool:
    """The user says how they feel («오늘 기분이 좀 우울해»), asking nothing («우울할 때 뭐
    하면 좋아?» asks for advice)."""
    return bool(FEELING.search(message)) and not _ASKS.search(message)


def wants_json(question: str) -> bool:
    return bool(_WANTS_JSON.search(question))


def strip_citations(text: str, allowed: int = 0) -> str:
    """`text` without invented citations: «(출처: …)» parentheticals, «근거: …»/«출처: …»
    lines, and `[n]` markers whose `n` is not 1..`allowed`; markup (<tex>, TeX) made plain."""
    text = _CITATION_PAREN.sub("", strip_markup(text))
    text = _CITATION_LINE.sub("", text)
    text = _MARKER.sub(lambda m: m.group(0) if 1 <= int(m.group(1)) <= allowed else "", text)
    return re.sub(r"[ \t]+\n", "\n", re.sub(r"\n{3,}", "\n\n", text)).strip()


_CLOSED_TWICE = re.compile(r"([다요])\.\s*입니다((?:\s*\[\d+\])*)(?=[\s.]|$)\.?")
_TAG = re.compile(r"</?[A-Za-z][\w-]*(?:\s[^<>]*)?/?>")
_LATEX = (
    (re.compile(r"\\sqrt\s*\{([^{}]*)\}"), r"√\1"),
    (re.compile(r"\\frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}"), r"\1/\2"),
    (re.compile(r"\\(?:approx)\b"), "≈"),
    (re.compile(r"\\(?:times)\b"), "×"),
    (re.compile(r"\\(?:cdot)\b"), "·"),
    (re.compile(r"\\(?:pi)\b"), "π"),
    (re.compile(r"\\(?:le|leq)\b"), "≤"),
    (re.compile(r"\\(?:ge|geq)\b"), "≥"),
    (re.compile(r"\\(?:left|right|displaystyle|,|;|!)"), ""),
    (re.compile(r"\\[\[\]()]|\$\$?"), ""),
)


def strip_markup(text: str) -> str:
    """`text` as plain prose: tags such as <tex>, <b> or <br> gone, and TeX turned into the
    signs it stands for (\\sqrt{5} -> √5, $…$ delimiters dropped)."""
    text = _TAG.sub("", text)
    for pattern, sign in _LATEX:
        text = pattern.sub(sign, text)
    return re.sub(r"[ \t]{2,}", " ", text)


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _clauses(prompt: str) -> list[str]:
    parts = re.split(r"[.!?\n:()]|\s(?=-\s)", prompt)
    return [p for p in (_norm(x) for x in parts) if len(p) >= 8]


def leak(text: str, prompts: list[str]) -> str | None:
    """The prompt clause `text` repeats, if any (a system prompt, the data note)."""
    flat = _norm(text)
    if "skill_result" in flat or "<document" in flat:
        return "skill_result"
    for prompt in prompts:
        for clause in _clauses(prompt):
            if clause in flat:
                return clause
    return None


def repeated(text: str, width: int = 8) -> str | None:
    """A span of `width` characters (spaces aside) that occurs twice: a loop."""
    flat = _norm(text)
    seen: set[str] = set()
    for i in range(len(flat) - width + 1):
        gram = flat[i : i + width]
        if gram in seen:
            return gram
        seen.add(gram)
    return None


def looks_like_json(text: str) -> bool:
    body = text.strip().removeprefix("```json").removeprefix("```").removesuffix("```").strip()
    if re.search(r"[\[{]\s*\{?\s*\"\w+\"\s*:", body):
        return True
    if body[:1] in "[{":
        try:
            json.loads(body)
            return True
        except ValueError:
            return False
    return False


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value.strip()]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def json_as_list(text: str, question: str) -> str | None:
    """The text values of JSON the user did not ask for, as a plain list («서울의 명소 세
    곳» answered `[{"task": "경복궁"}, ...]` -> «- 경복궁 ...»): None when the JSON does not
    parse or holds fewer than two distinct values other than the question's own words."""
    body = text.strip().removeprefix("```json").removeprefix("```").removesuffix("```").strip()
    if is_greeting(question):
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None
    asked = _norm(question)
    values: list[str] = []
    for value in _strings(data):
        flat = _norm(value)
        if 2 <= len(value) <= 80 and flat not in asked and value not in values:
            values.append(value)
    return "\n".join(f"- {v}" for v in values) if len(values) >= 2 else None


def _dates(text: str) -> str:
    """ISO dates of `text` also written the Korean way (2026-09-25 -> 2026년 9월 25일)."""
    extra = []
    for y, m, d in re.findall(r"(\d{4})-(\d{2})-(\d{2})", text):
        try:
            day = dt.date(int(y), int(m), int(d))
        except ValueError:
            continue
        extra.append(f"{day.year}년 {day.month}월 {day.day}일")
    return text + "\n" + "\n".join(extra)


def unsupported_number(text: str, grounds: list[str]) -> str | None:
    """The first number (with its unit) in `text` that none of `grounds` holds in that unit
    («120억 달러» against «120억원», «5분» against «5시간»: see compose_units)."""
    known = [q for g in grounds for q in quantities(_dates(g))]
    for said in quantities(text):
        if not any(agree(said, k) for k in known):
            return said.written
    return None


# Words of an explanation about the sources themselves, which a source need not hold
_ABOUT_SOURCES = frozenset(
    re.findall(
        r"\S+",
        "문서 자료 내용 질문 답변 출처 근거 검색 결과 정보 부분 설명 참고 경우 해당 관련 기준 "
        "항목 규정 조항 다음 이상 이하 이내 정도 확인",
    )
)


_FOREIGN = re.compile(r"[A-Za-zÀ-ɏ][A-Za-zÀ-ɏ'’-]+|[\u4e00-\u9fff]+")


def content_words(text: str) -> list[str]:
    """The nouns Kiwi finds (`korean.nouns`), and the words in Latin letters or Hanja it
    leaves untagged as nouns («Čeněk Junek», «斥邪衛正»), in order."""
    return nouns(text) + _FOREIGN.findall(text)


def unsupported_word(text: str, grounds: list[str]) -> str | None:
    """The first content word of `text` that none of `grounds` holds: a document answer's
    explanation may only use the passages' and the question's words («문서 [1]에 따르면
    현금입니다.» under a rule that never says 현금)."""
    held = "".join("\n".join(grounds).split()).lower()
    for word in content_words(text):
        if word not in _ABOUT_SOURCES and word.lower() not in held:
            return word
    return None


# What «몇 X» asks for, and the units that answer it (며칠 asks for 일)
_COUNTERS = {
    "번": "번|회", "회": "회|번", "살": "살|세", "세": "세|살", "달": "달|개월", "개월": "개월|달",
    "시": "시|:", "일": "일", "명": "명|인", "개": "개", "시간": "시간", "년": "년", "주": "주",
    "층": "층", "권": "권", "곳": "곳|군데", "분": "분", "초": "초", "km": "km|킬로",
}  # fmt: skip
_ASKED_COUNT = re.compile(
    r"몇\s*(" + "|".join(sorted(_COUNTERS, key=len, reverse=True)) + r")|며칠"
)
_NATIVE = r"(?:한|두|세|네|다섯|여섯|일곱|여덟|아홉|열|스무|스물)"


def misses_asked_count(question: str, text: str) -> str | None:
    """«몇 번» asked, and `text` says no number of 번 or 회 (the answer «전주 금요일
    17시입니다» to «재택근무는 일주일에 몇 번까지 가능해?»): what was asked, else None."""
    asked = _ASKED_COUNT.search(question)
    if not asked:
        return None
    unit = asked.group(1) or "일"
    units = _COUNTERS[unit]
    said = re.search(rf"(?:\d[\d,.]*|{_NATIVE})\s*(?:{units})", text)
    return None if said else asked.group(0)


def adds_to(question: str, text: str) -> bool:
    """Whether `text` says anything the question does not: a content word or a number
    beyond the question's own («뉘르부르크링을 설계한 사람은?» answered «문서 [1]에 따르면
    뉘르부르크링입니다.» does not)."""
    asked = "".join(question.split()).lower()
    words = [w for w in content_words(text) if w not in _ABOUT_SOURCES]
    if any(w.lower() not in asked for w in words):
        return True
    return any(n not in asked for n in re.findall(r"\d+(?:[.,]\d+)*", strip_citations(text)))


def contradicting_number(text: str, question: str) -> str | None:
    """A number of the question written in `text` with another unit (30평 -> 30레벨)."""
    asked = quantities(question)
    for said in quantities(text):
        if mismatch(said, asked):
            return said.written
    return None


def check(
    text: str,
    *,
    question: str,
    grounds: list[str],
    prompts: list[str],
    numbers: bool = True,
    words: bool = False,
    loop_width: int = 8,
) -> str | None:
    """Why the model's `text` cannot be shown, or None when it can. `grounds` are the skill
    result and the sources; the question counts as ground too. With `words` (a document
    answer), every noun must be in them as well."""
    if looks_like_json(text) and not wants_json(question):
        return "JSON the user did not ask for"
    leaked = leak(text, prompts)
    if leaked:
        return f"prompt text '{leaked[:30]}' leaked"
    loop = repeated(text, loop_width)
    if loop:
        return f"'{loop}' repeated"
    plain = _MARKER.sub("", text)  # [n] markers are not numbers of the answer
    if numbers:
        number = unsupported_number(plain, [question, *grounds])
        if number:
            return f"number {number} not in the result"
    contradiction = contradicting_number(plain, question)
    if contradiction:
        return f"number {contradiction} contradicts the question"
    word = unsupported_word(plain, [question, *grounds]) if words else None
    if word:
        return f"word {word} not in the sources"
    return None


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def whole_sentences(text: str) -> str:
    """`text` up to its last sentence end (what a cut-off generation said completely)."""
    ends = [m.end() for m in re.finditer(r"[.!?。](?=\s|$)", text)]
    return text[: ends[-1]] if ends else ""


def _bigrams(text: str) -> set[str]:
    flat = _norm(text)
    return {flat[i : i + 2] for i in range(len(flat) - 1)}


def _same(a: str, b: str) -> bool:
    """`a` says what `b` says: most bigrams shared, or `a` is a part of `b`."""
    if len(_norm(a)) >= 4 and _norm(a).rstrip(".!?") in _norm(b):
        return True
    x, y = _bigrams(a), _bigrams(b)
    return bool(x and y) and len(x & y) / len(x | y) >= 0.6


def explain(
    skill_answer: str | None,
    model_text: str,
    *,
    question: str,
    grounds: list[str],
    prompts: list[str],
    markers: int = 0,
    documents: bool = False,
    max_sentences: int = 3,
    today: dt.date | None = None,
) -> Composed:
    """The final text: the skill's sentence, then the model's explanation if it passes
    `check` (numbers checked only when there is something to check them against; with
    `documents`, the words too, against `grounds` alone: an explanation of passages says
    only what they say)."""
    # «…연락이 되어야 합니다.입니다 [2]»: a quoted sentence the model closed once more
    cleaned = _CLOSED_TWICE.sub(r"\1\2.", strip_citations(model_text, markers))
    kept = [s for s in sentences(cleaned) if not (skill_answer and _same(s, skill_answer))]
    explanation = " ".join(kept[:max_sentences]).strip()
    if not explanation:
        reason = "only repeated the answer" if model_text.strip() and skill_answer else None
        return _alone(skill_answer, "none" if not model_text.strip() else "dropped", reason)
    grounded = skill_answer is not None or bool(grounds)
    why = check(
        explanation,
        question=question,
        grounds=grounds if documents else [skill_answer or "", *grounds],
        prompts=prompts,
        numbers=grounded,
        words=documents,
    )
    facts = Facts(question, today or today_kst())
    facts.correct(explanation)
    if facts.fixes and not why:
        why = "wrong: " + ", ".join(f.why for f in facts.fixes)
    if not why and documents and not adds_to(question, explanation):
        why = "added nothing to the question"
    if not why and documents and (count := misses_asked_count(question, explanation)):
        why = f"does not say {count}"
    if why:
        return _alone(skill_answer, "dropped", why)
    text = f"{skill_answer}\n\n{explanation}" if skill_answer else explanation
    return Composed(text, skill_answer, "kept")


def _alone(skill_answer: str | None, state: Explanation, reason: str | None) -> Composed:
    return Composed(skill_answer or FALLBACK_KO, skill_answer, state, reason)


# Document answers -------------------------------------------------------------------------


def _snippet(hit: dict[str, Any], text: str) -> str:
    """The search's excerpt as plain text (its <mark> tags gone), or the passage's start."""
    marked = str(hit.get("snippet") or "")
    if marked:
        return html.unescape(re.sub(r"</?mark>", "", marked))
    return text[:200] + ("…" if len(text) > 200 else "")


def citations(hits: list[dict[str, Any]], supported: bool) -> list[dict[str, Any]]:
    """The citation list of the contract, numbered as the hits were given to the model."""
    out = []
    for n, hit in enumerate(hits, start=1):
        c = hit.get("citation") or {}
        text = str(hit.get("text") or "")
        out.append(
            {
                "n": n,
                "document": c.get("document_name") or hit.get("document_name"),
                "document_id": c.get("document_id") or hit.get("document_id"),
                "collection": hit.get("collection"),
                "page": c.get("page"),
                "snippet": _snippet(hit, text),
                "text": text,
                "supported": supported,
                # other documents holding the same passage (copies the search folded)
                "also_in": [str(a.get("document_name")) for a in hit.get("also_in") or []],
            }
        )
    return out


# Streaming a plain answer ---------------------------------------------------------------

# «문서에 없습니다»: what a document answer says when the passages lack the answer. A plain
# answer (no skill, so no document searched) saying it is false; a small model trained on
# document turns says it after document answers in the history
NOT_SEARCHED = re.compile(
    r"(?:문서|자료|검색\s*결과)(?:에는?|에서는?)\s*(?:\S+\s+){0,3}?"
    r"(?:없습니다|없어요|없네요|나와\s*있지\s*않|찾을\s*수\s*없|찾지\s*못)"
)
# «문서에 따르면 김홍집의 책입니다.»: a plain answer citing documents it never read (v2 wrote it
# for a question the router did not send to the search)
CITES_UNSEARCHED = re.compile(
    r"(?:문서|자료|검색\s*결과)\s*(?:\[\d+\]\s*)?(?:에\s*(?:따르면|의하면|나와\s*있듯이)|를\s*보면)"
)

_BOUNDARY = re.compile(r"(?<=[.!?。])\s+|\n+")


class Gate:
    """Streams a model's plain answer (no skill) sentence by sentence, each shown only once
    checked: invented citations cut, and the stream stopped at the first sentence that leaks
    prompt text or repeats an earlier span. An answer that opens like JSON is held whole
    and shown only if the user asked for JSON. `close()` gives what is left to show and
    the verdict."""

    def __init__(
        self,
        question: str,
        prompts: list[str],
        markers: int = 0,
        today: dt.date | None = None,
        avoid: list[str] | None = None,
    ) -> None:
        self.question, self.prompts, self.markers = question, prompts, markers
        self.avoid = avoid or []  # the user's own facts unrelated to the question
        self.left_out: str | None = None  # why a sentence was not shown
        self.facts = Facts(question, today or today_kst())
        self.buffer = ""
        self.shown: list[str] = []
        self.gap = " "  # what goes before the next sentence shown
        self.reason: str | None = None

    @property
    def text(self) -> str:
        return "".join(self.shown)

    def _held(self) -> bool:
        head = self.buffer.lstrip()
        return head[:1] in ("{", "`") or (head[:1] == "[" and not re.match(r"\[\d", head))

    def feed(self, piece: str) -> str:
        if self.reason is not None:
            return ""
        self.buffer += piece
        if self._held():
            return ""
        out = ""
        while self.reason is None:
            found = _BOUNDARY.search(self.buffer)
            if not found or found.end() == len(self.buffer):
                break  # the sentence may go on (or more newlines may come)
            sentence = self.buffer[: found.start()]
            gap = self.buffer[found.start() : found.end()]
            self.buffer = self.buffer[found.end() :]
            out += self._show(sentence)
            if self.shown:
                self.gap = "\n\n" if gap.count("\n") > 1 else ("\n" if "\n" in gap else " ")
        return out

    def _show(self, sentence: str) -> str:
        clean = self.facts.correct(strip_citations(sentence, self.markers))
        if not clean:
            return ""
        said = next((value for value in self.avoid if value in clean), None)
        if said:  # the sentence only is left out: the answer may go on without it
            self.left_out = f"the user's own '{said}' in an unrelated answer"
            return ""
        if NOT_SEARCHED.search(clean):  # a plain answer: no document was searched
            self.left_out = "said the documents lack it, but none were searched"
            return ""
        if CITES_UNSEARCHED.search(clean):
            self.left_out = "cited documents, but none were searched"
            return ""
        why = check(
            self.text + " " + clean,
            question=self.question,
            grounds=[],
            prompts=self.prompts,
            numbers=False,
            loop_width=16,
        )
        if why:
            self.reason = why
            return ""
        return self._append(clean)

    def _append(self, body: str) -> str:
        piece = (self.gap if self.shown else "") + body
        self.shown.append(piece)
        return piece

    def close(self) -> tuple[str, Composed]:
        """What is left to show, and the composed answer."""
        rest = ""
        if self.reason is None and self.buffer.strip():
            if self._held():
                body = strip_citations(self.buffer, self.markers)
                listed = None if wants_json(self.question) else json_as_list(body, self.question)
                body = listed or body
                why = check(
                    body, question=self.question, grounds=[], prompts=self.prompts, numbers=False
                )
                if why:
                    self.reason = why
                else:
                    rest = self._append(body)
            else:
                rest = self._show(self.buffer)
        self.buffer = ""
        note = self.facts.note()
        if note and self.shown:  # the answer says what code corrected in it
            self.gap = "\n\n"
            rest += self._append(note)
        if not self.shown:
            fallback = GREETING_KO if is_greeting(self.question) else FALLBACK_KO
            why = self.reason or self.left_out
            state: Explanation = "dropped" if why else "none"
            return fallback, Composed(fallback, None, state, why or "the model wrote nothing")
        fixed = [f.why for f in self.facts.fixes]
        why = self.reason or self.left_out
        return rest, Composed(self.text, None, "kept", why, corrections=fixed)
