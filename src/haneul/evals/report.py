"""Results as Markdown, and a before/after table of two or more result files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from haneul.errors import InvalidRequestError


def load_result(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InvalidRequestError(f"평가 결과 파일을 읽을 수 없습니다: {path} ({exc})") from None
    if not isinstance(data, dict) or "tasks" not in data or "model" not in data:
        raise InvalidRequestError(f"평가 결과 파일이 아닙니다: {path}")
    return data


def _fmt(value: float) -> str:
    return f"{value:.3f}" if abs(value) <= 1 else f"{value:.1f}"


def to_markdown(result: dict[str, Any]) -> str:
    lines = [
        f"Model `{result['model']}` at {result['base_url']}, "
        f"limit {result['limit']}, seed {result['seed']}.",
        "",
        "| task | n | metric | value |",
        "|---|---:|---|---:|",
    ]
    for name, task in result["tasks"].items():
        for metric, value in task["metrics"].items():
            lines.append(f"| {name} | {task['n']} | {metric} | {_fmt(value)} |")
    return "\n".join(lines) + "\n"


def compare_markdown(results: list[dict[str, Any]]) -> str:
    """One row per task metric, one column per model; the first is the baseline."""
    if len(results) < 2:
        raise InvalidRequestError("비교하려면 결과 파일이 두 개 이상 필요합니다.")
    keys: list[tuple[str, str]] = []
    for result in results:
        for name, task in result["tasks"].items():
            keys += [(name, m) for m in task["metrics"] if (name, m) not in keys]
    head = (
        "| task | metric | " + " | ".join(f"`{r['model']}`" for r in results) + " | Δ last−first |"
    )
    lines = [head, "|---|---|" + "---:|" * (len(results) + 1)]
    for name, metric in keys:
        values = [r["tasks"].get(name, {}).get("metrics", {}).get(metric) for r in results]
        cells = [_fmt(v) if v is not None else "–" for v in values]
        delta = (
            _fmt(values[-1] - values[0])
            if values[0] is not None and values[-1] is not None
            else "–"
        )
        lines.append(f"| {name} | {metric} | " + " | ".join(cells) + f" | {delta} |")
    return "\n".join(lines) + "\n"


def write_result(result: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = result["model"].replace("/", "_")
    json_path, md_path = out_dir / f"{stem}.json", out_dir / f"{stem}.md"
    json_path.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    md_path.write_text(to_markdown(result), encoding="utf-8")
    return json_path, md_path
