"""`haneul mcp`: Haneul's skills (document search included) as an MCP server over stdio,
for MCP clients that start their servers as commands (Claude Desktop, IDEs, agents)."""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Annotated

import typer
from rich.console import Console

from haneul.config import Settings
from haneul.server.auth import ANONYMOUS

app = typer.Typer(help="Haneul as an MCP server.", no_args_is_help=True)
err = Console(stderr=True)


@app.command()
def serve(
    api_key: Annotated[
        str | None,
        typer.Option(
            envvar="HANEUL_API_KEY",
            help="The key whose collections document search sees (default: anonymous, "
            "allowed only while the server needs no keys).",
        ),
    ] = None,
) -> None:
    """Serve the skills over stdio (stdout carries the protocol; logs go to stderr)."""
    settings = Settings()
    logging.basicConfig(stream=sys.stderr, level=settings.log_level.upper())
    asyncio.run(_serve(settings, api_key))


async def _serve(settings: Settings, api_key: str | None) -> None:
    from mcp.server.stdio import stdio_server

    from haneul.server.app import create_app
    from haneul.server.auth import keys_required
    from haneul.skills import SkillContext
    from haneul.skills.mcp import build_server

    app_ = create_app(settings)
    owner = ANONYMOUS
    if api_key:
        key = app_.state.keys.verify(api_key.strip())
        if key is None:
            err.print("[red]invalid or revoked API key[/]")
            raise typer.Exit(2)
        owner = key.user_id or key.id
    elif keys_required(settings.host, settings.require_keys, app_.state.keys, app_.state.users):
        err.print("[red]this Haneul needs an API key: --api-key or HANEUL_API_KEY[/]")
        raise typer.Exit(2)
    service = app_.state.assistant
    if settings.mcp_servers is not None:
        await service.load_mcp(settings.mcp_servers)
    context = SkillContext(owner=owner, documents=service.documents)
    server = build_server(service.skills, lambda _request: context)
    try:
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())
    finally:
        await app_.state.manager.close()
