"""Prompt-prefix reuse across the turns of one conversation, `swa_full` off against on.

Starts a real server (8 slots, as served) with two copies of haneul-mini-ko in its catalog,
`mini-ko-swa-off` and `mini-ko-swa-on`, which differ only in llama.cpp's `swa_full`, and
runs 5-turn conversations whose turns are all of one kind (plain chat, or skill turns whose
sentence the model then explains) through the assistant route (`/v1/conversations`) and the
OpenAI route (`/v1/chat/completions`, the system prompt and the conversation so far). The
two models take turns conversation by conversation, so they see the same machine load.

Per turn it prints the engine's prompt tokens and how many llama.cpp took from a slot's
cache (the main evidence: timings on a shared machine are noisy), the time to the model's
first token (OpenAI route: the first streamed piece; assistant route: the `done` event's
`usage.first_token_ms`, taken before the answer check holds text back) and, for the
assistant, the time to the first `delta` the user sees. Not a benchmark: a quick check.

Usage: PYTHONPATH=src:. python research/ttft_turns.py [--max-tokens 64] [--kinds plain,skill]
       [--routes assistant,openai] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from haneul.assistant.presets import PRESETS
from haneul.config import Settings
from haneul.engine.catalog import MINI_KO, Catalog, ModelEntry
from tests.conftest import start_server, stop_server

TURNS = {
    "plain": [
        "서울에서 가볼 만한 곳 하나만 알려줘",
        "제주도 여행 팁 하나만 알려줘",
        "비 오는 날 할 만한 일 하나 추천해줘",
        "아침 운동의 장점 하나만 말해줘",
        "좋은 하루 보내는 방법 하나만 알려줘",
    ],
    "skill": [
        "30평은 몇 제곱미터야?",
        "2026년 추석은 언제야?",
        "100마일은 몇 킬로미터야?",
        "반지름이 5인 원의 넓이는?",
        "화씨 100도는 섭씨 몇 도야?",
    ],
}
MODELS = {"off": "mini-ko-swa-off", "on": "mini-ko-swa-on"}


def add_models(home: Path) -> None:
    catalog = Catalog(Settings(home=home))
    base = catalog.resolve(MINI_KO)
    for swa, name in MODELS.items():
        options = {**base.options, "swa_full": swa == "on"}
        catalog.add(ModelEntry(**{**base.__dict__, "name": name, "options": options}))


def _events(response: httpx.Response) -> Any:
    for line in response.iter_lines():
        if line.startswith("data: ") and line != "data: [DONE]":
            yield json.loads(line[6:])


def assistant_turn(
    http: httpx.Client, cid: str, text: str, model: str, kind: str, n: int
) -> dict[str, Any]:
    start, shown, usage, answer = time.perf_counter(), None, {}, ""
    body: dict[str, Any] = {"content": text, "stream": True, "max_tokens": n, "model": model}
    if kind == "plain":
        body["skills"] = []
    with http.stream("POST", f"/conversations/{cid}/messages", json=body) as response:
        for event in _events(response):
            if event["type"] == "delta" and shown is None and event.get("content"):
                shown = time.perf_counter() - start
            if event["type"] == "done":
                answer = event["message"]["content"]
                usage = event.get("usage") or {}
    first = usage.get("first_token_ms")
    return {
        "prompt": usage.get("prompt_tokens"),
        "cached": usage.get("cached_tokens"),
        "first_token_s": first / 1000 if first is not None else None,
        "first_shown_s": shown,
        "answer": answer,
    }


def openai_turn(
    http: httpx.Client, messages: list[dict[str, str]], model: str, n: int
) -> dict[str, Any]:
    start, first, parts, usage = time.perf_counter(), None, [], {}
    body = {
        "model": model,
        "messages": messages,
        "stream": True,
        "max_tokens": n,
        "temperature": 0,
        "stream_options": {"include_usage": True},
    }
    with http.stream("POST", "/chat/completions", json=body) as response:
        for chunk in _events(response):
            usage = chunk.get("usage") or usage
            for choice in chunk.get("choices", []):
                piece = (choice.get("delta") or {}).get("content") or ""
                if piece and first is None:
                    first = time.perf_counter() - start
                parts.append(piece)
    return {
        "prompt": usage.get("prompt_tokens"),
        "cached": (usage.get("prompt_tokens_details") or {}).get("cached_tokens"),
        "first_token_s": first,
        "answer": "".join(parts),
    }


def conversation(
    http: httpx.Client, route: str, kind: str, model: str, n: int
) -> list[dict[str, Any]]:
    rows = []
    if route == "assistant":
        cid = http.post("/conversations", json={}).json()["id"]
        for text in TURNS[kind]:
            rows.append(assistant_turn(http, cid, text, model, kind, n))
        http.delete(f"/conversations/{cid}")
        return rows
    messages = [{"role": "system", "content": PRESETS["chat"]}]
    for text in TURNS[kind]:
        messages.append({"role": "user", "content": text})
        row = openai_turn(http, messages, model, n)
        messages.append({"role": "assistant", "content": row["answer"]})
        rows.append(row)
    return rows


def _s(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def show(rows: list[dict[str, Any]], assistant: bool) -> None:
    for number, r in enumerate(rows, 1):
        shown = f", first shown {_s(r.get('first_shown_s'))} s" if assistant else ""
        tokens = f"prompt {r['prompt']} cached {r['cached']}"
        first = f"first token {_s(r['first_token_s'])} s{shown}"
        print(f"  turn {number}: {tokens}, {first}  {r['answer'][:40]!r}", flush=True)


def measure(api: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    results = []
    with httpx.Client(base_url=api, timeout=900) as http:
        for model in MODELS.values():  # load the router and warm each model
            openai_turn(http, [{"role": "user", "content": "안녕"}], model, 4)
        for kind in args.kinds.split(","):
            for route in args.routes.split(","):
                for swa, model in MODELS.items():
                    load = os.getloadavg()[0]
                    rows = conversation(http, route, kind, model, args.max_tokens)
                    result = {"kind": kind, "route": route, "swa_full": swa, "load": load}
                    results.append({**result, "turns": rows})
                    print(
                        f"\n{kind} turns, {route} route, swa_full {swa} (load average {load:.1f})"
                    )
                    show(rows, route == "assistant")
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--kinds", default="plain,skill")
    parser.add_argument("--routes", default="assistant,openai")
    parser.add_argument("--json", type=Path, help="write the rows here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        add_models(home)
        server = start_server(home, default_model=MODELS["on"], preload=MODELS["off"])
        try:
            results = measure(server.api, args)
        finally:
            stop_server(server)
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
