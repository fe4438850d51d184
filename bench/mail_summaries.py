"""메일 요약: what a reader of a thread's summary gets, on the hand-written Korean mails of
bench/data/mail_threads_ko.jsonl (written for the benchmarks, never training data), in one run:

- the peer, the model's own summary as the mail page showed it before (no check);
- the model's summary through the checks a larger model's goes through
  (`workspace.mail.summary.checked`: JSON, loops, instruction text, numbers the thread does
  not hold, not Korean prose, not shorter than the thread -> the extractive summary);
- what the page shows on a small model: the extractive summary, the model not asked.

Per summary: the share of the mail's key facts it states (dates, amounts, items; spaces
ignored), numbers the mail does not hold (invented), to-do JSON, loops, and for the checked
row how many the checks replaced. Facts and numbers cannot see a summary that is wrong in
its words («2개 발급하신다고 하셨어요.» for a mail asking for two accounts): the table lists a
few of those the checks let through, to read.

    nice python -m bench.mail_summaries [--model haneul-mini-ko] [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.mail_replies import _NUMBER, eml, load
from bench.report import write_section
from haneul.assistant.compose import looks_like_json, repeated
from haneul.config import Settings
from haneul.engine.manager import ModelManager
from haneul.workspace.mail import assist, summary
from haneul.workspace.mail.parse import parse


def score(row: dict[str, Any], text: str) -> dict[str, Any]:
    flat = re.sub(r"\s+", "", text)
    facts = [f for f in row["facts"] if re.sub(r"\s+", "", f) in flat]
    known = {re.sub(r"\s+", "", n) for n in _NUMBER.findall(row["subject"] + row["body"])}
    invented = sorted({re.sub(r"\s+", "", n) for n in _NUMBER.findall(text)} - known)
    return {
        "facts": len(facts) / max(1, len(row["facts"])),
        "invented": bool(invented),
        "json": looks_like_json(text),
        "loop": repeated(text, summary.LOOP_WIDTH) is not None,
        "empty": not text.strip(),
    }


async def measure(model: str, rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    manager = ModelManager(Settings(home=Path(tempfile.mkdtemp(prefix="haneul-mailsum-"))))
    entry, backend = await manager.get(model)
    out: dict[str, list[dict[str, Any]]] = {"peer": [], "checked": [], "small": []}
    try:
        for row in rows:
            thread = [parse(eml(row))]
            written = await assist.summarize(backend, entry.name, thread)
            checked = summary.checked(written, thread)
            small = summary.not_asked(thread)
            out["peer"].append({**score(row, written.text), "text": written.text})
            out["checked"].append(
                {**score(row, checked.text), "text": checked.text, "replaced": checked.reason}
            )
            out["small"].append({**score(row, small.text), "text": small.text})
    finally:
        await manager.close()
    return out


def render(model: str, rows: list[dict[str, Any]], found: dict[str, Any], minutes: float) -> str:
    names = {
        "peer": "the model's summary, unchecked (peer: the page before)",
        "checked": "the model's summary, checked (a larger model's path)",
        "small": "extractive, the model not asked (a small model's path)",
    }
    lines = [
        "## Mail summaries (`bench/mail_summaries.py`)",
        "",
        f"{len(rows)} hand-written Korean mails (bench/data/mail_threads_ko.jsonl), {model}, "
        f"greedy; run {time.strftime('%Y-%m-%d')}, {minutes:.1f} min. Key facts: the share of "
        "each mail's hand-listed facts the summary states; invented: a number the mail does "
        "not hold.",
        "",
        "| summary | key facts | all facts stated | invented numbers | JSON | loops | replaced |",
        "|---|---|---|---|---|---|---|",
    ]
    for key, label in names.items():
        got = found[key]
        n = len(got)
        replaced = sum(1 for r in got if r.get("replaced")) if key == "checked" else "—"
        lines.append(
            f"| {label} | {statistics.mean(r['facts'] for r in got):.3f} | "
            f"{sum(r['facts'] == 1 for r in got)}/{n} | {sum(r['invented'] for r in got)} | "
            f"{sum(r['json'] for r in got)} | {sum(r['loop'] for r in got)} | {replaced} |"
        )
    kept = [(r, row) for r, row in zip(found["checked"], rows, strict=True) if not r["replaced"]]
    shown = [f"«{r['text'][:60]}» ({row['id']})" for r, row in kept if r["facts"] < 1][:4]
    if shown:
        lines += [
            "",
            "Checked summaries that state not all key facts, to read: " + "; ".join(shown) + ".",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="haneul-mini-ko")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    rows = load(args.limit)
    started = time.perf_counter()
    found = asyncio.run(measure(args.model, rows))
    section = render(args.model, rows, found, (time.perf_counter() - started) / 60)
    print(section)
    if args.write:
        write_section(args.write, "bench/mail_summaries.py", section)


if __name__ == "__main__":
    main()
