"""«이 대화 요약해줘», «지금까지 얘기한 거 정리해 줘»: a recap of this conversation, written
by code from its stored turns: each question the user asked and the first sentence of the
answer it got. The router had sent the request to the document summary (a summary of an
uploaded rule book, not of the conversation), and a small model cannot summarise a
conversation without inventing; every line here is one the user already saw."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

REASON = "a recap of this conversation's turns"  # composed.reason
_ASKED = re.compile(
    r"(?:이|이번|지금까지(?:\s*(?:나눈|한|얘기한|이야기한))?|우리(?:가)?(?:\s*(?:나눈|한))?|오늘"
    r"(?:\s*(?:나눈|한))?|위의?|앞의?|방금)\s*(?:대화|얘기|이야기|채팅|내용|거|것)"
    r"\s*(?:을|를|좀|내용)?\s*(?:(?:간단히|짧게|한\s*줄로)\s*)?(?:요약|정리)"
)
_EMPTY = "아직 요약할 대화가 없어요. 질문을 하시면 나중에 주고받은 내용을 정리해 드릴게요."
_MOST = 10  # the latest questions listed; older ones are counted
_LONGEST = 80  # characters of a question or an answer's first sentence


class Turn(Protocol):
    @property
    def role(self) -> str: ...

    @property
    def content(self) -> str: ...


def asks(text: str) -> bool:
    """Whether `text` asks for a recap of this conversation (not of a document)."""
    return bool(_ASKED.search(text)) and not re.search(r"문서|파일|규정|보고서|회의록", text)


def _first_sentence(text: str) -> str:
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    found = re.match(r".+?(?:[다요까죠][.!?]|[.!?](?=\s|$))", line)
    said = found.group(0) if found else line
    said = said if len(said) <= _LONGEST else said[: _LONGEST - 1] + "…"
    return said + ('…"' if said.count('"') % 2 else "")  # a quote cut mid-way is closed


def reply(history: Sequence[Turn]) -> str:
    """The recap of `history` (the conversation before this message)."""
    pairs: list[tuple[str, str]] = []
    for n, message in enumerate(history):
        if message.role != "user" or asks(message.content):  # not an earlier recap
            continue
        answer = next((m.content for m in history[n + 1 : n + 2] if m.role == "assistant"), "")
        question = re.sub(r"\s+", " ", message.content.strip())
        if len(question) > _LONGEST:
            question = question[: _LONGEST - 1] + "…"
        pairs.append((question, _first_sentence(answer)))
    if not pairs:
        return _EMPTY
    shown = pairs[-_MOST:]
    head = f"지금까지 {len(pairs)}가지를 물어보셨어요"
    head += f" (앞의 {len(pairs) - len(shown)}가지는 줄였어요)." if len(pairs) > len(shown) else "."
    lines = [f"{n}. {q}" + (f"\n   → {a}" if a else "") for n, (q, a) in enumerate(shown, 1)]
    return head + "\n\n" + "\n".join(lines)
