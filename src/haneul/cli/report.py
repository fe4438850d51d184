"""`haneul report`: 보고서 작성 against a running server (`/v1/reports`): list templates,
make a report from a topic and a collection, write it with live progress, export it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console

app = typer.Typer(help="보고서 작성: reports from your document collections.", no_args_is_help=True)
out = Console(width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True)

Url = Annotated[str | None, typer.Option(help="Server URL (default: from settings).")]
Key = Annotated[str | None, typer.Option(help="API key (or HANEUL_API_KEY).")]
STAGES = {"search": "자료 검색", "summarise": "긴 자료 요약", "write": "작성"}


def _client(url: str | None, api_key: str | None) -> httpx.Client:
    from haneul.config import Settings

    settings = Settings()
    key = api_key or settings.api_key
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    base = url or f"http://{settings.host}:{settings.port}"
    return httpx.Client(base_url=base, headers=headers, timeout=600)


def _ok(res: httpx.Response) -> Any:
    if res.status_code >= 400:
        try:
            message = res.json()["error"]["message"]
        except (ValueError, KeyError, TypeError):
            message = res.text
        err.print(f"[red]{message}[/red]")
        raise typer.Exit(2)
    return res.json()


@app.command("templates")
def templates(url: Url = None, api_key: Key = None) -> None:
    """List the report templates and their outlines."""
    with _client(url, api_key) as client:
        for t in _ok(client.get("/v1/reports/templates"))["data"]:
            out.print(f"[bold]{t['name']}[/bold]: {' / '.join(t['sections'])}")


@app.command("create")
def create(
    topic: Annotated[str, typer.Argument(help="What the report is about.")],
    collection: Annotated[str, typer.Option("--collection", "-c", help="Collection name.")],
    template: Annotated[str | None, typer.Option(help="Template name.")] = None,
    outline: Annotated[
        str | None, typer.Option(help="Your own outline: headings separated by '|'.")
    ] = None,
    url: Url = None,
    api_key: Key = None,
) -> None:
    """Make a report (its outline proposed); prints its id."""
    body: dict[str, Any] = {"topic": topic, "collection": collection, "template": template}
    if outline:
        body["outline"] = [h.strip() for h in outline.split("|") if h.strip()]
    with _client(url, api_key) as client:
        report = _ok(client.post("/v1/reports", json=body))
    err.print("개요: " + " / ".join(report["outline"]))
    out.print(report["id"])


@app.command("generate")
def generate(
    report_id: str,
    model: Annotated[str | None, typer.Option(help="Model name.")] = None,
    url: Url = None,
    api_key: Key = None,
) -> None:
    """Write the report, showing each section's progress."""
    with (
        _client(url, api_key) as client,
        client.stream("POST", f"/v1/reports/{report_id}/generate", json={"model": model}) as res,
    ):
        if res.status_code >= 400:
            res.read()
            _ok(res)
        for line in res.iter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            event = json.loads(line[6:])
            if event["type"] == "progress":
                stage = STAGES.get(event["stage"], event["stage"])
                err.print(f"[{event['index'] + 1}/{event['total']}] {event['heading']}: {stage}")
            elif event["type"] == "error":
                err.print(f"[red]{event['message']}[/red]")
                raise typer.Exit(1)
            elif event["type"] == "done":
                err.print("완료")


@app.command("export")
def export(
    report_id: str,
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write.")],
    format: Annotated[str, typer.Option(help="markdown, docx or hwpx.")] = "markdown",
    url: Url = None,
    api_key: Key = None,
) -> None:
    """Download the report as Markdown, DOCX or HWPX."""
    with _client(url, api_key) as client:
        res = client.get(f"/v1/reports/{report_id}/export", params={"format": format})
        if res.status_code >= 400:
            _ok(res)
    output.write_bytes(res.content)
    err.print(f"{output} ({len(res.content)} bytes)")
