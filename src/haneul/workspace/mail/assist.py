"""The model's part in 메일 답장: a thread summary and a reply draft, both grounded on the
thread's own text (the newest messages first when it does not fit the context).

The draft is written in 존댓말 (합쇼체) to the person who wrote last, addressed by name and
title (김민수 팀장님); the greeting line and the user's signature are added by code, so they
are right whatever the model writes. `formal` says whether a text keeps to 존댓말 (the
benchmark and the draft's `checks` use it)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from haneul.engine.protocol import Backend
from haneul.workspace.mail.parse import Parsed

MAX_THREAD_CHARS = 6000

SUMMARY_SYSTEM = (
    "메일 스레드를 한국어로 3문장 이내로 요약하세요. 누가 무엇을 요청했는지, 날짜·기한·숫자는 "
    "스레드에 적힌 그대로 쓰고, 스레드에 없는 내용은 쓰지 마세요."
)
# The request as haneul-mini-ko learned it (studio/mini_ko/generated.py MAIL_ASKS): the mail as
# «이름님: 본문» after the ask; earlier messages of the thread before it, for context.
REPLY_ASK = "다음 메일에 정중한 답장을 써 줘. 존댓말로, 메일에 있는 내용만 써 줘.\n\n{mail}"
_TITLES = (
    "팀장",
    "부장",
    "차장",
    "과장",
    "대리",
    "실장",
    "본부장",
    "이사",
    "상무",
    "전무",
    "대표",
    "사장",
    "교수",
    "선생",
    "매니저",
    "책임",
    "선임",
    "수석",
    "주임",
    "원장",
)
_FORMAL_END = re.compile(
    r"(?:습니다|습니까|니다|세요|시오|어요|아요|해요|에요|예요|죠|요)\s*[.!?~]*\s*$"
)


@dataclass
class Written:
    text: str
    model: str
    usage: dict[str, Any]
    finish: str = "stop"  # "length": cut by its token budget


def thread_text(messages: list[Parsed], limit: int = MAX_THREAD_CHARS) -> str:
    """The thread as the model reads it, oldest first, newest kept when it is too long."""
    blocks: list[str] = []
    used = 0
    for m in reversed(messages):
        body = unquoted(m.text)
        block = f"보낸 사람: {m.sender}\n제목: {m.subject}\n\n{body}"
        if used + len(block) > limit:
            if not blocks:
                blocks.append(block[:limit])
            break
        blocks.append(block)
        used += len(block)
    return "\n\n---\n\n".join(reversed(blocks))


def unquoted(text: str) -> str:
    """A body without the quoted earlier messages (lines starting with >, and what follows
    a '-----Original Message-----' / '-----원본 메시지-----' line)."""
    cut = re.split(r"\n-{2,}\s*(?:Original Message|원본 메시지|원본메일)\s*-{2,}", text, maxsplit=1)
    lines = [line for line in cut[0].splitlines() if not line.lstrip().startswith(">")]
    return "\n".join(lines).strip()


def addressee(sender: str) -> str:
    """How to address the writer: '김민수 팀장 <kim@...>' -> '김민수 팀장님',
    '이서연' -> '이서연 님'."""
    name = re.sub(r"\s*<[^>]*>\s*", "", sender).strip().strip('"') or sender.split("@")[0]
    if name.endswith("님"):
        return name
    if any(name.endswith(t) for t in _TITLES):
        return name + "님"
    return name + " 님"


def formal(text: str) -> bool:
    """Whether the sentences of a text end in 존댓말 (at least 80% of them, none in 반말
    where a polite form was due)."""
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text) if len(s.strip()) > 3]
    sentences = [s for s in sentences if re.search(r"[가-힣]", s)]
    if not sentences:
        return False
    polite = sum(1 for s in sentences if _FORMAL_END.search(s))
    return polite / len(sentences) >= 0.8


async def summarize(backend: Backend, model: str, messages: list[Parsed]) -> Written:
    request = {
        "model": model,
        "messages": [
            {"role": "system", "content": SUMMARY_SYSTEM},
            {"role": "user", "content": thread_text(messages)},
        ],
        "temperature": 0.0,
        "max_tokens": 300,
    }
    return await _ask(backend, model, request)


async def draft_reply(
    backend: Backend,
    model: str,
    messages: list[Parsed],
    me: str,
    signature: str,
    instructions: str = "",
    sources: list[tuple[str, str]] | None = None,
) -> Written:
    """A reply body to the thread's last message: greeting, the model's text, signature.
    `sources` (document name, passage) ground it on the user's documents too."""
    to = addressee(messages[-1].sender)
    last = f"{to}: {unquoted(messages[-1].text)}"
    earlier = thread_text(messages[:-1], MAX_THREAD_CHARS - len(last)) if messages[:-1] else ""
    content = REPLY_ASK.format(mail=f"{earlier}\n\n---\n\n{last}" if earlier else last)
    if instructions.strip():
        content += f"\n\n답장에 담을 내용: {instructions.strip()}"
    if sources:
        listed = "\n".join(
            f"[{i}] {name}: {text[:600]}" for i, (name, text) in enumerate(sources, 1)
        )
        content += f"\n\n참고 문서 (필요한 내용만 쓰세요):\n{listed}"
    request = {
        "model": model,
        "messages": [{"role": "user", "content": content}],
        "temperature": 0.0,
        "max_tokens": 400,
    }
    written = await _ask(backend, model, request)
    body = _strip_frame(written.text)
    greeting = f"{to}, 안녕하세요. {me}입니다." if me else f"{to}, 안녕하세요."
    closing = "\n".join(filter(None, ["감사합니다.", signature.strip() or me]))
    written.text = "\n\n".join(part for part in (greeting, body, closing) if part)
    return written


def _strip_frame(text: str) -> str:
    """The model's own greeting and sign-off lines, removed (code writes both)."""
    lines = text.strip().splitlines()
    while lines and re.match(r"^\s*(.{0,20}님[,.]?\s*)?(안녕하세요|안녕하십니까)", lines[0]):
        lines.pop(0)
    while lines and re.match(r"^\s*(감사합니다|드림|올림|\S{2,4}\s*드림)\s*[.!]?\s*$", lines[-1]):
        lines.pop()
    return "\n".join(lines).strip()


async def _ask(backend: Backend, model: str, request: dict[str, Any]) -> Written:
    reply = await backend.chat(request)
    choice = reply["choices"][0]
    text = str(choice["message"].get("content") or "").strip()
    finish = str(choice.get("finish_reason") or "stop")
    return Written(text, model, dict(reply.get("usage") or {}), finish)
