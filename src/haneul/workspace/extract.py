"""할 일 생성: to-do candidates from Korean text, by a model under JSON-schema constrained
decoding (so the reply always parses), with due dates resolved by `due_dates.resolve` (code, not
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
from haneul.skills.builtin.due_dates import resolve
from haneul.skills.builtin.todo import DEADLINE, DUE_PHRASE, due_phrase

MAX_TEXT = 12000  # characters of source text the model sees
MAX_ITEMS = 12
MAX_SUBTASKS = 4  # the base model, repeating one sub-task, filled every slot the schema gave
# The reply's token budget: OUTPUT_PER_INPUT tokens per token of the text, plus OUTPUT_FLOOR
# (and never over max_tokens). A model that pads its JSON or repeats itself (the base model
# wrote indented JSON and the same sub-task again and again up to the schema's limits) stops
# in a time bounded by the text, and `repair` keeps the items it completed.
OUTPUT_PER_INPUT = 3
OUTPUT_FLOOR = 128

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
                        "maxItems": MAX_SUBTASKS,
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


def parse_reply(text: str, today: dt.date, source: str = "") -> list[dict[str, Any]] | None:
    """Candidates from a model's JSON reply, or None when it does not fit the schema. With
    the `source` text, each item is checked against it (`grounded`)."""
    try:
        data = json.loads(text)
        items = data["todos"]
        out: list[dict[str, Any]] = []
        for item in items:
            title = item["title"]
            if not isinstance(title, str) or not title.strip():
                continue
            subtasks = [s for s in item.get("subtasks") or [] if isinstance(s, str)]
            due, priority = str(item.get("due") or ""), str(item.get("priority"))
            if source:
                found = grounded(title, due, subtasks, source)
                if found is None or any(_bigram_dice(found[0], c["title"]) > 0.8 for c in out):
                    continue  # the prompt copied, or an item said twice
                title, due, subtasks = found
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
    text_tokens = len(await backend.tokenize(text))
    used = text_tokens + len(await backend.tokenize(SYSTEM)) + 48  # and the template's tokens
    room = backend.context_size - used
    max_tokens = min(max_tokens, OUTPUT_PER_INPUT * text_tokens + OUTPUT_FLOOR)
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
    found, repaired = parse_reply(raw, today, text), False
    if found is None:  # cut off by max_tokens or by the engine's loop guard
        found, repaired = repair(raw, today, text), True
    if found is None:
        return Extraction(rule_candidates(text, today), "rules", False, model=model, raw=raw)
    return Extraction(found, "model", True, repaired, model=model, raw=raw, usage=usage)


def repair(raw: str, today: dt.date, source: str = "") -> list[dict[str, Any]] | None:
    """A reply cut off (max_tokens, or the loop guard stopping a model that repeats itself):
    the items that were complete before the cut."""
    for cut in range(len(raw) - 1, 0, -1):
        if raw[cut] == "}":
            found = parse_reply(raw[: cut + 1] + "]}", today, source)
            if found is not None:
                return found
    return [] if re.match(r'\s*\{\s*"todos"', raw) else None


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _bigram_dice(a: str, b: str) -> float:
    x, y = ({s[i : i + 2] for i in range(len(s) - 1)} or {s} for s in (_flat(a), _flat(b)))
    return 2 * len(x & y) / max(1, len(x) + len(y))


_PROMPT = _flat(SYSTEM)
_ENDING = re.compile(
    r"\s*(?:해야\s*(?:합니다|한다|함)|해\s*주세요|해\s*주십시오|하세요|합니다|한다|할\s*예정(?:입니다|이다)?|"
    r"부탁드립니다|부탁합니다|바랍니다|하기로\s*(?:했다|함)|하기|할\s*것)\s*[.!。]*$"
)


def _sentence(title: str, source: str) -> str:
    """The line or sentence of the source the item was taken from (most shared bigrams)."""
    parts = [p for p in re.split(r"\n+|(?<=[.!?。])\s+", source) if p.strip()]
    return max(parts, key=lambda p: _bigram_dice(title, p), default="")


def _due_in(sentence: str, said: str, title: str, source: str) -> str:
    """The due-date phrase of an item, from its source sentence: one marked as a deadline
    (…까지) that the model also named, else any marked one, else one the model named; when the
    sentence has none, the model's phrase if the source holds it (not a copy of the prompt)."""
    phrases = [m.group(0).strip() for m in DUE_PHRASE.finditer(sentence) if m.group(0).strip()]
    marked = [p for p in phrases if DEADLINE.search(p)]
    core = [_flat(DEADLINE.sub("", p)) for p in phrases]
    agreed = [p for p, c in zip(phrases, core, strict=True) if c and c in _flat(said)]
    # a day the model left in the title (모레, 다음 달 초), not a noun's modifier (3분기 실적)
    titled = [p for p in phrases if p in title and not re.search(r"분기|반기", p)]
    for group in ([p for p in marked if p in agreed], marked, agreed, titled):
        if group:
            return group[0]
    own = due_phrase(said)
    return own.group(0).strip() if own and _flat(own.group(0)) in _flat(source) else ""


def grounded(
    title: str, due: str, subtasks: list[str], source: str
) -> tuple[str, str, list[str]] | None:
    """An item of the model's reply checked against the source text: None when its title
    copies the prompt; its due phrase found in the sentence it came from (the model often
    puts it in the title, or writes the title or the prompt's example as the due); the due
    phrase and a polite ending («…하세요.») cut from the title; sub-tasks that copy the prompt,
    the title or a due phrase dropped."""
    if _flat(title) in _PROMPT:
        return None
    due_text = _due_in(_sentence(title, source), due, title, source)
    if due_text:
        bare = DEADLINE.sub("", due_text).strip()
        title = title.replace(due_text, " ").replace(bare, " ") if bare else title
        title = re.sub(r"^\s*(?:에는|에|까지|중으로|안에|내로|내)\s+", "", title)
    short = _ENDING.sub("", re.sub(r"\s+", " ", title).strip(" ,.:"))
    title = short.strip(" ,.:") if len(short.strip()) >= 2 else title.strip()
    kept = [
        s for s in subtasks
        if _flat(s) not in _PROMPT and _bigram_dice(s, title) < 0.8
        and not DUE_PHRASE.fullmatch(s.strip())
    ]  # fmt: skip
    return title, due_text, kept


_ACTION = re.compile(
    r"(해야|하기로|할 것|할것|바랍니다|부탁|주세요|해 ?줘|예정|까지|필요|챙겨|준비|제출|검토|"
    r"작성|공유|확인|요청|진행|TODO|할 일|□|\[ ?\])"
)
_DONE = re.compile(r"(완료했|끝났|마쳤|마무리했|했습니다\.?$|했어요|감사합니다|안녕하세요)")
_BULLET = re.compile(r"^\s*(?:[-*•·□■▶]|\d+[.)]|\[ ?\]|TODO:?)\s*")


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
        match = due_phrase(body)
        due_text = match.group(0).strip() if match else ""
        title = (body[: match.start()] + " " + body[match.end() :]).strip(" ,:") if match else body
        title = re.sub(r"\s+", " ", re.sub(r"\(\s*\)", "", title)).strip()
        title = re.sub(r"^(?:긴급|중요|필독|참고|TODO)\s*[:：]\s*", "", title, flags=re.I)[:60]
        if len(title) < 2:
            continue
        urgent = re.search(r"긴급|급히|ASAP|최우선|반드시|중요", line)
        out.append(candidate(title, due_text, "high" if urgent else "normal", [], today))
        if len(out) >= MAX_ITEMS:
            break
    return out
