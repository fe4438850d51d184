"""Chart requests on generated Korean spreadsheets through the `python` skill's sandbox:
how many produce a PNG chart without error, and how long a run takes, against a peer: the
same chart code, the same prelude, interpreter and environment run without the sandbox (no
bubblewrap, seccomp, setpriv or rlimits), measured in the same run, interleaved sheet by
sheet, so the sandbox's cost is a ratio.

The spreadsheets (bench/data/code_charts/, CSV and XLSX; `--generate` rewrites them) vary the
layout office files have: months, dates, regions, products, several numeric columns, a
thousands separator, a semicolon separator, an Excel sheet. Each gets the request an office
worker would type (매출 추이를 그래프로 그려줘, 지역별 비율을 파이 차트로...).

With `--model NAME` it also has that catalog model write the code for each request, the way
the assistant does (skills/code/author.py: its code, one fix, the template as the fallback),
and counts which of them drew the chart; the template's own success rate above is the peer.

Usage: python -m bench.code_charts [--generate] [--rounds N] [--model NAME] [--limit N]
       [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench.report import write_section
from haneul.skills.code.charts import chart_code
from haneul.skills.code.sandbox import (
    environment,
    isolation,
    prelude,
    prepare,
    run_python,
    sandbox_problem,
)

DATA = Path(__file__).parent / "data" / "code_charts"
MONTHS = [f"{m}월" for m in range(1, 13)]
REGIONS = ["서울", "부산", "대구", "인천", "광주", "대전"]
PRODUCTS = ["노트북", "모니터", "키보드", "마우스", "프린터"]


def _series(n: int, base: int, step: int, seed: int) -> list[int]:
    return [base + step * i + ((i * 7 + seed * 13) % 11) * step // 3 for i in range(n)]


def sheets() -> list[tuple[str, dict[str, list[object]], str]]:
    """(file name, columns, request) for each generated spreadsheet."""
    out: list[tuple[str, dict[str, list[object]], str]] = []
    for k in range(5):
        out.append(
            (
                f"월별매출_{k + 1}.csv",
                {"월": MONTHS, "매출": _series(12, 100 + 50 * k, 10, k)},
                "매출 추이를 그래프로 그려줘",
            )
        )
        out.append(
            (
                f"지역별판매_{k + 1}.csv",
                {"지역": REGIONS, "판매량": _series(6, 30, 5 + k, k)},
                "지역별 판매량 비율을 파이 차트로 그려줘",
            )
        )
        out.append(
            (
                f"제품비교_{k + 1}.xlsx",
                {
                    "제품": PRODUCTS,
                    "상반기": _series(5, 200, 20, k),
                    "하반기": _series(5, 220, 15, k + 1),
                },
                "제품별 상반기 하반기 매출을 막대그래프로 비교해줘",
            )
        )
        days = [f"2026-03-{d:02d}" for d in range(1, 15)]
        out.append(
            (
                f"일별방문자_{k + 1}.csv",
                {"날짜": days, "방문자": _series(14, 500, 25, k), "가입자": _series(14, 20, 2, k)},
                "방문자 추이를 차트로 보여줘",
            )
        )
    return out


def generate() -> None:
    import pandas as pd

    DATA.mkdir(parents=True, exist_ok=True)
    for name, columns, _ in sheets():
        frame = pd.DataFrame(columns)
        if name.endswith(".xlsx"):
            frame.to_excel(DATA / name, index=False)
        elif name.startswith("일별") and name.endswith(("2.csv", "4.csv")):
            frame.to_csv(DATA / name, index=False, sep=";")  # a European-style export
        else:
            frame.to_csv(DATA / name, index=False)
    requests = {name: request for name, _, request in sheets()}
    (DATA / "requests.json").write_text(json.dumps(requests, ensure_ascii=False, indent=1) + "\n")


def run_unsandboxed(code: str) -> bool:
    """The peer: the code in a plain subprocess in a temporary folder (charts drawn?)."""
    with tempfile.TemporaryDirectory(prefix="haneul-peer-") as root:
        work = Path(root)
        prepare(work, code)
        done = subprocess.run(
            [sys.executable, "-I", "-c", prelude()],
            cwd=work,
            env=environment(str(work)),
            capture_output=True,
            timeout=120,
        )
        return done.returncode == 0 and any((work / ".charts").glob("chart-*.png"))


@dataclass
class Measured:
    sandbox: list[float] = field(default_factory=list)  # seconds a run, in the sandbox
    peer: list[float] = field(default_factory=list)  # seconds a run, without it
    failures: list[str] = field(default_factory=list)
    charts: int = 0  # sheets charted without error in the sandbox (first round)


def measure(requests: dict[str, str], rounds: int) -> Measured:
    """Each sheet in the sandbox and in the peer, alternating which goes first."""
    found = Measured()
    for r in range(rounds):
        for i, (name, request) in enumerate(requests.items()):
            order = ("sandbox", "peer") if (i + r) % 2 == 0 else ("peer", "sandbox")
            for which in order:
                start = time.perf_counter()
                if which == "sandbox":
                    result = run_python(chart_code(request, name), files={name: DATA / name})
                    found.sandbox.append(time.perf_counter() - start)
                    if r == 0 and result.ok and result.charts:
                        found.charts += 1
                    elif r == 0:
                        found.failures.append(f"{name}: {result.reason} {result.stderr[-200:]}")
                else:
                    drawn = run_unsandboxed(chart_code(request, name, data_dir=str(DATA)))
                    found.peer.append(time.perf_counter() - start)
                    if not drawn:
                        found.failures.append(f"{name}: the peer drew no chart")
    return found


async def measure_model(requests: dict[str, str], model: str) -> tuple[Counter[str], float]:
    """Which code drew each chart when `model` writes it (source -> count), median seconds."""
    from haneul.assistant.turn import model_asker
    from haneul.config import Settings
    from haneul.engine.manager import ModelManager
    from haneul.skills import SkillContext
    from haneul.skills.code.skill import python

    manager = ModelManager(Settings())
    _, backend = await manager.get(model)

    sources: Counter[str] = Counter()
    seconds = []
    try:
        for name, request in requests.items():
            start = time.perf_counter()
            context = SkillContext(files={name: DATA / name}, ask=model_asker(backend))
            data = (await python.run({"request": request}, context)).data
            seconds.append(time.perf_counter() - start)
            drew = data["ok"] and data["charts"]
            sources[data["source"] if drew else "no chart"] += 1
    finally:
        await manager.close()
    return sources, statistics.median(seconds)


def model_section(model: str, n: int, sources: Counter[str], seconds: float) -> str:
    cells = [sources[k] for k in ("model", "model_fixed", "template", "no chart")]
    return (
        f"\nWith `--model {model}` writing the code ({n} sheets): which code drew the chart.\n\n"
        "| model | its code | its fix | template (fallback) | no chart | median s a request |\n"
        "|---|---|---|---|---|---|\n"
        f"| {model} | " + " | ".join(str(c) for c in cells) + f" | {seconds:.1f} |\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generate", action="store_true")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--model", help="also have this model write the code")
    parser.add_argument("--limit", type=int, help="only the first N spreadsheets")
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    if args.generate or not (DATA / "requests.json").exists():
        generate()
    if (problem := sandbox_problem()) is not None:
        sys.exit(problem)
    requests: dict[str, str] = json.loads((DATA / "requests.json").read_text(encoding="utf-8"))
    requests = dict(list(requests.items())[: args.limit])
    found = measure(requests, args.rounds)
    n, boxed, peer = len(requests), statistics.median(found.sandbox), statistics.median(found.peer)
    section = (
        "### 코드 작성: chart requests on spreadsheets (`python -m bench.code_charts`)\n\n"
        f"Sandbox: bubblewrap, seccomp and rlimits, `{isolation()}` isolation. Peer: the same "
        f"code, prelude and interpreter in a plain subprocess. {n} sheets × {args.rounds} "
        "round(s), interleaved.\n\n"
        "| spreadsheets | chart without error | median run s, sandbox | median run s, peer "
        "| sandbox / peer | added s per run | max run s, sandbox |\n"
        "|---|---|---|---|---|---|---|\n"
        f"| {n} | {found.charts}/{n} ({found.charts / n:.0%}) | {boxed:.2f} | {peer:.2f} "
        f"| {boxed / peer:.2f}× | {boxed - peer:+.2f} | {max(found.sandbox):.2f} |\n"
    )
    if args.model:
        sources, seconds = asyncio.run(measure_model(requests, args.model))
        section += model_section(args.model, n, sources, seconds)
    print(section)
    for failure in found.failures:
        print(failure, file=sys.stderr)
    if args.write:
        write_section(args.write, "code_charts", section)


if __name__ == "__main__":
    main()
