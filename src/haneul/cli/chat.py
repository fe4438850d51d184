"""`haneul chat`: talk to a running server from the terminal, streaming, in Korean.

By default a message goes through the conversations API (`/v1/conversations`), like the web
UI: skills, documents with numbered sources, memory and presets, stored server-side so a
conversation can be resumed by its id. `--raw` talks to `/v1/chat/completions` instead
(plain model output, history kept in this process only).

Ctrl-C stops the answer being written and returns to the prompt (an answer cut off is not
stored); at the prompt it says how to leave. /exit or Ctrl-D leaves."""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Iterator
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.markup import escape

from haneul.cli.chat_events import TurnPrinter, raw_reply

err = Console(stderr=True, highlight=False, soft_wrap=True)
RESUME_KO = "이어서 하려면: haneul chat --conversation {cid}"


class ChatError(Exception):
    """A failed request, already worded for the terminal."""


def _failure(res: httpx.Response) -> ChatError:
    res.read()
    try:
        body = res.json()
        message = body["error"]["message"]
    except (ValueError, KeyError, TypeError):
        message = res.text
    return ChatError(f"HTTP {res.status_code}: {message}")


def said(exc: Exception) -> str:
    """A failed request in words: a server that is not there, or too slow, says what to do
    («[Errno 111] Connection refused» had been all the terminal showed)."""
    if isinstance(exc, httpx.ConnectError):
        try:
            where = f" ({exc.request.url.join('/')})"
        except RuntimeError:  # no request attached
            where = ""
        return (
            f"서버에 연결할 수 없습니다{where}. 먼저 다른 터미널에서 haneul serve 로 서버를 "
            "켜거나, --url 로 실행 중인 서버의 주소를 주세요."
        )
    if isinstance(exc, httpx.TimeoutException):
        return "서버가 제한 시간 안에 답하지 않았습니다. 서버 로그를 확인해 주세요."
    return str(exc)


class Session:
    """One conversation on the server, and the options each message is sent with."""

    def __init__(self, client: httpx.Client, options: dict[str, Any]) -> None:
        self.client = client
        self.options = options  # model, max_tokens, skills, memory
        self.cid: str | None = None
        self.titled = False

    def start(self, preset: str, resume: str | None) -> None:
        if resume:
            res = self.client.get(f"/v1/conversations/{resume}")
            if res.status_code >= 400:
                raise _failure(res)
            card = res.json()
            self.cid, self.titled = card["id"], bool(card.get("title"))
            shown = card.get("title") or "제목 없음"
            err.print(f"[dim]이어서: {escape(shown)} (메시지 {len(card['messages'])}개)[/dim]")
            return
        res = self.client.post("/v1/conversations", json={"preset": preset})
        if res.status_code >= 400:
            raise _failure(res)
        self.cid = res.json()["id"]

    def send(self, text: str, printer: TurnPrinter) -> dict[str, Any] | None:
        body = {"content": text, "stream": True, **self.options}
        path = f"/v1/conversations/{self.cid}/messages"
        done = self._stream(path, body, printer)
        if done is not None and not self.titled:
            self.titled = True  # named after its first message, as the web UI does
            self.client.patch(f"/v1/conversations/{self.cid}", json={"title": text[:40]})
        return done

    def confirm(self, confirmation: str, approve: bool, printer: TurnPrinter) -> None:
        body = {"approve": approve, "stream": True}
        body.update({k: v for k, v in self.options.items() if k in ("model", "max_tokens")})
        path = f"/v1/conversations/{self.cid}/confirmations/{confirmation}"
        self._stream(path, body, printer)

    def _stream(
        self, path: str, body: dict[str, Any], printer: TurnPrinter
    ) -> dict[str, Any] | None:
        with self.client.stream("POST", path, json=body) as res:
            if res.status_code >= 400:
                raise _failure(res)
            for line in res.iter_lines():
                if not line.startswith("data: ") or line == "data: [DONE]":
                    continue
                event = json.loads(line[6:])
                if event.get("type") == "error":
                    raise ChatError(event.get("error", {}).get("message", "오류"))
                printer.event(event)
        return printer.done


def chat(
    message: Annotated[str | None, typer.Argument(help="Send one message and exit.")] = None,
    url: Annotated[str | None, typer.Option(help="Server URL (default: from settings).")] = None,
    model: Annotated[str | None, typer.Option(help="Model name.")] = None,
    preset: Annotated[
        str, typer.Option(help="How a new conversation goes: chat, interview, trip.")
    ] = "chat",
    conversation: Annotated[
        str | None, typer.Option("--conversation", "-c", help="Resume a conversation by id.")
    ] = None,
    raw: Annotated[
        bool, typer.Option("--raw", help="Plain /v1/chat/completions: no skills or memory.")
    ] = False,
    no_skills: Annotated[bool, typer.Option("--no-skills", help="Call no skills.")] = False,
    no_memory: Annotated[
        bool, typer.Option("--no-memory", help="Neither use nor keep memories.")
    ] = False,
    system: Annotated[str | None, typer.Option(help="System prompt (with --raw).")] = None,
    api_key: Annotated[str | None, typer.Option(help="API key (or HANEUL_API_KEY).")] = None,
    max_tokens: Annotated[int, typer.Option(help="Longest answer in tokens.")] = 512,
) -> None:
    """Chat with a running Haneul server (type /exit or Ctrl-D to leave)."""
    from haneul.config import Settings

    settings = Settings()
    base = url or f"http://{settings.host}:{settings.port}"
    key = api_key or settings.api_key
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    raw = raw or system is not None  # a system prompt of one's own is a plain completion
    interactive = message is None and sys.stdin.isatty()
    if interactive:
        # Ctrl-C stops an answer: Python keeps SIGINT ignored when the parent ignored it (a
        # program started from a script's background job), so a terminal chat takes it back
        signal.signal(signal.SIGINT, signal.default_int_handler)
    with httpx.Client(base_url=base, headers=headers, timeout=600) as client:
        if raw:
            _raw_loop(client, message, interactive, model, system, max_tokens)
            return
        options: dict[str, Any] = {"model": model, "max_tokens": max_tokens}
        if no_skills:
            options["skills"] = []
        if no_memory:
            options["memory"] = False
        session = Session(client, {k: v for k, v in options.items() if v is not None})
        try:
            session.start(preset, conversation)
        except (ChatError, httpx.HTTPError) as exc:
            err.print(f"[red]{escape(said(exc))}[/red]")
            raise typer.Exit(1) from None
        if interactive:
            err.print(f"하늘 Haneul ({model or '기본 모델'}, {base}) · /exit 로 나가기")
        _loop(session, message, interactive)


def _loop(session: Session, message: str | None, interactive: bool) -> None:
    failed = False
    for text in _lines(message, interactive):
        printer = TurnPrinter(err)
        try:
            done = session.send(text, printer)
            if done is not None and printer.confirmation and interactive:
                _ask(session, printer)
        except KeyboardInterrupt:
            printer.stopped()
            if not interactive:
                raise typer.Exit(130) from None
        except (ChatError, httpx.HTTPError) as exc:
            printer.end_line()
            err.print(f"[red]{escape(said(exc))}[/red]")
            failed = True
            if not interactive:
                break
    err.print(f"[dim]{RESUME_KO.format(cid=session.cid)}[/dim]")
    if failed and not interactive:
        raise typer.Exit(1)


def _ask(session: Session, printer: TurnPrinter) -> None:
    """A skill that books or writes waits for a yes: ask on the terminal."""
    event = printer.confirmation or {}
    try:
        reply = input("실행할까요? [y/N] ").strip().lower()
    except EOFError:
        reply = ""
    approve = reply in ("y", "yes", "예", "네", "ㅇ")
    session.confirm(event["id"], approve, TurnPrinter(err))


def _lines(message: str | None, interactive: bool) -> Iterator[str]:
    """The messages to send: the argument, a pipe's lines, or what is typed at the prompt."""
    source: Any = [message] if message is not None else _typed() if interactive else sys.stdin
    for line in source:
        text = line.strip()
        if text in ("/exit", "/quit"):
            return
        if text:
            yield text


def _typed() -> Iterator[str]:
    import readline  # noqa: F401  (line editing that handles wide Hangul characters)

    while True:
        try:
            yield input("> ")
        except EOFError:
            err.print()
            return
        except KeyboardInterrupt:
            err.print("\n[dim](나가려면 /exit 또는 Ctrl-D)[/dim]")


def _raw_loop(
    client: httpx.Client,
    message: str | None,
    interactive: bool,
    model: str | None,
    system: str | None,
    max_tokens: int,
) -> None:
    history: list[dict[str, str]] = [{"role": "system", "content": system}] if system else []
    if interactive:
        err.print(f"하늘 Haneul chat --raw ({model or 'default model'} at {client.base_url})")
    for text in _lines(message, interactive):
        history.append({"role": "user", "content": text})
        body: dict[str, Any] = {"messages": history, "stream": True, "max_tokens": max_tokens}
        if model:
            body["model"] = model
        try:
            history.append({"role": "assistant", "content": raw_reply(client, body, err)})
        except KeyboardInterrupt:
            history.pop()
            err.print("\n[yellow](답을 멈췄습니다)[/yellow]")
            if not interactive:
                raise typer.Exit(130) from None
        except (RuntimeError, httpx.HTTPError) as exc:
            history.pop()
            err.print(f"[red]{escape(said(exc))}[/red]")
            if not interactive:
                raise typer.Exit(1) from None
