"""Chart requests on generated Korean spreadsheets through the `python` skill's sandbox:
how many produce a PNG chart without error, and how long a run takes.

The spreadsheets (bench/data/code_charts/, CSV and XLSX; `--generate` rewrites them) vary the
layout office files have: months, dates, regions, products, several numeric columns, a
thousands separator, a semicolon separator, an Excel sheet. Each gets the request an office
worker would type (매출 추이를 그래프로 그려줘, 지역별 비율을 파이 차트로...).

Usage: python -m bench.code_charts [--generate] [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from bench.report import write_section
from haneul.skills.code.charts import chart_code
from haneul.skills.code.sandbox import run_python, sandbox_problem

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generate", action="store_true")
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    if args.generate or not (DATA / "requests.json").exists():
        generate()
    if (problem := sandbox_problem()) is not None:
        sys.exit(problem)
    requests: dict[str, str] = json.loads((DATA / "requests.json").read_text(encoding="utf-8"))
    charts, seconds, failures = 0, [], []
    for name, request in requests.items():
        start = time.perf_counter()
        result = run_python(chart_code(request, name), files={name: DATA / name})
        seconds.append(time.perf_counter() - start)
        if result.ok and result.charts:
            charts += 1
        else:
            failures.append(f"{name}: {result.reason} {result.stderr.strip()[-200:]}")
    n = len(requests)
    section = (
        "### 코드 작성: chart requests on spreadsheets (`python -m bench.code_charts`)\n\n"
        "| spreadsheets | chart without error | median run s | max run s |\n|---|---|---|---|\n"
        f"| {n} | {charts}/{n} ({charts / n:.0%}) | {statistics.median(seconds):.2f} "
        f"| {max(seconds):.2f} |\n"
    )
    print(section)
    for failure in failures:
        print(failure, file=sys.stderr)
    if args.write:
        write_section(args.write, "code_charts", section)


if __name__ == "__main__":
    main()
