"""Korean conversations written by hand for haneul-mini-ko, kept as data in `data/` (JSONL,
one object a line, UTF-8) and read with importlib.resources:

- `greetings.jsonl`, `explanations.jsonl`: `{"user", "assistant"}` pairs;
- `summaries.jsonl`: `{"text", "summary"}`, a text to summarise and its summary;
- `refusals.jsonl`: `{"user", "assistant"}`, an unsafe, improper or contentious request and a
  polite refusal that offers something acceptable (the style of SQuARe's acceptable answers);
- `grounded.jsonl`: `{"name", "text", "question", "answer"}`, a document, a question about it
  and an answer grounded on it that names its source.
- v2 (`recipe_v2.py`): `introductions.jsonl` (who 하늘 is), `unknown.jsonl` (questions it
  cannot know, answered by saying so), `plain_requests.jsonl` (small talk, never JSON).

`recipe.py` turns them into conversations, some with a system prompt, some as the second turn
after a greeting; the templates that wrap a text or a document into a request are below.
Edit the data files, not this module; the recipe's bytes change with them (trained.json
records the files the shipped adapter was trained on).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

Pair = tuple[str, str]

SUMMARY_ASKS = [
    "다음 글을 요약해 주세요.\n\n{text}",
    "{text}\n\n위 내용을 두세 문장으로 요약해 줘.",
    "이 글의 핵심만 정리해 주세요: {text}",
]

GROUNDED_ASKS = [
    "다음 문서를 보고 답해 주세요.\n\n[{name}]\n{text}\n\n질문: {question}",
    "문서: {name}\n{text}\n\n{question}",
]


@cache
def _rows(name: str) -> list[dict[str, Any]]:
    text = resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _tuples(name: str, *keys: str) -> list[tuple[str, ...]]:
    return [tuple(row[k] for k in keys) for row in _rows(name)]


def greetings() -> list[Pair]:
    return [(u, a) for u, a in _tuples("greetings.jsonl", "user", "assistant")]


def explanations() -> list[Pair]:
    return [(u, a) for u, a in _tuples("explanations.jsonl", "user", "assistant")]


def summaries() -> list[Pair]:
    """(the text to summarise, its summary)"""
    return [(t, s) for t, s in _tuples("summaries.jsonl", "text", "summary")]


def refusals() -> list[Pair]:
    """(an unsafe or improper request, a polite refusal that offers something acceptable)"""
    return [(u, a) for u, a in _tuples("refusals.jsonl", "user", "assistant")]


def grounded() -> list[tuple[str, str, str, str]]:
    """(document name, document text, question, grounded answer with its source)"""
    keys = ("name", "text", "question", "answer")
    return [(n, t, q, a) for n, t, q, a in _tuples("grounded.jsonl", *keys)]


# v2 recipe (recipe_v2.py) ---------------------------------------------------------------


def introductions() -> list[Pair]:
    """(a question about who the assistant is, an answer as 하늘)"""
    return [(u, a) for u, a in _tuples("introductions.jsonl", "user", "assistant")]


def unknown() -> list[Pair]:
    """(a question the assistant cannot know: live data, private facts, the future; an
    answer that says so and where to look)"""
    return [(u, a) for u, a in _tuples("unknown.jsonl", "user", "assistant")]


def plain_requests() -> list[Pair]:
    """(small talk that mentions tasks or greets, a plain answer: never JSON unasked)"""
    return [(u, a) for u, a in _tuples("plain_requests.jsonl", "user", "assistant")]
