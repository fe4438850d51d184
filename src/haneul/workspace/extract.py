"""할 일 생성: to-do candidates from Korean text, by a model under JSON-schema constrained
decoding (so the reply always parses), with due dates resolved by `dates.resolve` (code, not
the model). Nothing here saves anything: the caller shows the candidates for review.

A model without constrained decoding (the `echo` test double, an upstream without
json_schema) or a reply that still fails to parse falls back to `rule_candidates`, and the
result says so (`method: "rules"`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any

from haneul.engine.protocol import Backend, Capability
from haneul.workspace.dates import resolve

MAX_TEXT = 12000  # characters of source text the model sees
MAX_ITEMS = 12

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "todos": {
            "type": "array",
            "maxItems": MAX_ITEMS,
            "items": {
                "type": "object",
                "properties": {
                    "title": {"type": "string", "minLength": 1, "maxLength": 60},
                    "due": {"type": "string", "maxLength": 30},
                    "priority": {"type": "string", "enum": ["high", "normal", "low"]},
                    "subtasks": {
                        "type": "array",
                        "maxItems": 6,
                        "items": {"type": "string", "minLength": 1, "maxLength": 50},
                    },
                },
                "required": ["title", "due", "priority", "subtasks"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["todos"],
    "additionalProperties": False,
}

SYSTEM = (
    "글(회의록, 메일, 계획)에서 앞으로 해야 할 일만 JSON으로 뽑으세요. 끝난 일과 인사는 빼세요. "
    "title: 짧은 할 일 (예: '경쟁사 분석'). due: 글에 적힌 기한 표현 그대로 (예: '다음 주 "
    "수요일까지', '이번 달 말'), 없으면 빈 문자열. priority: high, normal, low. "
    "subtasks: 글에 있는 세부 단계, 없으면 []."
)


@dataclass
class Extraction:
    candidates: list[dict[str, Any]]
    method: str  # "model" (constrained decoding) or "rules"
    parsed: bool  # the model's reply parsed against the schema
    repaired: bool = False  # cut off at max_tokens: the complete items before the cut were kept
    model: str | None = None
    raw: str | None = None
    usage: dict[str, Any] = field(default_factory=dict)


def candidate(
    title: str, due_text: str, priority: str, subtasks: list[str], today: dt.date
) -> dict[str, Any]:
    due = resolve(due_text, today) if due_text else None
    return {
        "title": title.strip(),
        "due": due.isoformat() if due else None,
        "due_text": due_text.strip(),
        "priority": priority if priority in ("high", "normal", "low") else "normal",
        "subtasks": [{"title": s.strip()} for s in subtasks if s.strip()],
    }


def parse_reply(text: str, today: dt.date) -> list[dict[str, Any]] | None:
    """Candidates from a model's JSON reply, or None when it does not fit the schema."""
    try:
        data = json.loads(text)
        items = data["todos"]
        out = []
        for item in items:
            title = item["title"]
            if not isinstance(title, str) or not title.strip():
                continue
            subtasks = [s for s in item.get("subtasks") or [] if isinstance(s, str)]
            due, priority = str(item.get("due") or ""), str(item.get("priority"))
            out.append(candidate(title, due, priority, subtasks, today))
        return out
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


async def extract(
    backend: Backend, model: str, text: str, today: dt.date, max_tokens: int = 1200
) -> Extraction:
    """Candidates from `text`, by the model when it decodes under a JSON schema."""
    text = text.strip()[:MAX_TEXT]
    if Capability.JSON_SCHEMA not in backend.capabilities:
        return Extraction(rule_candidates(text, today), "rules", parsed=False, model=model)
    used = len(await backend.tokenize(SYSTEM + text)) + 48  # and the chat template's tokens
    room = backend.context_size - used
    if room < 256:  # the text fills the context: keep its start (a token is at least a byte)
        text = text[: max(0, len(text) - (256 - room))]
        room = 256
    request = {
        "model": model,
        "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": text}],
        "temperature": 0.0,
        "max_tokens": min(max_tokens, room),
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "todos", "schema": SCHEMA, "strict": True},
        },
    }
    reply = await backend.chat(request)
    raw = str(reply["choices"][0]["message"].get("content") or "")
    usage = dict(reply.get("usage") or {})
    found, repaired = parse_reply(raw, today), False
    if found is None:  # cut off by max_tokens or by the engine's loop guard
        found, repaired = repair(raw, today), True
    if found is None:
        return Extraction(rule_candidates(text, today), "rules", False, model=model, raw=raw)
    return Extraction(found, "model", True, repaired, model=model, raw=raw, usage=usage)


def repair(raw: str, today: dt.date) -> list[dict[str, Any]] | None:
    """A reply cut off (max_tokens, or the loop guard stopping a model that repeats itself):
    the items that were complete before the cut."""
    for cut in range(len(raw) - 1, 0, -1):
        if raw[cut] == "}":
            found = parse_reply(raw[: cut + 1] + "]}", today)
            if found is not None:
                return found
    return [] if re.match(r'\s*\{\s*"todos"', raw) else None


_ACTION = re.compile(
    r"(해야|하기로|할 것|할것|바랍니다|부탁|주세요|해 ?줘|예정|까지|필요|챙겨|준비|제출|검토|"
    r"작성|공유|확인|요청|진행|TODO|할 일|□|\[ ?\])"
)
_DONE = re.compile(r"(완료했|끝났|마쳤|마무리했|했습니다\.?$|했어요|감사합니다|안녕하세요)")
_BULLET = re.compile(r"^\s*(?:[-*•·□■▶]|\d+[.)]|\[ ?\]|TODO:?)\s*")
_DUE_PHRASE = re.compile(
    r"\s*(?:(?:\d{4}\s*년\s*)?\d{1,2}\s*월\s*\d{1,2}\s*일|(?:이번|다음|다다음|차주)\s*주\s*"
    r"(?:[월화수목금토일]요일|말|주말)?|(?:이번|다음)\s*달\s*(?:초|중순|말)?|[1-4]\s*분기\s*(?:내|말)?|"
    r"(?:상|하)반기|내일|모레|오늘|[월화수목금]요일|\d+\s*일\s*(?:후|뒤|이내))\s*(?:까지|중으로|중|안에|내로|내)?"
)


def rule_candidates(text: str, today: dt.date) -> list[dict[str, Any]]:
    """A deterministic fallback: bullet lines and sentences that ask for an action."""
    out: list[dict[str, Any]] = []
    for line in re.split(r"\n+|(?<=[.!?。])\s+", text):
        line = line.strip()
        if not line or len(line) > 200 or _DONE.search(line):
            continue
        bulleted = bool(_BULLET.match(line))
        if not (bulleted or _ACTION.search(line)):
            continue
        body = _BULLET.sub("", line).rstrip(" .!?。")
        match = _DUE_PHRASE.search(body)
        due_text = match.group(0).strip() if match else ""
        title = _DUE_PHRASE.sub(" ", body).strip(" ,:") if match else body
        title = re.sub(r"\s+", " ", re.sub(r"\(\s*\)", "", title)).strip()
        title = re.sub(r"^(?:긴급|중요|필독|참고|TODO)\s*[:：]\s*", "", title, flags=re.I)[:60]
        if len(title) < 2:
            continue
        urgent = re.search(r"긴급|급히|ASAP|최우선|반드시|중요", line)
        out.append(candidate(title, due_text, "high" if urgent else "normal", [], today))
        if len(out) >= MAX_ITEMS:
            break
    return out
