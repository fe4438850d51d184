"""The server under load stays responsive: many streaming chats, searches and a hostile mix at
once, while a cheap call (`/health`, `GET /v1/models`) is timed throughout.

The peer is the same server idle, measured in the same run just before the load: the table
gives the cheap calls' p50 and p99 under load against idle, as a ratio. The load, for
`--seconds`:

- `--clients` streaming chats (Korean prompts, `stream: true`), one key, each client asking
  again as soon as it has its answer; counted: completed, 429 (and whether each carried
  Retry-After), 5xx, over the queue deadline (no answer headers within the deadline + 5 s),
  and the time to the first token (p50, p95);
- searches in a collection holding a Korean document (lexical and hybrid);
- the hostile mix, in a loop: a 9 MiB JSON body (a 413), a slow client trickling its body a
  byte at a time, a 10,000-character Korean line to chat and to the AI Filter.

Then 8 streaming clients leave mid-answer, and the time for a fresh request to get its first
token is measured. RSS of the server before and after.

Usage: python -m bench.load [--model echo-slow] [--clients 64] [--seconds 60]
                           [--write docs/benchmarks.md]
A short run: `nice python -m bench.load --clients 24 --seconds 25` (about a minute and a half).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.report import write_section
from bench.safety_long import _serve

PROMPTS = [
    "서울의 봄 날씨를 세 문장으로 알려 주세요. 벚꽃은 언제 피나요?",
    "하늘이 파란 이유를 초등학생에게 설명해 주세요.",
    "회의록을 요약하는 좋은 방법을 다섯 가지 알려 주세요.",
    "부산에서 제주까지 배로 가는 데 얼마나 걸리나요?",
]
DOCUMENT = (
    "여름휴가는 7월부터 8월 사이에 최대 5일까지 쓸 수 있습니다. 경조사 휴가는 본인 결혼 시 5일, "
    "자녀 결혼 시 1일입니다. 출장비는 실비로 정산하며 영수증을 첨부해야 합니다.\n"
) * 8
QUEUE_DEADLINE_S = 30.0


@dataclass
class Tally:
    completed: int = 0
    refused: int = 0  # 429
    refused_without_retry_after: int = 0
    server_errors: int = 0
    over_deadline: int = 0
    other: Counter[int] = field(default_factory=Counter)
    ttft: list[float] = field(default_factory=list)
    hostile: Counter[str] = field(default_factory=Counter)
    searches: Counter[int] = field(default_factory=Counter)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def stream_once(http: httpx.AsyncClient, model: str, prompt: str, tally: Tally) -> None:
    body = {"model": model, "stream": True, "messages": [{"role": "user", "content": prompt}]}
    start = time.perf_counter()
    try:
        async with http.stream("POST", "/v1/chat/completions", json=body) as res:
            if time.perf_counter() - start > QUEUE_DEADLINE_S + 5:
                tally.over_deadline += 1
            if res.status_code == 429:
                tally.refused += 1
                tally.refused_without_retry_after += "retry-after" not in res.headers
                await res.aread()
                wait = float(res.headers.get("retry-after", "1"))
                await asyncio.sleep(min(wait, 2.0))
                return
            if res.status_code >= 500:
                tally.server_errors += 1
                return
            if res.status_code != 200:
                tally.other[res.status_code] += 1
                return
            first = True
            async for line in res.aiter_lines():
                if first and line.startswith("data: {") and '"content"' in line:
                    tally.ttft.append(time.perf_counter() - start)
                    first = False
            tally.completed += 1
    except httpx.HTTPError:
        tally.other[0] += 1


async def chat_client(url: str, model: str, until: float, tally: Tally, n: int) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=120) as http:
        i = n
        while time.monotonic() < until:
            await stream_once(http, model, PROMPTS[i % len(PROMPTS)], tally)
            i += 1


async def search_client(url: str, until: float, tally: Tally) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=120) as http:
        modes = ["lexical", "hybrid"]
        i = 0
        while time.monotonic() < until:
            body = {"query": "결혼하면 휴가 며칠", "mode": modes[i % 2], "top_k": 3}
            res = await http.post("/v1/collections/부하-규정/search", json=body)
            tally.searches[res.status_code] += 1
            if res.status_code == 429:
                await asyncio.sleep(1)
            i += 1


async def slow_client(url: str, seconds: float) -> str:
    """A body declared as 400 bytes, sent a byte every 100 ms, then dropped."""
    host, port = url.removeprefix("http://").split(":")
    _reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nContent-Length: 400\r\n\r\n{"
    )
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        writer.write(b" ")
        await writer.drain()
        await asyncio.sleep(0.1)
    writer.close()
    return "slow client dropped"


def _said(res: httpx.Response) -> str:
    """The status, with the error code when there is one (`400 context_length_exceeded`)."""
    if res.status_code < 400:
        return str(res.status_code)
    try:
        return f"{res.status_code} {res.json()['error']['code']}"
    except (ValueError, KeyError, TypeError):
        return str(res.status_code)


async def hostile_client(url: str, model: str, until: float, tally: Tally) -> None:
    huge = b'{"model": "echo", "messages": [{"role": "user", "content": "' + b"a" * (9 << 20)
    huge += b'"}]}'
    line = ("가나다라마바사아자차카타파하" * 800)[:10_000]
    async with httpx.AsyncClient(base_url=url, timeout=120) as http:
        while time.monotonic() < until:
            res = await http.post(
                "/v1/chat/completions",
                content=huge,
                headers={"Content-Type": "application/json"},
            )
            tally.hostile[f"9 MiB body: {_said(res)}"] += 1
            body = {"model": model, "messages": [{"role": "user", "content": line}]}
            res = await http.post("/v1/chat/completions", json=body)
            tally.hostile[f"10k Korean chat: {_said(res)}"] += 1
            res = await http.post("/v1/moderations", json={"input": line})
            tally.hostile[f"10k Korean moderation: {_said(res)}"] += 1
            tally.hostile[await slow_client(url, 3.0)] += 1


async def probe(url: str, until: float) -> dict[str, list[float]]:
    """/health and GET /v1/models, one after the other every 50 ms, timed."""
    times: dict[str, list[float]] = {"/health": [], "/v1/models": []}
    async with httpx.AsyncClient(base_url=url, timeout=120) as http:
        while time.monotonic() < until:
            for path in times:
                start = time.perf_counter()
                res = await http.get(path)
                if res.status_code == 200:
                    times[path].append(time.perf_counter() - start)
            await asyncio.sleep(0.05)
    return times


async def after_disconnects(url: str, model: str) -> float:
    """8 streams left mid-answer; then the seconds to a fresh request's first token."""
    clients = [httpx.AsyncClient(base_url=url, timeout=120) for _ in range(8)]
    body = {"model": model, "stream": True, "messages": [{"role": "user", "content": PROMPTS[1]}]}

    async def leave(http: httpx.AsyncClient) -> None:
        async with http.stream("POST", "/v1/chat/completions", json=body) as res:
            async for _ in res.aiter_lines():
                break  # the first line, then gone

    await asyncio.gather(*(leave(c) for c in clients))
    for c in clients:
        await c.aclose()
    tally = Tally()
    async with httpx.AsyncClient(base_url=url, timeout=120) as http:
        await stream_once(http, model, PROMPTS[0], tally)
    return tally.ttft[0] if tally.ttft else float("nan")


async def run(url: str, pid: int, model: str, clients: int, seconds: float) -> dict[str, object]:
    async with httpx.AsyncClient(base_url=url, timeout=120) as http:
        await http.post("/v1/collections", json={"name": "부하-규정"})
        files = {"files": ("규정.txt", DOCUMENT.encode(), "text/plain")}
        await http.post("/v1/collections/부하-규정/documents?wait=false", files=files)
        # the peer must be idle: wait until the document is embedded (e5 works behind it)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            card = (await http.get("/v1/collections/부하-규정")).json()
            if card["chunks"] and not card.get("indexing", {}).get("pending"):
                break
            await asyncio.sleep(1)
    rss_before = rss_mib(pid)
    idle = await probe(url, time.monotonic() + 10.0)
    tally = Tally()
    until = time.monotonic() + seconds
    tasks = [chat_client(url, model, until, tally, i) for i in range(clients)]
    tasks += [search_client(url, until, tally) for _ in range(2)]
    tasks += [hostile_client(url, model, until, tally)]
    loaded, *_ = await asyncio.gather(probe(url, until), *tasks)
    await asyncio.sleep(2)
    fresh = await after_disconnects(url, model)
    return {
        "idle": idle,
        "loaded": loaded,
        "tally": tally,
        "fresh_after_disconnects": fresh,
        "rss": (rss_before, rss_mib(pid)),
    }


def render(result: dict[str, object], model: str, clients: int, seconds: float) -> str:
    idle: dict[str, list[float]] = result["idle"]  # type: ignore[assignment]
    loaded: dict[str, list[float]] = result["loaded"]  # type: ignore[assignment]
    tally: Tally = result["tally"]  # type: ignore[assignment]
    before, after = result["rss"]  # type: ignore[misc]
    load, cores = os.getloadavg()[0], os.cpu_count()
    lines = [
        "### Responsiveness under load (bench/load.py)\n",
        f"`{model}`, {clients} streaming clients on one key for {seconds:g} s, with 2 search "
        "clients and the hostile mix (9 MiB bodies, slow clients, 10,000-character Korean "
        f"lines); load average {load:.1f} on {cores} cores at the end. The peer is the same "
        "server idle, just before, in the same run. Command: "
        f"`nice python -m bench.load --model {model} --clients {clients} --seconds {seconds:g}`"
        " (the default is 64 clients for 60 s).\n",
        "| cheap call | idle p50 | idle p99 | loaded p50 | loaded p99 | p50 ratio | p99 ratio |"
        " calls idle / loaded |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for path in idle:
        i50, i99 = pct(idle[path], 0.5), pct(idle[path], 0.99)
        l50, l99 = pct(loaded[path], 0.5), pct(loaded[path], 0.99)
        lines.append(
            f"| `{path}` | {i50 * 1000:.1f} ms | {i99 * 1000:.1f} ms | {l50 * 1000:.1f} ms "
            f"| {l99 * 1000:.1f} ms | {l50 / i50:.1f}× | {l99 / i99:.1f}× "
            f"| {len(idle[path])} / {len(loaded[path])} |"
        )
    ttft = tally.ttft
    lines += [
        "",
        "| streams completed | 429 | 429 without Retry-After | 5xx | over deadline | other "
        "| first token p50 | first token p95 |",
        "|---:|---:|---:|---:|---:|---|---:|---:|",
        f"| {tally.completed} | {tally.refused} | {tally.refused_without_retry_after} "
        f"| {tally.server_errors} | {tally.over_deadline} | {dict(tally.other) or '-'} "
        f"| {statistics.median(ttft) if ttft else float('nan'):.2f} s "
        f"| {pct(ttft, 0.95):.2f} s |",
        "",
        f"Searches by status: {dict(sorted(tally.searches.items()))}. Hostile requests: "
        + ", ".join(f"{k} ×{v}" for k, v in sorted(tally.hostile.items()))
        + f". After 8 streams left mid-answer, a fresh stream's first token came in "
        f"{result['fresh_after_disconnects']:.2f} s. Server RSS {before:.0f} → {after:.0f} MiB.\n",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--model", default="echo-slow")
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="haneul-load-"))
    # e5 loaded before the run: its first load holds the GIL for seconds (see docs/benchmarks.md)
    settings = {
        "default_model": "echo",
        "tuning_worker": "false",
        "preload": "multilingual-e5-small",
        # one key for all: the per-minute limit would refuse the probes themselves; the
        # concurrency limits (16 at once, a queue of 32, a 30 s deadline) stay as shipped
        "rate_limit_rpm": "1000000",
    }
    if args.model not in ("echo", "echo-slow"):
        settings["preload"] += "," + args.model
    proc, url = _serve(home, **settings)
    try:
        result = asyncio.run(run(url, proc.pid, args.model, args.clients, args.seconds))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(home, ignore_errors=True)
    section = render(result, args.model, args.clients, args.seconds)
    sys.stdout.write(section)
    print(json.dumps({k: v for k, v in result.items() if k == "rss"}), file=sys.stderr)
    if args.write:
        write_section(args.write, "load", section)


if __name__ == "__main__":
    main()
