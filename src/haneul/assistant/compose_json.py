"""JSON the user asked for, made by code from the items they listed: «할 일을 JSON으로
정리해줘: 보고서 제출, 장보기» or «'세탁소 가기, 책 반납'을 할 일 JSON으로 만들어 줘». The
270M model held every such request in a loop or half an object (the answers benchmark: five
of five fell back to «죄송합니다…»), and the whole content is already in the message, so the
system writes it: one object per item, `task` and `due` (an ISO date resolved by
`skills.builtin.due_dates`, from the item's own day words or the request's: «오늘 할 일», «월요일
회의»). A request that lists nothing («오늘 할 일을 JSON으로 줘») goes to the model.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from haneul.skills.builtin.due_dates import resolve
from haneul.skills.builtin.todo import due_phrase

_ASKS_JSON = re.compile(r"json|제이슨", re.I)
_QUOTED = re.compile(r"[\'\"‘“«「]([^\'\"’”»」]{2,200})[\'\"’”»」]")
_SPLIT = re.compile(r"\s*(?:,|、|，|;|\n|/|\s그리고\s|\s및\s)\s*")
_MAX_ITEMS = 20
_MAX_ITEM = 30  # characters: a longer piece is a sentence, not a listed item
REASON = "JSON made from the listed items"  # composed.reason


def _listed(question: str) -> str | None:
    """The part of the message that lists the items: after its colon, else a quoted part."""
    parts = re.split(r"[:：]", question, maxsplit=1)
    if len(parts) == 2 and parts[1].strip() and _ASKS_JSON.search(parts[0]):
        return parts[1]
    quoted = _QUOTED.search(question)
    return quoted.group(1) if quoted else None


def listed_json(question: str, today: dt.date) -> str | None:
    """A fenced JSON array of the items the message lists, or None (no JSON asked for, or
    nothing listed in a form code can read)."""
    if not _ASKS_JSON.search(question):
        return None
    listed = _listed(question)
    if listed is None:
        return None
    pieces = [p.strip(" .!~'\"") for p in _SPLIT.split(listed.strip())]
    pieces = [p for p in pieces if p]
    if not pieces or len(pieces) > _MAX_ITEMS:
        return None
    if any(len(p) > _MAX_ITEM or "?" in p for p in pieces):
        return None
    request = question.replace(listed, " ")
    shared = due_phrase(request)  # «오늘 할 일을…»: the day of every item without its own
    items = []
    for piece in pieces:
        own = due_phrase(piece)
        found = own or shared
        task = piece
        if own:
            task = (piece[: own.start()] + " " + piece[own.end() :]).strip() or piece
        due = resolve(found.group(0).strip(), today) if found else None
        items.append({"task": re.sub(r"\s+", " ", task), "due": due.isoformat() if due else None})
    rows = ",\n".join("  " + json.dumps(item, ensure_ascii=False) for item in items)
    return "```json\n[\n" + rows + "\n]\n```"
