"""`haneul tune`: check a tuning dataset, and train a LoRA on this machine (resumable),
export it as a GGUF LoRA and register it as a model."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from haneul.config import Settings
from haneul.errors import HaneulError

app = typer.Typer(help="Tune models on your own data (LoRA).", no_args_is_help=True)
out = Console()
err = Console(stderr=True)


@contextmanager
def _reported() -> Iterator[None]:
    """A HaneulError (bad dataset, unknown task...) as one red line and exit status 2."""
    try:
        yield
    except HaneulError as e:
        err.print(f"[red]{e.message}[/]")
        raise typer.Exit(2) from None


@app.command()
def validate(
    dataset: Annotated[Path, typer.Argument(help="OpenAI chat JSONL or CLOVA Studio CSV.")],
) -> None:
    """Report every problem of a dataset with its line number (exit 1 when there are any)."""
    from haneul.studio.datasets import read_dataset

    with _reported():
        data = read_dataset(dataset)
    for w in data.warnings:
        err.print(f"[yellow]warning[/] {w}")
    for p in data.problems:
        out.print(f"{dataset.name}:{p.line}: {p.reason}", markup=False)
    turns = sum(sum(m["role"] == "assistant" for m in e.messages) for e in data.examples)
    err.print(
        f"{len(data.examples)} conversations ({turns} answers to learn), "
        f"{len(data.problems)} problem(s) [{data.format}]"
    )
    if not data.ok:
        raise typer.Exit(1)


@app.command()
def train(
    dataset: Annotated[Path, typer.Argument(help="OpenAI chat JSONL or CLOVA Studio CSV.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Run folder (rerun to resume).")],
    name: Annotated[str | None, typer.Option(help="Register the result as this model.")] = None,
    base: Annotated[str, typer.Option(help="Base model (a GGUF in the catalog).")] = "gemma3-270m",
    epochs: Annotated[int, typer.Option(help="trainEpochs, 1-20.")] = 8,
    learning_rate: Annotated[float, typer.Option(help="learningRate.")] = 1e-4,
    lora_r: Annotated[int, typer.Option(help="loraR, 2-64.")] = 8,
    lora_alpha: Annotated[int, typer.Option(help="loraAlpha, 2-512.")] = 64,
    validation_split: Annotated[float, typer.Option(help="validationSplitRatio.")] = 0.1,
    batch_size: Annotated[int, typer.Option(help="Conversations per step.")] = 4,
    max_tokens: Annotated[int, typer.Option(help="Longer conversations are cut.")] = 512,
    max_steps: Annotated[int | None, typer.Option(help="Stop after this many steps.")] = None,
    owner: Annotated[
        str | None, typer.Option(help="Only this key's owner may use the model (the server).")
    ] = None,
    checkpoint_every: Annotated[int, typer.Option(help="Steps between checkpoints.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Progress as JSON lines.")] = False,
) -> None:
    """Train a LoRA here (CPU, or GPU when present); a rerun on the same --out resumes."""
    from haneul.studio.export import export_gguf_lora
    from haneul.studio.serve import register_tuned
    from haneul.studio.train import TrainConfig
    from haneul.studio.train import train as run

    settings = Settings()
    config = TrainConfig(
        base=base,
        epochs=epochs,
        learning_rate=learning_rate,
        lora_r=lora_r,
        lora_alpha=lora_alpha,
        validation_split=validation_split,
        batch_size=batch_size,
        max_tokens=max_tokens,
        max_steps=max_steps,
        checkpoint_every=checkpoint_every,
    )
    with _reported():
        if as_json:
            metrics = run(settings, config, dataset, out_dir, progress=_json_line)
        else:
            with Progress(
                TextColumn("step {task.completed}/{task.total}"),
                BarColumn(),
                TextColumn("loss {task.fields[loss]}"),
                TimeRemainingColumn(),
                console=err,
            ) as bar:
                task = bar.add_task("train", total=None, loss="-")

                def show(p: dict[str, Any]) -> None:
                    bar.update(task, completed=p["step"], total=p["total"], loss=p["loss"])

                metrics = run(settings, config, dataset, out_dir, progress=show)
        adapter = export_gguf_lora(out_dir / "adapter", out_dir / "adapter.gguf")
        if name:
            register_tuned(settings, name, base, adapter, owner=owner)
    summary = {k: v for k, v in metrics.items() if k != "losses"}
    summary.update(adapter=str(adapter), model=name)
    typer.echo(json.dumps({"done": summary}, ensure_ascii=False))


def _json_line(p: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(p) + "\n")
    sys.stdout.flush()


def _jobs() -> Any:
    from haneul.studio.jobs import JobStore

    return JobStore(Settings())


def _show(job: Any) -> None:
    info = job.info
    step = f"{info.get('currStep', 0)}/{info.get('totalTrainSteps', '?')}"
    loss = info.get("trainLoss", "-")
    extra = info.get("failureReason") or info.get("model") or ""
    typer.echo(f"{job.id}\t{job.status}\t{job.name}\tstep {step}\tloss {loss}\t{extra}")


@app.command()
def create(
    dataset: Annotated[Path, typer.Argument(help="OpenAI chat JSONL or CLOVA Studio CSV.")],
    name: Annotated[str, typer.Option(help="The tuned model's name.")],
    base: Annotated[str, typer.Option(help="Base model (a GGUF in the catalog).")] = "gemma3-270m",
    epochs: Annotated[int, typer.Option(help="trainEpochs, 1-20.")] = 8,
    learning_rate: Annotated[float, typer.Option(help="learningRate.")] = 1e-4,
    lora_r: Annotated[int, typer.Option(help="loraR, 2-64.")] = 8,
    lora_alpha: Annotated[int, typer.Option(help="loraAlpha, 2-512.")] = 64,
    validation_split: Annotated[float, typer.Option(help="validationSplitRatio.")] = 0.1,
    max_steps: Annotated[int | None, typer.Option(help="Stop after this many steps.")] = None,
) -> None:
    """Queue a tuning task; `haneul serve` (or `haneul tune worker`) runs it."""
    from haneul.studio.datasets import read_dataset
    from haneul.studio.train import TrainConfig

    with _reported():
        read_dataset(dataset).raise_for_problems()
        config = TrainConfig(
            base=base, epochs=epochs, learning_rate=learning_rate, lora_r=lora_r,
            lora_alpha=lora_alpha, validation_split=validation_split, max_steps=max_steps,
        )  # fmt: skip
        config.check()
    from haneul.server.auth import ANONYMOUS

    _show(_jobs().create(ANONYMOUS, name, dataset.resolve(), config))


@app.command("list")
def list_() -> None:
    """Every tuning task: id, status, model name, step, loss."""
    for job in _jobs().of(None):
        _show(job)


@app.command()
def show(task_id: str) -> None:
    """One task as JSON (statusInfo included)."""
    from dataclasses import asdict

    with _reported():
        job = _jobs().get(None, task_id)
    typer.echo(json.dumps(asdict(job), ensure_ascii=False, indent=1))


@app.command()
def cancel(task_id: str) -> None:
    """Stop a waiting or running task (it ends FAILED: cancelled)."""
    with _reported():
        _show(_jobs().cancel(None, task_id))


@app.command()
def rm(task_id: str) -> None:
    """Delete a task, its files and its model."""
    with _reported():
        _jobs().delete(None, task_id)
    typer.echo(f"deleted {task_id}")


@app.command()
def worker() -> None:
    """Run queued tasks here, one at a time, until interrupted."""
    import time

    from haneul.studio.jobs import Worker

    running = Worker(_jobs())
    running.start()
    err.print("tuning worker: waiting for tasks (Ctrl+C to stop)")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        running.stop()


@app.command("mini-ko")
def mini_ko(
    data: Annotated[Path, typer.Option(help="The shared data folder (KorQuAD, KLUE).")],
    work: Annotated[Path, typer.Option(help="Work folder (rerun to resume).")] = Path(
        "build/mini-ko"
    ),
    ship: Annotated[bool, typer.Option(help="Copy the adapter into the package.")] = False,
    data_only: Annotated[bool, typer.Option(help="Only build the training data.")] = False,
    recipe: Annotated[
        str,
        typer.Option(
            help="The data recipe: v8 (shipped since 2026-12-07), v7, v6, v5, v4, v3, v2 or v1."
        ),
    ] = "v8",
) -> None:
    """Rebuild haneul-mini-ko: its data recipe, one epoch of LoRA training, the GGUF adapter."""
    from haneul.studio.mini_ko.build import RECIPES, build_data, rebuild

    if recipe not in RECIPES:
        raise typer.BadParameter(f"recipe is one of {', '.join(RECIPES)}", param_hint="--recipe")
    with _reported():
        if data_only:
            manifest = build_data(data, work, recipe)
            typer.echo(json.dumps(manifest, ensure_ascii=False, indent=1))
            return
        metrics = rebuild(data, work, ship, progress=_json_line, version=recipe)
    typer.echo(json.dumps({"done": {k: v for k, v in metrics.items() if k != "losses"}}))
