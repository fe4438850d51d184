"""Recall questions: a user asking what the assistant remembers about them («제 이름 기억해요?»,
«제가 어디 산다고 했죠?») is answered from the memory store, never by the model.

A 270M model asked to restate a remembered fact says «알 수 없어요», invents one, or the
router sends the question to the documents. The store already holds such facts in slots
(memory.py: «사는 곳: 부산»), so the answer is composed from the slot, with the right 조사:

- the slot is filled: «기억하고 있어요. 사는 곳은 부산이에요.»;
- the slot is empty: «아직 직업을 말씀해 주신 적이 없어요.» (nothing is invented);
- memory is off (settings.memory false, or the turn's `memory` false): it says so.

A question is a recall when it names the user's own slot right before a recall cue: a
possessive (제/내/저의/나의) directly before the slot's noun («제 취미가 뭐였죠?»), or the user
as subject (제가/내가/저는/나는) of the slot's verb phrase («제가 키우는 반려동물이 뭐예요?»),
or «저를 뭐라고 부르면 되는지» for the name. Anything between them (another person: «제 친구
이름», «우리 팀장님 이름»; another thing: «제 이름 뜻이 뭐예요?») makes it not a recall, and the
turn takes the normal path. A sentence that also states the fact («제 이름은 민수예요, 기억해요?»)
is a statement, for `extract`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from haneul.assistant.memory import JOBS, LABELS, Memory, extract, their_slot

_SELF = r"(?<![가-힣])(?:제|내|저의|나의)\s*"  # the user's own ...
_SUBJ = r"(?<![가-힣])(?:제가|내가|저는|나는|전|난)\s*(?:지금\s*|요즘\s*|원래\s*|전에\s*)?"
_HOME = r"(?<![가-힣])(?:저희|우리)\s*집\s*"
_PARTICLE = r"\s*(?:이|가|은|는|을|를|도|요)?\s*(?:혹시\s*|아직\s*|지금\s*|정말\s*)?"
# the recall itself: what was it, do you remember, do you know, what did I say
_CUE = (
    r"(?:(?:뭐|무엇|누구|어디|몇\s*(?:명|마리)?)\s*(?:였|이었|예요|에요|이에요|죠|지|야|라고|"
    r"더라|인지|냐|니|일까|이|입니까|인가|라\s*그랬|랬)|"
    r"기억(?:해|하|나|하시|하고|돼|되)|알(?:아|고\s*있|지|죠)|아(?:세요|시나요|시죠|시는지|니|냐)|"
    r"(?:라고|다고)\s*(?:했|말했|그랬|얘기했|말씀)|했(?:죠|지|더라|나요|는지|니|냐|었))"
)
# (slot, what names it, whether a recall cue must follow at once)
_TOPICS: list[tuple[str, str, bool]] = [
    ("name", _SELF + r"이름", True),
    ("name", r"(?<![가-힣])(?:저|나)를\s*(?:뭐라고|어떻게)\s*(?:부르|불러)", False),
    ("residence", _SELF + r"(?:사는\s*(?:곳|도시|동네|지역|데)|거주지|사는\s*데)", True),
    ("residence", _SUBJ + r"사는\s*(?:곳|도시|동네|지역|데)", True),
    (
        "residence",
        _SUBJ
        + r"어디(?:에|에서|서)?\s*(?:산다고|산다는|사는지|살고\s*있다고|살고\s*있는지|살아요|살죠)",
        False,
    ),
    ("job", _SELF + r"(?:직업|하는\s*일)", True),
    ("job", _SUBJ + r"(?:하는\s*일|무슨\s*일(?:을)?\s*(?:한다고|하는지)|뭐\s*하는\s*사람)", False),
    ("workplace", _SELF + r"(?:직장|회사|일터|근무지|일하는\s*(?:곳|데))", True),
    (
        "workplace",
        _SUBJ + r"(?:일하는\s*(?:곳|데|회사)|다니는\s*(?:회사|직장)|근무하는\s*곳)",
        True,
    ),
    (
        "workplace",
        _SUBJ + r"어디(?:에서|서)\s*(?:일한다고|일하는지|근무한다고|근무하는지)",
        False,
    ),
    ("likes", _SELF + r"(?:취미|좋아하는\s*(?:것|거|게))", True),
    ("likes", _SUBJ + r"좋아하는\s*(?:것|거|게|취미|운동)?", True),
    ("likes", _SUBJ + r"(?:뭘|무엇을|뭐를)\s*좋아한다고", False),
    ("allergy", _SELF + r"(?:알레르기|못\s*먹는\s*(?:음식|것|거|게))", True),
    ("allergy", _SUBJ + r"(?:(?:무슨|어떤)\s*)?알레르기", True),
    ("allergy", _SUBJ + r"(?:(?:무슨|어떤)\s*)?알레르기(?:가)?\s*있", False),
    ("allergy", _SUBJ + r"못\s*먹는\s*(?:음식|것|거|게)?", True),
    ("pets", _SELF + r"(?:반려\s*동물|반려견|반려묘|애완\s*동물)", True),
    ("pets", _HOME + r"(?:반려\s*동물|애완\s*동물)", True),
    ("pets", _SUBJ + r"키우는\s*(?:반려\s*동물|애완\s*동물|동물|것|거|게)?", True),
    ("children", _SELF + r"(?:아이|자녀|애)(?:들)?", True),
    ("children", _SUBJ + r"(?:아이|자녀|애)(?:가|는)?\s*몇", False),
    ("birthday", _SELF + r"생일", True),
]
# a topic that is a whole verb phrase («어디 산다고») needs the cue anywhere in the sentence
_PATTERNS = [
    (slot, re.compile(topic + _PARTICLE + _CUE if cue_follows else topic), cue_follows)
    for slot, topic, cue_follows in _TOPICS
]
_ANY_CUE = re.compile(_CUE)

# Yes/no recall: the user names a value and asks whether that is what they said («제가 부산에
# 산다고 했나요?», «제 이름이 민수였나요?», «제 직업 교사 맞죠?»). The answer never says yes or
# no on the model's word: «네, 맞아요. …» only when the stored value is in the question, else
# what is stored («제가 기억하는 사는 곳은 서울이에요.»).
_CONFIRM = re.compile(
    r"(?:였|이었)(?:었)?(?:나요|나|죠|지|던가|니|냐|어요|습니까)|"
    r"(?:라고|다고)\s*(?:했|말했|그랬|얘기했|말씀)|맞(?:죠|나요|지|아|습니까|는지|았)"
)
_X = r"(?:\S+\s+){0,2}?\S*?"  # the value the user names, up to three words
_CLAIMS: list[tuple[str, str]] = [
    ("name", _SELF + r"이름"),
    ("residence", _SELF + r"(?:사는\s*(?:곳|도시|동네|지역|데)|거주지)"),
    ("residence", _SUBJ + _X + r"(?:에|에서)\s*(?:산다|살고\s*있다|살아|산대)"),
    ("job", _SELF + r"(?:직업|하는\s*일)"),
    ("job", _SUBJ + rf"(?:\S+\s*)?(?:{JOBS})(?:이)?(?:라고|였|이었|맞)"),
    ("workplace", _SELF + r"(?:직장|회사|근무지)"),
    ("workplace", _SUBJ + _X + r"(?:에|에서)\s*(?:다닌다|일한다|근무한다|다녀|일해)"),
    ("likes", _SELF + r"(?:취미|좋아하는\s*(?:것|거|게))"),
    ("likes", _SUBJ + _X + r"(?:을|를)?\s*좋아한다"),
    ("allergy", _SELF + r"(?:알레르기|못\s*먹는)"),
    ("allergy", _SUBJ + _X + r"알레르기"),
    ("pets", _SELF + r"(?:반려\s*동물|반려견|반려묘)"),
    ("pets", _SUBJ + _X + r"(?:을|를)?\s*키운다"),
]
_CLAIM_PATTERNS = [(slot, re.compile(claim)) for slot, claim in _CLAIMS]
_SENTENCES = re.compile(r"(?<=[.!?。？])\s+|\n+")

NOTED_KO = "알겠어요. {label} {value} 기억해 둘게요."
HEARD_KO = "알겠어요. {label} {value}."
OFF_KO = "지금은 기억 기능이 꺼져 있어서 {label} 기억에서 찾아볼 수 없어요."
EMPTY_KO = "아직 {label} 말씀해 주신 적이 없어요."
THEIRS_KO = "아직 {who} {label} 말씀해 주신 적이 없어요."
KNOWN_KO = "기억하고 있어요. {label} {value}."
YES_KO = "네, 맞아요. {label} {value}."
STORED_KO = "제가 기억하는 {label} {value}."


@dataclass(frozen=True)
class Recall:
    """A recall question's answer: the text the user reads and the memories it used."""

    slot: str
    text: str
    used: list[str]
    noted: bool = False  # an acknowledgement of facts the user stated, not a recall


@lru_cache(maxsize=64)
def _stated(text: str) -> frozenset[str]:
    """The slots `text` states a fact of (read once a turn: both questions below ask)."""
    return frozenset(fact.slot for fact in extract(text))


def recall_slot(text: str) -> str | None:
    """The slot a recall question asks about, or None when `text` is not one."""
    stated = _stated(text)
    for sentence in _SENTENCES.split(text):
        for slot, pattern, cue_follows in _PATTERNS:
            if slot in stated or not pattern.search(sentence):
                continue
            if cue_follows or _ANY_CUE.search(sentence):
                return slot
    return None


def confirm_slot(text: str) -> str | None:
    """The slot a yes/no recall question names a value of («제가 부산에 산다고 했나요?» ->
    residence), or None."""
    stated = _stated(text)
    for sentence in _SENTENCES.split(text):
        if not _CONFIRM.search(sentence):
            continue
        for slot, pattern in _CLAIM_PATTERNS:
            found = pattern.search(sentence)
            if slot not in stated and found and _CONFIRM.search(sentence, found.start()):
                return slot
    return None


def _names(text: str, value: str, label: str) -> bool:
    """Whether `text` names `value` or a part of it: «부산에» names «부산광역시», «민수» names
    «김민수» (a word's first two or more letters, found in the value; not the slot's label)."""
    flat, whole = "".join(text.split()), "".join(value.split())
    if whole in flat:
        return True
    words = re.findall(r"[가-힣A-Za-z0-9]+", text)
    stems = {w[:n] for w in words for n in range(2, len(w) + 1)}
    return any(stem in whole and stem not in label for stem in stems)


def recall(text: str, memories: list[Memory] | None, said: Iterable[str] = ()) -> Recall | None:
    """The answer to `text` when it is a recall question; `memories` is None when memory is
    off for the turn, `said` is what the user said earlier in this conversation. None: not a
    recall question, or one about a fact not stored but stated in `said` (the normal path
    answers it, with the history)."""
    slot = recall_slot(text)
    asked = slot is None and (slot := confirm_slot(text)) is not None  # a yes/no question
    if slot is None:
        return _theirs(text, memories, said)
    label = LABELS[slot]
    found = next((m for m in memories or [] if m.slot == slot), None)
    if found is None and any(f.slot == slot for s in said for f in extract(s)):
        return None
    if memories is None:
        return Recall(slot, OFF_KO.format(label=_object(label)), [])
    if found is None:
        return Recall(slot, EMPTY_KO.format(label=_object(label)), [])
    _, _, value = found.content.partition(": ")
    value = value.strip() or found.content
    words = KNOWN_KO
    if asked:
        named = any(_names(text, v, label) for v in value.split(", "))
        words = YES_KO if named else STORED_KO
    answer = words.format(label=_topic(label), value=_copula(value))
    return Recall(slot, answer, [found.content])


def _theirs(text: str, memories: list[Memory] | None, said: Iterable[str]) -> Recall | None:
    """«제 친구 이름이 뭐였죠?» when the user never spoke of that person (in this conversation
    or a memory): it was never said, and the user's own name is no answer to it (a model
    given the history copies it). Spoken of, the normal path answers it with the history."""
    for sentence in _SENTENCES.split(text):
        found = their_slot(sentence)
        if found is None or not _ANY_CUE.search(sentence, found[3]):
            continue
        who, slot, noun, _ = found
        known = [*said, *(m.content for m in memories or [])]
        if any("".join(who.split()) in "".join(k.split()) for k in known):  # spaces aside
            return None
        return Recall(slot, THEIRS_KO.format(who=who, label=_object(noun)), [])
    return None


# A sentence that only states: it ends like a statement and asks for nothing
_STATES = re.compile(r"(?:요|다|야|임|음)[.!~\s]*$")
_ASKS = re.compile(r"줘|주세요|주실래|알려|추천|어때|할까|싶어|궁금|도와|해 ?봐|부탁")


def acknowledge(text: str, remember: bool) -> Recall | None:
    """The answer to a message that only states facts about the user («저는 초등학교
    교사예요.»): «알겠어요. 직업은 초등학교 교사라고 기억해 둘게요.» (or, memory off, «알겠어요.
    직업은 초등학교 교사군요.»). A small model given it writes anything (the web UI's check
    read «신청할 수 없습니다.» copied from a document answer above it). None when a sentence
    asks something, states nothing `extract` reads, or removes a fact: the normal path."""
    sentences = [s.strip() for s in _SENTENCES.split(text) if s.strip()]
    facts = []
    for sentence in sentences:
        found = extract(sentence)
        if not found or not _STATES.search(sentence) or _ASKS.search(sentence):
            return None
        facts += found
    if not facts or any(f.mode == "remove" or not f.value for f in facts):
        return None
    parts = []
    for fact in facts:
        label = _topic(LABELS[fact.slot])
        if remember:
            value = fact.value + ("이라고" if _batchim(fact.value) else "라고")
            parts.append(NOTED_KO.format(label=label, value=value))
        else:
            value = fact.value + ("이군요" if _batchim(fact.value) else "군요")
            parts.append(HEARD_KO.format(label=label, value=value))
    text = parts[0] + "".join(" " + p.removeprefix("알겠어요. ") for p in parts[1:])
    return Recall(facts[0].slot, text, [], noted=True)


def _batchim(word: str) -> bool:
    """Whether `word` ends in a final consonant (digits and Latin letters as read aloud)."""
    last = word.rstrip()[-1:] or "가"
    if "가" <= last <= "힣":
        return (ord(last) - ord("가")) % 28 != 0
    if last.isdigit():
        return last in "013678"
    return last.lower() in "lmnr"


def _topic(noun: str) -> str:
    return noun + ("은" if _batchim(noun) else "는")


def _object(noun: str) -> str:
    return noun + ("을" if _batchim(noun) else "를")


def _copula(noun: str) -> str:
    return noun + ("이에요" if _batchim(noun) else "예요")
