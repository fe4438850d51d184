"""메일 답장: reply drafts for hand-written Korean mails (bench/data/mail_threads_ko.jsonl,
written for this benchmark, never training data), haneul-mini-ko against its base model (the
peer) in the same run, through a running server's `/v1/mail` API.

Each mail is imported as an .eml (the same Message-ID every run, so a rerun reuses it), then
`POST /v1/mail/threads/{id}/drafts` per model. The greeting and the signature are written by
code, so only the model's part (between them) is scored:

- 존댓말: its sentences keep to the polite register (`workspace.mail.assist.formal`);
- key facts: the share of the mail's key facts (dates, amounts, items) the reply repeats;
- invented: replies with a number that is not in the mail (a made-up date, amount, count);
- empty: replies where the model wrote nothing between greeting and signature.

    haneul serve &     # then:
    nice python -m bench.mail_replies --url http://127.0.0.1:8000 --limit 10
"""

from __future__ import annotations

import argparse
import json
import re
import time
from email.header import Header
from email.mime.text import MIMEText
from pathlib import Path
from typing import Any

import httpx

from haneul.workspace.mail.assist import formal

DATA = Path(__file__).with_name("data") / "mail_threads_ko.jsonl"
# a number with its unit: "2시" in a reply is invented when the mail has only "2개"
_NUMBER = re.compile(
    r"\d+(?:[.,]\d+)*\s*(?:%p|%|만\s*원|시간|분기|상자|[월일시분초원억명개건대부쪽장층점박주년차회번종호])?"
)


def load(limit: int | None = None) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line]
    return rows[:limit] if limit else rows


def eml(row: dict[str, Any]) -> bytes:
    message = MIMEText(row["body"], "plain", "utf-8")
    message["Subject"] = Header(row["subject"], "utf-8").encode()
    name, _, address = row["from"].partition(" <")
    message["From"] = f"{Header(name, 'utf-8').encode()} <{address}"
    message["To"] = "haneul.kim@hanul-corp.kr"
    message["Message-ID"] = f"<bench-{row['id']}@haneul.bench>"
    message["Date"] = "Fri, 04 Dec 2026 09:00:00 +0900"
    return message.as_bytes()


def model_part(body: str) -> str:
    """The draft without the greeting (first paragraph) and the closing (last), both code's."""
    parts = [p for p in body.split("\n\n") if p.strip()]
    return "\n\n".join(parts[1:-1]).strip()


def score(row: dict[str, Any], body: str) -> dict[str, Any]:
    text = model_part(body)
    flat = re.sub(r"\s+", "", text)
    facts = [f for f in row["facts"] if re.sub(r"\s+", "", f) in flat]
    known = {re.sub(r"\s+", "", n) for n in _NUMBER.findall(row["body"])}
    invented = sorted({re.sub(r"\s+", "", n) for n in _NUMBER.findall(text)} - known)
    return {
        "formal": formal(text),
        "facts": len(facts) / max(1, len(row["facts"])),
        "invented": invented,
        "empty": not text,
    }


def thread_ids(http: httpx.Client, rows: list[dict[str, Any]]) -> dict[str, str]:
    ids = {}
    for row in rows:
        files = {"file": (f"{row['id']}.eml", eml(row), "message/rfc822")}
        http.post("/v1/mail/import", files=files).raise_for_status()
        found = http.get("/v1/mail/threads", params={"q": row["subject"], "limit": 5}).json()
        ids[row["id"]] = next(t["id"] for t in found["data"] if t["subject"] == row["subject"])
    return ids


def run(
    http: httpx.Client, model: str, rows: list[dict[str, Any]], ids: dict[str, str]
) -> dict[str, Any]:
    scores = []
    start = time.monotonic()
    for row in rows:
        reply = http.post(f"/v1/mail/threads/{ids[row['id']]}/drafts", json={"model": model})
        reply.raise_for_status()
        scores.append(score(row, reply.json()["body"]))
    n = max(1, len(scores))
    return {
        "model": model,
        "threads": len(scores),
        "formal": sum(s["formal"] for s in scores) / n,
        "facts": sum(s["facts"] for s in scores) / n,
        "invented": sum(bool(s["invented"]) for s in scores) / n,
        "empty": sum(s["empty"] for s in scores) / n,
        "seconds": (time.monotonic() - start) / n,
    }


def table(results: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| model | threads | 존댓말 | key facts | invented facts | empty | s/draft |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['model']} | {r['threads']} | {r['formal']:.0%} | {r['facts']:.0%} | "
            f"{r['invented']:.0%} | {r['empty']:.0%} | {r['seconds']:.1f} |"
        )
    return lines


def print_rows(http: httpx.Client, models: list[str], limit: int | None = None) -> None:
    """The 메일 답장 table, for `python -m bench.workspace` as well."""
    rows = load(limit)
    ids = thread_ids(http, rows)
    print("\n".join(table([run(http, m, rows, ids) for m in models])))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--models", default="haneul-mini-ko,gemma3-270m")
    parser.add_argument("--limit", type=int, help="only the first N mails")
    parser.add_argument("--key", help="an API key when the server requires one")
    args = parser.parse_args()
    headers = {"Authorization": f"Bearer {args.key}"} if args.key else {}
    http = httpx.Client(base_url=args.url, headers=headers, timeout=600)
    print_rows(http, [m.strip() for m in args.models.split(",") if m.strip()], args.limit)


if __name__ == "__main__":
    main()
