"""Replies the system writes itself for the turns whose right answer needs no model: a bare
greeting, thanks, a farewell, «수고했어». A 270M model answered «수고했어» with the sum of an
earlier turn and «고마워요, 정리해줘서» by repeating the last skill answers; these words
need no knowledge, so the reply is fixed and always polite.

A message is social only when nothing is left of it once its social phrases and a few
fillers (정말, 덕분에, 정리해 줘서, 하늘아…) are taken out: «안녕하세요. 저는 부산에 살아요» or
«고맙다는 메시지 써줘» go on to memory, the skills and the model as before.
"""

from __future__ import annotations

import re

from haneul.assistant.compose import GREETING_KO

_KINDS = {
    "greeting": (
        r"안녕(?:하세요|하십니까)?|하이|헬로|hello|hi|반가워(?:요)?|반갑습니다|만나서\s*반가워(?:요)?"
        r"|처음\s*(?:뵙겠습니다|왔어요|왔어)|좋은\s*(?:아침|오후|저녁)(?:이에요|입니다|이야|이네요)?|굿\s*모닝"
        r"|오랜만(?:이에요|입니다|이야|이네요)|저\s*왔어요|나\s*왔어"
    ),
    "wellbeing": r"(?:요즘\s*)?잘\s*지(?:냈어(?:요)?|내셨어요|내셨나요|내셨습니까|내요|내|내니|냈니"
    r"|내지)|어떻게\s*지냈어(?:요)?|별일\s*없(?:지|었어(?:요)?|으시죠)"
    r"|(?:오늘\s*|요즘\s*)?기분\s*(?:은\s*|이\s*)?(?:어때(?:요)?|어떠세요|어떠니|좋아(?:요)?|괜찮아(?:요)?)"
    r"|(?:요즘\s*)?어떻게\s*지내(?:요|세요|니)?|요즘\s*어때(?:요)?|잘\s*있었어(?:요)?",
    "thanks": (
        r"고마워(?:요)?|고맙습니다|감사(?:합니다|해요|드려요|드립니다)|땡큐|thank\s*you|thanks|ㄳ|ㄱㅅ"
    ),
    "praise": (
        r"수고\s*(?:했어(?:요)?|하셨어요|하셨습니다|많았어(?:요)?|많으셨어요|많으셨습니다|해(?:요)?)"
        r"|고생\s*(?:했어(?:요)?|하셨어요|하셨습니다|많으셨어요|많았어(?:요)?)"
    ),
    "farewell": (
        r"안녕히\s*(?:계세요|가세요|주무세요)|잘\s*(?:있어(?:요)?|가(?:요)?|자(?:요)?)"
        r"|(?:다음에\s*)?또\s*(?:봐(?:요)?|봬요|뵐게요|만나(?:요)?|올게(?:요)?)"
        r"|다음에\s*(?:봐(?:요)?|봬요|뵐게요|만나요|올게(?:요)?)|바이|bye|굿\s*나잇"
        r"|좋은\s*(?:밤|하루|주말)\s*(?:보내(?:세요)?|되세요)|(?:주말|하루|휴가)\s*잘\s*보내(?:세요)?"
    ),
}
_FILLER = (
    r"정말|진짜|너무|많이|다들|오늘(?:\s*하루)?도|덕분에(?:\s*(?:해결했어(?:요)?|잘\s*됐어(?:요)?))?"
    r"|(?:정리해|알려|도와|설명해)\s*(?:줘서|주셔서)|네|응|좋아(?:요)?|그래(?:요)?|오케이|알겠어(?:요)?"
    r"|하늘(?:아|님|씨)?"
)
_PIECES = [(kind, re.compile(p, re.I)) for kind, p in [*_KINDS.items(), ("", _FILLER)]]
_REST = re.compile(r":\)|\(?\^\^\)?|[\s,.!?？~^;:·…ㅎㅋㅠㅜ]")
_NIGHT = re.compile(r"잘\s*자|주무세요|굿\s*나잇|좋은\s*밤")
_WEEKEND = re.compile(r"주말")
_LONGEST = 40  # characters: a longer message says more than a courtesy

REPLIES = {
    "greeting": GREETING_KO,
    "thanks": "천만에요! 더 도와드릴 일이 있으면 언제든 말씀해 주세요.",
    "praise": "고맙습니다! 수고 많으셨어요. 또 도와드릴 일이 있으면 말씀해 주세요.",
    "wellbeing": "네, 잘 지내고 있어요. 물어봐 주셔서 고마워요! 무엇을 도와드릴까요?",
    "farewell": "좋은 하루 보내세요. 필요할 때 언제든 다시 찾아 주세요.",
}
REASON = "a fixed reply to a courtesy"  # composed.reason


def kinds(message: str) -> set[str] | None:
    """The social kinds the whole of `message` is made of, or None when anything else is
    in it (a question, a request, a fact)."""
    text = message.strip()
    if not text or len(text) > _LONGEST:
        return None
    found: set[str] = set()
    at = 0
    while at < len(text):
        rest = _REST.match(text, at)
        if rest:
            at = rest.end()
            continue
        ends = [
            (found_at.end(), kind)
            for kind, pattern in _PIECES
            for found_at in [pattern.match(text, at)]
            if found_at and _ends_word(text, found_at.end())
        ]
        if not ends:
            return None
        end, kind = max(ends)  # the longest phrase: «안녕히 계세요», not «안녕»
        if kind:
            found.add(kind)
        at = end
    return found or None


def _ends_word(text: str, end: int) -> bool:
    """A phrase counts only where a word ends («안녕» of «안녕하냐» does not)."""
    return end == len(text) or not re.match(r"[가-힣A-Za-z]", text[end])


def reply(message: str) -> str | None:
    """The fixed reply to a message made only of courtesies, or None."""
    said = kinds(message)
    if not said:
        return None
    if "farewell" in said:
        wish = "좋은 하루 보내세요."
        if _NIGHT.search(message):
            wish = "편안한 밤 보내세요."
        elif _WEEKEND.search(message):
            wish = "좋은 주말 보내세요."
        thanks = "천만에요! " if said & {"thanks", "praise"} else "네, "
        return f"{thanks}{wish} 필요할 때 언제든 다시 찾아 주세요."
    if {"greeting", "wellbeing"} <= said:  # «안녕! 오늘 기분 어때?»
        return "안녕하세요! " + REPLIES["wellbeing"]
    for kind in ("praise", "thanks", "wellbeing", "greeting"):
        if kind in said:
            return REPLIES[kind]
    return None
