"""`haneul eval run` and `haneul eval compare`: Korean evaluation of any OpenAI-compatible model."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from haneul.errors import HaneulError
from haneul.evals import report
from haneul.evals.runner import RunOptions, Target, count_items, run
from haneul.evals.tasks import TASKS

app = typer.Typer(
    help="Korean evaluation: KorQuAD, KLUE-NLI/STS, JSON to-dos.", no_args_is_help=True
)
err = Console(stderr=True)
DEFAULT_DATA = Path.cwd().parent / "shared" / "data"


@app.command("run")
def run_cmd(
    model: Annotated[str, typer.Option(help="Model name on the endpoint.")],
    tasks: Annotated[str, typer.Option(help=f"Comma-separated: {','.join(TASKS)}.")] = ",".join(
        TASKS
    ),
    limit: Annotated[int | None, typer.Option(help="Items per task (seeded sample).")] = None,
    seed: Annotated[int, typer.Option(help="Sampling seed.")] = 0,
    base_url: Annotated[
        str, typer.Option(help="OpenAI-compatible base URL.")
    ] = "http://127.0.0.1:8000/v1",
    api_key: Annotated[str | None, typer.Option(help="API key for the endpoint.")] = None,
    api: Annotated[
        str, typer.Option(help="chat, or completions for a base model (plain prompt).")
    ] = "chat",
    data_dir: Annotated[Path, typer.Option(help="Shared data sets.")] = DEFAULT_DATA,
    concurrency: Annotated[int, typer.Option(help="Requests in flight.")] = 4,
    out: Annotated[Path, typer.Option(help="Directory for MODEL.json and MODEL.md.")] = Path(
        "eval-results"
    ),
) -> None:
    """Run tasks on a model; write JSON and Markdown results."""
    names = [t.strip() for t in tasks.split(",") if t.strip()]
    try:
        with Progress(console=err, transient=True) as progress:
            opts = RunOptions(
                tasks=names, data_dir=data_dir, limit=limit, seed=seed, concurrency=concurrency
            )
            bars = {n: progress.add_task(n, total=c) for n, c in count_items(opts).items()}
            opts.on_progress = lambda name, k: progress.advance(bars[name], k)
            result = asyncio.run(run(Target(model, base_url, api_key, api=api), opts))
    except HaneulError as exc:
        err.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(2) from None
    json_path, md_path = report.write_result(result, out)
    typer.echo(report.to_markdown(result))
    err.print(f"wrote {json_path} and {md_path}")


@app.command("compare")
def compare_cmd(
    results: Annotated[list[Path], typer.Argument(help="Two or more result JSON files.")],
) -> None:
    """A before/after table of result files (the first is the baseline)."""
    try:
        table = report.compare_markdown([report.load_result(p) for p in results])
    except HaneulError as exc:
        err.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(2) from None
    typer.echo(table)


@app.command("perplexity")
def perplexity_cmd(
    model: Annotated[str, typer.Option(help="A GGUF model in the catalog.")],
    adapter: Annotated[
        Path | None, typer.Option(help="A PEFT adapter folder (a tuning run's adapter/).")
    ] = None,
    limit: Annotated[int, typer.Option(help="Held-out KorQuAD paragraphs (seeded).")] = 40,
    seed: Annotated[int, typer.Option(help="Sampling seed.")] = 0,
    data_dir: Annotated[Path, typer.Option(help="Shared data sets.")] = DEFAULT_DATA,
) -> None:
    """Character-level perplexity on held-out Korean paragraphs (needs the `tune` extra)."""
    import json

    from haneul.config import Settings
    from haneul.engine.catalog import Catalog
    from haneul.evals.perplexity import korean_texts, load, perplexity

    try:
        catalog = Catalog(Settings())
        gguf = catalog.model_path(catalog.resolve(model))
        texts = korean_texts(data_dir, limit, seed)
        tokenizer, loaded = load(gguf, adapter)
        name = f"{model}+{adapter.name}" if adapter else model
        result = perplexity(name, tokenizer, loaded, texts)
    except HaneulError as exc:
        err.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(2) from None
    typer.echo(json.dumps(result.row(), ensure_ascii=False))
