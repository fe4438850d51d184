"""Korean evaluation table of the chat models (eval half of the tuning benchmark).

Starts a real `haneul serve` with the bundled models, runs the evaluation tasks on each through
the OpenAI-compatible API (seeded sample, greedy decoding), and writes a comparison table into
docs/benchmarks.md. haneul-mini-ko joins the table once its adapter is in the catalog.

    .venv/bin/python -m bench.tuning --limit 40 --write docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.report import write_section
from haneul.evals.report import compare_markdown
from haneul.evals.runner import RunOptions, Target, run

ROOT = Path(__file__).resolve().parents[1]
MODELS = ["gemma3-270m", "smollm2-135m-instruct"]
BASE_MODELS = {"gemma3-270m"}  # completion models: the task prompt as plain text


def start(home: Path, models: list[str]) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("HANEUL_")}
    env.update(
        HANEUL_HOME=str(home),
        HANEUL_PORT=str(port),
        HANEUL_PRELOAD=",".join(models),
        HANEUL_PARALLEL="4",
        HANEUL_CTX_SIZE="4096",
        HANEUL_LOG_LEVEL="warning",
    )
    haneul = str(Path(sys.executable).with_name("haneul"))
    process = subprocess.Popen(
        [haneul, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return process, url + "/v1"
        except httpx.HTTPError:
            time.sleep(0.5)
    process.kill()
    raise SystemExit("haneul serve did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--tasks", default="korquad,json_todo,klue_nli,klue_sts")
    parser.add_argument("--limit", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    if not (args.data / "korquad").exists():
        sys.exit(f"{args.data} is absent: the shared data sets live beside the repository")
    models = args.models.split(",")
    with tempfile.TemporaryDirectory() as home:
        process, api = start(Path(home), models)
        try:
            opts = RunOptions(args.tasks.split(","), args.data, limit=args.limit, seed=args.seed)
            results = []
            for model in models:
                started = time.perf_counter()
                mode = "completions" if model in BASE_MODELS else "chat"
                results.append(asyncio.run(run(Target(model, api, api=mode), opts)))
                print(f"{model}: {time.perf_counter() - started:.0f}s", file=sys.stderr)
        finally:
            process.terminate()
            process.wait(timeout=30)
    table = compare_markdown(results)
    section = (
        "## Korean evaluation (bench/tuning.py)\n\n"
        f"`python -m bench.tuning --limit {args.limit} --seed {args.seed}`: "
        f"{args.limit} seeded items per task, greedy decoding through `/v1/chat/completions` "
        "(gemma3-270m, a base model: `/v1/completions`) "
        "on the shared 2-core machine (busy). KorQuAD: dev, even articles, EM/F1 at character "
        "level (official KorQuAD normalisation); json_todo: % of answers that are a valid JSON "
        "to-do list; percentages except Pearson.\n\n" + table + "\n"
    )
    print(section)
    if args.write:
        write_section(args.write, "tuning", section)


if __name__ == "__main__":
    main()
