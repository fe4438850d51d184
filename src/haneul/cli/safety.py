"""`haneul safety check`: the AI Filter on a text, or JSONL in and JSONL out."""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer

from haneul.safety.filter import SafetyFilter, TextKind
from haneul.safety.pii import mask

app = typer.Typer(help="The AI Filter: Korean safety checks.", no_args_is_help=True)


def _result(text: str, verdict: Any) -> dict[str, Any]:
    pii = [f for f in verdict.findings if f.category.startswith("pii")]
    return {
        "flagged": bool(verdict.flagged()),
        "scores": verdict.scores(),
        "findings": [asdict(f) for f in verdict.findings],
        "masked": mask(text, pii),
    }


@app.command()
def check(
    text: Annotated[str | None, typer.Argument(help="Text to check (omit with --jsonl).")] = None,
    jsonl: Annotated[
        bool, typer.Option("--jsonl", help='Read {"text": ...} lines on stdin, write results.')
    ] = False,
    kind: Annotated[str, typer.Option(help="input, output, document or skill.")] = "document",
    learned: Annotated[
        bool, typer.Option("--learned", help="Add the SQuARe and KoSBi models (experimental).")
    ] = False,
) -> None:
    """Check text for personal data, abuse and prompt injection; prints JSON."""
    if kind not in ("input", "output", "document", "skill"):
        raise typer.BadParameter("kind must be input, output, document or skill")
    safety = SafetyFilter(learned=learned)
    text_kind: TextKind = kind  # type: ignore[assignment]

    def run(t: str) -> dict[str, Any]:
        return _result(t, asyncio.run(safety.check(t, kind=text_kind)))

    if not jsonl:
        if text is None:
            raise typer.BadParameter("give a text, or --jsonl with lines on stdin")
        result = run(text)
        typer.echo(json.dumps(result, ensure_ascii=False))
        raise typer.Exit(1 if result["flagged"] else 0)
    for n, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            value = item["text"] if isinstance(item, dict) else item
            if not isinstance(value, str):
                raise TypeError("text must be a string")
        except (ValueError, KeyError, TypeError) as exc:
            typer.echo(
                json.dumps({"line": n, "error": f"bad input line: {exc}"}, ensure_ascii=False)
            )
            continue
        out = run(value)
        if isinstance(item, dict):
            out = {**{k: v for k, v in item.items() if k != "text"}, **out}
        typer.echo(json.dumps(out, ensure_ascii=False))


@app.command()
def train(
    data: Annotated[
        Path, typer.Option(help="Folder with square_question_valid.json and kosbi_valid.json.")
    ],
    out: Annotated[Path, typer.Option(help="Where to write sensitive.npz and bias.npz.")],
) -> None:
    """Train the SQuARe and KoSBi models (needs scikit-learn: pip install 'haneul[train]')."""
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise typer.BadParameter(
            "training needs scikit-learn: pip install 'haneul[train]'"
        ) from None
    from haneul.errors import HaneulError
    from haneul.safety.train import train as train_models

    try:
        written = train_models(data, out)
    except HaneulError as exc:
        typer.echo(exc.message, err=True)
        raise typer.Exit(1) from None
    for task, path in written.items():
        typer.echo(f"{task}: {path}")
