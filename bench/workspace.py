"""할 일 생성 (to-do extraction) on hand-written Korean texts (meeting notes, mails, plans) in
bench/data/todos_ko.jsonl, each with its gold to-dos and due days (`today` fixed per row).

For each model (haneul-mini-ko and its base, the peer, in the same run) every text goes
through `POST /v1/todos/extract` of a running server (JSON-schema constrained decoding, due
dates resolved by code). Reported: item precision and recall (a predicted title matches a gold
one when their character bigrams overlap, Dice >= 0.5, one to one), due-date accuracy over
matched items, the always-parses rate (the model's reply parsed, possibly after dropping an
item cut off at the end) and how often that repair was needed.

Every text runs in bounded time: the server gives the reply a token budget that grows with
the text (workspace/extract.py, OUTPUT_PER_INPUT), and `--timeout` caps each request here; a
text that still runs out of time counts as not parsed, with nothing found (`timeouts`).

    haneul serve &     # then:
    nice python bench/workspace.py --url http://127.0.0.1:8000 --limit 20
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import httpx

DATA = Path(__file__).with_name("data") / "todos_ko.jsonl"


def _bigrams(text: str) -> set[str]:
    s = "".join(text.split())
    return {s[i : i + 2] for i in range(len(s) - 1)} or {s}


def similar(a: str, b: str) -> float:
    x, y = _bigrams(a), _bigrams(b)
    return 2 * len(x & y) / max(1, len(x) + len(y))


def match(pred: list[dict[str, Any]], gold: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """Greedy one-to-one pairs (pred index, gold index), best similarity first."""
    pairs = sorted(
        (
            (similar(p["title"], g["title"]), i, j)
            for i, p in enumerate(pred)
            for j, g in enumerate(gold)
        ),
        reverse=True,
    )
    used_p: set[int] = set()
    used_g: set[int] = set()
    out = []
    for score, i, j in pairs:
        if score >= 0.5 and i not in used_p and j not in used_g:
            used_p.add(i)
            used_g.add(j)
            out.append((i, j))
    return out


def run(http: httpx.Client, model: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    tp = n_pred = n_gold = due_ok = parsed = repaired = timeouts = 0
    start = time.monotonic()
    for row in rows:
        body = {"text": row["text"], "model": model, "today": row["today"]}
        try:
            reply = http.post("/v1/todos/extract", json=body)
        except httpx.TimeoutException:
            timeouts += 1
            n_gold += len(row["todos"])
            continue
        reply.raise_for_status()
        found = reply.json()
        parsed += found["method"] == "model" and found["parsed"]
        repaired += bool(found.get("repaired"))
        pred, gold = found["candidates"], row["todos"]
        pairs = match(pred, gold)
        tp += len(pairs)
        n_pred += len(pred)
        n_gold += len(gold)
        due_ok += sum(pred[i]["due"] == gold[j]["due"] for i, j in pairs)
    return {
        "model": model,
        "texts": len(rows),
        "precision": tp / max(1, n_pred),
        "recall": tp / max(1, n_gold),
        "due_accuracy": due_ok / max(1, tp),
        "parses": parsed / max(1, len(rows)),
        "repaired": repaired / max(1, len(rows)),
        "timeouts": timeouts,
        "seconds_per_text": (time.monotonic() - start) / max(1, len(rows)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--models", default="haneul-mini-ko,gemma3-270m")
    parser.add_argument("--limit", type=int, help="only the first N texts")
    parser.add_argument("--key", help="an API key when the server requires one")
    parser.add_argument("--timeout", type=float, default=120, help="seconds per text at most")
    parser.add_argument("--mail", action="store_true", help="also the 메일 답장 rows")
    args = parser.parse_args()
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]
    rows = rows[: args.limit] if args.limit else rows
    headers = {"Authorization": f"Bearer {args.key}"} if args.key else {}
    http = httpx.Client(base_url=args.url, headers=headers, timeout=args.timeout)
    results = [run(http, m.strip(), rows) for m in args.models.split(",") if m.strip()]
    print(
        "| model | texts | precision | recall | due accuracy | parses | repaired | timeouts "
        "| s/text |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['model']} | {r['texts']} | {r['precision']:.2f} | {r['recall']:.2f} | "
            f"{r['due_accuracy']:.2f} | {r['parses']:.0%} | {r['repaired']:.0%} | "
            f"{r['timeouts']} | {r['seconds_per_text']:.1f} |"
        )
    if args.mail:  # 메일 답장 rows: bench/mail_replies.py
        from bench.mail_replies import print_rows

        print_rows(http, [m.strip() for m in args.models.split(",") if m.strip()], args.limit)


if __name__ == "__main__":
    main()
