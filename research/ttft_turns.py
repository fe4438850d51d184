"""Time to first token of turns 1..5 of one conversation on a real server (haneul-mini-ko),
to see the prompt-prefix reuse of the assistant's message order. Not a benchmark: a quick
check, run on a busy 2-core machine.

Usage: PYTHONPATH=<the src to measure> python research/ttft_turns.py [--model haneul-mini-ko]
       [--plain] [--url http://127.0.0.1:PORT/v1]
Prints, per turn, the seconds to the first `delta` event and to the `done` event, and the
engine's prompt tokens and how many of them llama.cpp took from its cache (the done event's
`usage`). `--plain` turns skills off, so the model writes every answer; `--url` measures a
running server instead of starting one.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.conftest import start_server, stop_server

TURNS = [
    "30평은 몇 제곱미터야?",
    "서울에서 가볼 만한 곳 하나만 알려줘",
    "2026년 추석은 언제야?",
    "제주도 여행 팁 하나만 알려줘",
    "100마일은 몇 킬로미터야?",
]


def turn(
    http: httpx.Client, cid: str, text: str, max_tokens: int, plain: bool = False
) -> tuple[float, float, str, dict[str, int]]:
    start = time.perf_counter()
    first, answer, usage = None, "", {}
    body: dict[str, object] = {"content": text, "stream": True, "max_tokens": max_tokens}
    if plain:
        body["skills"] = []
    with http.stream("POST", f"/conversations/{cid}/messages", json=body) as response:
        for line in response.iter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            event = json.loads(line[6:])
            if event["type"] == "delta" and first is None:
                first = time.perf_counter() - start
            if event["type"] == "done":
                answer = event["message"]["content"]
                usage = event.get("usage") or {}
    return first or float("nan"), time.perf_counter() - start, answer, usage


def measure(api: str, args: argparse.Namespace) -> None:
    with httpx.Client(base_url=api, timeout=900) as http:
        warm = http.post("/conversations", json={}).json()["id"]
        turn(http, warm, "안녕", args.max_tokens)  # loads the model and the router
        cid = http.post("/conversations", json={}).json()["id"]
        for n, text in enumerate(TURNS, start=1):
            first, total, answer, usage = turn(http, cid, text, args.max_tokens, args.plain)
            cache = f"prompt {usage.get('prompt_tokens')} cached {usage.get('cached_tokens')}"
            print(f"turn {n}: first delta {first:.2f} s, done {total:.2f} s, {cache}  {answer!r}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="haneul-mini-ko")
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--plain", action="store_true", help="no skills: the model answers")
    parser.add_argument("--url", help="a running server's API root (…/v1)")
    args = parser.parse_args()
    if args.url:
        measure(args.url, args)
        return
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp), default_model=args.model, parallel="1")
        try:
            measure(server.api, args)
        finally:
            stop_server(server)


if __name__ == "__main__":
    main()
