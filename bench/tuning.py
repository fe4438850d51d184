"""The tuning benchmark: training speed and memory on this machine, and the Korean evaluation
of haneul-mini-ko against the bundled base models.

Training: `--train-steps` steps of `haneul tune train` on haneul-mini-ko's own data, each mode
in a fresh process (peak RSS read there): Haneul's loss (logits only on the learned tokens)
against transformers' own loss over every position, the peer, on the same batches.

Evaluation: a real `haneul serve` with the bundled models; the tasks run through the
OpenAI-compatible API (seeded sample, greedy decoding) on the held-out parts haneul-mini-ko's
recipe never trains on; character perplexity on held-out KorQuAD paragraphs with transformers.

    .venv/bin/python -m bench.tuning --limit 100 --write docs/benchmarks.md
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
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
MODELS = ["gemma3-270m", "smollm2-135m-instruct", "haneul-mini-ko"]
TASKS = "korquad_heldout,json_todo,klue_nli_heldout,klue_sts_heldout"
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


def train_child(data: Path, steps: int, full_logits: bool) -> None:
    """One training mode in this process; prints its speed and peak RSS as JSON."""
    from haneul.config import Settings
    from haneul.studio.mini_ko.build import CONFIG
    from haneul.studio.train import train

    rates: list[dict[str, object]] = []
    config = CONFIG.__class__(**{**CONFIG.__dict__, "max_steps": steps, "full_logits": full_logits})
    with tempfile.TemporaryDirectory() as run:
        train(Settings(), config, data, Path(run), progress=rates.append)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    last = rates[-1]
    print(json.dumps({**last, "peak_rss_mb": round(peak_mb)}))


def training_rows(data_dir: Path, steps: int) -> str:
    from haneul.studio.mini_ko.recipe import build

    with tempfile.TemporaryDirectory() as work:
        build(data_dir, Path(work))
        rows = {}
        for mode in ("peer", "haneul"):
            out = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bench.tuning",
                    "--train-child",
                    mode,
                    "--train-data",
                    str(Path(work) / "train.jsonl"),
                    "--train-steps",
                    str(steps),
                ],
                check=True,
                capture_output=True,
                text=True,
                cwd=ROOT,
            ).stdout
            rows[mode] = json.loads(out.strip().splitlines()[-1])
    peer, ours = rows["peer"], rows["haneul"]
    lines = [
        "| loss | steps/s | tokens/s | peak RSS (MB) |",
        "|---|---|---|---|",
        f"| transformers' own (all positions), the peer | {peer['steps_per_s']} | "
        f"{peer['tokens_per_s']} | {peer['peak_rss_mb']} |",
        f"| Haneul (logits on learned tokens only) | {ours['steps_per_s']} | "
        f"{ours['tokens_per_s']} | {ours['peak_rss_mb']} |",
    ]
    ratio = float(ours["tokens_per_s"]) / float(peer["tokens_per_s"])
    return "\n".join(lines) + f"\n\nHaneul / peer tokens per second: **{ratio:.2f}x**.\n"


def perplexity_rows(data_dir: Path, limit: int, adapter: Path | None) -> str:
    from haneul.config import Settings
    from haneul.engine.catalog import Catalog
    from haneul.evals.perplexity import korean_texts, load, perplexity
    from haneul.studio.base import cached_base

    catalog = Catalog(Settings())
    texts = korean_texts(data_dir, limit)
    results = []
    runs: list[tuple[str, Path | None]] = [
        ("gemma3-270m", None),
        ("smollm2-135m-instruct", None),
    ]
    if adapter is not None and adapter.exists():
        runs.append(("gemma3-270m", adapter))
    for model, peft in runs:
        path = (
            cached_base(Settings(), model)  # the copy tuning trains on, already dequantized
            if model == "gemma3-270m"
            else catalog.model_path(catalog.resolve(model))
        )
        tokenizer, loaded = load(path, peft)
        name = "haneul-mini-ko" if peft else model
        results.append(perplexity(name, tokenizer, loaded, texts).row())
        del loaded
    lines = ["| model | char perplexity | bits/char | token perplexity |", "|---|---|---|---|"]
    lines += [
        f"| {r['model']} | {r['char_perplexity']} | {r['bits_per_char']} | "
        f"{r['token_perplexity']} |"
        for r in results
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--tasks", default=TASKS)
    parser.add_argument("--limit", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--train-steps", type=int, default=12)
    parser.add_argument("--perplexity-texts", type=int, default=40)
    parser.add_argument(
        "--adapter",
        type=Path,
        default=ROOT / "build" / "mini-ko" / "run" / "adapter",
        help="haneul-mini-ko's PEFT adapter, for its perplexity",
    )
    parser.add_argument("--skip", default="", help="comma-separated: training,perplexity,eval")
    parser.add_argument("--train-child", choices=["peer", "haneul"], help=argparse.SUPPRESS)
    parser.add_argument("--train-data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    if args.train_child:
        train_child(args.train_data, args.train_steps, args.train_child == "peer")
        return
    if not (args.data / "korquad").exists():
        sys.exit(f"{args.data} is absent: the shared data sets live beside the repository")
    skip = set(args.skip.split(","))
    if "training" not in skip:
        section = (
            "## Tuning speed (bench/tuning.py)\n\n"
            f"`python -m bench.tuning`: {args.train_steps} steps of LoRA training "
            "(r 16, batch 4, haneul-mini-ko's data, gemma3-270m in float32) on this 2-core "
            "CPU, each loss in its own process.\n\n" + training_rows(args.data, args.train_steps)
        )
        print(section)
        if args.write:
            write_section(args.write, "tuning-speed", section)
    if "perplexity" not in skip:
        section = (
            "## Korean perplexity (bench/tuning.py)\n\n"
            f"{args.perplexity_texts} paragraphs of KorQuAD's held-out articles (never trained "
            "on), per character so that tokenizers compare; dequantized weights through "
            "transformers (`haneul eval perplexity`).\n\n"
            + perplexity_rows(args.data, args.perplexity_texts, args.adapter)
        )
        print(section)
        if args.write:
            write_section(args.write, "tuning-perplexity", section)
    if "eval" in skip:
        return
    from haneul.config import Settings
    from haneul.engine.catalog import Catalog

    known = {e.name for e in Catalog(Settings()).entries()}
    models = [m for m in args.models.split(",") if m in known]
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
        "(gemma3-270m, a base model: `/v1/completions`) on this 2-core machine. "
        "`*_heldout`: the fifth of KorQuAD's even articles and of KLUE's pairs that "
        "haneul-mini-ko's recipe leaves out (`haneul.evals.splits`); KorQuAD EM/F1 at "
        "character level (official KorQuAD normalisation); json_todo: % of answers that are a "
        "valid JSON to-do list (its 12 texts are not in the training data); percentages "
        "except Pearson.\n\n" + table + "\n"
    )
    print(section)
    if args.write:
        write_section(args.write, "tuning", section)


if __name__ == "__main__":
    main()
