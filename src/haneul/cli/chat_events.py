"""What `haneul chat` prints of a turn's events: the answer streamed to stdout, then its
numbered sources; skill cards (one line each), remembered facts and notes on stderr, so a
pipe gets the answer and its sources only."""

from __future__ import annotations

import json
import sys
from typing import Any

import httpx
from rich.console import Console
from rich.markup import escape

SKILL_TITLES = {
    "math": "수학 계산",
    "units": "단위 변환",
    "convert_units": "단위 변환",
    "korean_calendar": "달력·공휴일",
    "search_documents": "문서 검색",
    "table": "표 만들기",
    "document_table": "표 만들기",
    "document_summary": "문서 요약",
    "todo_list": "오늘 할 일",
    "todo_add": "할 일 추가",
    "mail": "메일",
    "python": "코드 실행",
}
FINISH_NOTES = {
    "length": "답이 길이 제한에 걸려 끝까지 쓰이지 못했습니다 (--max-tokens 로 늘릴 수 있습니다)",
    "loop": "같은 말이 되풀이되어 답을 멈췄습니다",
    "content_filter": "AI 필터가 답의 일부를 막았습니다",
}


def _value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def card_line(result: dict[str, Any]) -> str:
    """One line for a skill's call and result: «⚙ 단위 변환 (value=30.0, …) → 30평은 …»."""
    name = str(result.get("name", ""))
    title = SKILL_TITLES.get(name, name)
    args = ", ".join(
        f"{k}={_value(v)}" for k, v in (result.get("arguments") or {}).items() if k[:1] != "_"
    )
    if result.get("error"):
        outcome = f"[red]오류: {escape(str(result['error']))}[/red]"
    else:
        text = result.get("answer") or (result.get("content") or "").strip().split("\n")[0]
        outcome = escape(text[:200])
    return f"[cyan]⚙ {escape(title)}[/cyan] [dim]({escape(args)})[/dim] → {outcome}"


def sources(citations: list[dict[str, Any]]) -> list[str]:
    """`[1] 휴가규정.pdf p.3 · snippet` lines, under a heading."""
    if not citations:
        return []
    closest = all(c.get("supported") is False for c in citations)
    lines = ["가장 가까운 문단 (문서에서 답을 찾지 못했습니다):" if closest else "출처:"]
    for c in citations:
        where = f" p.{c['page']}" if c.get("page") else ""
        snippet = " ".join(str(c.get("snippet") or "").split())[:80]
        lines.append(f"[{c.get('n')}] {c.get('document') or '문서'}{where} · {snippet}")
    return lines


class TurnPrinter:
    def __init__(self, err: Console) -> None:
        self.err = err
        self.streamed = ""
        self.done: dict[str, Any] | None = None
        self.confirmation: dict[str, Any] | None = None

    def write(self, text: str) -> None:
        self.streamed += text
        sys.stdout.write(text)
        sys.stdout.flush()

    def end_line(self) -> None:
        if self.streamed and not self.streamed.endswith("\n"):
            self.write("\n")

    def event(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "delta":
            self.write(str(event.get("content") or ""))
        elif kind == "skill_result":
            self.end_line()
            self.err.print(card_line(event))
        elif kind == "confirmation_required":
            self.confirmation = event
        elif kind == "done":
            self.finish(event)

    def finish(self, done: dict[str, Any]) -> None:
        self.done = done
        message = done.get("message") or {}
        content = str(message.get("content") or "")
        if content.strip() != self.streamed.strip():  # the stored answer is the one that counts
            self.end_line()
            self.write(content)
        self.end_line()
        citations = done.get("citations") or message.get("citations") or []
        for line in sources(citations):
            self.write(line + "\n")
        memories = done.get("memories_used") or []
        if memories:
            self.err.print(f"[dim]기억 사용: {escape(' · '.join(memories))}[/dim]")
        composed = done.get("composed") or {}
        if composed.get("explanation") == "dropped":
            why = f" ({composed['reason_ko']})" if composed.get("reason_ko") else ""
            if composed.get("skill_answer"):
                note = f"모델이 덧붙인 문장이 검사를 통과하지 못해 확인된 답만 보여 줍니다{why}"
            else:
                note = f"모델의 답이 검사를 통과하지 못해 보여 주지 않았습니다{why}"
            self.err.print(f"[dim]{escape(note)}[/dim]")
        ended = FINISH_NOTES.get(str(done.get("finish_reason")))
        if ended:
            self.err.print(f"[yellow]({ended})[/yellow]")

    def stopped(self) -> None:
        self.end_line()
        self.err.print("[yellow](답을 멈췄습니다 · 이 답은 저장되지 않습니다)[/yellow]")


def raw_reply(client: httpx.Client, body: dict[str, Any], err: Console) -> str:
    """`--raw`: one streamed /v1/chat/completions answer, printed as it comes."""
    parts: list[str] = []
    looped = False
    with client.stream("POST", "/v1/chat/completions", json=body) as res:
        if res.status_code >= 400:
            res.read()
            try:
                message = res.json()["error"]["message"]
            except (ValueError, KeyError, TypeError):
                message = res.text
            raise RuntimeError(f"HTTP {res.status_code}: {message}")
        try:
            for line in res.iter_lines():
                if not line.startswith("data: ") or line == "data: [DONE]":
                    continue
                chunk = json.loads(line[6:])
                if "error" in chunk:
                    raise RuntimeError(chunk["error"]["message"])
                for choice in chunk.get("choices", []):
                    text = choice.get("delta", {}).get("content") or ""
                    parts.append(text)
                    sys.stdout.write(text)
                    sys.stdout.flush()
                    looped = looped or choice.get("stop_reason") == "loop"
        finally:
            sys.stdout.write("\n")
    if looped:  # the server's loop guard stopped a repeating answer
        err.print("[yellow](같은 말이 반복되어 답변을 멈췄습니다)[/yellow]")
    return "".join(parts)
