"""KorQuAD held-out EM/F1 under prompt phrasings no training recipe uses: does a model follow
the task, or one template?

It starts a real server (bench/answers.py's `start_server`: haneul-mini-ko as shipped, the peer,
and with `--adapter` a second catalog entry, the same base with a candidate LoRA) and runs, for
every model in the same run, the `korquad_heldout` task in its own prompt (the one the v1 and v2
recipes train a share of turns on) and in the three phrasings `haneul.evals.tasks.PHRASINGS`
(p1: a Korean instruction with no system prompt; p2: English instruction and layout; p3: the
question before the passage in tags). Items: a seeded sample of the held-out fifth of
KorQuAD's even articles (`haneul.evals.splits`), the same items for every model and phrasing.
The spread is the largest minus the smallest F1 of the three unseen phrasings (issue target:
at most 5 points).

Usage: python -m bench.korquad_phrasings [--limit 100] [--adapter V2.gguf --name v2]
       [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.answers import start_server
from bench.report import write_section
from haneul.evals.runner import RunOptions, Target, run
from haneul.evals.tasks import PHRASINGS

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
TASKS = ["korquad_heldout", *(f"korquad_heldout_{key}" for key in PHRASINGS)]


def measure(url: str, model: str, limit: int, seed: int) -> dict[str, dict[str, float]]:
    """Each task's EM and F1 (and items too long for the context) for `model`."""
    opts = RunOptions(tasks=TASKS, data_dir=DATA, limit=limit, seed=seed, concurrency=4)
    result = asyncio.run(run(Target(model=model, base_url=url + "/v1", timeout_s=600), opts))
    return {
        name: {**task["metrics"], "too_long": task["too_long"], "n": task["n"]}
        for name, task in result["tasks"].items()
    }


def spread(scores: dict[str, dict[str, float]]) -> float:
    f1 = [scores[f"korquad_heldout_{key}"]["f1"] for key in PHRASINGS]
    return max(f1) - min(f1)


def render(results: dict[str, dict[str, dict[str, float]]], limit: int, minutes: float) -> str:
    models = list(results)
    n = next(iter(results.values()))["korquad_heldout"]["n"]
    lines = [
        "## KorQuAD held-out under unseen prompt phrasings (`bench/korquad_phrasings.py`)",
        "",
        f"{n} questions (seeded sample, `--limit {limit}`) from the held-out fifth of KorQuAD "
        "1.0 dev even articles, greedy, character EM/F1 of the first line. `korquad_heldout` "
        "is the eval's own prompt (a share of both recipes' turns use it); p1–p3 are phrasings "
        "no recipe uses (`haneul.evals.tasks.PHRASINGS`). Spread: the largest minus the "
        f"smallest F1 of p1–p3 (target ≤ 5). Run {time.strftime('%Y-%m-%d')}, "
        f"{minutes:.1f} min, all models in the same run.",
        "",
        "| prompt | " + " | ".join(f"{m} EM / F1" for m in models) + " |",
        "|---|" + "---|" * len(models),
    ]
    for task in TASKS:
        cells = []
        for m in models:
            s = results[m][task]
            long = f" ({int(s['too_long'])} too long)" if s["too_long"] else ""
            cells.append(f"{s['em']:.1f} / {s['f1']:.1f}{long}")
        label = task.removeprefix("korquad_heldout").removeprefix("_") or "the eval's own"
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines.append(
        "| spread of F1, p1–p3 | " + " | ".join(f"{spread(results[m]):.1f}" for m in models) + " |"
    )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--adapter", type=Path, help="a second LoRA GGUF on haneul-mini-ko's base")
    parser.add_argument("--name", default="haneul-mini-ko-v2", help="the --adapter model's name")
    parser.add_argument("--write", type=Path, help="put the table into this Markdown file")
    args = parser.parse_args()
    models = ["haneul-mini-ko"] + ([args.name] if args.adapter else [])
    started = time.perf_counter()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="haneul-phrasings-") as tmp:
        process, url = start_server(Path(tmp), models[-1], args.adapter)
        try:
            for model in models:
                results[model] = measure(url, model, args.limit, args.seed)
        finally:
            process.terminate()
            process.wait(timeout=30)
    section = render(results, args.limit, (time.perf_counter() - started) / 60)
    print(section)
    if args.write:
        write_section(args.write, "bench/korquad_phrasings.py", section)


if __name__ == "__main__":
    main()
