"""Long-term memory: facts a user states about themselves, kept per API key and updated with
the operations of NAVER's "Keep Me Updated!" (Bae et al., 2022) instead of only appended:

- PASS: nothing new (the fact is already known);
- REPLACE: a fact changed (이사했어요: the old place gives way to the new one);
- APPEND: a new fact, or one more value of a many-valued fact (another hobby);
- DELETE: a fact stopped being true (담배 끊었어요).

Facts are read from the user's own sentences by Korean patterns (`extract`): the bundled
models are far too small to extract facts reliably, and patterns are exact, fast and
auditable. Each fact has a slot (residence, smoking, ...); a slot holds one memory. Every
operation is logged, so what the memory did can be shown and tested. Memories a person adds by
hand get a slot of their own and are never touched by extraction.

A turn is given only the memories relevant to its message (`relevance`): e5 similarity between
the message (as a query) and each memory (as a passage) at or above `RELEVANCE`, a threshold
measured on labelled Korean pairs (bench/memory_relevance.py, docs/assistant.md), except that
a memory naming other places or names than the message is left out, and one the message
itself updates is kept.
"""

from __future__ import annotations

import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from haneul.engine.e5 import passage_vector
from haneul.errors import InvalidRequestError, NotFoundError
from haneul.knowledge.korean import proper_nouns
from haneul.safety.classifier import e5_query_cached
from haneul.store.db import migrate

Op = Literal["PASS", "REPLACE", "APPEND", "DELETE"]
Mode = Literal["set", "add", "remove"]
MAX_CONTENT = 500
RELEVANCE = 0.83  # e5 cosine (message as query, memory as passage); bench/memory_relevance.py

LABELS = {
    "name": "이름",
    "residence": "사는 곳",
    "job": "직업",
    "workplace": "직장",
    "smoking": "흡연",
    "drinking": "음주",
    "likes": "좋아하는 것",
    "allergy": "알레르기",
    "pets": "반려동물",
    "children": "자녀",
    "marital": "결혼",
    "birthday": "생일",
}
MANY = {"likes", "allergy", "pets"}  # slots that hold a list of values

_W = r"[가-힣A-Za-z0-9]"
_END = r"(?:이에요|예요|입니다|이야|야|이고|고|라고|이라고|요)"
# «저는 (초등학교) 교사예요»: a job named as what the user is (a closed list of job nouns, so
# «저는 김민수예요» is not read as one)
JOBS = (
    "교사|선생님|간호사|의사|약사|한의사|수의사|변호사|회계사|세무사|노무사|요리사|미용사|상담사|"
    "치료사|통역사|번역가|사회복지사|영양사|개발자|디자이너|엔지니어|프로그래머|연구원|회사원|"
    "직장인|공무원|은행원|교수|강사|기자|작가|경찰관|경찰|소방관|군인|주부|프리랜서|농부|배우|"
    "가수|사업가|자영업자|대학원생|대학생|학생|건축가|화가|판사|검사|운전기사|택배기사|간병인"
)
_JOB_END = r"\s*(?:이에요|예요|입니다|이야|야|이고|고)"
# «저는 (마케팅팀) 김하늘이에요», «저는 박민수라고 합니다»: a name said as who the user is, a
# surname and one or two syllables (so «저는 한국인이에요» or «저는 학생이에요» is not one)
_SURNAMES = (
    "김이박최정강조윤장임한오서신권황안송류전홍고문양손배백허유남심노하곽성차주우구민진지엄"
    "채원천방공현함변염여추도소석선설마길연위표명기반왕금옥육인맹제모탁국어은편용"
)
# «저는 김교수입니다»: a surname before a job is how the user is addressed, not a name; the
# job is 교수 (but «한의사», «주부» are jobs of their own)
_SURNAME_JOB = rf"(?!(?:{JOBS}){_JOB_END})[{_SURNAMES}](?=(?:{JOBS}){_JOB_END})"
_JOB_IS = (
    rf"(?<![가-힣])(?:저는|전|나는|난)\s*(?:{_SURNAME_JOB})?"
    rf"(?P<v>(?:{_W}*(?:학교|병원|회사|학원|유치원|대학|은행)\s+)?{_W}*?(?:{JOBS})){_JOB_END}"
)
_NOT_NAMES = (
    r"(?!한국인|외국인|학생|대학생|직장인|회사원|주부|신입|인턴|사람|처음|이민자|고객|관리자|"
    r"사용자|유학생|주민|직원|사원|대리|과장|부장|차장|팀장|사장|대표|이사|원장|간호사)"
)
_NAME_IS = (
    rf"(?<![가-힣])(?:저는|전|제가)\s*(?:[가-힣A-Za-z]+(?:팀|부|부서|본부|실|과)\s+)?"
    rf"{_NOT_NAMES}(?!(?:{JOBS})\s*(?:이|예|입|이라|라))(?!{_SURNAME_JOB})"
    rf"(?P<v>[{_SURNAMES}][가-힣]{{1,2}}?)\s*"
    r"(?:이에요|예요|입니다|이라고\s*(?:해요|합니다|하고요)|라고\s*(?:해요|합니다|하고요))"
    r"\s*[.!~]*\s*$"
)
# (slot, mode, pattern, value); the value is the `v` group when the pattern has one.
_RULES: list[tuple[str, Mode, str, str | None]] = [
    ("name", "set", rf"(?:제|내|저의)\s*이름은\s*(?P<v>{_W}+?)\s*{_END}", None),
    ("name", "set", _NAME_IS, None),
    (
        "residence",
        "set",
        rf"(?<!\S)(?P<v>{_W}+?)(?:으로|로)\s*이사(?:했|를\s*했|왔|갔|해)",
        None,
    ),
    (
        "residence",
        "set",
        rf"(?<!\S)(?P<v>{_W}+?)에\s*(?:살아|살고|삽니다|살거든|사는\s*중)",
        None,
    ),
    ("job", "set", rf"(?:직업은|하는\s*일은)\s*(?P<v>{_W}+?)\s*{_END}", None),
    ("job", "set", rf"(?<!\S)(?P<v>{_W}+?)(?:으로|로)\s*(?:일해|일하고|일합니다|근무)", None),
    ("job", "set", _JOB_IS, None),
    ("workplace", "set", rf"(?<!\S)(?P<v>{_W}+?)에서\s*(?:일해|일하고|일합니다|근무)", None),
    ("smoking", "remove", r"(?:담배(?:를|는)?\s*끊|금연\s*(?:했|하고|중|성공))", None),
    ("smoking", "set", r"담배(?:를)?\s*(?:피워|피웁|피우|펴요|펴)", "담배를 피움"),
    ("drinking", "set", r"술(?:을|은)?\s*(?:끊었|끊어)", "술을 끊음"),
    ("drinking", "set", r"술(?:을|은)?\s*(?:안|못)\s*마", "술을 마시지 않음"),
    ("drinking", "set", r"술(?:을)?\s*(?:자주|매일|즐겨)\s*마", "술을 즐겨 마심"),
    ("likes", "add", rf"취미(?:는|가)\s*(?P<v>{_W}+?)\s*{_END}", None),
    (
        "likes",
        "add",
        rf"(?<!\S)(?P<v>{_W}+?)(?:을|를|도)\s*(?:정말\s*|아주\s*|많이\s*)?좋아해",
        None,
    ),
    ("allergy", "add", rf"(?<!\S)(?P<v>{_W}+?)\s*알레르기가?\s*있", None),
    (
        "pets",
        "add",
        r"(?P<v>강아지|고양이|햄스터|앵무새|토끼|거북이)(?:를|을|\s*한\s*마리)?\s*키(?:워|우고|웁)",
        None,
    ),
    ("children", "set", r"(?:아이|자녀|애)(?:가|는)?\s*(?P<v>(?:한|두|세|네|\d+)\s*명)", None),
    ("marital", "set", r"(?<!안\s)결혼\s*했", "기혼"),
    (  # «제 생일은 5월 3일이에요», «내 생일 3월 15일이야»: the day, for «내 생일까지 며칠?»
        "birthday",
        "set",
        rf"(?:제|내|저의|나의)\s*생일(?:은|이)?\s*(?:음력\s*)?(?P<v>\d{{1,2}}\s*월\s*\d{{1,2}}\s*일)\s*{_END}",
        None,
    ),
]
RULES = [(slot, mode, re.compile(p), value) for slot, mode, p, value in _RULES]
_QUESTION = re.compile(r"(?:\?|까요|나요|니|냐|어때|할까)\s*$")


@dataclass(frozen=True)
class Fact:
    slot: str
    mode: Mode
    value: str


@dataclass(frozen=True)
class Memory:
    id: str
    slot: str
    content: str
    created_at: float
    updated_at: float


@dataclass(frozen=True)
class Operation:
    op: Op
    slot: str
    content: str  # the memory after the operation (before it, for DELETE)
    memory_id: str | None


def extract(text: str) -> list[Fact]:
    """Facts a user states about themselves in `text` (questions are skipped)."""
    facts: list[Fact] = []
    for sentence in re.split(r"(?<=[.!?。])\s+|\n+", text):
        sentence = sentence.strip()
        if not sentence or _QUESTION.search(sentence):
            continue
        taken: set[str] = set()
        for slot, mode, pattern, value in RULES:
            found = pattern.search(sentence)
            if not found or slot in taken:
                continue
            taken.add(slot)
            facts.append(Fact(slot, mode, value or found.groupdict().get("v") or ""))
    return facts


def _values(memory: Memory) -> list[str]:
    _, _, body = memory.content.partition(": ")
    return [v.strip() for v in body.split(",") if v.strip()]


def remembered(memories: Iterable[str], slot: str) -> str | None:
    """The value of `slot` among memories as the turn holds them («이름: 김하늘»), or None."""
    prefix = LABELS[slot] + ":"
    return next((m[len(prefix) :].strip() for m in memories if m.startswith(prefix)), None)


def _content(slot: str, values: list[str]) -> str:
    return f"{LABELS[slot]}: {', '.join(values)}"


class MemoryStore:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.lock = threading.RLock()
        migrate(conn)

    def of(self, owner: str) -> list[Memory]:
        with self.lock:
            rows = self.conn.execute(
                "SELECT id, slot, content, created_at, updated_at FROM memories"
                " WHERE owner = ? ORDER BY updated_at DESC, id",
                (owner,),
            ).fetchall()
        return [Memory(*r) for r in rows]

    def get(self, owner: str, mid: str) -> Memory:
        for memory in self.of(owner):
            if memory.id == mid:
                return memory
        raise NotFoundError(f"no memory '{mid}'", param="memory_id")

    def log(self, owner: str, limit: int = 100) -> list[dict[str, Any]]:
        with self.lock:
            rows = self.conn.execute(
                "SELECT at, op, memory_id, slot, content, source FROM memory_log"
                " WHERE owner = ? ORDER BY id DESC LIMIT ?",
                (owner, limit),
            ).fetchall()
        keys = ("at", "op", "memory_id", "slot", "content", "source")
        return [dict(zip(keys, r, strict=True)) for r in reversed(rows)]

    def update(self, owner: str, facts: list[Fact], source: str) -> list[Operation]:
        """Fold facts into the owner's memory; one transaction, every operation logged."""
        ops: list[Operation] = []
        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                for fact in facts:
                    ops.append(self._apply(owner, fact))
                at = time.time()
                for o in ops:
                    self.conn.execute(
                        "INSERT INTO memory_log (owner, at, op, memory_id, slot, content, source)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (owner, at, o.op, o.memory_id, o.slot, o.content, source),
                    )
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
        return ops

    def _apply(self, owner: str, fact: Fact) -> Operation:
        row = self.conn.execute(
            "SELECT id, slot, content, created_at, updated_at FROM memories"
            " WHERE owner = ? AND slot = ?",
            (owner, fact.slot),
        ).fetchone()
        current = Memory(*row) if row else None
        if fact.mode == "remove":
            if current is None:
                return Operation("PASS", fact.slot, "", None)
            self.conn.execute("DELETE FROM memories WHERE id = ?", (current.id,))
            return Operation("DELETE", fact.slot, current.content, current.id)
        if current is None:
            content = _content(fact.slot, [fact.value])
            mid = "mem_" + secrets.token_hex(6)
            at = time.time()
            self.conn.execute(
                "INSERT INTO memories VALUES (?, ?, ?, ?, ?, ?)",
                (mid, owner, fact.slot, content, at, at),
            )
            return Operation("APPEND", fact.slot, content, mid)
        values = _values(current)
        if fact.value in values and (fact.mode == "add" or values == [fact.value]):
            return Operation("PASS", fact.slot, current.content, current.id)
        op: Op = "APPEND" if fact.mode == "add" else "REPLACE"
        content = _content(fact.slot, [*values, fact.value] if op == "APPEND" else [fact.value])
        self.conn.execute(
            "UPDATE memories SET content = ?, updated_at = ? WHERE id = ?",
            (content, time.time(), current.id),
        )
        return Operation(op, fact.slot, content, current.id)

    def add(self, owner: str, content: str) -> Memory:
        content = _checked(content)
        mid, at = "mem_" + secrets.token_hex(6), time.time()
        with self.lock:
            self.conn.execute(
                "INSERT INTO memories VALUES (?, ?, ?, ?, ?, ?)",
                (mid, owner, "note:" + mid, content, at, at),
            )
            self._log(owner, "APPEND", mid, "note", content)
        return self.get(owner, mid)

    def edit(self, owner: str, mid: str, content: str) -> Memory:
        self.get(owner, mid)
        content = _checked(content)
        with self.lock:
            self.conn.execute(
                "UPDATE memories SET content = ?, updated_at = ? WHERE id = ?",
                (content, time.time(), mid),
            )
            self._log(owner, "REPLACE", mid, self.get(owner, mid).slot, content)
        return self.get(owner, mid)

    def delete(self, owner: str, mid: str) -> None:
        memory = self.get(owner, mid)
        with self.lock:
            self.conn.execute("DELETE FROM memories WHERE id = ?", (mid,))
            self._log(owner, "DELETE", mid, memory.slot, memory.content)

    def _log(self, owner: str, op: Op, mid: str, slot: str, content: str) -> None:
        self.conn.execute(
            "INSERT INTO memory_log (owner, at, op, memory_id, slot, content, source)"
            " VALUES (?, ?, ?, ?, ?, ?, 'user')",
            (owner, time.time(), op, mid, slot, content),
        )

    def relevant(self, owner: str, text: str, limit: int = 8) -> list[str]:
        """The memories worth giving the model for `text`, most relevant first, at most
        `limit` (see `relevance`)."""
        memories = self.of(owner)
        if not memories or not text.strip():
            return []
        scores = relevance(text, [m.content for m in memories], [m.slot for m in memories])
        ranked = sorted(zip(scores, memories, strict=True), key=lambda p: (-p[0], -p[1].updated_at))
        return [m.content for score, m in ranked[:limit] if score >= RELEVANCE]


def unrelated_said(text: str, said: Iterable[str], given: Iterable[str] = ()) -> list[str]:
    """The values of facts the user stated about themselves earlier in the conversation
    (`said`) that `relevance` finds unrelated to `text`: an answer to «비 오는 날 듣기 좋은
    노래 추천해줘» has no reason to say «초등학교 교사» because the user said so two turns ago
    (the model copied it, even as «저는 초등학교 교사인데…»). Values the question itself or a
    memory given for it (`given`) holds are not among them."""
    facts = list({(f.slot, f.value): f for s in said for f in extract(s)}.values())
    if not facts:
        return []
    contents = [f"{LABELS[f.slot]}: {f.value}" for f in facts]
    scores = relevance(text, contents, [f.slot for f in facts])
    kept = "\n".join([text, *given])
    return [
        value
        for fact, score in zip(facts, scores, strict=True)
        if score < RELEVANCE
        for value in fact.value.split(", ")
        if len(value) >= 2 and value not in kept
    ]


# Someone else's fact: «제 친구 이름이 뭐였죠?», «동생이 사는 곳», «팀장님 취미» ask about a
# person other than the user, so the user's own memory of that slot («이름: 민수») must not
# answer it
_PEOPLE = (
    r"(?:남자\s*|여자\s*)?친구|동생|언니|누나|오빠|형|엄마|아빠|어머니|아버지|어머님|아버님|"
    r"할머니|할아버지|부모님|남편|아내|와이프|애인|아들|딸|조카|사촌|삼촌|이모|고모|동료|"
    r"선배|후배|상사|(?:팀장|부장|과장|차장|대리|사장|실장|이사|선생)님?|손님|고객|이웃|아이|애"
)
_THEIR_NOUN = {
    "name": r"이름|성함",
    "residence": r"사는\s*(?:곳|데|동네)|집\s*주소|주소",
    "job": r"직업|하는\s*일",
    "workplace": r"직장|회사|근무지",
    "likes": r"취미|좋아하는\s*(?:것|거|게|음식)",
    "allergy": r"알레르기",
    "pets": r"반려\s*동물|반려견|반려묘",
}
_THEIRS = {
    slot: re.compile(rf"(?<![가-힣])(?:{_PEOPLE})(?:의|가|이)?\s*(?:{noun})")
    for slot, noun in _THEIR_NOUN.items()
}


_NOUNS = {slot: re.compile(noun) for slot, noun in _THEIR_NOUN.items()}
# «제 친구 이름», «우리 팀장님 취미»: someone the user knows, named as theirs
_MY_PERSON = re.compile(
    rf"(?<![가-힣])(?:제|내|저의|나의|저희|우리)\s*(?P<who>{_PEOPLE})(?:의|가|이)?\s*"
)


def their_slot(text: str) -> tuple[str, str, str, int] | None:
    """(the person, the slot, its noun, where the words end) when `text` asks about a slot of
    someone the user knows («제 친구 이름» -> ("친구", "name", "이름", 8)); a person not named
    as the user's («세종대왕 아버지 이름») is not one."""
    for found in _MY_PERSON.finditer(text):
        for slot, noun in _NOUNS.items():
            after = noun.match(text, found.end())
            if after:
                who = " ".join(found["who"].split())
                return who, slot, " ".join(after[0].split()), after.end()
    return None


def others_slots(text: str) -> set[str]:
    """The slots `text` asks about for someone other than the user («제 친구 이름» -> name)."""
    return {slot for slot, pattern in _THEIRS.items() if pattern.search(text)}


def relevance(text: str, contents: list[str], slots: list[str] | None = None) -> list[float]:
    """How relevant each memory is to a message, on e5's cosine scale:

    - 1.0 for a memory whose slot the message itself states (저 서울로 이사했어요 meets
      «사는 곳: 부산», the fact it changes);
    - 0.0 when both name places or other proper nouns and none is shared (a Jeju trip
      question and «부산 여행을 다녀옴»: e5 alone finds these close, 0.86);
    - 0.0 for the user's memory of a slot the message asks about for someone else
      («제 친구 이름이 뭐였죠?» and «이름: 민수»: `others_slots`);
    - else the e5 cosine of the message (as a query) and the memory (as a passage)."""
    stated = {fact.slot for fact in extract(text)}
    theirs = others_slots(text) - stated
    names = proper_nouns(text)
    query = e5_query_cached([text])[0]
    scores: list[float] = []
    for i, content in enumerate(contents):
        if slots is not None and slots[i] in stated:
            scores.append(1.0)
        elif (slots is not None and slots[i] in theirs) or _other_names(names, content):
            scores.append(0.0)
        else:
            scores.append(float(passage_vector(content) @ query))
    return scores


def _other_names(names: set[str], content: str) -> bool:
    """Both name places or other proper nouns, and none is shared."""
    mine = proper_nouns(content) if names else set()
    return bool(mine) and not mine & names


def _checked(content: str) -> str:
    content = " ".join(content.split())
    if not content:
        raise InvalidRequestError("a memory cannot be empty", param="content")
    if len(content) > MAX_CONTENT:
        raise InvalidRequestError(f"a memory is at most {MAX_CONTENT} characters", param="content")
    return content
