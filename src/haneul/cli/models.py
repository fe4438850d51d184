"""`haneul models`: list, show, add, alias, rm, pull, add-upstream."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn
from rich.table import Table

from haneul.config import Settings
from haneul.engine.catalog import Catalog, ModelEntry
from haneul.errors import HaneulError

app = typer.Typer(help="Manage the model catalog.", no_args_is_help=True)
out = Console(width=None if sys.stdout.isatty() else 200)  # pipes get whole rows
err = Console(stderr=True)


def _catalog() -> Catalog:
    return Catalog(Settings())


def _fail(exc: HaneulError) -> typer.Exit:
    err.print(f"[red]{exc.message}[/red]")
    return typer.Exit(1)


def _size(n: int) -> str:
    return f"{n / 2**20:.0f} MiB" if n else "-"


@app.command("list")
def list_models(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List models with size, quantization, context and chat template."""
    catalog = _catalog()
    aliases: dict[str, list[str]] = {}
    for alias, target in catalog.aliases().items():
        aliases.setdefault(target, []).append(alias)
    entries = catalog.entries()
    if as_json:
        typer.echo(
            json.dumps(
                [asdict(e) | {"aliases": aliases.get(e.name, [])} for e in entries],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    default = catalog.settings.default_model
    table = Table("name", "task", "size", "quant", "context", "template", "source", "aliases")
    for e in entries:
        name = f"{e.name} (default)" if e.name == default else e.name
        table.add_row(
            name,
            e.task,
            _size(e.size_bytes),
            e.quantization or "-",
            str(e.context_length or "-"),
            e.template or "-",
            e.source,
            ", ".join(aliases.get(e.name, [])),
        )
    out.print(table)


@app.command()
def show(name: str) -> None:
    """Show one model's catalog entry."""
    try:
        entry = _catalog().resolve(name)
    except HaneulError as exc:
        raise _fail(exc) from None
    typer.echo(json.dumps(asdict(entry), ensure_ascii=False, indent=2))


@app.command()
def add(
    path: Annotated[Path, typer.Argument(help="A local .gguf file.")],
    name: Annotated[str | None, typer.Option(help="Catalog name (default: from the file).")] = None,
    task: Annotated[
        str | None, typer.Option(help="chat or completion (default: by template).")
    ] = None,
) -> None:
    """Add a local GGUF file (its sha256 is recorded and checked at each load)."""
    try:
        entry = _catalog().add_local(path, name=name, task=task)
    except HaneulError as exc:
        raise _fail(exc) from None
    err.print(f"added {entry.name}: {entry.task}, {entry.quantization}, {_size(entry.size_bytes)}")


@app.command("add-upstream")
def add_upstream(
    name: Annotated[str, typer.Argument(help="Catalog name.")],
    base_url: Annotated[str, typer.Option(help="e.g. http://gpu-host:8000/v1")],
    remote_model: Annotated[str | None, typer.Option(help="Model name upstream.")] = None,
    api_key: Annotated[str | None, typer.Option(help="Key for the upstream server.")] = None,
    task: Annotated[str, typer.Option(help="chat, completion or embedding.")] = "chat",
    ctx_size: Annotated[int, typer.Option(help="Upstream context per request.")] = 8192,
) -> None:
    """Add a model served by another OpenAI-compatible server (vLLM, Ollama, Haneul...)."""
    options = {"base_url": base_url, "remote_model": remote_model or name, "ctx_size": ctx_size}
    if api_key:
        options["api_key"] = api_key
    try:
        _catalog().add(
            ModelEntry(
                name=name,
                kind="upstream",
                task=task,
                source="upstream",
                description=f"{remote_model or name} at {base_url}",
                options=options,
            )
        )
    except HaneulError as exc:
        raise _fail(exc) from None
    err.print(f"added {name} -> {base_url}")


@app.command()
def alias(alias: str, target: str) -> None:
    """Give a model another name."""
    try:
        _catalog().alias(alias, target)
    except HaneulError as exc:
        raise _fail(exc) from None
    err.print(f"{alias} -> {target}")


@app.command("rm")
def remove(name: str) -> None:
    """Remove a model or an alias (a pulled model's file is deleted too)."""
    try:
        entry = _catalog().remove(name)
    except HaneulError as exc:
        raise _fail(exc) from None
    err.print(f"removed {'alias ' + name if entry is None else entry.name}")


@app.command()
def pull(
    repo: Annotated[str, typer.Argument(help="Hub repository, owner/name.")],
    filename: Annotated[str, typer.Argument(help="The .gguf file in it.")],
    name: Annotated[str | None, typer.Option(help="Catalog name.")] = None,
    revision: Annotated[str, typer.Option(help="Branch, tag or commit.")] = "main",
    sha256: Annotated[str | None, typer.Option(help="Expected sha256.")] = None,
) -> None:
    """Download a GGUF from a Hugging Face-style hub (HANEUL_HUB_URL); resumes if interrupted."""
    from haneul.engine.pull import pull_model

    columns = ("{task.description}", BarColumn(), DownloadColumn(), TransferSpeedColumn())
    with Progress(*columns, console=err) as bar:
        task = bar.add_task(f"{repo}/{filename}", total=None)
        try:
            entry = pull_model(
                _catalog(),
                repo,
                filename,
                name=name,
                revision=revision,
                sha256=sha256,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
        except HaneulError as exc:
            raise _fail(exc) from None
    err.print(f"pulled {entry.name} ({_size(entry.size_bytes)}, sha256 {entry.sha256})")
