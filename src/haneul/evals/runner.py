"""Run tasks against any OpenAI-compatible endpoint (a `haneul serve`, vLLM, Ollama, ...).

Answers are generated greedily (temperature 0) with a few requests in flight at once, so a
server with parallel slots is kept busy. Results are plain dicts, written as JSON and Markdown.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from haneul.errors import InvalidRequestError, UpstreamError
from haneul.evals.tasks import Item, Task, get_task, sample


@dataclass
class Target:
    """Where answers come from: a model name on an OpenAI-compatible base URL."""

    model: str
    base_url: str = "http://127.0.0.1:8000/v1"
    api_key: str | None = None
    timeout_s: float = 120.0
    api: str = "chat"  # "chat": /chat/completions; "completions": a base model, plain prompt


@dataclass
class RunOptions:
    tasks: list[str]
    data_dir: Path
    limit: int | None = None
    seed: int = 0
    concurrency: int = 4
    on_progress: Callable[[str, int], None] | None = field(default=None, repr=False)


class _TooLong(Exception):
    """The item does not fit the model's context: scored as a wrong (empty) answer, counted."""


async def _answer(client: httpx.AsyncClient, target: Target, task: Task, item: Item) -> str:
    messages = task.prompt(item)
    body: dict[str, Any] = {"model": target.model, "max_tokens": task.max_tokens, "temperature": 0}
    if target.api == "completions":
        body["prompt"] = "\n\n".join(m["content"] for m in messages) + " "
        response = await client.post("/completions", json=body)
    else:
        body["messages"] = messages
        response = await client.post("/chat/completions", json=body)
    if response.status_code == 400 and "context_length_exceeded" in response.text:
        raise _TooLong
    if response.status_code >= 400:
        raise UpstreamError(f"평가 대상 서버 오류 {response.status_code}: {response.text[:300]}")
    choice = response.json()["choices"][0]
    content = choice["text"] if target.api == "completions" else choice["message"].get("content")
    return str(content or "")


async def run_task(
    client: httpx.AsyncClient, target: Target, task: Task, opts: RunOptions
) -> dict[str, Any]:
    items = sample(task.load(opts.data_dir), opts.limit, opts.seed)
    gate = asyncio.Semaphore(opts.concurrency)
    started = time.perf_counter()

    async def one(item: Item) -> dict[str, Any]:
        too_long = False
        async with gate:
            try:
                answer = await _answer(client, target, task, item)
            except _TooLong:
                answer, too_long = "", True
        if opts.on_progress:
            opts.on_progress(task.name, 1)
        return {
            "id": item["id"],
            "answer": answer,
            "too_long": too_long,
            **task.score(item, answer),
        }

    rows = await asyncio.gather(*(one(item) for item in items))
    return {
        "task": task.name,
        "description": task.description,
        "n": len(rows),
        "metrics": task.aggregate(list(rows)),
        "too_long": sum(1 for r in rows if r["too_long"]),
        "seconds": round(time.perf_counter() - started, 2),
        "items": list(rows),
    }


async def run(target: Target, opts: RunOptions) -> dict[str, Any]:
    """Every task in `opts.tasks` on `target`; the result is JSON-ready."""
    if not opts.tasks:
        raise InvalidRequestError("평가할 과제를 하나 이상 고르세요.", param="tasks")
    if target.api not in ("chat", "completions"):
        raise InvalidRequestError("api는 chat 또는 completions 이어야 합니다.", param="api")
    tasks = [get_task(name) for name in opts.tasks]  # all names checked before any request
    headers = {"Authorization": f"Bearer {target.api_key}"} if target.api_key else {}
    async with httpx.AsyncClient(
        base_url=target.base_url, headers=headers, timeout=target.timeout_s
    ) as client:
        results = [await run_task(client, target, task, opts) for task in tasks]
    return {
        "model": target.model,
        "base_url": target.base_url,
        "limit": opts.limit,
        "seed": opts.seed,
        "tasks": {r["task"]: r for r in results},
    }


def count_items(opts: RunOptions) -> dict[str, int]:
    """How many items each task will run (for a progress bar)."""
    tasks = [get_task(n) for n in opts.tasks]  # every name checked before any data is read
    return {t.name: len(sample(t.load(opts.data_dir), opts.limit, opts.seed)) for t in tasks}
