"""`haneul keys`: create, list and revoke API keys."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from haneul.config import Settings
from haneul.errors import HaneulError
from haneul.store.db import connect
from haneul.store.keys import KeyStore
from haneul.store.users import UserStore

app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
out = Console(width=None if sys.stdout.isatty() else 200)  # pipes get whole rows
err = Console(stderr=True)


def _store() -> KeyStore:
    return KeyStore(connect(Settings().db_path))


@app.command()
def create(
    name: Annotated[str, typer.Argument(help="A name for the key (who or what uses it).")],
    rpm: Annotated[int | None, typer.Option(help="Requests per minute for this key.")] = None,
    max_concurrent: Annotated[
        int | None, typer.Option(help="Concurrent generations for this key.")
    ] = None,
    safety_policy: Annotated[
        str | None, typer.Option(help="AI Filter policy: annotate, mask, refuse or block.")
    ] = None,
    user: Annotated[
        str | None, typer.Option(help="User (id or name) the key acts as (docs/accounts.md).")
    ] = None,
) -> None:
    """Create a key and print its secret (shown once; only a hash is stored)."""
    try:
        store = _store()
        user_id = UserStore(store.conn).resolve(user).id if user else None
        key, secret = store.create(
            name,
            rpm=rpm,
            max_concurrent=max_concurrent,
            safety_policy=safety_policy,
            user_id=user_id,
        )
    except HaneulError as exc:
        err.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from None
    err.print(f"created {key.id} ({key.name}); keep the secret, it is not shown again:")
    typer.echo(secret)


@app.command("list")
def list_keys(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List keys (never their secrets)."""
    keys = _store().list()
    if as_json:
        typer.echo(json.dumps([asdict(k) for k in keys], ensure_ascii=False, indent=2))
        return
    table = Table("id", "name", "prefix", "created", "last used", "rpm", "concurrent", "state")

    def when(t: float | None) -> str:
        return time.strftime("%Y-%m-%d %H:%M", time.localtime(t)) if t else "-"

    for k in keys:
        table.add_row(
            k.id,
            k.name,
            k.prefix + "…",
            when(k.created_at),
            when(k.last_used_at),
            str(k.rpm or "default"),
            str(k.max_concurrent or "default"),
            "active" if k.active else "revoked",
        )
    out.print(table)


@app.command()
def revoke(key: Annotated[str, typer.Argument(help="Key id or name.")]) -> None:
    """Revoke a key at once."""
    try:
        revoked = _store().revoke(key)
    except HaneulError as exc:
        err.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from None
    err.print(f"revoked {revoked.id} ({revoked.name})")
