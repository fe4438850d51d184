"""A model-drafted outline: headings proposed from what the collection says about the topic,
for the user to edit before anything is written. The model sees the topic and the start of
the passages the search finds for it, and answers under a JSON schema when the engine can
decode with one (`{"headings": [...]}`); a reply that still does not parse is read as a
numbered or bulleted list. Each heading must be a short Korean phrase with no prompt text;
fewer than `MIN_HEADINGS` such headings and the template's outline is proposed instead,
with the reason. Nothing here is saved: the route stores what it returns as a draft."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Literal

from haneul.assistant.compose import leak
from haneul.engine.protocol import Backend, Capability
from haneul.workspace.reports.guard import not_prose
from haneul.workspace.reports.writer import Search

OUTLINE_KO = (
    "당신은 회사 보고서의 목차를 짜는 도우미입니다. 보고서 주제와 자료를 보고, 보고서에 들어갈 "
    "짧은 항목 제목을 3개에서 5개까지 JSON으로만 답하세요. "
    '예: {"headings": ["추진 배경", "현황 분석", "향후 과제"]}'
)
MIN_HEADINGS, MAX_HEADINGS = 2, 5
HEADING_CHARS = (2, 24)
EXCERPT_CHARS = 300
OUTLINE_TOKENS = 200
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "headings": {
            "type": "array",
            "items": {"type": "string", "minLength": 2, "maxLength": HEADING_CHARS[1]},
            "minItems": 3,
            "maxItems": MAX_HEADINGS,
        }
    },
    "required": ["headings"],
    "additionalProperties": False,
}
_LABEL = re.compile(r"[:：\[\]{}\"]|보고서\s*주제|항목\s*제목|JSON", re.I)
_BULLET = re.compile(r"^\s*(?:[-*•·]|\d{1,2}[.)]|[가-하][.)]|[IVX]+\.)\s*")


@dataclass(frozen=True)
class Drafted:
    outline: list[str]
    drafted: Literal["model", "template"]
    reason: str | None = None  # why the template's outline was proposed instead


def _prompt(topic: str, hits: list[dict[str, Any]]) -> str:
    excerpts = []
    for n, hit in enumerate(hits, start=1):
        text = re.sub(r"\s+", " ", str(hit.get("text") or ""))[:EXCERPT_CHARS]
        excerpts.append(f"[{n}] {text}")
    return f"보고서 주제: {topic}\n\n자료:\n" + "\n".join(excerpts)


def candidates(raw: str) -> list[str]:
    """The headings of a reply: the JSON's `headings` (the whole strings of one cut off by
    the token limit), else its list lines."""
    body = raw.strip().removeprefix("```json").removeprefix("```").removesuffix("```").strip()
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("headings"), list):
        return [str(h) for h in data["headings"]]
    if isinstance(data, list):
        return [str(h) for h in data]
    if body.startswith("{") and "[" in body:  # cut off: the strings that were closed
        return re.findall(r'"((?:[^"\\]|\\.)*)"', body.split("[", 1)[1])
    return [_BULLET.sub("", line) for line in body.splitlines() if line.strip()]


def headings(raw: str, topic: str) -> list[str]:
    """The usable headings of `raw`: short Korean phrases, none of them words of the prompt
    (a model that copies the example has drafted nothing) or of the topic, each once."""
    lo, hi = HEADING_CHARS
    out: list[str] = []
    for heading in candidates(raw):
        heading = re.sub(r"\s+", " ", heading).strip(" .")
        if not lo <= len(heading) <= hi or _LABEL.search(heading) or not_prose(heading):
            continue
        flat = re.sub(r"\s+", "", heading)
        if flat in re.sub(r"\s+", "", OUTLINE_KO + topic) or leak(heading, [OUTLINE_KO]):
            continue  # the prompt's own words (its example included), or the topic's
        if heading in out:
            continue
        out.append(heading)
    return out[:MAX_HEADINGS]


async def draft_outline(
    backend: Backend, model: str, topic: str, search: Search, fallback: list[str], top_k: int = 4
) -> Drafted:
    """Headings the model proposes for `topic` from the collection, else `fallback`."""
    hits = await search(topic, top_k)
    if not hits:
        return Drafted(fallback, "template", "no passage about the topic")
    request: dict[str, Any] = {
        "model": model,
        "messages": [
            {"role": "system", "content": OUTLINE_KO},
            {"role": "user", "content": _prompt(topic, hits)},
        ],
        "max_tokens": OUTLINE_TOKENS,
        "temperature": 0.0,
    }
    if Capability.JSON_SCHEMA in backend.capabilities:
        schema = {"name": "outline", "schema": SCHEMA, "strict": True}
        request["response_format"] = {"type": "json_schema", "json_schema": schema}
    reply = await backend.chat(request)
    raw = str(reply["choices"][0]["message"].get("content") or "")
    found = headings(raw, topic)
    if len(found) < MIN_HEADINGS:
        why = f"the model's outline had {len(found)} usable headings"
        return Drafted(fallback, "template", why)
    return Drafted(found, "model")
