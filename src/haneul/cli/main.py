"""`haneul`: serve, chat, models, keys, safety, docs, eval."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from haneul import __version__
from haneul.cli import chat as chat_cmd
from haneul.cli import docs as docs_cmd
from haneul.cli import evals as evals_cmd
from haneul.cli import keys as keys_cmd
from haneul.cli import mcp as mcp_cmd
from haneul.cli import models as models_cmd
from haneul.cli import report as report_cmd
from haneul.cli import safety as safety_cmd
from haneul.cli import todo as todo_cmd
from haneul.cli import tune as tune_cmd
from haneul.cli import users as users_cmd
from haneul.config import Settings
from haneul.errors import HaneulError

app = typer.Typer(
    help="하늘 Haneul: a self-hosted, Korean-first LLM platform.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(models_cmd.app, name="models")
app.add_typer(keys_cmd.app, name="keys")
app.add_typer(users_cmd.app, name="users")
app.add_typer(users_cmd.teams_app, name="teams")
app.add_typer(safety_cmd.app, name="safety")
app.add_typer(docs_cmd.app, name="docs")
app.add_typer(mcp_cmd.app, name="mcp")
app.add_typer(tune_cmd.app, name="tune")
app.add_typer(evals_cmd.app, name="eval")
app.add_typer(report_cmd.app, name="report")
app.add_typer(todo_cmd.app, name="todo")
app.command("chat")(chat_cmd.chat)
err = Console(stderr=True)


def _settings(**overrides: Any) -> Settings:
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).")] = None,
    model: Annotated[str | None, typer.Option(help="Default chat model.")] = None,
    threads: Annotated[int | None, typer.Option(help="CPU threads per model.")] = None,
    parallel: Annotated[int | None, typer.Option(help="Parallel decoding slots per model.")] = None,
    ctx_size: Annotated[int | None, typer.Option(help="Context tokens per request.")] = None,
    require_keys: Annotated[
        bool | None, typer.Option("--require-keys/--no-require-keys", help="Require API keys.")
    ] = None,
    home: Annotated[Path | None, typer.Option(help="Data directory.")] = None,
) -> None:
    """Start the OpenAI-compatible server and the web UI."""
    import uvicorn

    from haneul.server.app import create_app
    from haneul.server.auth import is_loopback
    from haneul.store.db import connect
    from haneul.store.keys import KeyStore
    from haneul.store.users import UserStore

    settings = _settings(
        host=host,
        port=port,
        default_model=model,
        threads=threads,
        parallel=parallel,
        ctx_size=ctx_size,
        require_keys=require_keys,
        home=home,
    )
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    if not is_loopback(settings.host):
        conn = connect(settings.db_path)
        has_keys = KeyStore(conn).has_active() or UserStore(conn).any()
        conn.close()
        if not has_keys:
            err.print(
                f"[red]refusing to listen on {settings.host} without API keys.[/red] "
                "Create one first: haneul keys create NAME (or haneul users create --admin NAME)"
            )
            raise typer.Exit(2)
    err.print(
        f"하늘 Haneul {__version__}: loading {settings.default_model}, then serving "
        f"http://{settings.host}:{settings.port}/ (web UI) and /v1 (API)"
    )
    try:
        app_ = create_app(settings)
    except HaneulError as e:  # a configuration mistake: say it in one line
        err.print(f"[red]cannot start:[/red] {e.message}")
        raise typer.Exit(2) from None
    uvicorn.run(
        app_,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        timeout_graceful_shutdown=5,
    )


@app.command()
def version() -> None:
    """Print Haneul's version."""
    typer.echo(__version__)


if __name__ == "__main__":
    app()
