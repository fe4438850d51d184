"""`haneul todo`: 오늘 할 일 against a running server (`/v1/todos`): list, today's briefing,
add (a due date in Korean words is read here: 다음 주 수요일), done, and 할 일 생성 from a
text or a document, with a review step: nothing is saved until you pick what to keep."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from haneul.cli.report import Key, Url
from haneul.cli.report import _client as client_for
from haneul.cli.report import _ok as ok

app = typer.Typer(help="오늘 할 일: your to-dos, and to-dos found in a text.", no_args_is_help=True)
out = Console(width=None if sys.stdout.isatty() else 200, highlight=False)
err = Console(stderr=True, highlight=False)
PRIORITY = {"high": "중요", "normal": "보통", "low": "낮음"}
STATUS = {"open": "진행", "done": "완료", "cancelled": "취소"}
Json = Annotated[bool, typer.Option("--json", help="Print the server's JSON.")]


def _due(text: str | None) -> str | None:
    """A YYYY-MM-DD date, or Korean words for one (내일, 다음 주 수요일, 이번 달 말)."""
    from haneul.skills.builtin.due_dates import resolve

    if text is None or not text.strip():
        return None
    day = resolve(text)
    if day is None:
        raise typer.BadParameter(f"'{text}'은(는) 날짜로 읽을 수 없습니다", param_hint="--due")
    return day.isoformat()


def _show(todos: list[dict[str, Any]], depth: int = 0) -> None:
    for t in todos:
        due = t.get("due") or "기한 없음"
        late = " [red]기한 지남[/red]" if t.get("overdue") else ""
        mark = f" ({PRIORITY[t['priority']]})" if t["priority"] != "normal" else ""
        state = "" if t["status"] == "open" else f" [{STATUS[t['status']]}]"
        pad = "  " * depth
        out.print(f"{pad}- {t['title']}{mark}{state} · {due}{late}  [dim]{t['id']}[/dim]")
        _show(t.get("subtasks") or [], depth + 1)


@app.command("list")
def list_todos(
    status: Annotated[str | None, typer.Option(help="open, done or cancelled.")] = "open",
    priority: Annotated[str | None, typer.Option(help="high, normal or low.")] = None,
    q: Annotated[str | None, typer.Option("--q", help="Words in the title or notes.")] = None,
    as_json: Json = False,
    url: Url = None,
    api_key: Key = None,
) -> None:
    """List your to-dos (open ones by default), by due date then priority."""
    params = {k: v for k, v in {"status": status, "priority": priority, "q": q}.items() if v}
    with client_for(url, api_key) as client:
        found = ok(client.get("/v1/todos", params=params))
    if as_json:
        out.print_json(json.dumps(found, ensure_ascii=False))
    elif not found["data"]:
        err.print("할 일이 없습니다.")
    else:
        _show(found["data"])


@app.command("today")
def today(
    date: Annotated[str | None, typer.Option(help="Another day (YYYY-MM-DD or 내일...).")] = None,
    as_json: Json = False,
    url: Url = None,
    api_key: Key = None,
) -> None:
    """오늘 할 일: due today or overdue, then undated, by due date and priority."""
    params = {"date": _due(date)} if date else {}
    with client_for(url, api_key) as client:
        briefing = ok(client.get("/v1/todos/today", params=params))
    if as_json:
        out.print_json(json.dumps(briefing, ensure_ascii=False))
        return
    late = f", 기한 지남 {briefing['overdue']}개" if briefing["overdue"] else ""
    err.print(f"{briefing['date']} 할 일 {len(briefing['data'])}개{late}")
    _show(briefing["data"])


@app.command("add")
def add(
    title: Annotated[str, typer.Argument(help="What to do.")],
    due: Annotated[
        str | None, typer.Option(help="YYYY-MM-DD or Korean words: 내일, 다음 주 수요일.")
    ] = None,
    priority: Annotated[str, typer.Option(help="high, normal or low.")] = "normal",
    sub: Annotated[list[str] | None, typer.Option("--sub", help="A sub-task (repeat).")] = None,
    notes: Annotated[str, typer.Option(help="Notes.")] = "",
    team: Annotated[str | None, typer.Option(help="Share with this team (name or id).")] = None,
    url: Url = None,
    api_key: Key = None,
) -> None:
    """Add a to-do; prints its id."""
    body = {"title": title, "due": _due(due), "priority": priority, "notes": notes,
            "subtasks": sub or [], "team_id": team}  # fmt: skip
    with client_for(url, api_key) as client:
        made = ok(client.post("/v1/todos", json=body))
    err.print(f"추가했습니다: {made['title']} · {made['due'] or '기한 없음'}")
    out.print(made["id"])


@app.command("done")
def done(
    ids: Annotated[list[str], typer.Argument(help="The to-dos' ids.")],
    url: Url = None,
    api_key: Key = None,
) -> None:
    """Mark to-dos done."""
    with client_for(url, api_key) as client:
        for tid in ids:
            made = ok(client.patch(f"/v1/todos/{tid}", json={"status": "done"}))
            err.print(f"완료: {made['title']}")


def _picked(answer: str, count: int) -> list[int]:
    """«1,3» or «1-2 4» or «a» (all) -> 0-based indexes; empty -> none."""
    answer = answer.strip().lower()
    if answer in ("a", "all", "전체", "모두"):
        return list(range(count))
    chosen: list[int] = []
    for part in answer.replace(",", " ").split():
        first, _, last = part.partition("-")
        if not first.isdigit() or (last and not last.isdigit()):
            raise typer.BadParameter(f"'{part}': 번호나 1-3, a(전체)로 고르세요")
        for n in range(int(first), int(last or first) + 1):
            if not 1 <= n <= count:
                raise typer.BadParameter(f"{n}번 후보는 없습니다 (1-{count})")
            if n - 1 not in chosen:
                chosen.append(n - 1)
    return chosen


@app.command("extract")
def extract(
    source: Annotated[
        str | None, typer.Argument(help="A file (text, PDF, DOCX, HWPX...) or - for stdin.")
    ] = None,
    text: Annotated[str | None, typer.Option("--text", "-t", help="The text itself.")] = None,
    pick: Annotated[
        str | None, typer.Option(help="Keep these candidates without asking: 1,3 or a (all).")
    ] = None,
    model: Annotated[str | None, typer.Option(help="Model name.")] = None,
    url: Url = None,
    api_key: Key = None,
) -> None:
    """할 일 생성: to-do candidates from a text or a document, reviewed before saving."""
    if source == "-" and text is None and pick is None:
        raise typer.BadParameter("the text comes from stdin, so choose with --pick (1,3 or a)")
    with client_for(url, api_key) as client:
        proposal = ok(_propose(client, source, text, model))
        candidates = proposal["candidates"]
        how = "모델" if proposal["method"] == "model" else "규칙"
        err.print(f"후보 {len(candidates)}개 ({proposal['model']}, {how}):")
        for n, c in enumerate(candidates, 1):
            subs = f" (세부 {len(c['subtasks'])}개)" if c.get("subtasks") else ""
            due = c.get("due") or "기한 없음"
            out.print(f"{n}. {c['title']} · {due}{subs}")
        if not candidates:
            return
        if pick is None:
            pick = typer.prompt("저장할 번호 (예: 1,3 / a=전체 / 엔터=취소)", default="",
                                show_default=False, err=True)  # fmt: skip
        chosen = [candidates[i] for i in _picked(pick, len(candidates))]
        if not chosen:
            err.print("저장하지 않았습니다.")
            return
        saved = ok(client.post("/v1/todos/accept", json={"candidates": chosen}))
    err.print(f"{len(saved['data'])}개를 저장했습니다.")
    for t in saved["data"]:
        out.print(t["id"])


def _propose(client: Any, source: str | None, text: str | None, model: str | None) -> Any:
    if text is None and source is None:
        raise typer.BadParameter("give a file, - for stdin, or --text")
    if text is None and source == "-":
        text = sys.stdin.read()
    if text is not None:
        return client.post("/v1/todos/extract", json={"text": text, "model": model})
    path = Path(str(source))
    if not path.is_file():
        raise typer.BadParameter(f"no file {path}")
    files = {"file": (path.name, path.read_bytes())}
    data = {"model": model} if model else {}
    return client.post("/v1/todos/extract/upload", files=files, data=data)
