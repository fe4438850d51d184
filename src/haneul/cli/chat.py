"""`haneul chat`: talk to a running server, streaming, in any language the terminal types."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console

from haneul.config import Settings

err = Console(stderr=True)


def _stream_reply(client: httpx.Client, body: dict[str, Any]) -> str:
    parts: list[str] = []
    looped = False
    with client.stream("POST", "/v1/chat/completions", json=body) as res:
        if res.status_code >= 400:
            res.read()
            try:
                message = res.json()["error"]["message"]
            except (ValueError, KeyError):
                message = res.text
            raise RuntimeError(f"HTTP {res.status_code}: {message}")
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
    sys.stdout.write("\n")
    if looped:  # the server's loop guard stopped a repeating answer
        err.print("[yellow](같은 말이 반복되어 답변을 멈췄습니다)[/yellow]")
    return "".join(parts)


def chat(
    message: Annotated[str | None, typer.Argument(help="Send one message and exit.")] = None,
    url: Annotated[str | None, typer.Option(help="Server URL (default: from settings).")] = None,
    model: Annotated[str | None, typer.Option(help="Model name.")] = None,
    system: Annotated[str | None, typer.Option(help="System prompt.")] = None,
    api_key: Annotated[str | None, typer.Option(help="API key (or HANEUL_API_KEY).")] = None,
    max_tokens: Annotated[int, typer.Option(help="Longest answer in tokens.")] = 256,
) -> None:
    """Chat with a running Haneul server (type /exit or Ctrl-D to leave)."""
    settings = Settings()
    base = url or f"http://{settings.host}:{settings.port}"
    key = api_key or settings.api_key
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    history: list[dict[str, str]] = [{"role": "system", "content": system}] if system else []
    interactive = message is None and sys.stdin.isatty()
    if interactive:
        err.print(f"하늘 Haneul chat ({model or 'default model'} at {base}); /exit to leave")
    with httpx.Client(base_url=base, headers=headers, timeout=600) as client:
        lines = [message] if message is not None else _input_lines(interactive)
        for text in lines:
            text = text.strip()
            if not text:
                continue
            if text in ("/exit", "/quit"):
                break
            history.append({"role": "user", "content": text})
            body: dict[str, Any] = {"messages": history, "stream": True, "max_tokens": max_tokens}
            if model:
                body["model"] = model
            try:
                history.append({"role": "assistant", "content": _stream_reply(client, body)})
            except (RuntimeError, httpx.HTTPError) as exc:
                history.pop()
                err.print(f"[red]{exc}[/red]")
                if not interactive:
                    raise typer.Exit(1) from None


def _input_lines(interactive: bool) -> Any:
    if not interactive:
        yield from sys.stdin
        return
    import readline  # noqa: F401  (line editing that handles wide Hangul characters)

    while True:
        try:
            yield input("> ")
        except EOFError:
            return
