"""The server under load stays responsive: many streaming chats, searches and a hostile mix at
once, while a cheap call (`/health`, `GET /v1/models`) is timed throughout, from a process of
its own (the load's clients must not slow the probe).

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
token is measured. RSS of the server (with its children: the e5 passage worker) before and
after.

Each model of `--model` (comma separated; by default the bundled `haneul-mini-ko` and the
`echo-slow` test model) runs on a fresh server, one after the other; one table holds them.

Usage: python -m bench.load [--model haneul-mini-ko,echo-slow] [--clients 64] [--seconds 60]
                           [--write docs/benchmarks.md]
A short run: `nice python -m bench.load --model echo-slow --clients 24 --seconds 25` (about a
minute and a half). The issue's size (64 clients for 60 s on both models) needs about 6
minutes and most of 2 cores: run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
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
    overloaded: int = 0  # 429 engine_overloaded: the engine's slots stayed full past the deadline
    server_errors: int = 0  # any other 5xx
    over_deadline: int = 0
    other: Counter[int] = field(default_factory=Counter)
    ttft: list[float] = field(default_factory=list)
    hostile: Counter[str] = field(default_factory=Counter)
    searches: Counter[int] = field(default_factory=Counter)


def _client(url: str) -> httpx.AsyncClient:
    """A client of the plain-HTTP server. `verify=False`: no certificate store is loaded
    (80 ms each on this machine; 64 clients made at once held the load's event loop 5 s,
    the probe and the search clients with it)."""
    return httpx.AsyncClient(base_url=url, timeout=120, verify=False)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def rss_mib(pid: int) -> float:
    """The RSS of `pid` and its children (the e5 passage worker), in MiB."""
    total = 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            total += int(line.split()[1]) / 1024
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        total += sum(rss_mib(int(child)) for child in children)
    return total


async def stream_once(http: httpx.AsyncClient, model: str, prompt: str, tally: Tally) -> None:
    body = {"model": model, "stream": True, "messages": [{"role": "user", "content": prompt}]}
    start = time.perf_counter()
    try:
        async with http.stream("POST", "/v1/chat/completions", json=body) as res:
            if time.perf_counter() - start > QUEUE_DEADLINE_S + 5:
                tally.over_deadline += 1
            said = _said(res, await res.aread()) if res.status_code >= 400 else ""
            if res.status_code == 429:
                if said == "429 engine_overloaded":
                    tally.overloaded += 1
                else:
                    tally.refused += 1
                tally.refused_without_retry_after += "retry-after" not in res.headers
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
    async with _client(url) as http:
        i = n
        while time.monotonic() < until:
            await stream_once(http, model, PROMPTS[i % len(PROMPTS)], tally)
            i += 1


async def search_client(url: str, until: float, tally: Tally) -> None:
    async with _client(url) as http:
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


def _said(res: httpx.Response, body: bytes | None = None) -> str:
    """The status, with the error code when there is one (`400 context_length_exceeded`)."""
    if res.status_code < 400:
        return str(res.status_code)
    try:
        return f"{res.status_code} {json.loads(body or res.content)['error']['code']}"
    except (ValueError, KeyError, TypeError):
        return str(res.status_code)


async def hostile_client(url: str, model: str, until: float, tally: Tally) -> None:
    huge = b'{"model": "echo", "messages": [{"role": "user", "content": "' + b"a" * (9 << 20)
    huge += b'"}]}'
    line = ("가나다라마바사아자차카타파하" * 800)[:10_000]
    async with _client(url) as http:
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


def probe_apart(url: str, seconds: float) -> dict[str, list[float]]:
    """`probe` for `seconds`, run in a process of its own (see `probed`)."""
    return asyncio.run(probe(url, time.monotonic() + seconds))


async def probed(url: str, seconds: float) -> dict[str, list[float]]:
    """The cheap calls timed from another process: the load's own clients (64 streams
    parsed in this process's event loop) must not delay the probe and be counted as the
    server's latency."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        return await asyncio.get_running_loop().run_in_executor(pool, probe_apart, url, seconds)


async def probe(url: str, until: float) -> dict[str, list[float]]:
    """/health and GET /v1/models, one after the other every 50 ms, timed."""
    times: dict[str, list[float]] = {"/health": [], "/v1/models": []}
    async with _client(url) as http:
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
    clients = [_client(url) for _ in range(8)]
    body = {"model": model, "stream": True, "messages": [{"role": "user", "content": PROMPTS[1]}]}

    async def leave(http: httpx.AsyncClient) -> None:
        async with http.stream("POST", "/v1/chat/completions", json=body) as res:
            async for _ in res.aiter_lines():
                break  # the first line, then gone

    await asyncio.gather(*(leave(c) for c in clients))
    for c in clients:
        await c.aclose()
    tally = Tally()
    async with _client(url) as http:
        await stream_once(http, model, PROMPTS[0], tally)
    return tally.ttft[0] if tally.ttft else float("nan")


async def run(url: str, pid: int, model: str, clients: int, seconds: float) -> dict[str, object]:
    async with _client(url) as http:
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
        while time.monotonic() < deadline:  # and the e5 passage worker to be up (its RSS)
            e5 = (await http.get("/health")).json()["models"].get("multilingual-e5-small", {})
            if e5.get("passage_worker", {}).get("ready", True):
                break
            await asyncio.sleep(1)
    rss_before = rss_mib(pid)
    idle = await probed(url, 10.0)
    tally = Tally()
    until = time.monotonic() + seconds
    tasks = [chat_client(url, model, until, tally, i) for i in range(clients)]
    tasks += [search_client(url, until, tally) for _ in range(2)]
    tasks += [hostile_client(url, model, until, tally)]
    loaded, *_ = await asyncio.gather(probed(url, seconds), *tasks)
    await asyncio.sleep(2)
    fresh = await after_disconnects(url, model)
    return {
        "idle": idle,
        "loaded": loaded,
        "tally": tally,
        "fresh_after_disconnects": fresh,
        "rss": (rss_before, rss_mib(pid)),
    }


def _ms(values: list[float], q: float) -> str:
    return f"{pct(values, q) * 1000:.1f} ms"


def render(results: list[tuple[str, dict[str, object]]], clients: int, seconds: float) -> str:
    load, cores = os.getloadavg()[0], os.cpu_count()
    models = ",".join(model for model, _ in results)
    lines = [
        "### Responsiveness under load (bench/load.py)\n",
        f"{clients} streaming clients on one key for {seconds:g} s per model (each on a fresh "
        "server), with 2 search clients and the hostile mix (9 MiB bodies, slow clients, "
        f"10,000-character Korean lines); load average {load:.1f} on {cores} cores at the end. "
        "The peer is the same server idle, just before, in the same run. Command: "
        f"`nice python -m bench.load --model {models} --clients {clients} --seconds {seconds:g}`"
        ".\n",
        "| model | cheap call | idle p50 | idle p99 | loaded p50 | loaded p99 | p50 ratio "
        "| p99 ratio | calls idle / loaded |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for model, result in results:
        idle: dict[str, list[float]] = result["idle"]  # type: ignore[assignment]
        loaded: dict[str, list[float]] = result["loaded"]  # type: ignore[assignment]
        for path in idle:
            ratio50 = pct(loaded[path], 0.5) / pct(idle[path], 0.5)
            ratio99 = pct(loaded[path], 0.99) / pct(idle[path], 0.99)
            lines.append(
                f"| `{model}` | `{path}` | {_ms(idle[path], 0.5)} | {_ms(idle[path], 0.99)} "
                f"| {_ms(loaded[path], 0.5)} | {_ms(loaded[path], 0.99)} | {ratio50:.1f}× "
                f"| {ratio99:.1f}× | {len(idle[path])} / {len(loaded[path])} |"
            )
    lines += [
        "",
        "| model | streams completed | 429 key limits | 429 engine overloaded "
        "| refusals without Retry-After | other 5xx | over deadline "
        "| other | first token p50 | first token p95 | fresh stream after 8 left "
        "| RSS before → after |",
        "|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    for model, result in results:
        tally: Tally = result["tally"]  # type: ignore[assignment]
        before, after = result["rss"]  # type: ignore[misc]
        ttft = tally.ttft
        fresh: float = result["fresh_after_disconnects"]  # type: ignore[assignment]
        lines.append(
            f"| `{model}` | {tally.completed} | {tally.refused} | {tally.overloaded} "
            f"| {tally.refused_without_retry_after} | {tally.server_errors} "
            f"| {tally.over_deadline} | {dict(tally.other) or '-'} "
            f"| {statistics.median(ttft) if ttft else float('nan'):.2f} s "
            f"| {pct(ttft, 0.95):.2f} s | {fresh:.2f} s | {before:.0f} → {after:.0f} MiB |"
        )
    lines.append("")
    for model, result in results:
        tally = result["tally"]  # type: ignore[assignment]
        lines.append(
            f"`{model}`: searches by status {dict(sorted(tally.searches.items()))}; hostile "
            "requests: " + ", ".join(f"{k} ×{v}" for k, v in sorted(tally.hostile.items())) + "."
        )
    lines.append(
        '\nRSS counts the server and its children (the e5 passage worker). "Over deadline": '
        f"no answer headers within the queue deadline ({QUEUE_DEADLINE_S:g} s) + 5 s.\n"
    )
    return "\n".join(lines) + "\n"


def measure(model: str, clients: int, seconds: float) -> dict[str, object]:
    """One model's run on a fresh server of its own."""
    home = Path(tempfile.mkdtemp(prefix="haneul-load-"))
    # e5 loaded before the run, so that the idle peer is idle
    settings = {
        "default_model": "echo",
        "tuning_worker": "false",
        "preload": "multilingual-e5-small",
        # one key for all: the per-minute limit would refuse the probes themselves; the
        # concurrency limits (16 at once, a queue of 32, a 30 s deadline) stay as shipped
        "rate_limit_rpm": "1000000",
    }
    if model not in ("echo", "echo-slow"):
        settings["preload"] += "," + model
    proc, url = _serve(home, **settings)
    try:
        return asyncio.run(run(url, proc.pid, model, clients, seconds))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(home, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--model", default="haneul-mini-ko,echo-slow")
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    results = []
    for model in filter(None, (m.strip() for m in args.model.split(","))):
        results.append((model, measure(model, args.clients, args.seconds)))
        print(model, json.dumps({"rss": results[-1][1]["rss"]}), file=sys.stderr)
    section = render(results, args.clients, args.seconds)
    sys.stdout.write(section)
    if args.write:
        write_section(args.write, "load", section)


if __name__ == "__main__":
    main()
