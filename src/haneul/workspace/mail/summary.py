"""A thread's summary that is right by construction.

The extractive summary: for each of the thread's last messages, its writer and the first
sentences of its own text past the greeting («김하늘 님,», «안녕하세요, 이서연입니다.»), so
every word shown is the thread's. A small model (one the catalog says does not answer open
questions, as in the assistant) is not asked: on haneul-mini-ko a third of its summaries of
bench/data/mail_threads_ko.jsonl were to-do JSON («[{"task": "코드 리뷰 일정", "due": "하늘
님", …}]»), loops, an answer about the instruction («3문장 이상 이내에 스레드에 없습니다.»)
or invented numbers, and of the rest many were wrong in ways no check sees («2개 발급하신다고
하셨어요.» for a mail asking for two accounts) or said nothing («양해 부탁드립니다.»);
`bench/mail_summaries.py` measures both. A larger model's summary is shown when it passes the
assistant's answer checks against the thread (`compose.check`: no JSON, no loop, no
instruction text, no number the thread does not hold), is Korean prose and shorter than the
thread; otherwise the
extractive one stands in, with the reason."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from haneul.assistant.compose import check, sentences, strip_citations, whole_sentences
from haneul.engine.protocol import Backend
from haneul.workspace.mail import assist
from haneul.workspace.mail.assist import SUMMARY_SYSTEM, addressee, unquoted
from haneul.workspace.mail.parse import Parsed
from haneul.workspace.reports.guard import not_prose

SMALL = "the model is too small to summarise"  # Summary.reason when it was not asked
LOOP_WIDTH = 16
RATIO = 0.7  # a summary at least this long, relative to the thread, is not one (as CLOVA's)
EXTRACT_MESSAGES = 3  # the newest messages an extractive summary speaks of
EXTRACT_CHARS = 160  # of each message's sentences, about two
# A mail's opening lines that say who writes to whom, not what it is about
_GREETING = re.compile(
    r"^(?:.{0,20}님\s*[,.]?|안녕하(?:세요|십니까)\b.*|(?:[가-힣A-Za-z]+\s){0,3}[가-힣A-Za-z]+입니다\s*[.!]?"
    r"|수고\s*많으십니다.*"
    r"|.{0,20}(?:드립니다|올립니다)\s*[.!]?)$"
)
# ...and its closing lines
_SIGN_OFF = re.compile(r"^(?:감사합니다|고맙습니다|.{0,20}\s?(?:드림|올림))\s*[.!]?$")


@dataclass
class Summary:
    text: str
    drafted: str  # "model" or "extractive"
    reason: str | None  # why the model's text was not shown
    asked: bool = True  # False: a small model, not asked at all (`not_asked`)


def problem(text: str, thread: str, *, small: bool) -> str | None:
    """Why the model's summary cannot be shown (None when it can)."""
    if not text.strip():
        return "the model wrote nothing"
    if len(text) >= RATIO * len(thread):
        return "not shorter than the thread"
    clauses = [part for part in re.split(r"[,，]|(?<=[.])\s", SUMMARY_SYSTEM) if part.strip()]
    why = check(
        text, question="", grounds=[thread], prompts=clauses, words=small, loop_width=LOOP_WIDTH
    )
    return why or not_prose(text)


def _gist(body: str) -> str:
    """The first sentences of a message's own text past its greeting, about EXTRACT_CHARS."""
    lines = [line.strip() for line in unquoted(body).splitlines() if line.strip()]
    while len(lines) > 1 and _GREETING.match(lines[0]):
        lines.pop(0)
    while len(lines) > 1 and _SIGN_OFF.match(lines[-1]):
        lines.pop()
    out: list[str] = []
    for sentence in sentences(" ".join(lines)):
        if _GREETING.match(sentence) and not out:
            continue
        if out and len(" ".join(out)) + len(sentence) > EXTRACT_CHARS:
            break
        out.append(sentence)
    text = " ".join(out) or " ".join(lines)
    return text if len(text) <= 2 * EXTRACT_CHARS else text[: 2 * EXTRACT_CHARS] + "…"


def extractive(messages: list[Parsed]) -> str:
    """The thread's last messages, each as its writer and its first sentences."""
    lines = []
    for m in messages[-EXTRACT_MESSAGES:]:
        gist = _gist(m.text)
        if gist:
            lines.append(f"{addressee(m.sender)}: {gist}")
    return "\n".join(lines)


def checked(written: assist.Written, messages: list[Parsed], *, small: bool = False) -> Summary:
    """The model's summary when it passes (`problem`), else the extractive one with why."""
    text = whole_sentences(written.text) if written.finish == "length" else written.text
    text = " ".join(strip_citations(text).split())
    why = problem(text, assist.thread_text(messages), small=small)
    if why is None:
        return Summary(text, "model", None)
    return Summary(extractive(messages), "extractive", why)


def not_asked(messages: list[Parsed]) -> Summary:
    """A small model's summary: the extractive one, no model call."""
    return Summary(extractive(messages), "extractive", SMALL, asked=False)


async def summarize(
    backend: Backend, model: str, messages: list[Parsed]
) -> tuple[Summary, dict[str, Any]]:
    """The model's summary, checked (`checked`), and its token usage."""
    written = await assist.summarize(backend, model, messages)
    return checked(written, messages), written.usage
