"""보고서 작성 on a real model: how often a report section leaks prompt text, loops, copies a
passage whole or cites a passage it was not given, for Haneul's pipeline against the raw
model (the peer), measured in the same run on the same prompts.

Each of N KorQuAD articles (shared data, the even dev split) becomes a collection of its
paragraphs, and a report on the article's title with the outline `--outline` is written by
`POST /v1/reports/{id}/generate` of a running server (the pipeline: guards, extractive
fallback). For every section, the peer is the same model asked the same thing directly
(`/v1/chat/completions` with the writer's own system prompt and request: the topic, the
heading and the section's passages, numbered as cited), its text taken as it comes.

Per section, for both: prompt text leaked (the request's labels, its passage-list layout, or
a clause of the instructions), a loop (16 characters written twice), a passage copied whole
(more than three of its sentences verbatim), Korean prose, and citation validity (every [n]
names a passage the section was given, and every passage cited is a paragraph of the
collection). For the pipeline also: how many sections fell back to extractive.

    haneul serve &     # then:
    nice -n 5 python -m bench.reports --url http://127.0.0.1:8000 --reports 6 --write
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path
from typing import Any

import httpx

from bench.report import write_section
from haneul.assistant.compose import leak, repeated
from haneul.workspace.reports.guard import COPIED_SENTENCES, PROMPT_LABELS, copied, not_prose
from haneul.workspace.reports.writer import ANSWER_TOKENS, SYSTEM_KO, section_request

ROOT = Path(__file__).resolve().parents[1]
KORQUAD = ROOT.parent / "shared" / "data" / "korquad" / "korquad_v1.0_dev_even.json"
DOCS = ROOT / "docs" / "benchmarks.md"


def articles(count: int, min_paragraphs: int = 3) -> list[tuple[str, list[str]]]:
    data = json.loads(KORQUAD.read_text(encoding="utf-8"))["data"]
    found = [
        (a["title"].replace("_", " "), [p["context"] for p in a["paragraphs"]])
        for a in data
        if min_paragraphs <= len(a["paragraphs"]) <= 8
    ]
    return found[:count]


def judge(text: str, given: int, cited_ok: bool, passages: list[str]) -> dict[str, bool]:
    """One section's verdicts (True is bad, except `cites_valid` and `prose`)."""
    clauses = [part for part in re.split(r"[.,\n]", SYSTEM_KO) if part.strip()]
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", text)}
    return {
        "leak": bool(PROMPT_LABELS.search(text) or leak(text, clauses)),
        "loop": repeated(text, 16) is not None,
        "copy": copied(text, passages) > COPIED_SENTENCES,
        "prose": not_prose(text) is None,
        "cites_valid": cited_ok and all(1 <= n <= given for n in markers),
    }


def peer(http: httpx.Client, model: str, topic: str, section: dict[str, Any]) -> str:
    passages = [str(c["text"]) for c in section["citations"]]
    body = {
        "model": model,
        "messages": [
            {"role": "system", "content": SYSTEM_KO},
            {"role": "user", "content": section_request(topic, section["heading"], passages)},
        ],
        "max_tokens": ANSWER_TOKENS,
        "temperature": 0.2,
    }
    reply = http.post("/v1/chat/completions", json=body)
    reply.raise_for_status()
    return str(reply.json()["choices"][0]["message"]["content"] or "")


def one_report(
    http: httpx.Client, model: str, n: int, topic: str, paragraphs: list[str], outline: list[str]
) -> list[dict[str, Any]]:
    name = f"bench-report-{n}"
    http.delete(f"/v1/collections/{name}")
    http.post("/v1/collections", json={"name": name}).raise_for_status()
    for i, text in enumerate(paragraphs, start=1):
        files = [("files", (f"{topic}_{i}.txt", text.encode()))]
        http.post(f"/v1/collections/{name}/documents", files=files).raise_for_status()
    made = http.post("/v1/reports", json={"topic": topic, "collection": name, "outline": outline})
    made.raise_for_status()
    done = http.post(
        f"/v1/reports/{made.json()['id']}/generate", json={"model": model, "stream": False}
    )
    done.raise_for_status()
    rows = []
    for section in done.json()["sections"]:
        passages = [str(c["text"]) for c in section["citations"]]
        exist = all(any(p.strip() in para for para in paragraphs) for p in passages)
        given = len(passages)
        raw = peer(http, model, topic, section)
        rows.append(
            {
                "pipeline": judge(section["text"], given, exist, passages),
                "peer": judge(raw, given, exist, passages),
                "extractive": section.get("drafted") == "extractive",
                "reason": section.get("reason"),
            }
        )
    return rows


def table(rows: list[dict[str, Any]], reports: int, model: str, seconds: float) -> str:
    def rate(side: str, key: str) -> str:
        return f"{sum(r[side][key] for r in rows) / len(rows):.2f}"

    out = [
        f"{reports} reports, {len(rows)} sections, model {model}, {seconds:.0f} s "
        "(both sides, one run). Each side samples its own draft of the same request",
        "(temperature 0.2), so the columns are two samples, not one draft judged twice.",
        "",
        "| per section | pipeline | raw model (peer) |",
        "|---|---|---|",
    ]
    for key, label in (
        ("leak", "prompt text leaked"),
        ("loop", "loops"),
        ("copy", "passage copied whole"),
        ("prose", "Korean prose"),
        ("cites_valid", "citations valid"),
    ):
        out.append(f"| {label} | {rate('pipeline', key)} | {rate('peer', key)} |")
    share = sum(r["extractive"] for r in rows) / len(rows)
    out.append(f"| extractive fallback | {share:.2f} | - |")
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--model", default="haneul-mini-ko")
    parser.add_argument("--reports", type=int, default=6)
    parser.add_argument("--outline", default="개요|주요 내용", help="headings, | separated")
    parser.add_argument("--key", help="an API key when the server requires one")
    parser.add_argument("--write", action="store_true", help="write the table to docs")
    args = parser.parse_args()
    headers = {"Authorization": f"Bearer {args.key}"} if args.key else {}
    http = httpx.Client(base_url=args.url, headers=headers, timeout=900)
    outline = [h.strip() for h in args.outline.split("|") if h.strip()]
    start, rows = time.monotonic(), []
    picked = articles(args.reports)
    for n, (topic, paragraphs) in enumerate(picked):
        rows += one_report(http, args.model, n, topic, paragraphs, outline)
        print(f"{n + 1}/{len(picked)} {topic}: {len(rows)} sections", flush=True)
    reasons: dict[str, int] = {}
    for r in rows:
        if r["reason"]:
            key = re.sub(r"'.*'", "'…'", str(r["reason"]))
            reasons[key] = reasons.get(key, 0) + 1
    text = table(rows, len(picked), args.model, time.monotonic() - start)
    text += "\nWhy sections fell back: " + (
        ", ".join(f"{k} ({v})" for k, v in sorted(reasons.items(), key=lambda kv: -kv[1])) or "none"
    )
    text += "\n"
    print(text)
    if args.write:
        command = f"`python -m bench.reports --reports {args.reports} --model {args.model}`"
        write_section(DOCS, "reports", f"## 보고서 작성 ({command})\n\n{text}")


if __name__ == "__main__":
    main()
